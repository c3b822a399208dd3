import { CreatePrimary, InProcessTransport, PCR_Extend, Startup, TPMA_OBJECT, TPM_ALG, TPM_RH, TPM_SU, Tpm, TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { EV, EventLogWriter } from '@vtpm/attest';
import type { AttestingHost } from '../../src/index.js';

/** One measurement of a boot: PCR, event type, what was measured. */
export type Measurement = readonly [pcr: number, eventType: number, content: string];

export const GOOD_BOOT: readonly Measurement[] = [
  [0, EV.S_CRTM_VERSION, 'firmware 1.0'],
  [1, EV.EFI_VARIABLE_BOOT2, 'BootOrder 0001'],
  [7, EV.EFI_VARIABLE_DRIVER_CONFIG, 'SecureBoot=1'],
  ...[0, 1, 4, 7].map((pcr) => [pcr, EV.SEPARATOR, '\0\0\0\0'] as const),
  [4, EV.EFI_BOOT_SERVICES_APPLICATION, 'shim 15.8'],
  [4, EV.EFI_BOOT_SERVICES_APPLICATION, 'hypervisor 1.0'],
];

/** The same boot with a different hypervisor binary: PCR 4 differs. */
export const TAMPERED_BOOT: readonly Measurement[] = GOOD_BOOT.map((m) => (m[2] === 'hypervisor 1.0' ? ([4, m[1], 'hypervisor 1.0 + rootkit'] as const) : m));

const PW = [{ password: '' }];
const A = TPMA_OBJECT;
const AK_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.sign | A.noDA;
/** A restricted decryption key usable with a password (the TCG EK template needs a policy session). */
const EK_ATTRIBUTES = A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.decrypt | A.noDA;
const NULL_SCHEME = { scheme: TPM_ALG.NULL, details: null };

const ekTemplate: TpmtPublic = {
  type: TPM_ALG.RSA, nameAlg: TPM_ALG.SHA256, objectAttributes: EK_ATTRIBUTES, authPolicy: Buffer.alloc(0),
  parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: NULL_SCHEME, keyBits: 2048, exponent: 0 }, unique: Buffer.alloc(0),
};
const akTemplate: TpmtPublic = {
  type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, objectAttributes: AK_ATTRIBUTES, authPolicy: Buffer.alloc(0),
  parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: NULL_SCHEME }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
};

async function createPrimary(client: TpmClient, template: TpmtPublic): Promise<{ handle: number; public: TpmtPublic }> {
  const r = await client.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.ENDORSEMENT }, auth: PW,
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  return { handle: r.handle, public: r.outPublic };
}

export interface MeasuredHost extends AttestingHost {
  ek: { handle: number; public: TpmtPublic };
}

/** An in-process TPM that booted `boot` (PCRs extended exactly as its event log records), with an EK and an AK. */
export async function bootHost(hostId: string, boot: readonly Measurement[] = GOOD_BOOT): Promise<MeasuredHost> {
  const tpm = new TpmClient(new InProcessTransport(new Tpm({ seed: Buffer.from(`keybroker host ${hostId}`) })));
  await tpm.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  const writer = new EventLogWriter();
  for (const [pcr, type, content] of boot) {
    const e = writer.measure(pcr, type, Buffer.from(content));
    await tpm.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: PW, params: { digests: e.digests.map((d) => ({ hashAlg: d.algorithmId, digest: d.digest })) } });
  }
  const ek = await createPrimary(tpm, ekTemplate);
  const ak = await createPrimary(tpm, akTemplate);
  return { hostId, tpm, ak, ek, eventLog: writer.toBuffer() };
}
