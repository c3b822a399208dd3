import { expect } from 'chai';
import { TPM_ALG, TPM_RH, pcrBitmap } from '@vtpm/tpm';
import { parseHex } from '../src/args/hexValue.js';
import { parseAkParent } from '../src/args/handleValue.js';
import { parsePcrSelection } from '../src/args/pcrSelectionValue.js';
import { parseTcti } from '../src/args/tctiValue.js';
import { parseQuoteOptions } from '../src/args/quoteOptions.js';
import { parseVerifyOptions } from '../src/args/verifyOptions.js';
import { UsageError } from '../src/args/usageError.js';
import { parseReferenceFile } from '../src/attest/referenceFile.js';
import { CommandFailure } from '../src/runtime/commandFailure.js';

describe('vtpm attest option values', () => {
  it('PCR selections in tpm2-tools syntax', () => {
    expect(parsePcrSelection('--pcrs', 'sha256:0,1,7+sha1:all')).to.deep.equal([
      { hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 1, 7]) },
      { hash: TPM_ALG.SHA1, pcrSelect: pcrBitmap([...Array(24).keys()]) },
    ]);
    for (const bad of ['sha256', 'md5:0', 'sha256:0,x', 'sha256:24', 'sha256:0+sha256:1']) expect(() => parsePcrSelection('--pcrs', bad), bad).to.throw(UsageError);
  });

  it('TCTIs: mssim and swtpm over TCP, tpm2-tss defaults', () => {
    expect(parseTcti('--tcti', 'mssim')).to.deep.equal({ kind: 'mssim', host: '127.0.0.1', port: 2321 });
    expect(parseTcti('--tcti', 'swtpm:host=localhost,port=2590')).to.deep.equal({ kind: 'swtpm', host: '127.0.0.1', port: 2590 });
    expect(() => parseTcti('--tcti', 'tabrmd')).to.throw(UsageError, /not supported/);
    expect(() => parseTcti('--tcti', 'mssim:port=99999')).to.throw(UsageError, /out of range/);
  });

  it('hex nonces, with or without 0x', () => {
    expect(parseHex('--nonce', '0x00ff')).to.deep.equal(Buffer.from([0, 255]));
    for (const bad of ['', '0', 'zz', '0x']) expect(() => parseHex('--nonce', bad), bad).to.throw(UsageError);
  });

  it('AK parents: e, o or a persistent handle', () => {
    expect(parseAkParent('--parent', 'e')).to.deep.equal({ kind: 'primary', hierarchy: TPM_RH.ENDORSEMENT });
    expect(parseAkParent('--parent', 'owner')).to.deep.equal({ kind: 'primary', hierarchy: TPM_RH.OWNER });
    expect(parseAkParent('--parent', '0x81000001')).to.deep.equal({ kind: 'child', parent: 0x81000001 });
    expect(() => parseAkParent('--parent', '0x80000001')).to.throw(UsageError, /persistent handle/);
  });

  it('quote takes the TCTI from TPM2TOOLS_TCTI when --tcti is absent', () => {
    const o = parseQuoteOptions(['--out', 'ev.cbor'], { TPM2TOOLS_TCTI: 'swtpm:port=2590' });
    expect(o.tcti).to.deep.equal({ kind: 'swtpm', host: '127.0.0.1', port: 2590 });
    expect(o.ak).to.deep.equal({ kind: 'primary', hierarchy: TPM_RH.ENDORSEMENT });
    expect(() => parseQuoteOptions(['--out', 'ev.cbor'], {})).to.throw(UsageError, /--tcti/);
  });

  it('verify: tpm2-tools files need the AK public area and a known PCR file format', () => {
    const o = parseVerifyOptions(['--tpm2-quote', 'm', '--tpm2-sig', 's', '--tpm2-pcrs', 'p', '--ak-public', 'ak.pub', '--nonce', 'aa', '--tpm2-pcrs-format', 'values']);
    expect(o.tpm2).to.deep.equal({ message: 'm', signature: 's', pcrs: 'p', pcrsFormat: 'values' });
    expect(o.evidence).to.equal(null);
    expect(() => parseVerifyOptions(['--tpm2-quote', 'm', '--tpm2-sig', 's', '--tpm2-pcrs', 'p', '--ak-public', 'a', '--nonce', 'aa', '--tpm2-pcrs-format', 'yaml'])).to.throw(UsageError, /unknown format/);
  });

  describe('reference files', () => {
    const zero = '00'.repeat(32);
    it('become a host class policy: selection, allowed PCR values, allowed event digests', () => {
      const policy = parseReferenceFile('ref', JSON.stringify({ hostClass: 'lab', policyId: 'lab/1', pcrs: 'sha256:0,4', pcrValues: { sha256: { 0: zero } }, eventDigests: { sha256: { 4: [zero, 'ff'.repeat(32)] } } }));
      expect(policy.hostClass).to.equal('lab');
      expect(policy.pcrSelection).to.deep.equal([{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 4]) }]);
      expect(policy.allowedPcrValues!.get(TPM_ALG.SHA256)!.get(0)).to.deep.equal([Buffer.alloc(32)]);
      expect(policy.allowedEventDigests!.get(TPM_ALG.SHA256)!.get(4)).to.have.length(2);
    });

    it('refuse what would silently weaken the policy: unknown keys, wrong digest sizes, bad selections', () => {
      for (const [json, message] of [
        ['{', /not JSON/],
        ['[]', /not a JSON object/],
        [JSON.stringify({ pcrs: 'sha256:0', pcrValue: {} }), /unknown key 'pcrValue'/],
        [JSON.stringify({ pcrValues: {} }), /"pcrs" must be/],
        [JSON.stringify({ pcrs: 'sha256:0', pcrValues: { sha256: { 0: 'abcd' } } }), /not a 32-octet hex digest/],
        [JSON.stringify({ pcrs: 'sha256:0', pcrValues: { sha256: { 0: [] } } }), /non-empty list/],
        [JSON.stringify({ pcrs: 'sha256:0', pcrValues: { md5: { 0: zero } } }), /unknown PCR bank 'md5'/],
        [JSON.stringify({ pcrs: 'sha256:x' }), /not a PCR index/],
      ] as const) {
        expect(() => parseReferenceFile('ref', json), json).to.throw(CommandFailure, message);
      }
    });
  });
});
