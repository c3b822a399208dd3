import { expect } from 'chai';
import {
  Reader, TPM_ALG, TPM_CAP, TPM_RC, TPML_PCR_SELECTION, TPMS_CAPABILITY_DATA, TPMT_HA, TPMT_PUBLIC_PARMS, TPMT_SYM_DEF, TPM2B_DIGEST,
  TpmError, marshal, unmarshal, sized, struct, u16, u32, pcrBitmap, selectedPcrs, TPML_DIGEST_VALUES, bitfield, u8,
} from '../src/index.js';

function rcOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof TpmError) return e.rc;
    throw e;
  }
  throw new Error('expected a TpmError');
}
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('codec layer', () => {
  it('round-trips a TPML_PCR_SELECTION with the exact wire bytes of Part 2', () => {
    const v = [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 7, 23]) }];
    const bytes = marshal(TPML_PCR_SELECTION, v);
    expect(bytes.toString('hex')).to.equal('00000001' + '000b' + '03' + '810080');
    expect(unmarshal(TPML_PCR_SELECTION, bytes)).to.deep.equal(v);
    expect(selectedPcrs(v[0]!.pcrSelect)).to.deep.equal([0, 7, 23]);
  });

  it('selects TPMU_HA by the sibling hashAlg and sizes the digest by it', () => {
    const v = { hashAlg: TPM_ALG.SHA1, digest: Buffer.alloc(20, 0xaa) };
    expect(marshal(TPMT_HA, v).toString('hex')).to.equal('0004' + 'aa'.repeat(20));
    expect(rcOf(() => unmarshal(TPMT_HA, hex('0004' + 'aa'.repeat(19))))).to.equal(TPM_RC.INSUFFICIENT);
    expect(rcOf(() => unmarshal(TPMT_HA, hex('0099' + 'aa'.repeat(32))))).to.equal(TPM_RC.HASH);
  });

  it('refuses TPM2B sizes above the structure maximum with TPM_RC_SIZE', () => {
    expect(rcOf(() => unmarshal(TPM2B_DIGEST, Buffer.concat([hex('0041'), Buffer.alloc(65)])))).to.equal(TPM_RC.SIZE);
    expect(unmarshal(TPM2B_DIGEST, Buffer.concat([hex('0040'), Buffer.alloc(64)])).length).to.equal(64);
  });

  it('refuses TPML counts above the list maximum with TPM_RC_SIZE (HASH_COUNT for digest values)', () => {
    expect(rcOf(() => unmarshal(TPML_DIGEST_VALUES, hex('00000005')))).to.equal(TPM_RC.SIZE);
    expect(rcOf(() => unmarshal(TPML_PCR_SELECTION, hex('ffffffff')))).to.equal(TPM_RC.SIZE);
  });

  it('checks sizeofSelect against PCR_SELECT_MIN/MAX (TPM_RC_VALUE)', () => {
    expect(rcOf(() => unmarshal(TPML_PCR_SELECTION, hex('00000001 000b 02 ffff')))).to.equal(TPM_RC.VALUE);
    expect(rcOf(() => unmarshal(TPML_PCR_SELECTION, hex('00000001 000b 04 ffffffff')))).to.equal(TPM_RC.VALUE);
  });

  it('sized structures must fill their size exactly', () => {
    const inner = struct('PAIR', { a: u16, b: u32 });
    const S = sized('TPM2B_PAIR', inner);
    expect(marshal(S, { a: 1, b: 2 }).toString('hex')).to.equal('0006' + '0001' + '00000002');
    expect(rcOf(() => unmarshal(S, hex('0007 0001 00000002 00')))).to.equal(TPM_RC.SIZE);
    expect(rcOf(() => unmarshal(S, hex('0005 0001 00000002')))).to.equal(TPM_RC.INSUFFICIENT);
    expect(rcOf(() => unmarshal(S, hex('0000')))).to.equal(TPM_RC.SIZE);
  });

  it('refuses reserved attribute bits with TPM_RC_RESERVED_BITS', () => {
    const attrs = bitfield('TPMA_TEST', u8, 0x18);
    expect(unmarshal(attrs, hex('21'))).to.equal(0x21);
    expect(rcOf(() => unmarshal(attrs, hex('08')))).to.equal(TPM_RC.RESERVED_BITS);
  });

  it('decodes unions with empty members (TPMT_SYM_DEF with TPM_ALG_NULL and XOR)', () => {
    expect(unmarshal(TPMT_SYM_DEF, hex('0010'))).to.deep.equal({ algorithm: TPM_ALG.NULL, keyBits: null, mode: null });
    expect(unmarshal(TPMT_SYM_DEF, hex('000a 000b'))).to.deep.equal({ algorithm: TPM_ALG.XOR, keyBits: TPM_ALG.SHA256, mode: null });
    expect(unmarshal(TPMT_SYM_DEF, hex('0006 0080 0043'))).to.deep.equal({ algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB });
    expect(rcOf(() => unmarshal(TPMT_SYM_DEF, hex('0006 0081 0043')))).to.equal(TPM_RC.VALUE);
    expect(rcOf(() => unmarshal(TPMT_SYM_DEF, hex('0006 0080 0099')))).to.equal(TPM_RC.MODE);
    expect(rcOf(() => unmarshal(TPMT_SYM_DEF, hex('0025')))).to.equal(TPM_RC.SYMMETRIC);
  });

  it('parses TPMT_PUBLIC_PARMS for RSA-2048 and ECC P-256 templates as tpm2-tools sends them', () => {
    // rsa2048 with AES-128-CFB symmetric, null scheme, default exponent
    const rsa = unmarshal(TPMT_PUBLIC_PARMS, hex('0001 0006 0080 0043 0010 0800 00000000'));
    expect(rsa).to.deep.equal({
      type: TPM_ALG.RSA,
      parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: { scheme: TPM_ALG.NULL, details: null }, keyBits: 2048, exponent: 0 },
    });
    const ecc = hex('0023 0010 0018 000b 0003 0010');
    expect(marshal(TPMT_PUBLIC_PARMS, unmarshal(TPMT_PUBLIC_PARMS, ecc))).to.deep.equal(ecc);
    expect(rcOf(() => unmarshal(TPMT_PUBLIC_PARMS, hex('0023 0010 0018 000b 0009 0010')))).to.equal(TPM_RC.CURVE);
    expect(rcOf(() => unmarshal(TPMT_PUBLIC_PARMS, hex('0099')))).to.equal(TPM_RC.TYPE);
  });

  it('round-trips TPMS_CAPABILITY_DATA selected by the capability', () => {
    const v = { capability: TPM_CAP.TPM_PROPERTIES, data: [{ property: 0x100, value: 0x322e3000 }] };
    const bytes = marshal(TPMS_CAPABILITY_DATA, v);
    expect(bytes.toString('hex')).to.equal('00000006' + '00000001' + '00000100' + '322e3000');
    expect(unmarshal(TPMS_CAPABILITY_DATA, bytes)).to.deep.equal(v);
  });

  it('reader never reads past its end', () => {
    const r = new Reader(hex('0102030405'), 1, 3);
    expect(r.u16()).to.equal(0x0203);
    expect(rcOf(() => r.u8())).to.equal(TPM_RC.INSUFFICIENT);
  });

  it('numbers format-one errors by parameter, handle and session, and leaves format-zero codes alone', () => {
    expect(new TpmError(TPM_RC.VALUE).forParameter(2).rc).to.equal(0x2c4);
    expect(new TpmError(TPM_RC.HANDLE).forHandle(1).rc).to.equal(0x18b);
    expect(new TpmError(TPM_RC.AUTH_FAIL).forSession(1).rc).to.equal(0x98e);
    expect(new TpmError(TPM_RC.INITIALIZE).forParameter(1).rc).to.equal(0x100);
    expect(new TpmError(TPM_RC.VALUE).forParameter(1).forParameter(3).rc).to.equal(0x1c4);
  });
});
