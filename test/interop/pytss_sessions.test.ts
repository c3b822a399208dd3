import { expect } from 'chai';
import { runPytss, requirePytss } from '../lib/pytss.js';
import { ReferenceSwtpm } from '../lib/referenceSwtpm.js';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { PROTOCOLS, startVtpmServers, type Protocol, type VtpmServer } from '../lib/vtpmServer.js';

const pytssSessions = (tcti: string) => runPytss<Record<string, string>>('pytss_sessions.py', tcti, 120000);

describe('tpm2-pytss ESAPI sessions (salted + encrypted HMAC, PolicyPCR) against vtpm, compared with swtpm', function () {
  this.timeout(180000);
  let servers: Record<Protocol, VtpmServer>;
  let reference: Record<string, string>;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    await requirePytss(this);
    servers = await startVtpmServers();
    reference = await ReferenceSwtpm.using((ref) => pytssSessions(ref.tcti));
  });
  after(async () => {
    for (const s of Object.values(servers ?? {})) await s.stop();
  });

  for (const proto of PROTOCOLS) {
    it(`create_primary, create, load, unseal over ${proto}: salted encrypted session, PolicyPCR session, 0x99d after extend`, async () => {
      const ours = await pytssSessions(servers[proto].tcti);
      expect(ours.salted_unseal).to.equal('pytss secret');
      expect(ours.xor_unseal).to.equal('pytss secret');
      expect(ours.policy_unseal).to.equal('pcr sealed');
      expect(ours.after_extend).to.equal('0x99d');
      expect(ours).to.deep.equal(reference);
    });
  }
});
