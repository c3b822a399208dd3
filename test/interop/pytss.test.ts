import { expect } from 'chai';
import { runPytss, requirePytss } from '../lib/pytss.js';
import { ReferenceSwtpm } from '../lib/referenceSwtpm.js';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { PROTOCOLS, startVtpmServers, type Protocol, type VtpmServer } from '../lib/vtpmServer.js';

const pytss = (tcti: string) => runPytss('pytss_check.py', tcti, 60000);

describe('tpm2-pytss ESAPI against vtpm over both TCTIs, compared with swtpm', function () {
  this.timeout(120000);
  let servers: Record<Protocol, VtpmServer>;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    await requirePytss(this);
    servers = await startVtpmServers();
  });
  after(async () => {
    for (const s of Object.values(servers ?? {})) await s.stop();
  });

  for (const proto of PROTOCOLS) {
    it(`startup, pcr_extend, pcr_read, get_capability, get_random over ${proto}`, async () => {
      const ours = await pytss(servers[proto].tcti);
      const theirs = await ReferenceSwtpm.using((ref) => pytss(ref.tcti)); // fresh, like ours
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
