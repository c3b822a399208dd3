/**
 * The default EK templates of the TCG EK Credential Profile for TPM 2.0 (2.x, B.3 and B.4), and
 * the NV indices where a manufacturer stores each EK's certificate (2.2.1.5). An EK created from
 * one of these (CreatePrimary in the endorsement hierarchy) is the key its certificate certifies;
 * anyone can recreate it from the template, so the template is part of the TPM's identity.
 *
 * Low range (L-1, L-2): PolicyA, userWithAuth clear, unique filled with zeros (what tpm2_createek
 * uses). High range (H-1..H-7): PolicyB, userWithAuth set, unique empty.
 */
import { TPM_ALG, TPM_ECC_CURVE } from '../constants/alg.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import type { TpmtPublic } from '../structures/public.js';
import { EK_POLICY_A, EK_POLICY_B } from './ekPolicies.js';

export type EkTemplateId = 'L-1' | 'L-2' | 'H-1' | 'H-2' | 'H-3' | 'H-4' | 'H-5' | 'H-6' | 'H-7';

export interface EkTemplate {
  id: EkTemplateId;
  description: string;
  /** NV index of the EK certificate. */
  certIndex: number;
  /** NV indices of a nonce and a template that override this one (low range only; vtpm does not define them). */
  nonceIndex?: number;
  templateIndex?: number;
  template: TpmtPublic;
}

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, adminWithPolicy, restricted, decrypt } = TPMA_OBJECT;
/** 0x000300b2: fixedTPM, fixedParent, sensitiveDataOrigin, adminWithPolicy, restricted, decrypt. */
export const EK_LOW_ATTRIBUTES = fixedTPM | fixedParent | sensitiveDataOrigin | adminWithPolicy | restricted | decrypt;
/** 0x000300f2: the low-range attributes plus userWithAuth. */
export const EK_HIGH_ATTRIBUTES = EK_LOW_ATTRIBUTES | userWithAuth;

const NULL_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const aesCfb = (keyBits: 128 | 256) => ({ algorithm: TPM_ALG.AES, keyBits, mode: TPM_ALG.CFB });
const SM4_128_CFB = { algorithm: TPM_ALG.SM4, keyBits: 128, mode: TPM_ALG.CFB };

function rsa(nameAlg: number, authPolicy: Buffer, attributes: number, keyBits: number, sym: object, unique: Buffer): TpmtPublic {
  return { type: TPM_ALG.RSA, nameAlg, objectAttributes: attributes, authPolicy, parameters: { symmetric: sym, scheme: NULL_SCHEME, keyBits, exponent: 0 }, unique };
}

function ecc(nameAlg: number, authPolicy: Buffer, attributes: number, curveID: number, sym: object, coordinateBytes: number): TpmtPublic {
  const unique = { x: Buffer.alloc(coordinateBytes), y: Buffer.alloc(coordinateBytes) };
  return { type: TPM_ALG.ECC, nameAlg, objectAttributes: attributes, authPolicy, parameters: { symmetric: sym, scheme: NULL_SCHEME, curveID, kdf: NULL_SCHEME }, unique };
}

const high = (nameAlg: number, policy: Buffer) => [nameAlg, policy, EK_HIGH_ATTRIBUTES] as const;

export const EK_TEMPLATES: readonly EkTemplate[] = [
  {
    id: 'L-1',
    description: 'RSA 2048 (low range)',
    certIndex: 0x01c00002,
    nonceIndex: 0x01c00003,
    templateIndex: 0x01c00004,
    template: rsa(TPM_ALG.SHA256, EK_POLICY_A.sha256, EK_LOW_ATTRIBUTES, 2048, aesCfb(128), Buffer.alloc(256)),
  },
  {
    id: 'L-2',
    description: 'ECC NIST P-256 (low range)',
    certIndex: 0x01c0000a,
    nonceIndex: 0x01c0000b,
    templateIndex: 0x01c0000c,
    template: ecc(TPM_ALG.SHA256, EK_POLICY_A.sha256, EK_LOW_ATTRIBUTES, TPM_ECC_CURVE.NIST_P256, aesCfb(128), 32),
  },
  { id: 'H-1', description: 'RSA 2048', certIndex: 0x01c00012, template: rsa(...high(TPM_ALG.SHA256, EK_POLICY_B.sha256), 2048, aesCfb(128), Buffer.alloc(0)) },
  { id: 'H-2', description: 'ECC NIST P-256', certIndex: 0x01c00014, template: ecc(...high(TPM_ALG.SHA256, EK_POLICY_B.sha256), TPM_ECC_CURVE.NIST_P256, aesCfb(128), 0) },
  { id: 'H-3', description: 'ECC NIST P-384', certIndex: 0x01c00016, template: ecc(...high(TPM_ALG.SHA384, EK_POLICY_B.sha384), TPM_ECC_CURVE.NIST_P384, aesCfb(256), 0) },
  { id: 'H-4', description: 'ECC NIST P-521', certIndex: 0x01c00018, template: ecc(...high(TPM_ALG.SHA512, EK_POLICY_B.sha512), TPM_ECC_CURVE.NIST_P521, aesCfb(256), 0) },
  { id: 'H-5', description: 'ECC SM2 P-256', certIndex: 0x01c0001a, template: ecc(...high(TPM_ALG.SM3_256, EK_POLICY_B.sm3_256), TPM_ECC_CURVE.SM2_P256, SM4_128_CFB, 0) },
  { id: 'H-6', description: 'RSA 3072', certIndex: 0x01c0001c, template: rsa(...high(TPM_ALG.SHA384, EK_POLICY_B.sha384), 3072, aesCfb(256), Buffer.alloc(0)) },
  { id: 'H-7', description: 'RSA 4096', certIndex: 0x01c0001e, template: rsa(...high(TPM_ALG.SHA384, EK_POLICY_B.sha384), 4096, aesCfb(256), Buffer.alloc(0)) },
];

export function ekTemplate(id: EkTemplateId): EkTemplate {
  return EK_TEMPLATES.find((t) => t.id === id)!;
}

