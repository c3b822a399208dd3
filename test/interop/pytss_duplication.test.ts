import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { MssimServer, SwtpmServer } from '@vtpm/server';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm, freePortPair } from '../lib/referenceSwtpm.js';

// The script lives next to the TypeScript source; tests run from dist/, two levels below test/.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'interop', 'pytss_duplication.py');
const PYTHON = '/usr/bin/python3';

function pytssDuplication(tcti: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, tcti], { timeout: 120000, env: { ...process.env, TSS2_LOG: 'all+NONE' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pytss_duplication against ${tcti} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT and VTPM_MSSIM_PORT pin the port pairs; otherwise free ports are picked. */
describe('tpm2-pytss make_credential / wrap / unwrap against the TPM commands of vtpm, compared with swtpm', function () {
  this.timeout(180000);
  let mssim: MssimServer;
  let swtpm: SwtpmServer;
  let reference: Record<string, unknown>;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    const probe = await new Promise<boolean>((r) => execFile(PYTHON, ['-c', 'import tpm2_pytss'], (e) => r(!e)));
    if (!probe) {
      if (process.env.CI) throw new Error(`python3-tpm2-pytss missing: ${DEBIAN_TOOLS}`);
      console.warn('\n  !!! SKIPPING tpm2-pytss duplication suite: python3-tpm2-pytss is not installed\n');
      this.skip();
    }
    mssim = await MssimServer.start({ port: Number(process.env.VTPM_MSSIM_PORT) || (await freePortPair()) });
    const port = Number(process.env.VTPM_SWTPM_PORT) || (await freePortPair()); // the swtpm TCTI's control port is port + 1
    swtpm = await SwtpmServer.start({ port, ctrlPort: port + 1 });
    const ref = await ReferenceSwtpm.start('not-need-init', Number(process.env.VTPM_REF_SWTPM_PORT) || undefined);
    reference = await pytssDuplication(ref.tcti).finally(() => ref.stop());
  });
  after(async () => {
    await mssim?.close();
    await swtpm?.close();
  });

  for (const proto of ['mssim', 'swtpm'] as const) {
    it(`over ${proto}: pytss' credential activates, pytss unwraps the TPM's duplicate, pytss-wrapped keys import and sign`, async () => {
      const port = proto === 'mssim' ? mssim.port : swtpm.port;
      const ours = await pytssDuplication(`${proto}:host=127.0.0.1,port=${port}`);
      expect(ours).to.deep.equal({ activated: 'pytss credential', import_inner: 'signature verifies', import_outer_only: 'signature verifies', inner_key_size: 16, unwrapped_matches: true });
      expect(ours).to.deep.equal(reference);
    });
  }
});
