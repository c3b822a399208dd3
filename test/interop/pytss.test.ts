import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { MssimServer, SwtpmServer } from '@vtpm/server';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm, freePortPair } from '../lib/referenceSwtpm.js';

// The script lives next to the TypeScript source; tests run from dist/, two levels below test/.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'interop', 'pytss_check.py');
const PYTHON = '/usr/bin/python3';

function pytss(tcti: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, tcti], { timeout: 60000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pytss against ${tcti} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('tpm2-pytss ESAPI against vtpm over both TCTIs, compared with swtpm', function () {
  this.timeout(120000);
  let mssim: MssimServer;
  let swtpm: SwtpmServer;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    const probe = await new Promise<boolean>((r) => execFile(PYTHON, ['-c', 'import tpm2_pytss'], (e) => r(!e)));
    if (!probe) {
      if (process.env.CI) throw new Error(`python3-tpm2-pytss missing: ${DEBIAN_TOOLS}`);
      console.warn('\n  !!! SKIPPING tpm2-pytss suite: python3-tpm2-pytss is not installed\n');
      this.skip();
    }
    mssim = await MssimServer.start({ port: 0 });
    const port = await freePortPair(); // the swtpm TCTI expects the control port at port + 1
    swtpm = await SwtpmServer.start({ port, ctrlPort: port + 1 });
  });
  after(async () => {
    await mssim?.close();
    await swtpm?.close();
  });

  for (const proto of ['mssim', 'swtpm'] as const) {
    it(`startup, pcr_extend, pcr_read, get_capability, get_random over ${proto}`, async () => {
      const port = proto === 'mssim' ? mssim.port : swtpm.port;
      const ours = await pytss(`${proto}:host=127.0.0.1,port=${port}`);
      const ref = await ReferenceSwtpm.start(); // fresh, like ours
      const theirs = await pytss(ref.tcti).finally(() => ref.stop());
      expect(ours.pcrs).to.deep.equal((ours.expected as string[]).concat([(ours.pcrs as string[])[2]!]));
      expect((ours.pcrs as string[])[2]).to.equal('00'.repeat(32));
      expect(ours.family).to.equal(0x322e3000);
      expect(ours.pcr_count).to.equal(24);
      expect(ours.banks).to.deep.equal([0x4, 0xb, 0xc, 0xd]);
      expect(ours.random_len).to.equal(32);
      // same observations as swtpm (fresh TPMs, same operations)
      for (const k of ['startup', 'pcrs', 'family', 'pcr_count', 'banks', 'random_len']) expect(ours[k], k).to.deep.equal(theirs[k]);
    });
  }
});
