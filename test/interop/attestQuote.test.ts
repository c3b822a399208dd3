import { expect } from 'chai';
import { TPM_ALG, pcrBitmap, type PcrSelection } from '@vtpm/tpm';
import { evidenceFromTpm2Tools, verifyQuote, type Evidence, type Verdict } from '@vtpm/attest';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ATTEST_PORTS, startAttestTarget, type AttestTarget } from './attestSwtpm.js';

/**
 * Quotes made by tpm2-tools (tpm2_createek, tpm2_createak, tpm2_quote) against swtpm, the
 * reference TPM, and against vtpm, judged by @vtpm/attest from the tools' output files.
 */

const NONCE = Buffer.from('attest interop nonce');
const sha256 = (pcrs: number[]): PcrSelection => ({ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap(pcrs) });

function value<T>(v: Verdict<T>): T {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

for (const target of ['swtpm', 'vtpm'] as const) {
  describe(`@vtpm/attest verifies quotes that tpm2-tools made on ${target}`, function () {
    this.timeout(120000);
    let tpm: AttestTarget;
    const run = (...args: string[]) => tpm.tools.okThenFlush(args);
    const file = (name: string) => tpm.tools.read(name);

    before(async function () {
      requireTools(this, ['tpm2_quote', 'tpm2_createak', 'swtpm'], DEBIAN_TOOLS);
      tpm = await startAttestTarget(target, { swtpm: ATTEST_PORTS.quote, vtpm: ATTEST_PORTS.vtpmQuote }, 'vtpm-attest-quote-');
      await run('tpm2_startup', '-c');
      await run('tpm2_createek', '-c', 'ek.ctx', '-G', 'rsa', '-u', 'ek.pub');
      tpm.tools.file('boot.bin', 'a boot loader');
      await run('tpm2_pcrevent', '7', 'boot.bin');
    });
    after(async () => tpm?.stop());

    /** tpm2_createak with these options, then tpm2_quote of `selection`: the evidence and the AK's Name. */
    async function quoteWith(name: string, akArgs: string[], selection: string, hash: string, scheme?: string): Promise<{ evidence: Evidence; akName: Buffer }> {
      await run('tpm2_createak', '-C', 'ek.ctx', '-c', `${name}.ctx`, ...akArgs, '-u', `${name}.pub`, '-n', `${name}.name`);
      const schemeArgs = scheme ? ['--scheme', scheme] : []; // tpm2_quote asks for RSASSA with RSA keys unless told
      await run('tpm2_quote', '-c', `${name}.ctx`, '-l', selection, '-q', NONCE.toString('hex'), '-m', `${name}.msg`, '-s', `${name}.sig`, '-o', `${name}.pcrs`, '-g', hash, ...schemeArgs);
      const evidence = value(evidenceFromTpm2Tools({ message: file(`${name}.msg`), signature: file(`${name}.sig`), pcrs: file(`${name}.pcrs`), akPublic: file(`${name}.pub`), nonce: NONCE }));
      return { evidence, akName: file(`${name}.name`) };
    }

    for (const [name, akArgs, hash, alg] of [
      ['ecdsa', ['-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa'], 'sha256', TPM_ALG.SHA256],
      ['rsassa', ['-G', 'rsa', '-g', 'sha256', '-s', 'rsassa'], 'sha256', TPM_ALG.SHA256],
      ['rsapss', ['-G', 'rsa', '-g', 'sha256', '-s', 'rsapss'], 'sha256', TPM_ALG.SHA256],
    ] as const) {
      it(`a ${name} AK's quote of sha256:0,7,16 verifies, and the AK Name is the one tpm2_createak printed`, async () => {
        const { evidence, akName } = await quoteWith(name, [...akArgs], 'sha256:0,7,16', hash, name);
        const q = value(verifyQuote({ attest: evidence.quote, signature: evidence.signature, akPublic: evidence.akPublic, nonce: NONCE, pcrSelection: [sha256([0, 7, 16])], pcrValues: evidence.pcrValues }));
        expect(q.akName).to.deep.equal(akName);
        expect(q.hashAlg).to.equal(alg);
        expect(q.pcrValues.get(TPM_ALG.SHA256)!.get(7)).not.to.deep.equal(Buffer.alloc(32));
      });
    }

    it('the same files are refused with another nonce, another selection or a changed PCR value', async () => {
      const { evidence } = await quoteWith('negative', ['-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa'], 'sha256:0,7,16', 'sha256');
      const input = { attest: evidence.quote, signature: evidence.signature, akPublic: evidence.akPublic, nonce: NONCE, pcrSelection: [sha256([0, 7, 16])], pcrValues: evidence.pcrValues };
      const reason = (v: Verdict<unknown>) => (v.ok ? 'accepted' : v.reason);
      expect(reason(verifyQuote({ ...input, nonce: Buffer.from('stale') }))).to.equal('nonce-mismatch');
      expect(reason(verifyQuote({ ...input, pcrSelection: [sha256([0, 7])] }))).to.equal('pcr-selection-mismatch');
      const changed = new Map([[TPM_ALG.SHA256, new Map(evidence.pcrValues.get(TPM_ALG.SHA256))]]);
      changed.get(TPM_ALG.SHA256)!.set(7, Buffer.alloc(32, 1));
      expect(reason(verifyQuote({ ...input, pcrValues: changed }))).to.equal('pcr-digest-mismatch');
    });
  });
}
