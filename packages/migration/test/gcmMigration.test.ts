import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LocalVmKeySource,
  GuestMemory, PAGE_SIZE, PageIntegrityError, RunningVm, VM_KEY_LABELS, createVmRecord, deriveVmSubkey, exampleBootChain, hostBoot, hostInit,
  type VmKeyUse,
} from '@vtpm/hypervisor';
import {
  MAX_BATCH_PAGES, MigrationAbortedError, RECORD, RECORD_HEADER_BYTES, RecordRejectedError, DirtyingWorkload, encodePageBatch, migrateVm, pageBatchBodyBytes, pageBatchScratch, startHostDaemon,
  type FrameTamper, type MigrationPolicy, type PeerRefusedError, type VmHost,
} from '../src/index.js';
import { Startup, TPM_SU } from '@vtpm/tpm';
import { StagedMemory } from '../src/destination/stagedMemory.js';
import { approvedPair, guestWrite, plaintextHash, sha, testManufacturerCa, type GuestOnHost } from './support/migrationHosts.js';
import { attemptMigration, expectStayedOnSource } from './support/migrationRun.js';
import { startCapturingRelay, type CapturingRelay } from './support/tcpRelay.js';
import { WireScanner } from './support/wireScanner.js';

const PORTS = { target: 3000, relay: 3001, daemon: 3002 };
const TENANT_SECRET = Buffer.from('tenant secret: integrity-mode guest, launch code 0000');
const patternUnit = (page: number) => Buffer.from(`GCM-PLAINTEXT-PATTERN-${String(page).padStart(4, '0')}|`);
const GCM_FULL_BATCH_FRAME = RECORD_HEADER_BYTES + pageBatchBodyBytes(MAX_BATCH_PAGES, 'gcm');
const pageOf = (b: Buffer, p: number, size = PAGE_SIZE) => Buffer.from(b.subarray(p * size, (p + 1) * size));

describe('gcm (integrity-mode) memory: the migration path of its tags and versions', () => {
  const key = randomBytes(32);
  const pages = 8;
  const written = () => {
    const m = new GuestMemory({ pageCount: pages, mode: 'gcm', key });
    for (let i = 0; i < 20; i++) m.write((i % pages) * PAGE_SIZE + i * 8, randomBytes(40)); // versions differ per page
    return m;
  };
  const all = Array.from({ length: pages }, (_, i) => i);

  it('memory started from migrated ciphertext, tags and versions reads what the original held', () => {
    const m = written();
    const { tags, versions } = m.exportIntegrityForMigration(all);
    expect([...versions], 'versions count the writes: 20 writes over 8 pages, plus power-on').to.deep.equal(all.map((p) => 1 + (p < 4 ? 3 : 2)));
    const copy = new GuestMemory({ pageCount: pages, mode: 'gcm', key, ciphertext: Buffer.from(m.hostView().ciphertext), migratedIntegrity: { tags, versions } });
    expect(copy.read(0, copy.sizeBytes).equals(m.read(0, m.sizeBytes))).to.equal(true);
    expect(() => copy.checkIntegrity()).not.to.throw();
  });

  it('the export is a copy: changing it does not reach the memory', () => {
    const m = written();
    const exported = m.exportIntegrityForMigration([2, 5]);
    exported.versions[0] = 0;
    exported.tags.fill(0);
    expect(() => m.read(2 * PAGE_SIZE, PAGE_SIZE)).not.to.throw();
    expect(m.exportIntegrityForMigration([2]).versions[0]).to.equal(4);
  });

  it('anything but the migration path is still refused: gcm ciphertext without its metadata, gcm on a file, metadata for xts or of the wrong size', () => {
    const m = written();
    const ciphertext = Buffer.from(m.hostView().ciphertext);
    const integrity = m.exportIntegrityForMigration(all);
    expect(() => new GuestMemory({ pageCount: pages, mode: 'gcm', key, ciphertext })).to.throw(/gcm mode cannot be loaded from ciphertext/);
    expect(() => new GuestMemory({ pageCount: pages, mode: 'gcm', key, ciphertext, migratedIntegrity: integrity, backingFile: { path: join(tmpdir(), 'never-created.memory'), resume: false } })).to.throw(/gcm mode cannot be file-backed/);
    expect(() => new GuestMemory({ pageCount: pages, mode: 'xts', key: randomBytes(64), ciphertext, migratedIntegrity: integrity })).to.throw(/migratedIntegrity goes with gcm memory/);
    expect(() => new GuestMemory({ pageCount: pages, mode: 'gcm', key, ciphertext, migratedIntegrity: { tags: integrity.tags, versions: integrity.versions.subarray(1) } })).to.throw(/expected 128 and 8/);
    expect(() => new GuestMemory({ pageCount: pages, mode: 'xts', key: randomBytes(64) }).exportIntegrityForMigration([0])).to.throw(/xts mode has no integrity metadata/);
  });

  it('checkIntegrity names the first page whose tag does not verify', () => {
    const m = written();
    m.hostView().tags[6 * 16 + 3]! ^= 1;
    expect(() => m.checkIntegrity()).to.throw(PageIntegrityError, /guest page 6 /);
  });

  it('a gcm page batch carries each page\'s tag and version; staging puts them at those pages only', () => {
    const m = written();
    const list = [1, 2, 6];
    const exported = m.exportIntegrityForMigration(list);
    const body = Buffer.from(encodePageBatch(m.hostView().ciphertext, list, pageBatchScratch('gcm'), exported));
    expect(body.length).to.equal(2 + 3 * (4 + PAGE_SIZE + 16 + 4));
    const staged = new StagedMemory(pages, undefined, 'gcm');
    staged.installBatch({ type: RECORD.pageBatch, seq: 1n, round: 1, gpa: PAGE_SIZE, body });
    const own = m.exportIntegrityForMigration(all);
    for (let p = 0; p < pages; p++) {
      const sent = list.includes(p);
      expect(pageOf(staged.integrity!.tags, p, 16).equals(sent ? pageOf(own.tags, p, 16) : Buffer.alloc(16)), `tag of page ${p}`).to.equal(true);
      expect(staged.integrity!.versions[p], `version of page ${p}`).to.equal(sent ? own.versions[p] : 0);
      expect(pageOf(staged.ciphertext, p).equals(sent ? pageOf(m.hostView().ciphertext, p) : Buffer.alloc(PAGE_SIZE)), `page ${p}`).to.equal(true);
    }
  });

  it('gcm staging refuses an xts-sized batch, a single-page record and a memory file', () => {
    const source = randomBytes(pages * PAGE_SIZE);
    const xtsBody = Buffer.from(encodePageBatch(source, [0, 1], pageBatchScratch()));
    const staged = new StagedMemory(pages, undefined, 'gcm');
    expect(() => staged.installBatch({ type: RECORD.pageBatch, seq: 1n, round: 1, gpa: 0, body: xtsBody })).to.throw(RecordRejectedError, /expected 8242 \(a gcm VM's batch\)/);
    expect(() => staged.installPage({ type: RECORD.page, seq: 2n, round: 1, gpa: 0, body: source.subarray(0, PAGE_SIZE) })).to.throw(/gcm VM's pages arrive in page batches/);
    expect(() => new StagedMemory(pages, { path: join(tmpdir(), 'never-created.memory'), resume: false }, 'gcm')).to.throw(/must not reach the disk/);
  });
});

describe('live migration of gcm (integrity-mode) VMs', function () {
  this.timeout(60_000);
  let a: VmHost;
  let b: VmHost;
  let policy: MigrationPolicy;
  const keys = new LocalVmKeySource();
  const psk = randomBytes(32);

  before(async () => {
    ({ a, b, policy } = await approvedPair());
  });

  /** A gcm VM on A with a shadowing workload (not yet writing), the pattern pages and the tenant secret written. */
  const gcmGuest = async (vmId: string, memoryPages = 256): Promise<GuestOnHost> => {
    const vm = await RunningVm.start(a.host, await createVmRecord(a.host, { vmId, memoryPages, mode: 'gcm' }, keys));
    await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } }); // the guest firmware's job
    a.add(vm);
    const guest = { vm, workload: new DirtyingWorkload(vm.memory, { pagesPerTick: 4, intervalMs: 1, shadow: true }) };
    for (const p of [5, 6, 40]) guestWrite(guest, p * PAGE_SIZE, Buffer.alloc(PAGE_SIZE, patternUnit(p)));
    guestWrite(guest, 20 * PAGE_SIZE + 100, TENANT_SECRET);
    return guest;
  };

  const clearTarget = { auth: { psk, identity: 'host-b' }, timeoutMs: 3000, allowUnencryptedStream: true, vmKeyForUnencryptedBenchmark: (vmId: string) => keys.keyOf(vmId) };
  const encryptedTarget = { auth: { psk, identity: 'host-b' }, timeoutMs: 3000 };
  const migrateOptions = (streamEncryption: boolean, tamper?: FrameTamper) => ({ policy, auth: { psk, identity: 'host-a' }, timeoutMs: 3000, streamEncryption, ...(tamper ? { tamper } : {}) });

  it('migrates while the guest writes, over several rounds: memory equals the shadow, integrity holds on the destination (move, replay across hosts, bit flip)', async () => {
    const guest = await gcmGuest('gcm-live');
    const replayed = 7;
    const oldPage = { ciphertext: pageOf(guest.vm.memory.hostView().ciphertext, replayed), tag: pageOf(guest.vm.memory.hostView().tags, replayed, 16) };
    guestWrite(guest, replayed * PAGE_SIZE, Buffer.from('newer contents of page 7'));
    // The guest writes 4 pages per frame sent, between batches, until stop-and-copy pauses it: every round leaves pages dirty.
    let paused = false;
    const vcpus = { pause: () => { paused = true; }, resume: () => { paused = false; } };
    const writeWhileRunning: FrameTamper = (f) => {
      for (let i = 0; i < 4 && !paused; i++) guest.workload.writeOnce();
      return f;
    };
    const attempt = await attemptMigration({
      source: a, destination: b, vmId: 'gcm-live', port: PORTS.target, target: encryptedTarget,
      migrate: { ...migrateOptions(true, writeWhileRunning), guest: vcpus, stopCopyThresholdPages: 0, maxRounds: 3 },
    });
    expect(attempt.error, String(attempt.error)).to.equal(undefined);
    expect(attempt.report!.rounds, 'three pre-copy rounds, then stop-and-copy').to.equal(4);
    expect(guest.workload.writes, 'the guest wrote during pre-copy').to.be.greaterThan(4 * 4);
    expect(a.vms.has('gcm-live')).to.equal(false);
    expect(guest.vm.memory.hostView().tags.every((x) => x === 0), 'source tags scrubbed').to.equal(true);

    const moved = b.vm('gcm-live');
    expect(moved.memory.mode).to.equal('gcm');
    expect(plaintextHash(moved)).to.equal(sha(guest.workload.shadow!));
    const view = moved.memory.hostView();
    const expectRead = (page: number) => moved.memory.read(page * PAGE_SIZE, PAGE_SIZE);
    const swap = (p: number, q: number) => {
      for (const [buf, size] of [[view.ciphertext, PAGE_SIZE], [view.tags, 16]] as const) {
        const tmp = pageOf(buf, p, size);
        buf.copy(buf, p * size, q * size, (q + 1) * size);
        tmp.copy(buf, q * size);
      }
    };
    // An administrator moves page 41's ciphertext and tag to page 42 and back: the gpa in the nonce tells.
    swap(41, 42);
    expect(() => expectRead(41)).to.throw(PageIntegrityError, /guest page 41 /);
    swap(41, 42);
    // The source's older ciphertext and tag of page 7, replayed on the destination: the migrated version tells.
    const current = { ciphertext: pageOf(view.ciphertext, replayed), tag: pageOf(view.tags, replayed, 16) };
    oldPage.ciphertext.copy(view.ciphertext, replayed * PAGE_SIZE);
    oldPage.tag.copy(view.tags, replayed * 16);
    expect(() => expectRead(replayed)).to.throw(PageIntegrityError, /guest page 7 /);
    current.ciphertext.copy(view.ciphertext, replayed * PAGE_SIZE);
    current.tag.copy(view.tags, replayed * 16);
    view.ciphertext[40 * PAGE_SIZE + 100]! ^= 1;
    expect(() => expectRead(40)).to.throw(PageIntegrityError, /guest page 40 /);
    view.ciphertext[40 * PAGE_SIZE + 100]! ^= 1;
    // Undone, every page reads as the guest wrote it: the three failures were the tampering alone.
    expect(plaintextHash(moved)).to.equal(sha(guest.workload.shadow!));
    moved.memory.write(replayed * PAGE_SIZE, Buffer.from('the guest writes on'));
    expect(expectRead(replayed).subarray(0, 19).toString()).to.equal('the guest writes on');
  });

  /** Migrates `guest` through a capturing relay; the caller checks the outcome. */
  const captured = async (guest: GuestOnHost, encrypted: boolean, tamper?: FrameTamper) => {
    let relay!: CapturingRelay;
    const attempt = await attemptMigration({
      source: a, destination: b, vmId: guest.vm.vmId, port: PORTS.target, target: encrypted ? encryptedTarget : clearTarget,
      migrate: migrateOptions(encrypted, tamper),
      via: async (address) => (relay = await startCapturingRelay(PORTS.relay, address)),
    });
    return { attempt, capture: relay.all() };
  };

  const secretsOf = (vmId: string) => {
    const vmKey = keys.keyOf(vmId);
    const scanner = new WireScanner().addKey('VM key', vmKey).addKey('PSK', psk);
    for (const use of Object.keys(VM_KEY_LABELS) as VmKeyUse[]) scanner.addKey(`VM subkey ${use}`, deriveVmSubkey(vmKey, vmId, use));
    for (const p of [5, 6, 40]) scanner.addExact(`plaintext pattern of page ${p}`, patternUnit(p));
    return scanner.addExact('tenant secret', TENANT_SECRET);
  };
  const hostBytesOf = (guest: GuestOnHost) => {
    const scanner = new WireScanner();
    const { ciphertext, tags } = guest.vm.memory.hostView();
    for (const p of [5, 6, 40]) scanner.addExact(`GCM ciphertext of page ${p}`, pageOf(ciphertext, p)).addExact(`GCM tag of page ${p}`, pageOf(tags, p, 16));
    return scanner;
  };

  it('wire scan, encrypted stream: neither key, plaintext, nor even the page ciphertext and tags cross the wire', async () => {
    const guest = await gcmGuest('gcm-scan', 64);
    const scanner = secretsOf('gcm-scan');
    const hostBytes = hostBytesOf(guest);
    const { attempt, capture } = await captured(guest, true);
    expect(attempt.error, String(attempt.error)).to.equal(undefined);
    expect(b.vm('gcm-scan').memory.read(20 * PAGE_SIZE + 100, TENANT_SECRET.length).equals(TENANT_SECRET)).to.equal(true);
    expect(capture.length, 'the capture holds the whole memory').to.be.greaterThan(64 * PAGE_SIZE);
    expect(scanner.scan(capture)).to.deep.equal([]);
    expect(hostBytes.scan(capture)).to.deep.equal([]);
  });

  it('clear benchmark stream (control): the import check passes an untampered gcm VM; the scanner sees its ciphertext and tags but no key or plaintext', async () => {
    const guest = await gcmGuest('gcm-clear', 64);
    const before = plaintextHash(guest.vm);
    const hostBytes = hostBytesOf(guest);
    const { attempt, capture } = await captured(guest, false);
    expect(attempt.error, String(attempt.error)).to.equal(undefined);
    expect(plaintextHash(b.vm('gcm-clear'))).to.equal(before);
    expect(hostBytes.scan(capture).length, 'ciphertext and tags of the 3 pattern pages').to.equal(6);
    expect(secretsOf('gcm-clear').scan(capture)).to.deep.equal([]);
  });

  /** Adds 1 to the version of the last page of the first full gcm batch (the body's last 4 octets on a clear stream). */
  const bumpVersion = (encrypted: boolean) => {
    const state = { done: false };
    const tamper: FrameTamper = (f) => {
      if (state.done || f[0] !== RECORD.pageBatch || f.length !== GCM_FULL_BATCH_FRAME + (encrypted ? 16 : 0)) return f;
      state.done = true;
      const t = Buffer.from(f);
      const at = t.length - (encrypted ? 16 : 0) - 4;
      t.writeUInt32BE(t.readUInt32BE(at) + 1, at);
      return t;
    };
    return { state, tamper };
  };

  it('a version altered in flight on the clear stream fails the destination\'s import check before prepared: the VM stays on the source', async () => {
    const guest = await gcmGuest('gcm-bumped', 128);
    const before = plaintextHash(guest.vm);
    const { state, tamper } = bumpVersion(false);
    const { attempt } = await captured(guest, false, tamper);
    expect(state.done).to.equal(true);
    expect(attempt.error).to.be.instanceOf(MigrationAbortedError);
    expect(attempt.destination?.error).to.be.instanceOf(PageIntegrityError);
    expect((attempt.destination!.error as PageIntegrityError).page, 'the last page of the first batch').to.equal(MAX_BATCH_PAGES - 1);
    expectStayedOnSource(a, b, guest, before);
  });

  it('the same alteration on the encrypted stream fails the stream\'s AEAD: the VM stays on the source', async () => {
    const guest = await gcmGuest('gcm-bumped-aead', 128);
    const before = plaintextHash(guest.vm);
    const { state, tamper } = bumpVersion(true);
    const { attempt } = await captured(guest, true, tamper);
    expect(state.done).to.equal(true);
    expect(attempt.error).to.be.instanceOf(MigrationAbortedError);
    expect(attempt.destination?.error?.message).to.match(/does not authenticate/);
    expectStayedOnSource(a, b, guest, before);
  });

  it('a durable daemon host refuses a gcm migration on its hello (unsupported-memory-mode), before any page moves; the VM keeps running on the source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtpm-gcm-durable-'));
    const daemon = await (async () => {
      await hostInit(dir, { ca: await testManufacturerCa() });
      await hostBoot(dir, exampleBootChain('1.0'));
      return startHostDaemon({ hostDir: dir, listen: { host: '127.0.0.1', port: PORTS.daemon }, auth: { none: true }, timeoutMs: 2000 });
    })();
    const relay = await startCapturingRelay(PORTS.relay, daemon.address);
    const guest = await gcmGuest('gcm-durable', 64);
    const before = plaintextHash(guest.vm);
    let error: unknown;
    try {
      await migrateVm(a, 'gcm-durable', relay.address, { policy, auth: { none: true }, timeoutMs: 2000 });
    } catch (e) {
      error = e;
    } finally {
      await relay.close();
      await daemon.shutdown();
    }
    try {
      expect(error).to.be.instanceOf(MigrationAbortedError);
      const refusal = (error as MigrationAbortedError).cause as PeerRefusedError;
      expect(refusal.reason).to.equal('unsupported-memory-mode');
      expect(refusal.message).to.match(/gcm-durable uses gcm memory.*must not reach the disk/);
      expect(relay.clientBytes(0).length, 'the source sent less than one page in all').to.be.lessThan(PAGE_SIZE);
      expect(a.vms.get('gcm-durable')).to.equal(guest.vm);
      expect(plaintextHash(guest.vm)).to.equal(before);
      const files = readdirSync(dir, { recursive: true }).map(String);
      expect(files.filter((f) => f.includes('gcm-durable')), 'nothing of the VM on the daemon host').to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
