import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** Small pieces every certificate this CA makes needs. */

/** A positive serial of 16 random bytes, minimally encoded (first byte 0x01..0x7f). */
export function randomSerial(): asn1js.Integer {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return new asn1js.Integer({ valueHex: b });
}

/** "No well-defined expiration" (RFC 5280, 4.1.2.5): 99991231235959Z, as swtpm's local CA uses. */
export function noExpiry(): pkijs.Time {
  return new pkijs.Time({ type: pkijs.TimeType.GeneralizedTime, value: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)) });
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280, 4.1.2.5). */
export function certificateTime(date: Date): pkijs.Time {
  return new pkijs.Time({ type: date.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime, value: date });
}

/**
 * A Name with one attribute per RDN (SET), as swtpm and most CAs write it; pkijs alone would put
 * all attributes in one multi-valued RDN. Values are UTF8String.
 */
export function distinguishedName(attributes: readonly (readonly [string, string])[]): pkijs.RelativeDistinguishedNames {
  const rdns = attributes.map(
    ([type, value]) => new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Utf8String({ value })] })] }),
  );
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: rdns }).toBER(false));
}

export function extension(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** KeyUsage bits (RFC 5280, 4.2.1.3), numbered from the most significant bit of the first byte. */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;

/** A KeyUsage BIT STRING with exactly these bits, minimally encoded (trailing zero bits counted as unused). */
export function keyUsage(bits: number[]): asn1js.BitString {
  let value = 0;
  for (const bit of bits) value |= 0x80 >> bit;
  const unusedBits = value === 0 ? 0 : Math.log2(value & -value); // the lowest set bit's position from the right
  return new asn1js.BitString({ valueHex: Uint8Array.of(value), unusedBits });
}

/** The key identifier of RFC 5280, 4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(spki: pkijs.PublicKeyInfo): Buffer {
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey.valueBlock.valueHexView)).digest();
}

export const derOf = (c: pkijs.Certificate) => Buffer.from(c.toSchema(true).toBER(false));

export function pemOf(der: Buffer, label = 'CERTIFICATE'): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}
