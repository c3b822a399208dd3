import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerClient, obtainVmKey } from '../src/index.js';
import { enrolAll, startBroker } from './support/brokerUnderTest.js';
import { containsKey } from './support/keyScan.js';
import { bootHost } from './support/measuredHost.js';
import { RecordingAgent } from './support/recordingAgent.js';
import { policyFromGoldenHost } from './support/releasePolicies.js';

describe('keybroker: the key never in clear (SQLite)', function () {
  this.timeout(60_000);

  it('is not in the store files, nor on the wire of a release, in JSON or CBOR', async () => {
    const b = await startBroker();
    try {
      const host = await bootHost('good');
      await enrolAll(b.admin, host);
      const key = randomBytes(64);
      // Uploaded in-process: the tenant upload path is not the wire under test.
      await b.running.broker.tenant.addVm('vm-secret', 'acme', key);
      await b.admin.setPolicy('vm-secret', await policyFromGoldenHost(host));
      for (const encoding of ['cbor', 'json'] as const) {
        const agent = new RecordingAgent();
        const got = await obtainVmKey(new BrokerClient(b.running.url, { agent, encoding }), host, 'vm-secret');
        expect(got.key.equals(key)).to.equal(true);
        expect(agent.all().length).to.be.greaterThan(1000);
        expect(containsKey(agent.all(), key), `key on the wire (${encoding})`).to.equal(false);
        agent.destroy();
      }
      const files = readdirSync(b.dir).filter((f) => f.startsWith('broker.sqlite'));
      expect(files).to.include('broker.sqlite');
      for (const f of files) expect(containsKey(readFileSync(join(b.dir, f)), key), `key in ${f}`).to.equal(false);
    } finally {
      await b.stop();
    }
  });
});
