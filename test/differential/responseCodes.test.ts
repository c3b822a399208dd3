import { expect } from 'chai';
import { Tpm } from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm } from '../lib/referenceSwtpm.js';
import { sendRaw } from '../lib/rawSocket.js';
import { RESPONSE_CODE_CASES } from './responseCodeCases.js';

describe('response codes: the same bytes to swtpm and to vtpm get the same answers', function () {
  this.timeout(60000);
  let ref: ReferenceSwtpm;
  const tpm = new Tpm();

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    ref = await ReferenceSwtpm.start();
  });
  after(async () => ref?.stop());

  for (const t of RESPONSE_CODE_CASES) {
    it(t.name, async () => {
      const theirs = await sendRaw(ref.port, t.bytes);
      const ours = tpm.execute(t.bytes, 0);
      const rc = (b: Buffer) => '0x' + b.readUInt32BE(6).toString(16);
      expect(rc(ours), 'response code').to.equal(rc(theirs));
      if (t.exact) expect(ours.toString('hex')).to.equal(theirs.toString('hex'));
      else expect(ours.length, 'response length').to.equal(theirs.length);
    });
  }
});
