import { ActivateCredential, PCR_Extend, type TpmtPublic } from '@vtpm/tpm';
import { EV, EventLogWriter, Registrar, type EnrolledAk } from '../src/index.js';
import { makeCa, makeEkCertificate, pem, type Ca } from './certificateKit.js';
import { AK_ATTRIBUTES, EK_LIKE_ATTRIBUTES, NULL, PW, createPrimary, eccTemplate, rsaTemplate, scheme, startedTpm, type Fixture } from './tpmFixture.js';

/** One measurement of a boot: PCR, event type, what was measured. */
export type Measurement = readonly [pcr: number, eventType: number, content: string];

/** A boot chain: firmware, its configuration, the boot loader, Secure Boot policy, the separators. */
export const GOLDEN_BOOT: readonly Measurement[] = [
  [0, EV.S_CRTM_VERSION, 'firmware 1.0'],
  [0, EV.EFI_PLATFORM_FIRMWARE_BLOB2, 'firmware volume'],
  [1, EV.EFI_VARIABLE_BOOT2, 'BootOrder 0001'],
  [7, EV.EFI_VARIABLE_DRIVER_CONFIG, 'SecureBoot=1'],
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((pcr) => [pcr, EV.SEPARATOR, '\0\0\0\0'] as const),
  [4, EV.EFI_BOOT_SERVICES_APPLICATION, 'shim 15.8'],
  [4, EV.EFI_BOOT_SERVICES_APPLICATION, 'grub 2.12'],
];

export interface MeasuredHost extends Fixture {
  ek: { handle: number; pub: TpmtPublic; name: Buffer };
  ak: { handle: number; pub: TpmtPublic; name: Buffer };
  log: Buffer;
}

/**
 * A host that booted `boot`: a fresh TPM (same seed, so the same EK and AK every time) extended
 * exactly as the event log records, as firmware would.
 */
export async function bootHost(boot: readonly Measurement[] = GOLDEN_BOOT, seed = 'measured host'): Promise<MeasuredHost> {
  const f = await startedTpm(seed);
  const writer = new EventLogWriter();
  for (const [pcr, type, content] of boot) {
    const e = writer.measure(pcr, type, Buffer.from(content));
    await f.client.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: PW, params: { digests: e.digests.map((d) => ({ hashAlg: d.algorithmId, digest: d.digest })) } });
  }
  const ek = await createPrimary(f.client, rsaTemplate(EK_LIKE_ATTRIBUTES, scheme(NULL)));
  const ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
  return { ...f, ek, ak, log: writer.toBuffer() };
}

export interface Manufacturer {
  root: Ca;
  ca: Ca;
}

export async function makeManufacturer(): Promise<Manufacturer> {
  const root = await makeCa('test TPM manufacturer root');
  return { root, ca: await makeCa('test TPM manufacturer EK CA', root) };
}

/** The whole registrar flow for a host: EK certificate from the manufacturer, credential activation in its TPM. */
export async function enrol(host: MeasuredHost, manufacturer: Manufacturer): Promise<EnrolledAk> {
  const registrar = new Registrar({ ekRoots: [manufacturer.root.der] });
  const chain = pem(await makeEkCertificate(host.ek.pub, manufacturer.ca)) + pem(manufacturer.ca.der);
  const started = await registrar.startEnrolment(host.ek.pub, chain, host.ak.pub);
  if (!started.ok) throw new Error(started.message);
  const c = started.value;
  const { certInfo } = await host.client.run(ActivateCredential, { handles: { activateHandle: host.ak.handle, keyHandle: host.ek.handle }, auth: [...PW, ...PW], params: { credentialBlob: c.credentialBlob, secret: c.secret } });
  const enrolled = registrar.finishEnrolment(c, certInfo);
  if (!enrolled.ok) throw new Error(enrolled.message);
  return enrolled.value;
}
