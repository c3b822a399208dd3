import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManufacturerCa } from '@vtpm/attest';
import { BrokerClient, BrokerRefused, serveBroker, type ReleasePolicy, type RunningBroker } from '@vtpm/keybroker';
import { BrokerVmKeySource, Host, MEASURED_BOOT_PCRS, RunningVm, createVmRecord, enrolHostWithBroker, exampleBootChain } from '../src/index.js';

const PORT = 2747;
const ADMIN_TOKEN = 'hypervisor-broker-test';

describe('BrokerVmKeySource: a host gets its VM key from a running key broker', function () {
  this.timeout(60_000);
  let dir: string;
  let broker: RunningBroker;
  let admin: BrokerClient;
  let ca: ManufacturerCa;
  const vmKey = randomBytes(64);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-hv-broker-'));
    ca = await ManufacturerCa.create();
    // the registrar checks each host's EK certificate against the manufacturer CA
    broker = await serveBroker({ store: { sqlite: join(dir, 'broker.sqlite') }, masterKey: { file: join(dir, 'master.key'), create: true }, adminToken: ADMIN_TOKEN, port: PORT, registrar: { ekRoots: [ca.der] } });
    expect(broker.url).to.equal(`http://127.0.0.1:${PORT}`);
    admin = new BrokerClient(broker.url, { adminToken: ADMIN_TOKEN });
    // the tenant's policy: the measured-boot PCRs of a reference host running the approved chain
    const reference = await Host.create({ seed: Buffer.from('broker reference host'), ca });
    await reference.boot(exampleBootChain('1.0'));
    const golden = await reference.measuredBootPcrs();
    const policy: ReleasePolicy = {
      hostClass: 'hypervisor-1.0',
      pcrs: { sha256: [...MEASURED_BOOT_PCRS] },
      allowedPcrValues: { sha256: Object.fromEntries([...golden].map(([pcr, v]) => [String(pcr), [v.toString('hex')]])) },
    };
    await admin.addVm('vm-brokered', { tenant: 'acme', key: vmKey });
    await admin.setPolicy('vm-brokered', policy);
  });
  after(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a measured, enrolled host obtains the VM key over loopback HTTP and starts the VM; a host with a changed boot component is refused with the broker\'s reason', async () => {
    const good = await Host.create({ seed: Buffer.from('broker good host'), ca });
    await good.boot(exampleBootChain('1.0'));
    await enrolHostWithBroker(admin, good, 'hv-good');

    const source = new BrokerVmKeySource(new BrokerClient(broker.url), good, 'hv-good');
    expect((await source.fetchKey('vm-brokered')).equals(vmKey)).to.equal(true);
    const record = await createVmRecord(good, { vmId: 'vm-brokered', memoryPages: 16 }, source);
    const vm = await RunningVm.start(good, record);
    const secret = Buffer.from('guest data under the brokered key');
    vm.memory.write(0x100, secret);
    expect(vm.memory.read(0x100, secret.length).equals(secret)).to.equal(true);
    vm.stop();
    const released = (await admin.releaseLog({ vmId: 'vm-brokered' })).filter((e) => e.outcome === 'released');
    expect(released.map((e) => e.hostId)).to.deep.equal(['hv-good', 'hv-good']);

    const changed = await Host.create({ seed: Buffer.from('broker changed host'), ca });
    await changed.boot({ ...exampleBootChain('1.0'), hypervisorKernel: Buffer.from('an unapproved hypervisor kernel') });
    await enrolHostWithBroker(admin, changed, 'hv-changed');
    const refused = await createVmRecord(changed, { vmId: 'vm-brokered', memoryPages: 16 }, new BrokerVmKeySource(new BrokerClient(broker.url), changed, 'hv-changed')).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(BrokerRefused);
    expect((refused as BrokerRefused).reason).to.equal('pcr-mismatch');
    expect((refused as BrokerRefused).message).to.contain('PCR 9');
    const last = (await admin.releaseLog({ vmId: 'vm-brokered' })).at(-1)!;
    expect(last).to.include({ outcome: 'refused', reason: 'pcr-mismatch', hostId: 'hv-changed' });
  });
});
