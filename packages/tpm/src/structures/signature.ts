import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { restricted, selectedBy, struct, u16, union, type Codec } from '../codec/codec.js';
import { TPMI_ALG_HASH, TPMT_HA, type TpmtHa } from './basic.js';
import { TPM2B_ECC_PARAMETER, TPM2B_PUBLIC_KEY_RSA } from './public.js';

/**
 * The signature schemes this TPM implements (TPMI_ALG_SIG_SCHEME). SM2 is not: its curve is not
 * implemented either, so it is refused like any unknown scheme (TPM_RC_SCHEME).
 */
export const SIG_SCHEMES = [TPM_ALG.HMAC, TPM_ALG.RSASSA, TPM_ALG.RSAPSS, TPM_ALG.ECDSA, TPM_ALG.ECDAA, TPM_ALG.ECSCHNORR] as const;
export const RSA_SIG_SCHEMES: readonly number[] = [TPM_ALG.RSASSA, TPM_ALG.RSAPSS];
export const ECC_SIG_SCHEMES: readonly number[] = [TPM_ALG.ECDSA, TPM_ALG.ECDAA, TPM_ALG.ECSCHNORR];

/** TPMI_ALG_SIG_SCHEME: one of the schemes above (TPM_RC_SCHEME otherwise). */
export const TPMI_ALG_SIG_SCHEME = restricted('TPMI_ALG_SIG_SCHEME', u16, SIG_SCHEMES, TPM_RC.SCHEME);
/** TPMI_ALG_SIG_SCHEME+ (TPMT_SIG_SCHEME, signatures in responses): a scheme above or TPM_ALG_NULL. */
export const TPMI_ALG_SIG_SCHEME_NULL = restricted('TPMI_ALG_SIG_SCHEME+', u16, [...SIG_SCHEMES, TPM_ALG.NULL], TPM_RC.SCHEME);

// ---- TPMT_SIG_SCHEME (Part 2, 11.2.1.5) ----------------------------------------------------------

const TPMS_SCHEME_HASH = struct('TPMS_SCHEME_HASH', { hashAlg: TPMI_ALG_HASH });
const TPMS_SCHEME_ECDAA = struct('TPMS_SCHEME_ECDAA', { hashAlg: TPMI_ALG_HASH, count: u16 });

export const TPMU_SIG_SCHEME = union<SigSchemeDetails>(
  'TPMU_SIG_SCHEME',
  new Map<number, Codec<any> | null>([
    ...SIG_SCHEMES.map((s) => [s, s === TPM_ALG.ECDAA ? TPMS_SCHEME_ECDAA : TPMS_SCHEME_HASH] as const),
    [TPM_ALG.NULL, null],
  ]),
  TPM_RC.SCHEME,
);
export const TPMT_SIG_SCHEME = struct('TPMT_SIG_SCHEME', { scheme: TPMI_ALG_SIG_SCHEME_NULL, details: selectedBy('scheme', TPMU_SIG_SCHEME) });

/** Scheme details: the hash, plus the commit count for ECDAA; null for TPM_ALG_NULL. */
export type SigSchemeDetails = { hashAlg: number; count?: number } | null;
export type SigScheme = { scheme: number; details: SigSchemeDetails };

// ---- TPMT_SIGNATURE (Part 2, 11.3.4) -------------------------------------------------------------

/** TPMS_SIGNATURE_RSA: RSASSA and RSAPSS; `sig` is as long as the modulus. */
export const TPMS_SIGNATURE_RSA = struct('TPMS_SIGNATURE_RSA', { hash: TPMI_ALG_HASH, sig: TPM2B_PUBLIC_KEY_RSA });
/** TPMS_SIGNATURE_ECC: ECDSA, ECDAA, ECSCHNORR (and SM2); r and s as long as the curve order. */
export const TPMS_SIGNATURE_ECC = struct('TPMS_SIGNATURE_ECC', { hash: TPMI_ALG_HASH, signatureR: TPM2B_ECC_PARAMETER, signatureS: TPM2B_ECC_PARAMETER });
export type SignatureRsa = { hash: number; sig: Buffer };
export type SignatureEcc = { hash: number; signatureR: Buffer; signatureS: Buffer };

export const TPMU_SIGNATURE = union<SignatureBody>(
  'TPMU_SIGNATURE',
  new Map<number, Codec<any> | null>([
    ...RSA_SIG_SCHEMES.map((s) => [s, TPMS_SIGNATURE_RSA] as const),
    ...ECC_SIG_SCHEMES.map((s) => [s, TPMS_SIGNATURE_ECC] as const),
    // HMAC "signatures" are a TPMT_HA: the hash may not be TPM_ALG_NULL
    [TPM_ALG.HMAC, TPMT_HA],
    [TPM_ALG.NULL, null],
  ]),
  TPM_RC.SCHEME,
);
/** TPMT_SIGNATURE as commands take it (VerifySignature, PolicySigned): a NULL signature is TPM_RC_SCHEME. */
export const TPMT_SIGNATURE = struct('TPMT_SIGNATURE', { sigAlg: TPMI_ALG_SIG_SCHEME, signature: selectedBy('sigAlg', TPMU_SIGNATURE) });
/** TPMT_SIGNATURE+ as responses carry it: attestations signed with TPM_RH_NULL have a NULL signature. */
export const TPMT_SIGNATURE_NULL = struct('TPMT_SIGNATURE+', { sigAlg: TPMI_ALG_SIG_SCHEME_NULL, signature: selectedBy('sigAlg', TPMU_SIGNATURE) });

export type SignatureBody = SignatureRsa | SignatureEcc | TpmtHa | null;
export type Signature = { sigAlg: number; signature: SignatureBody };

/** The hash a signature names (TPMS_SIGNATURE_* `hash`, TPMT_HA `hashAlg`), TPM_ALG_NULL for none. */
export function signatureHash(s: Signature): number {
  if (s.signature === null) return TPM_ALG.NULL;
  return 'hashAlg' in s.signature ? s.signature.hashAlg : s.signature.hash;
}
