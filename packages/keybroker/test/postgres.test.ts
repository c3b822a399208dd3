import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { BrokerClient, BrokerRefused, answerChallenge, generateEphemeralKey, obtainVmKey } from '../src/index.js';
import { ADMIN_TOKEN, enrolAll, startBroker } from './support/brokerUnderTest.js';
import { startChildBroker } from './support/childBroker.js';
import { containsKey } from './support/keyScan.js';
import { bootHost } from './support/measuredHost.js';
import { postgresUrl } from './support/postgresUrl.js';
import { freshSchema } from './support/postgresSchema.js';
import { policyFromGoldenHost } from './support/releasePolicies.js';
import { tempDir } from './support/tempDir.js';

describe('keybroker on PostgreSQL', function () {
  this.timeout(120_000);

  it('releases to a good host, refuses a replay, keeps the key out of the table dump, and the audit log append-only', async function () {
    const url = await freshSchema(postgresUrl(this), 'kb_release');
    const b = await startBroker({ store: { postgres: url } });
    try {
      const host = await bootHost('good');
      await enrolAll(b.admin, host);
      const key = randomBytes(64);
      await b.admin.addVm('vm-pg', { key });
      await b.admin.setPolicy('vm-pg', await policyFromGoldenHost(host));
      expect((await obtainVmKey(b.hostClient, host, 'vm-pg')).key.equals(key)).to.equal(true);

      const challenge = await b.hostClient.requestChallenge('vm-pg', 'good');
      const req = await answerChallenge(host, challenge, generateEphemeralKey());
      await b.hostClient.release(req);
      const replay = await b.hostClient.release(req).catch((e: unknown) => e);
      expect((replay as BrokerRefused).reason).to.equal('nonce-replayed');

      const dump = execFileSync('pg_dump', ['--data-only', '--schema=kb_release', postgresUrl(this)], { maxBuffer: 64 << 20 });
      expect(dump.length).to.be.greaterThan(1000);
      expect(containsKey(dump, key), 'key in the PostgreSQL dump').to.equal(false);

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const err = await client.query('DELETE FROM audit_log').catch((e: Error) => e);
        expect(String(err)).to.contain('append-only');
      } finally {
        await client.end();
      }
    } finally {
      await b.stop();
    }
  });

  it('two broker processes sharing one database never release on the same nonce twice', async function () {
    const url = await freshSchema(postgresUrl(this), 'kb_race');
    const dir = tempDir();
    const masterKeyFile = join(dir.path, 'master.key');
    const brokers = [await startChildBroker({ postgres: url }, masterKeyFile), await startChildBroker({ postgres: url }, masterKeyFile)];
    try {
      const [one, two] = brokers.map((c) => new BrokerClient(c.url, { adminToken: ADMIN_TOKEN }));
      const host = await bootHost('good');
      await enrolAll(one!, host);
      await one!.addVm('vm-race');
      await one!.setPolicy('vm-race', await policyFromGoldenHost(host));

      const ROUNDS = 15;
      let releases = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const challenge = await (i % 2 ? one! : two!).requestChallenge('vm-race', 'good');
        const req = await answerChallenge(host, challenge, generateEphemeralKey());
        const outcomes = await Promise.all([one!, two!, one!, two!].map((c) => c.release(req).then(() => 'released', (e: BrokerRefused) => e.reason)));
        expect(outcomes.filter((o) => o === 'released'), `round ${i}: ${outcomes}`).to.have.length(1);
        expect(outcomes.filter((o) => o !== 'released')).to.deep.equal(['nonce-replayed', 'nonce-replayed', 'nonce-replayed']);
        releases++;
      }
      const log = await two!.releaseLog({ vmId: 'vm-race' });
      const released = log.filter((e) => e.outcome === 'released');
      expect(released).to.have.length(releases);
      expect(new Set(released.map((e) => e.nonceId)).size).to.equal(releases);
    } finally {
      await Promise.all(brokers.map((c) => c.kill('SIGTERM')));
      dir.remove();
    }
  });
});
