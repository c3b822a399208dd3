import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AdminServer, InstanceManager, StateKey, adminRequest } from '../src/index.js';
import { connectClient, inspect, populate, useSavedSession } from './support/tpmWorkload.js';
import { useTempDir } from './support/tempDir.js';

const KEY = StateKey.fromBytes(Buffer.alloc(32, 0x11));

describe('InstanceManager: many vTPMs in one process', () => {
  const root = useTempDir('vtpm-instances-');

  it('creates instances on their own port pairs, lists, stops (state kept), starts (resumed), destroys', async () => {
    const manager = await InstanceManager.open(root(), { stateKey: KEY, log: () => undefined });
    try {
      const a = await manager.create({ id: 'alpha' });
      const b = await manager.create();
      expect(a).to.include({ id: 'alpha', status: 'running', ctrlPort: a.port + 1 });
      expect(b.id).to.match(/^vtpm-[0-9a-f]{8}$/);
      expect(b.port).to.not.equal(a.port);
      expect(manager.list().map((i) => i.id)).to.deep.equal(['alpha', b.id].sort());
      expect(String(await manager.create({ id: 'alpha' }).catch((e: Error) => e))).to.match(/exists already/);
      const c = await connectClient(a.port);
      const saved = await populate(c.client);
      const before = await inspect(c.client);
      await c.close();
      expect((await manager.stop('alpha')).status).to.equal('stopped');
      expect((await manager.start('alpha')).status).to.equal('running');
      const d = await connectClient(a.port);
      expect(await inspect(d.client)).to.deep.equal(before); // resumed, no Startup
      await useSavedSession(d.client, saved);
      await d.close();
      await manager.destroy(b.id);
      expect(existsSync(join(root(), b.id))).to.equal(false);
      expect(manager.list().map((i) => i.id)).to.deep.equal(['alpha']);
    } finally {
      await manager.close();
    }
  });

  it('instances outlive the process: the next open() starts them on the same ports with their state; stopped ones stay stopped', async () => {
    const first = await InstanceManager.open(root(), { stateKey: KEY, log: () => undefined });
    const a = await first.create({ id: 'a' });
    await first.create({ id: 'b' });
    await first.stop('b');
    const c = await connectClient(a.port);
    await populate(c.client);
    const before = await inspect(c.client);
    await c.close();
    await first.close();
    const second = await InstanceManager.open(root(), { stateKey: KEY, log: () => undefined });
    try {
      expect(second.list().map((i) => [i.id, i.status, i.port])).to.deep.equal([
        ['a', 'running', a.port],
        ['b', 'stopped', second.info('b').port],
      ]);
      const d = await connectClient(a.port);
      expect(await inspect(d.client)).to.deep.equal(before);
      await d.close();
    } finally {
      await second.close();
    }
  });

  it('an idle instance keeps its TPM serialized and wakes up exactly as it was', async () => {
    const manager = await InstanceManager.open(root(), { stateKey: KEY, idleMs: 40, log: () => undefined });
    try {
      const a = await manager.create({ id: 'sleepy' });
      const c = await connectClient(a.port);
      const saved = await populate(c.client);
      const before = await inspect(c.client);
      await new Promise((r) => setTimeout(r, 150));
      expect(manager.info('sleepy').status).to.equal('idle');
      expect(await inspect(c.client)).to.deep.equal(before);
      expect(manager.info('sleepy').status).to.equal('running');
      await new Promise((r) => setTimeout(r, 150));
      expect(manager.info('sleepy').status).to.equal('idle');
      await useSavedSession(c.client, saved); // the saved session and its nonces survive
      await c.close();
    } finally {
      await manager.close();
    }
  });

  it('the admin socket: JSON lines for create, list, stop, start, destroy; errors answered', async () => {
    const manager = await InstanceManager.open(root(), { log: () => undefined });
    const admin = await AdminServer.listen(manager);
    try {
      const created = await adminRequest(root(), { op: 'create', id: 'x' });
      expect(created).to.deep.include({ ok: true });
      expect((await adminRequest(root(), { op: 'list' })) as { instances: unknown[] }).to.have.property('instances').with.length(1);
      expect(await adminRequest(root(), { op: 'stop', id: 'x' })).to.have.nested.property('instance.status', 'stopped');
      expect(await adminRequest(root(), { op: 'start', id: 'x' })).to.have.nested.property('instance.status', 'running');
      expect(await adminRequest(root(), { op: 'destroy', id: 'x' })).to.deep.equal({ ok: true });
      expect(await adminRequest(root(), { op: 'stop', id: 'x' })).to.deep.equal({ ok: false, error: 'no instance x' });
      expect(await adminRequest(root(), { op: 'create', id: '../evil' })).to.have.property('ok', false);
    } finally {
      await admin.close();
      await manager.close();
    }
  });
});
