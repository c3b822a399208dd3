import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BrokerClient, BrokerRefused, answerChallenge, generateEphemeralKey, obtainVmKey } from '../src/index.js';
import { ADMIN_TOKEN, enrolAll } from './support/brokerUnderTest.js';
import { startChildBroker } from './support/childBroker.js';
import { bootHost } from './support/measuredHost.js';
import { policyFromGoldenHost } from './support/releasePolicies.js';
import { tempDir } from './support/tempDir.js';

describe('keybroker: SIGKILL during a release (SQLite, child process)', function () {
  this.timeout(120_000);

  it('loses no key, never reuses the nonce, keeps the audit log intact', async () => {
    const dir = tempDir();
    const store = { sqlite: join(dir.path, 'broker.sqlite') };
    const masterKeyFile = join(dir.path, 'master.key');
    try {
      const first = await startChildBroker(store, masterKeyFile, 30_000);
      const admin = new BrokerClient(first.url, { adminToken: ADMIN_TOKEN });
      const host = await bootHost('good');
      await enrolAll(admin, host);
      const key = randomBytes(64);
      await admin.addVm('vm-crash', { key });
      await admin.setPolicy('vm-crash', await policyFromGoldenHost(host));
      const logBefore = await admin.releaseLog();

      const challenge = await admin.requestChallenge('vm-crash', 'good');
      const request = await answerChallenge(host, challenge, generateEphemeralKey());
      const inFlight = admin.release(request).then(
        () => 'released',
        (e: Error) => e.message,
      );
      await first.waitFor('NONCE-CONSUMED');
      await first.kill('SIGKILL');
      expect(await inFlight).to.not.equal('released');

      const second = await startChildBroker(store, masterKeyFile);
      try {
        const admin2 = new BrokerClient(second.url, { adminToken: ADMIN_TOKEN });
        const replay = await admin2.release(request).then(
          () => null,
          (e: unknown) => e,
        );
        expect(replay).to.be.instanceOf(BrokerRefused);
        expect((replay as BrokerRefused).reason).to.equal('nonce-replayed');
        const got = await obtainVmKey(admin2, host, 'vm-crash');
        expect(got.key.equals(key)).to.equal(true);
        const logAfter = await admin2.releaseLog();
        expect(logAfter.slice(0, logBefore.length)).to.deep.equal(logBefore);
        expect(logAfter.slice(logBefore.length).map((e) => [e.outcome, e.reason])).to.deep.equal([
          ['refused', 'nonce-replayed'],
          ['released', null],
        ]);
      } finally {
        await second.kill('SIGTERM');
      }
      const db = new Database(store.sqlite, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
      db.close();
    } finally {
      dir.remove();
    }
  });
});
