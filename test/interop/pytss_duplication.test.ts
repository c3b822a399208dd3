import { expect } from 'chai';
import { runPytss, requirePytss } from '../lib/pytss.js';
import { ReferenceSwtpm } from '../lib/referenceSwtpm.js';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { PROTOCOLS, startVtpmServers, type Protocol, type VtpmServer } from '../lib/vtpmServer.js';

const pytssDuplication = (tcti: string) => runPytss('pytss_duplication.py', tcti, 120000);

/** VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT and VTPM_MSSIM_PORT pin the port pairs; otherwise free ports are picked. */
describe('tpm2-pytss make_credential / wrap / unwrap against the TPM commands of vtpm, compared with swtpm', function () {
  this.timeout(180000);
  let servers: Record<Protocol, VtpmServer>;
  let reference: Record<string, unknown>;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    await requirePytss(this);
    servers = await startVtpmServers();
    reference = await ReferenceSwtpm.using((ref) => pytssDuplication(ref.tcti));
  });
  after(async () => {
    for (const s of Object.values(servers ?? {})) await s.stop();
  });

  for (const proto of PROTOCOLS) {
    it(`over ${proto}: pytss' credential activates, pytss unwraps the TPM's duplicate, pytss-wrapped keys import and sign`, async () => {
      const ours = await pytssDuplication(servers[proto].tcti);
      expect(ours).to.deep.equal({ activated: 'pytss credential', import_inner: 'signature verifies', import_outer_only: 'signature verifies', inner_key_size: 16, unwrapped_matches: true });
      expect(ours).to.deep.equal(reference);
    });
  }
});
