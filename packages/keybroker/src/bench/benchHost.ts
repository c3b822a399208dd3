import { CreatePrimary, InProcessTransport, PCR_Extend, Startup, TPMA_OBJECT, TPM_ALG, TPM_RH, TPM_SU, Tpm, TpmClient, hash, pcrBitmap, type TpmtPublic } from '@vtpm/tpm';
import type { AttestingHost } from '../client/attestingHost.js';
import { readPcrs } from '../client/pcrRead.js';
import type { ReleasePolicy } from '../policy/releasePolicy.js';

const PW = [{ password: '' }];
const A = TPMA_OBJECT;
const NULL_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const BOOT_PCRS = [0, 2, 4, 7];

async function primary(tpm: TpmClient, template: TpmtPublic): Promise<{ handle: number; public: TpmtPublic }> {
  const r = await tpm.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.ENDORSEMENT }, auth: PW,
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  return { handle: r.handle, public: r.outPublic };
}

/** An in-process TPM that "booted" (PCRs 0, 2, 4, 7 extended), with a password EK and an ECDSA P-256 AK. */
export async function benchHost(hostId: string): Promise<AttestingHost & { ek: { handle: number; public: TpmtPublic } }> {
  const tpm = new TpmClient(new InProcessTransport(new Tpm({ seed: Buffer.from(`bench ${hostId}`) })));
  await tpm.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  for (const pcr of BOOT_PCRS) {
    await tpm.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: PW, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: hash(TPM_ALG.SHA256, Buffer.from(`boot component ${pcr}`)) }] } });
  }
  const ek = await primary(tpm, {
    type: TPM_ALG.RSA, nameAlg: TPM_ALG.SHA256, authPolicy: Buffer.alloc(0), unique: Buffer.alloc(0),
    objectAttributes: A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.decrypt | A.noDA,
    parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: NULL_SCHEME, keyBits: 2048, exponent: 0 },
  });
  const ak = await primary(tpm, {
    type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, authPolicy: Buffer.alloc(0), unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
    objectAttributes: A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.sign | A.noDA,
    parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: NULL_SCHEME },
  });
  return { hostId, tpm, ak, ek };
}

/** A policy allowing exactly the PCR values of `host` (every bench host boots the same). */
export async function benchPolicy(host: AttestingHost): Promise<ReleasePolicy> {
  const values = (await readPcrs(host.tpm, [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap(BOOT_PCRS) }])).get(TPM_ALG.SHA256)!;
  return { hostClass: 'bench', pcrs: { sha256: BOOT_PCRS }, allowedPcrValues: { sha256: Object.fromEntries(BOOT_PCRS.map((p) => [String(p), [values.get(p)!.toString('hex')]])) } };
}
