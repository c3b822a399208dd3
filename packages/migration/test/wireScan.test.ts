import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { LocalVmKeySource, PAGE_SIZE, deriveVmSubkey, VM_KEY_LABELS, type VmKeyUse } from '@vtpm/hypervisor';
import { GcmRecordCodec, MigrationAbortedError, PlaintextRecordCodec, RECORD, RecordOpener, RecordRejectedError, RecordSealer, type MigrationPolicy, type MigrationRefusedError, type PeerRefusedError, type VmHost } from '../src/index.js';
import { approvedPair, guestWrite, plaintextHash, startGuest, type GuestOnHost } from './support/migrationHosts.js';
import { attemptMigration, expectStayedOnSource } from './support/migrationRun.js';
import { startCapturingRelay, type CapturingRelay } from './support/tcpRelay.js';
import { WireScanner } from './support/wireScanner.js';

const PORTS = { target: 2730, relay: 2731 };
const PATTERN_PAGES = [5, 6, 7, 40];
const TENANT_SECRET = Buffer.from('tenant secret: the launch code is 0000');

/** A recognisable 4 KiB page: the pattern unit repeated, so any leak of it shows as that unit. */
const patternUnit = (page: number) => Buffer.from(`PLAINTEXT-PAGE-PATTERN-${String(page).padStart(4, '0')}|`);
const patternPage = (page: number) => Buffer.alloc(PAGE_SIZE, patternUnit(page));

describe('wire scan: neither the VM key nor guest plaintext crosses the wire', function () {
  this.timeout(60_000);
  let a: VmHost;
  let b: VmHost;
  let policy: MigrationPolicy;
  const keys = new LocalVmKeySource();
  const psk = randomBytes(32);

  before(async () => {
    ({ a, b, policy } = await approvedPair());
  });

  /** A guest holding the pattern pages and the tenant secret, with a workload that writes meanwhile. */
  const guestWithSecrets = async (vmId: string): Promise<GuestOnHost> => {
    const guest = await startGuest(a, vmId, 64, keys);
    for (const p of PATTERN_PAGES) guestWrite(guest, p * PAGE_SIZE, patternPage(p));
    guestWrite(guest, 20 * PAGE_SIZE + 100, TENANT_SECRET);
    return guest;
  };

  /** Migrates through a capturing relay; returns the capture after checking the VM arrived intact. */
  const migrateCaptured = async (guest: GuestOnHost, options: { encrypted: boolean }): Promise<CapturingRelay> => {
    let relay!: CapturingRelay;
    const expectedHash = plaintextHash(guest.vm);
    const attempt = await attemptMigration({
      source: a, destination: b, vmId: guest.vm.vmId, port: PORTS.target,
      target: options.encrypted
        ? { auth: { psk, identity: 'host-b' }, timeoutMs: 3000 }
        : { auth: { psk, identity: 'host-b' }, timeoutMs: 3000, allowUnencryptedStream: true, vmKeyForUnencryptedBenchmark: (vmId) => keys.keyOf(vmId) },
      migrate: { policy, auth: { psk, identity: 'host-a' }, timeoutMs: 3000, streamEncryption: options.encrypted },
      via: async (address) => (relay = await startCapturingRelay(PORTS.relay, address)),
    });
    expect(attempt.error, String(attempt.error)).to.equal(undefined);
    expect(plaintextHash(b.vm(guest.vm.vmId))).to.equal(expectedHash);
    expect(b.vm(guest.vm.vmId).memory.read(20 * PAGE_SIZE + 100, TENANT_SECRET.length).equals(TENANT_SECRET)).to.equal(true);
    return relay;
  };

  /** Every secret of the VM: its key, every subkey derived from it, the PSK, and the guest's plaintext. */
  const secretsOf = (vmId: string) => {
    const vmKey = keys.keyOf(vmId);
    const scanner = new WireScanner().addKey('VM key', vmKey).addKey('PSK', psk);
    for (const use of Object.keys(VM_KEY_LABELS) as VmKeyUse[]) scanner.addKey(`VM subkey ${use}`, deriveVmSubkey(vmKey, vmId, use));
    for (const p of PATTERN_PAGES) scanner.addExact(`plaintext pattern of page ${p}`, patternUnit(p));
    return scanner.addExact('tenant secret', TENANT_SECRET).addExact('tenant secret (base64)', Buffer.from(TENANT_SECRET.toString('base64')));
  };

  it('an encrypted migration: the capture of both directions holds none of the secrets', async () => {
    const guest = await guestWithSecrets('vm-scan');
    const vmId = guest.vm.vmId;
    const scanner = secretsOf(vmId);
    const ciphertext = guest.vm.memory.hostView().ciphertext;
    for (const p of PATTERN_PAGES) scanner.addExact(`XTS ciphertext of page ${p}`, Buffer.from(ciphertext.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)));
    const relay = await migrateCaptured(guest, { encrypted: true });
    const capture = relay.all();
    expect(capture.length, 'the capture must hold the whole memory').to.be.greaterThan(64 * PAGE_SIZE);
    // not even the host's XTS ciphertext shows: the stream's AEAD covers it
    expect(scanner.scan(capture)).to.deep.equal([]);
  });

  it('control: on the unencrypted benchmark stream the same scanner finds the XTS page ciphertext, and a deliberately inserted plaintext; still no key', async () => {
    const guest = await guestWithSecrets('vm-scan-clear');
    const vmId = guest.vm.vmId;
    const ciphertext = guest.vm.memory.hostView().ciphertext;
    const xtsPages = new WireScanner();
    for (const p of PATTERN_PAGES) xtsPages.addExact(`XTS ciphertext of page ${p}`, Buffer.from(ciphertext.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)));
    const relay = await migrateCaptured(guest, { encrypted: false });
    const capture = relay.all();
    expect(xtsPages.scan(capture).map((f) => f.what)).to.deep.equal(PATTERN_PAGES.map((p) => `XTS ciphertext of page ${p}`));
    // the VM key never travels over a clear stream, and memory is XTS ciphertext even there
    expect(secretsOf(vmId).scan(capture)).to.deep.equal([]);
    const half = capture.length >> 1;
    const spliced = Buffer.concat([capture.subarray(0, half), TENANT_SECRET, capture.subarray(half)]);
    expect(secretsOf(vmId).scan(spliced)).to.deep.equal([{ what: 'tenant secret', offset: half }]);
  });

  it('an unencrypted stream is refused unless the destination allows it (encryption-required), and needs a key source there (no-key-source)', async () => {
    for (const [target, reason] of [
      [{ auth: { none: true } }, 'encryption-required'],
      [{ auth: { none: true }, allowUnencryptedStream: true }, 'no-key-source'],
    ] as const) {
      const guest = await startGuest(a, `vm-clear-${reason}`, 16, keys);
      const hashBefore = plaintextHash(guest.vm);
      const attempt = await attemptMigration({
        source: a, destination: b, vmId: guest.vm.vmId, port: PORTS.target,
        target: { ...target, timeoutMs: 2000 },
        migrate: { policy, auth: { none: true }, timeoutMs: 2000, streamEncryption: false },
      });
      expect(((attempt.error as MigrationAbortedError).cause as PeerRefusedError).reason).to.equal(reason);
      expect((attempt.destination?.error as MigrationRefusedError).reason).to.equal(reason);
      expectStayedOnSource(a, b, guest, hashBefore);
    }
  });
});

describe('record codecs: the same header and sequence checks with and without encryption', () => {
  for (const [name, codec] of [['AES-256-GCM', () => new GcmRecordCodec(Buffer.alloc(32, 7))], ['plaintext (benchmark)', () => new PlaintextRecordCodec()]] as const) {
    it(`${name}: in-order records open; a replayed, reordered or dropped one is refused`, () => {
      const sealer = new RecordSealer(codec());
      const frames = [0, 1, 2, 3].map((i) => sealer.seal(RECORD.page, 1, i * PAGE_SIZE, Buffer.alloc(64, i)));
      const opener = new RecordOpener(codec());
      const first = opener.open(frames[0]!);
      expect([first.seq, first.gpa, first.body.equals(Buffer.alloc(64, 0))]).to.deep.equal([1n, 0, true]);
      expect(() => opener.open(frames[0]!)).to.throw(RecordRejectedError, /record seq 1 after 1: replayed/);
      expect(() => opener.open(frames[2]!)).to.throw(RecordRejectedError, /record seq 3 after 1/);
      expect(opener.open(frames[1]!).body.equals(Buffer.alloc(64, 1))).to.equal(true);
      // the body is in clear exactly when the codec does not encrypt
      expect(frames[3]!.includes(Buffer.alloc(64, 3))).to.equal(!codec().encrypted);
    });
  }

  it('AES-256-GCM: a page spliced to another gpa or a flipped body bit does not authenticate', () => {
    const key = Buffer.alloc(32, 9);
    const frame = new RecordSealer(new GcmRecordCodec(key)).seal(RECORD.page, 1, PAGE_SIZE, Buffer.alloc(PAGE_SIZE, 1));
    const spliced = Buffer.from(frame);
    spliced.writeBigUInt64BE(2n * BigInt(PAGE_SIZE), 13); // gpa field of the clear header
    expect(() => new RecordOpener(new GcmRecordCodec(key)).open(spliced)).to.throw(RecordRejectedError, /does not authenticate/);
    const flipped = Buffer.from(frame);
    flipped[100]! ^= 1;
    expect(() => new RecordOpener(new GcmRecordCodec(key)).open(flipped)).to.throw(RecordRejectedError, /does not authenticate/);
    expect(new RecordOpener(new GcmRecordCodec(key)).open(frame).body.equals(Buffer.alloc(PAGE_SIZE, 1))).to.equal(true);
  });
});
