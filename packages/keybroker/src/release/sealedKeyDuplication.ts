import { createHash, randomBytes } from 'node:crypto';
import {
  TPM2B_PUBLIC, TPMA_OBJECT, TPML_PCR_SELECTION, TPM_ALG, TPM_CC, marshal, objectName, unmarshal, wrapForImport, type PcrSelection, type TpmtPublic,
} from '@vtpm/tpm';
import { refuseRelease } from '../protocol/releaseRefusal.js';

type PcrValues = ReadonlyMap<number, ReadonlyMap<number, Buffer>>;

const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};

/** Inner wrapper of TPM-mode releases: AES-128-CFB (Import's symmetricAlg). */
export const INNER_WRAPPER_ALG = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };

/**
 * PolicyPCR from a fresh SHA-256 session, in software (Part 3, 23.7):
 * H(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(selected values, banks in selection order, PCRs ascending)).
 * (@vtpm/hypervisor's pcrPolicyDigest is the SHA-256-bank-only case; the broker cannot depend on it.)
 */
export function policyPcrDigest(selection: PcrSelection[], values: PcrValues): Buffer {
  const selected: Buffer[] = [];
  for (const s of selection) {
    for (let pcr = 0; pcr < s.pcrSelect.length * 8; pcr++) {
      if (!(s.pcrSelect[pcr >> 3]! & (1 << (pcr & 7)))) continue;
      const v = values.get(s.hash)?.get(pcr);
      if (!v) throw new Error(`no quoted value for PCR ${pcr} of bank 0x${s.hash.toString(16)}`);
      selected.push(v);
    }
  }
  return sha256(Buffer.alloc(32), u32(TPM_CC.PolicyPCR), marshal(TPML_PCR_SELECTION, selection), sha256(...selected));
}

/** The parent a TPM-mode release is wrapped to: an RSA/ECC restricted decryption key with an AES symmetric (a storage key or an EK). */
export function storageParentOf(octets: Buffer, what: string): { public: TpmtPublic; octets: Buffer } {
  let pub: TpmtPublic;
  try {
    pub = unmarshal(TPM2B_PUBLIC, octets);
  } catch (e) {
    return refuseRelease('bad-request', `${what} is not a TPM2B_PUBLIC: ${(e as Error).message}`);
  }
  const a = pub.objectAttributes;
  const isStorage = (pub.type === TPM_ALG.RSA || pub.type === TPM_ALG.ECC) && a & TPMA_OBJECT.restricted && a & TPMA_OBJECT.decrypt && !(a & TPMA_OBJECT.sign);
  if (!isStorage || pub.parameters?.symmetric?.algorithm !== TPM_ALG.AES || pub.nameAlg === TPM_ALG.NULL) {
    refuseRelease('bad-request', `${what} is not a storage key (RSA/ECC, restricted, decrypt, AES symmetric)`);
  }
  return { public: pub, octets: marshal(TPM2B_PUBLIC, pub) };
}

/** A KEYEDHASH sealed-data object for `data`, opened only by a policy session with this authPolicy (userWithAuth clear), duplicable (fixedTPM/fixedParent clear). */
function sealedObject(data: Buffer, authPolicy: Buffer) {
  const seedValue = randomBytes(32);
  const objectPublic: TpmtPublic = {
    type: TPM_ALG.KEYEDHASH, nameAlg: TPM_ALG.SHA256, objectAttributes: TPMA_OBJECT.noDA, authPolicy,
    parameters: { scheme: { scheme: TPM_ALG.NULL, details: null } },
    unique: sha256(seedValue, data),
  };
  return { objectPublic, sensitive: { sensitiveType: TPM_ALG.KEYEDHASH, authValue: Buffer.alloc(0), seedValue, sensitive: Buffer.from(data) } };
}

/**
 * Duplicate in software: the VM key as sealed data under PolicyPCR(selection, quoted values),
 * outer-wrapped to `parent` (so only that TPM can Import it) and, when asked, inner-wrapped.
 */
export function duplicateVmKey(parent: { public: TpmtPublic }, vmKey: Buffer, selection: PcrSelection[], quotedValues: PcrValues, innerWrapper: boolean) {
  const policyDigest = policyPcrDigest(selection, quotedValues);
  const { objectPublic, sensitive } = sealedObject(vmKey, policyDigest);
  const encryptionKey = innerWrapper ? randomBytes(16) : Buffer.alloc(0);
  try {
    const blob = wrapForImport(parent.public, objectPublic, sensitive, innerWrapper ? { keyBits: 128, key: encryptionKey } : null);
    return { parentName: objectName(parent.public), objectPublic: marshal(TPM2B_PUBLIC, objectPublic), duplicate: blob.duplicate, inSymSeed: blob.inSymSeed, encryptionKey, policyDigest };
  } catch (e) {
    return refuseRelease('bad-request', `cannot wrap to the storage key: ${(e as Error).message}`);
  } finally {
    sensitive.sensitive.fill(0);
  }
}
