import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { MssimServer, SwtpmServer } from '@vtpm/server';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm, freePortPair } from '../lib/referenceSwtpm.js';

// The script lives next to the TypeScript source; tests run from dist/, two levels below test/.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'interop', 'pytss_sessions.py');
const PYTHON = '/usr/bin/python3';

function pytssSessions(tcti: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, tcti], { timeout: 120000, env: { ...process.env, TSS2_LOG: 'all+NONE' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pytss_sessions against ${tcti} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('tpm2-pytss ESAPI sessions (salted + encrypted HMAC, PolicyPCR) against vtpm, compared with swtpm', function () {
  this.timeout(180000);
  let mssim: MssimServer;
  let swtpm: SwtpmServer;
  let reference: Record<string, string>;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    const probe = await new Promise<boolean>((r) => execFile(PYTHON, ['-c', 'import tpm2_pytss'], (e) => r(!e)));
    if (!probe) {
      if (process.env.CI) throw new Error(`python3-tpm2-pytss missing: ${DEBIAN_TOOLS}`);
      console.warn('\n  !!! SKIPPING tpm2-pytss sessions suite: python3-tpm2-pytss is not installed\n');
      this.skip();
    }
    mssim = await MssimServer.start({ port: 0 });
    const port = await freePortPair(); // the swtpm TCTI expects the control port at port + 1
    swtpm = await SwtpmServer.start({ port, ctrlPort: port + 1 });
    const ref = await ReferenceSwtpm.start();
    reference = await pytssSessions(ref.tcti).finally(() => ref.stop());
  });
  after(async () => {
    await mssim?.close();
    await swtpm?.close();
  });

  for (const proto of ['mssim', 'swtpm'] as const) {
    it(`create_primary, create, load, unseal over ${proto}: salted encrypted session, PolicyPCR session, 0x99d after extend`, async () => {
      const port = proto === 'mssim' ? mssim.port : swtpm.port;
      const ours = await pytssSessions(`${proto}:host=127.0.0.1,port=${port}`);
      expect(ours.salted_unseal).to.equal('pytss secret');
      expect(ours.xor_unseal).to.equal('pytss secret');
      expect(ours.policy_unseal).to.equal('pcr sealed');
      expect(ours.after_extend).to.equal('0x99d');
      expect(ours).to.deep.equal(reference);
    });
  }
});
