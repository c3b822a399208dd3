import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessTransport, Tpm, TpmClient } from '@vtpm/tpm';
import { BLOB_TYPE, FileRollbackAnchor, MemoryRollbackAnchor, StateFiles, StateKey, StateRefusal, StateStore, StorageLock, StorageLockError, TpmNvCounterAnchor } from '../src/index.js';
import { useTempDir } from './support/tempDir.js';

async function refusal(p: Promise<unknown>): Promise<StateRefusal> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StateRefusal) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('state store', () => {
  const dir = useTempDir('vtpm-store-');
  const key = StateKey.fromBytes(Buffer.alloc(32, 9));
  const store = (opts: { anchor?: MemoryRollbackAnchor | FileRollbackAnchor | TpmNvCounterAnchor; stateKey?: StateKey | null } = {}) =>
    new StateStore({ files: new StateFiles(dir()), stateKey: opts.stateKey === undefined ? key : opts.stateKey, anchor: opts.anchor });

  it('an empty directory has no state; writes make generations 1, 2, ... that load back', async () => {
    const s = store();
    expect(await s.load()).to.equal(null);
    await s.begin();
    expect(await s.writePermanent(Buffer.from('one'))).to.equal(1n);
    expect(await s.writePermanent(Buffer.from('two'))).to.equal(2n);
    await s.writeVolatile(Buffer.from('vol'), true);
    expect(readdirSync(dir()).sort()).to.deep.equal(['.lock', 'tpm2-00.permall', 'tpm2-00.volatilestate']); // no temporary file left
    const loaded = (await store().load())!;
    expect(loaded).to.include({ generation: 2n, staleVolatile: false });
    expect(loaded.permanent.toString()).to.equal('two');
    expect(loaded.volatile).to.deep.equal({ payload: Buffer.from('vol'), shutDown: true });
  });

  it('a volatile state of an older generation is reported stale, not resumed', async () => {
    const s = store();
    await s.begin();
    await s.writePermanent(Buffer.from('one'));
    await s.writeVolatile(Buffer.from('vol'), false);
    await s.writePermanent(Buffer.from('two'));
    const loaded = (await store().load())!;
    expect(loaded.volatile).to.equal(null);
    expect(loaded.staleVolatile).to.equal(true);
  });

  it('refuses a wrong key, a plain file when a key is given, a changed byte and a cut file, each with its own message, writing nothing', async () => {
    const s = store();
    await s.begin();
    await s.writePermanent(Buffer.from('secret state'));
    const path = join(dir(), 'tpm2-00.permall');
    const original = readFileSync(path);
    const wrongKey = await refusal(store({ stateKey: StateKey.fromBytes(Buffer.alloc(32, 8)) }).load());
    expect(wrongKey.message).to.equal(`${path}: wrong key: --key does not match the key this permanent state was encrypted with`);
    expect((await refusal(store({ stateKey: null }).load())).message).to.equal(`${path}: encrypted with a state key: give --key`);
    const flipped = Buffer.from(original);
    flipped[50]! ^= 0x80;
    writeFileSync(path, flipped);
    expect((await refusal(store().load())).message).to.equal(`${path}: damaged: checksum mismatch (bytes changed after it was written)`);
    writeFileSync(path, original.subarray(0, original.length - 1));
    expect((await refusal(store().load())).message).to.match(/truncated: \d+ bytes, the header announces \d+$/);
    writeFileSync(path, original);
    s.files!.lock.release();
    const plain = store({ stateKey: null });
    await plain.begin();
    await plain.writePermanent(Buffer.from('x'));
    expect((await refusal(store().load())).kind).to.equal('not-encrypted');
  });

  it('with an anchor, an older generation put back is refused; a write interrupted before the anchor followed is accepted', async () => {
    const anchor = new FileRollbackAnchor(join(dir(), 'anchor'));
    const s = store({ anchor });
    await s.begin();
    await s.writePermanent(Buffer.from('g1'));
    const old = readFileSync(join(dir(), 'tpm2-00.permall'));
    await s.writePermanent(Buffer.from('g2'));
    expect(await anchor.read()).to.equal(3n); // started at 1, then the writes 2 and 3
    writeFileSync(join(dir(), 'tpm2-00.permall'), old);
    const r = await refusal(store({ anchor }).load());
    expect(r.kind).to.equal('older-generation');
    expect(r.message).to.match(/older generation: 2 is below the anchored generation 3/);
    // the anchor lags one write behind (a crash between rename and anchor): the newer state loads and the anchor catches up
    const lagging = new MemoryRollbackAnchor(2n);
    writeFileSync(join(dir(), 'tpm2-00.permall'), old);
    expect((await store({ anchor: lagging }).load())!.generation).to.equal(2n);
    await s.writePermanent(Buffer.from('g4'));
    expect((await store({ anchor: lagging }).load())!.generation).to.equal(4n);
    expect(await lagging.read()).to.equal(4n);
  });

  it('an NV counter in another TPM anchors the generations: a restored older file is refused', async () => {
    const host = new Tpm({ seed: Buffer.from('host') });
    const client = new TpmClient(new InProcessTransport(host));
    const { Startup, TPM_SU } = await import('@vtpm/tpm');
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    const anchor = await TpmNvCounterAnchor.provision(client, 0x01500020, { password: 'anchor' });
    const s = store({ anchor });
    await s.begin();
    const first = await s.writePermanent(Buffer.from('a'));
    expect(await anchor.read()).to.equal(first);
    const old = readFileSync(join(dir(), 'tpm2-00.permall'));
    await s.writePermanent(Buffer.from('b'));
    writeFileSync(join(dir(), 'tpm2-00.permall'), old);
    s.files!.lock.release();
    expect((await refusal(store({ anchor: new TpmNvCounterAnchor(client, 0x01500020, 'anchor') }).load())).kind).to.equal('older-generation');
  });

  it('a state from elsewhere older than this vTPM is refused; another vTPM replaces it', async () => {
    const s = store();
    await s.begin();
    await s.writePermanent(Buffer.from('a'));
    await s.writePermanent(Buffer.from('b'));
    expect((await refusal(s.checkNotOlder({ lineage: s.lineage!, generation: 1n }))).kind).to.equal('older-generation');
    await s.adopt({ lineage: Buffer.alloc(16, 5), generation: 1n, permanent: Buffer.from('other'), volatile: null });
    expect((await store().load())!.permanent.toString()).to.equal('other');
  });

  it('one writer per directory: another process, or another server here, is refused; a dead holder is taken over', async () => {
    const lock = new StorageLock(dir());
    await lock.acquire();
    expect(() => new StorageLock(dir()).tryAcquire()).to.throw(StorageLockError, /in use by another server in this process/);
    lock.release();
    writeFileSync(join(dir(), '.lock'), `${process.ppid}\n`); // a live process
    expect(() => new StorageLock(dir()).tryAcquire()).to.throw(StorageLockError, new RegExp(`in use by process ${process.ppid}`));
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(dir(), '.lock'), `${dead}\n`);
    const taker = new StorageLock(dir());
    taker.tryAcquire();
    expect(readFileSync(join(dir(), '.lock'), 'utf8')).to.equal(`${process.pid}\n`);
    taker.release();
  });

  it('file names are swtpm\'s', () => {
    const f = new StateFiles('/x');
    expect([f.path(BLOB_TYPE.permanent), f.path(BLOB_TYPE.volatile), f.path(BLOB_TYPE.savestate)]).to.deep.equal(['/x/tpm2-00.permall', '/x/tpm2-00.volatilestate', '/x/tpm2-00.savestate']);
  });
});
