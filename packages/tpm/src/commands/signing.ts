import { TPM_ALG } from '../constants/alg.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_ST } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { checkSignature, signDigest } from '../crypto/signatures.js';
import { hashCheckDigest, verifiedDigest } from '../objects/ticketDigests.js';
import type { TpmKey } from '../objects/tpmKey.js';
import { implement } from '../pipeline/handler.js';
import { Sign, VerifySignature } from '../spec/signing.js';
import { ECC_SIG_SCHEMES, RSA_SIG_SCHEMES, type SigScheme } from '../structures/signature.js';
import { nullTicket, type Ticket } from '../structures/tickets.js';
import type { Tpm } from '../tpm.js';
import { keyAt } from './object.js';
import { privateKeyAt } from './keyUse.js';

const byHandle = (rc: number, why: string) => new TpmError(rc, why).forHandle(1);
const byParam = (n: number) => (rc: number, why: string) => new TpmError(rc, why).forParameter(n);

/** The signature schemes each key type signs with. */
const SIGN_SCHEMES_BY_TYPE = new Map<number, readonly number[]>([
  [TPM_ALG.RSA, RSA_SIG_SCHEMES],
  [TPM_ALG.ECC, ECC_SIG_SCHEMES],
  [TPM_ALG.KEYEDHASH, [TPM_ALG.HMAC]],
]);

/** The hierarchies a ticket may name (TPMI_RH_HIERARCHY+). */
const TICKET_HIERARCHIES = new Set<number>([TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL]);

/**
 * The scheme to sign with (the reference's CryptSelectSignScheme): the key's default unless it has
 * none; when both are given they must agree in scheme and hash. ECDAA cannot be the default because
 * it needs the caller's commit count. Null when no scheme can be chosen.
 */
export function selectSignScheme(key: TpmKey, inScheme: SigScheme): SigScheme | null {
  const usable = SIGN_SCHEMES_BY_TYPE.get(key.pub.type);
  if (!usable) return null;
  const keyScheme: SigScheme = key.pub.parameters.scheme;
  // libtpms (swtpm 0.7.1) also refuses here a scheme of another key type (ECDSA for an RSA key)
  if (keyScheme.scheme === TPM_ALG.NULL) return usable.includes(inScheme.scheme) ? inScheme : null;
  if (inScheme.scheme === TPM_ALG.NULL) return keyScheme.scheme === TPM_ALG.ECDAA ? null : keyScheme;
  const same = keyScheme.scheme === inScheme.scheme && keyScheme.details!.hashAlg === inScheme.details!.hashAlg;
  return same ? inScheme : null;
}

/**
 * TPM2_Sign (Part 3, 20.2). A restricted key signs only digests the TPM computed itself, proven by a
 * hash-check ticket; otherwise anyone could have it sign a forged TPMS_ATTEST (a fake quote).
 */
export const sign = implement(Sign, (tpm, { handles, params }) => {
  const { digest, inScheme, validation } = params;
  const key = privateKeyAt(tpm, handles.keyHandle, 1);
  // The ticket's tag and TPMI_RH_HIERARCHY+ are unmarshalling errors, so before the command's own checks
  if (validation.tag !== TPM_ST.HASHCHECK) throw byParam(3)(TPM_RC.TAG, 'not a hash-check ticket');
  if (!TICKET_HIERARCHIES.has(validation.hierarchy)) throw byParam(3)(TPM_RC.VALUE, 'ticket hierarchy');
  if (!key.has('sign')) throw byHandle(TPM_RC.KEY, 'not a signing key');
  if (key.has('x509sign')) throw byHandle(TPM_RC.ATTRIBUTES, 'x509sign keys only sign certificates (CertifyX509)');
  const scheme = selectSignScheme(key, inScheme);
  if (!scheme) throw byParam(2)(TPM_RC.SCHEME, 'no scheme, or one that differs from the key default');
  const hashAlg = scheme.details!.hashAlg;
  if (validation.digest.length !== 0 || key.has('restricted')) {
    if (!hashCheckDigest(tpm, validation.hierarchy, hashAlg, digest).equals(validation.digest)) throw byParam(3)(TPM_RC.TICKET, 'no valid hash-check ticket for this digest');
  } else if (digest.length !== digestSize(hashAlg)) {
    throw byParam(1)(TPM_RC.SIZE, 'digest is not of the scheme hash size');
  }
  return { signature: signDigest(key, scheme, digest, tpm.random) };
});

/** The ticket saying that this key signed `digest` (a NULL ticket for keys of the NULL hierarchy). */
function verifiedTicket(tpm: Tpm, key: TpmKey, digest: Buffer): Ticket {
  if (key.hierarchy === TPM_RH.NULL || key.pub.nameAlg === TPM_ALG.NULL) return nullTicket(TPM_RH.NULL, TPM_ST.VERIFIED);
  return { tag: TPM_ST.VERIFIED, hierarchy: key.hierarchy, digest: verifiedDigest(tpm, key.hierarchy, digest, key.nameBytes) };
}

/** TPM2_VerifySignature (Part 3, 20.1): a TPMT_TK_VERIFIED for a genuine signature, TPM_RC_SIGNATURE + P2 otherwise. */
export const verifySignature = implement(VerifySignature, (tpm, { handles, params }) => {
  const key = keyAt(tpm, handles.keyHandle, 1);
  if (!key.has('sign')) throw byHandle(TPM_RC.ATTRIBUTES, 'not a signing key');
  const rc = checkSignature(key, params.digest, params.signature);
  if (rc !== TPM_RC.SUCCESS) throw byParam(2)(rc, 'signature does not verify');
  return { validation: verifiedTicket(tpm, key, params.digest) };
});
