import {
  CreatePrimary, EvictControl, FlushContext, NV_DefineSpace, NV_Write, PCR_Extend, TPM_ALG, TPM_ECC_CURVE, TPM_RH, TPMA_NV, TPMA_OBJECT, type TpmClient, type TpmtPublic,
} from '@vtpm/tpm';

const PW = [{ password: '' }];
/** NV indices of the benchmark's TPM content: sizes a platform typically has (small counters' data to EK certificates). */
export const NV_CONTENT = [
  { index: 0x01500200, size: 32 },
  { index: 0x01500201, size: 256 },
  { index: 0x01500202, size: 1024 },
  { index: 0x01500203, size: 2048 },
];
const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, noDA } = TPMA_OBJECT;
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const STORAGE = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA;

/**
 * The same content in any started TPM (swtpm or vtpm), so their state blobs can be compared: four
 * NV indices written full, an ECC and an RSA storage key made persistent, PCRs 0-7 extended.
 */
export async function populateTpm(client: TpmClient): Promise<void> {
  for (const { index, size } of NV_CONTENT) {
    const publicInfo = { nvIndex: index, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD, authPolicy: Buffer.alloc(0), dataSize: size };
    await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: PW, params: { auth: Buffer.alloc(0), publicInfo } });
    for (let offset = 0; offset < size; offset += 1024) {
      const data = Buffer.alloc(Math.min(1024, size - offset), index & 0xff);
      await client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: PW, params: { data, offset } });
    }
  }
  const templates = [
    { type: TPM_ALG.ECC, parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) } },
    { type: TPM_ALG.RSA, parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 }, unique: Buffer.alloc(0) },
  ];
  for (const [i, t] of templates.entries()) {
    const inPublic: TpmtPublic = { type: t.type, nameAlg: TPM_ALG.SHA256, objectAttributes: STORAGE, authPolicy: Buffer.alloc(0), parameters: t.parameters, unique: t.unique };
    const primary = await client.run(CreatePrimary, {
      handles: { primaryHandle: TPM_RH.OWNER },
      auth: PW,
      params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic, outsideInfo: Buffer.alloc(0), creationPCR: [] },
    });
    await client.run(EvictControl, { handles: { auth: TPM_RH.OWNER, objectHandle: primary.handle }, auth: PW, params: { persistentHandle: 0x81000200 + i } });
    await client.run(FlushContext, { params: { flushHandle: primary.handle } });
  }
  for (let pcr = 0; pcr < 8; pcr++) {
    await client.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: PW, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, pcr) }] } });
  }
}
