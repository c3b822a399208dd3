import { TPM_EO } from '../spec/policy.js';

/** Big-endian comparison of equal-length octet strings, unsigned or as two's complement. */
function compare(a: Buffer, b: Buffer, signed: boolean): number {
  if (signed && a.length) {
    const sa = a[0]! & 0x80;
    const sb = b[0]! & 0x80;
    if (sa !== sb) return sa ? -1 : 1;
  }
  return Buffer.compare(a, b);
}

/** PolicySptCheckCondition (Part 3, 23.9): does operandA <operation> operandB hold? */
export function conditionHolds(operation: number, a: Buffer, b: Buffer): boolean {
  switch (operation) {
    case TPM_EO.EQ:
      return a.equals(b);
    case TPM_EO.NEQ:
      return !a.equals(b);
    case TPM_EO.SIGNED_GT:
      return compare(a, b, true) > 0;
    case TPM_EO.UNSIGNED_GT:
      return compare(a, b, false) > 0;
    case TPM_EO.SIGNED_LT:
      return compare(a, b, true) < 0;
    case TPM_EO.UNSIGNED_LT:
      return compare(a, b, false) < 0;
    case TPM_EO.SIGNED_GE:
      return compare(a, b, true) >= 0;
    case TPM_EO.UNSIGNED_GE:
      return compare(a, b, false) >= 0;
    case TPM_EO.SIGNED_LE:
      return compare(a, b, true) <= 0;
    case TPM_EO.UNSIGNED_LE:
      return compare(a, b, false) <= 0;
    case TPM_EO.BITSET:
      return a.every((x, i) => (x & b[i]!) === b[i]);
    case TPM_EO.BITCLEAR:
      return a.every((x, i) => (x & b[i]!) === 0);
    default:
      return false;
  }
}
