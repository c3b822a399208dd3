import { expect } from 'chai';
import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { exampleBootChain, hostBoot, hostInit, loadHost, PAGE_SIZE } from '@vtpm/hypervisor';
import {
  b64, encodeHandshake, encodeStopCopyDone, HANDSHAKE, HostDaemonClient, MAX_CONTROL_LINE, MAX_FRAME_BYTES, MAX_MIGRATION_PAGES,
  migrationPolicyFromReferenceHost, migrationPolicyToJson, PeerRefusedError, RECORD, startHostDaemon, tamperOutgoing,
  type ChannelAuth, type ControlLine, type FramedSocket, type Hello, type HostDaemon, type HostDaemonOptions, type MigrationPoint,
  type MigrationPolicy, type MigrationPolicyJson, type MigrationRole, type RecordType, type SecureStream,
} from '../src/index.js';
import { controlExchange, requestLine } from './support/controlPeer.js';
import { expectHandlesBackTo, expectUnharmed, openHandles, RESIDENT_VM, sha256, type FuzzedHost } from './support/daemonHealth.js';
import { authenticatedPeer, frameBytes, handshakenStream, rawExchange, refusalReason, repliesUntilClose } from './support/listenerPeer.js';
import { SeededRandom } from './support/seededRandom.js';

/**
 * Bad input is normal input: thousands of malformed connections, frames, handshakes, records,
 * questions and control requests against in-process host daemons. Each must end with a clear
 * refusal or a closed connection, never a crash or a hang, and leave the daemon as it was: its
 * resident VM's memory unchanged, nothing staged left in its host directory, no handles piling up,
 * and a real migration still going through. Deterministic: fixed seeds and counts.
 */

const TIMEOUT_MS = 1000; // the daemons' per-message timeout: what a silent or slow peer gets
const PAGES = 64;
const GiB = 2 ** 30;
const psk = randomBytes(32);
const pskAuth = (identity: string): ChannelAuth => ({ psk, identity });
const noAuth: ChannelAuth = { none: true };
const RESIDENT_DATA = Buffer.from('resident guest data: every fuzz case must leave it as it is');

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map((item, j) => task(item, i + j)));
}

/** Collects failures of many cases so one run names all of them (the first ten). */
class Problems {
  readonly list: string[] = [];
  add(what: string): void {
    this.list.push(what);
  }
  check(label: string): void {
    expect(this.list.slice(0, 10), `${label}: ${this.list.length} cases went wrong`).to.deep.equal([]);
  }
}

const handshakeFrame = (type: number, body: unknown) => Buffer.concat([Buffer.from([type]), Buffer.from(JSON.stringify(body) ?? '')]);

describe('host daemon fuzzing: malformed input on the migration listener and the control socket', function () {
  this.timeout(90_000);
  let root: string;
  let policy: MigrationPolicy;
  let policyJson: MigrationPolicyJson;
  let A: FuzzedHost;
  let B: FuzzedHost; // PSK, the migration target of the fuzzing
  let N: FuzzedHost; // auth none, the control-socket target
  let handlesBefore: Record<string, number>;
  /** B's fault-injection hook, set by a test for one migration. */
  let onDestinationPoint: ((point: MigrationPoint) => void) | undefined;
  const vm1Model = Buffer.alloc(PAGES * PAGE_SIZE);

  const start = async (name: string, port: number, auth: ChannelAuth, extra: Partial<HostDaemonOptions> = {}): Promise<FuzzedHost> => {
    const dir = join(root, name);
    await hostInit(dir, { ca: await ManufacturerCa.create() });
    await hostBoot(dir, exampleBootChain('1.0'));
    const daemon = await startHostDaemon({ hostDir: dir, listen: { host: '127.0.0.1', port }, auth, timeoutMs: TIMEOUT_MS, ...extra });
    const client = await HostDaemonClient.connect(daemon.controlSocket);
    await client.createVm({ vmId: RESIDENT_VM, memoryPages: PAGES });
    await client.startVm(RESIDENT_VM);
    await client.writeGuest(RESIDENT_VM, 0x2000, RESIDENT_DATA);
    const residentModel = Buffer.alloc(PAGES * PAGE_SIZE);
    RESIDENT_DATA.copy(residentModel, 0x2000);
    return { dir, daemon, client, residentModel };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vtpm-fuzz-'));
    A = await start('A', 2970, pskAuth('A'));
    B = await start('B', 2971, pskAuth('B'), {
      maxStagedBytes: 5 * GiB,
      faultInjection: { atPoint: (role: MigrationRole, point: MigrationPoint) => { if (role === 'destination') onDestinationPoint?.(point); } },
    });
    N = await start('N', 2972, noAuth);
    policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', await loadHost(B.dir));
    policyJson = migrationPolicyToJson(policy);
    await A.client.createVm({ vmId: 'vm1', memoryPages: PAGES });
    await A.client.startVm('vm1');
    const secret = Buffer.from('vm1: the guest wrote this before the fuzzing');
    await A.client.writeGuest('vm1', 0x5000, secret);
    secret.copy(vm1Model, 0x5000);
    handlesBefore = openHandles();
  });
  after(async () => {
    for (const h of [A, B, N]) {
      h?.client.close();
      await h?.daemon.shutdown().catch(() => undefined);
    }
    rmSync(root, { recursive: true, force: true });
  });

  /** A well-formed hello for `vmId` (epoch 1: what vm1's real migration uses at the end, so no fuzz case may consume it). */
  const hello = (vmId = 'vm1', memoryPages = PAGES): Omit<Hello, 'nonce'> => ({
    vmId, policyId: 'hypervisor-1.0', epoch: '1', config: { vmId, memoryPages, mode: 'xts', vcpus: 1 }, keyRelease: 'stream', streamEncryption: true,
  });
  const helloBody = (over: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Record<string, unknown> => {
    const h = { ...hello(), nonce: b64(randomBytes(32)), ...over } as Record<string, unknown>;
    return { ...h, config: { ...(h.config as object), ...config } };
  };

  describe('the migration listener', () => {
    it('raw garbage, random frames, huge length prefixes, cut frames and silent or slow peers: refused or dropped, every connection closed in time', async () => {
      const rng = new SeededRandom(0xf022);
      const problems = new Problems();
      const authHello = (fields: Record<string, unknown>) => handshakeFrame(HANDSHAKE.authHello, fields);
      const validHello = authHello({ mode: 'psk', identity: 'fuzzer', nonce: b64(rng.bytes(32)) });
      type Case = { label: string; chunks: Buffer[]; end: boolean; expect: (frames: Buffer[], closedAfterMs: number, chunksSent: number) => string | undefined; intervalMs?: number; limitMs?: number };
      const reasons = (frames: Buffer[]) => frames.map((f) => refusalReason(f) ?? `frame type ${f[0]}`).join(',');
      const onlyAuthFailed = (frames: Buffer[]) => (frames.length === 1 && refusalReason(frames[0]!) === 'auth-failed' ? undefined : `expected one auth-failed refusal, got [${reasons(frames)}]`);
      const nothing = (frames: Buffer[]) => (frames.length === 0 ? undefined : `expected no answer, got [${reasons(frames)}]`);
      const cases: Case[] = [];
      for (let i = 0; i < 500; i++) {
        const bytes = rng.bytes(rng.between(1, 300));
        // Random octets rarely make a whole frame; if they do, it is not an authHello.
        const wholeFrame = bytes.length >= 4 && bytes.readUInt32BE(0) <= bytes.length - 4;
        cases.push({ label: `random octets #${i}`, chunks: [bytes], end: true, expect: (f) => (wholeFrame ? onlyAuthFailed(f) : nothing(f)) });
      }
      for (let i = 0; i < 300; i++) cases.push({ label: `random frame #${i}`, chunks: [frameBytes(rng.bytes(rng.between(0, 2000)))], end: true, expect: onlyAuthFailed });
      const fieldValues = ['psk', 'none', 'certificate', '', 5, null, [], {}, 'A'.repeat(5000)];
      for (let i = 0; i < 300; i++) {
        const fields = { mode: rng.pick(fieldValues), identity: rng.pick(fieldValues), nonce: rng.pick([b64(rng.bytes(32)), ...fieldValues]) };
        for (const f of Object.keys(fields) as (keyof typeof fields)[]) if (rng.int(6) === 0) delete fields[f];
        // Independently: only a PSK hello with string identity and nonce is answered (with the daemon's own authHello, then it waits for a proof that never comes).
        const acceptable = fields.mode === 'psk' && typeof fields.identity === 'string' && typeof fields.nonce === 'string';
        cases.push({
          label: `authHello ${JSON.stringify(fields).slice(0, 80)}`, chunks: [frameBytes(authHello(fields))], end: true,
          expect: (f) => (acceptable ? (f.length === 1 && f[0]![0] === HANDSHAKE.authHello ? undefined : `expected the daemon's authHello, got [${reasons(f)}]`) : onlyAuthFailed(f)),
        });
      }
      for (let i = 0; i < 50; i++) {
        const proof = rng.pick([handshakeFrame(HANDSHAKE.authProof, { proof: b64(rng.bytes(32)) }), handshakeFrame(HANDSHAKE.authProof, { proof: 5 }), rng.bytes(40), Buffer.alloc(0)]);
        cases.push({
          label: `authHello then bad proof #${i}`, chunks: [frameBytes(validHello), frameBytes(proof)], end: true,
          expect: (f) => (f.length === 2 && f[0]![0] === HANDSHAKE.authHello && refusalReason(f[1]!) === 'auth-failed' ? undefined : `expected authHello and auth-failed, got [${reasons(f)}]`),
        });
      }
      for (let i = 0; i < 50; i++) {
        const length = rng.between(MAX_FRAME_BYTES + 1, 2 ** 32 - 1);
        cases.push({
          label: `length prefix ${length}`, chunks: [frameBytes(rng.bytes(rng.between(0, 100)), length)], end: false,
          expect: (f, ms) => nothing(f) ?? (ms < TIMEOUT_MS * 0.8 ? undefined : `closed only after ${ms.toFixed(0)} ms: it waited instead of refusing the length`),
        });
      }
      const wholeHello = frameBytes(validHello);
      for (let i = 0; i < 100; i++) cases.push({ label: `authHello cut at ${i % (wholeHello.length - 1) + 1}`, chunks: [wholeHello.subarray(0, (i % (wholeHello.length - 1)) + 1)], end: true, expect: nothing });
      const timedOut = (f: Buffer[], ms: number) => nothing(f) ?? (ms >= TIMEOUT_MS * 0.9 && ms < TIMEOUT_MS + 1500 ? undefined : `closed after ${ms.toFixed(0)} ms, expected about ${TIMEOUT_MS}`);
      for (let i = 0; i < 4; i++) cases.push({ label: `silent peer #${i}`, chunks: [], end: false, expect: timedOut, limitMs: TIMEOUT_MS + 3000 });
      // One octet per 100 ms: the whole authHello would take seconds; the per-message timeout must cut it, not wait for it.
      cases.push({
        label: 'slow peer', chunks: [...wholeHello].map((b) => Buffer.from([b])), end: false, intervalMs: 100, limitMs: TIMEOUT_MS + 3000,
        expect: (f, ms, sent) => timedOut(f, ms) ?? (sent < wholeHello.length ? undefined : 'the whole slow frame was read'),
      });

      await inBatches(cases, 40, async (c) => {
        try {
          const { frames, closedAfterMs, chunksSent } = await rawExchange(B.daemon.address, c.chunks, { end: c.end, limitMs: c.limitMs ?? 3000, ...(c.intervalMs ? { intervalMs: c.intervalMs } : {}) });
          const problem = c.expect(frames, closedAfterMs, chunksSent);
          if (problem) problems.add(`${c.label}: ${problem}`);
        } catch (e) {
          problems.add(`${c.label}: ${(e as Error).message}`);
        }
      });
      expect(cases.length).to.be.greaterThan(1300);
      problems.check('raw connections');
      await expectUnharmed(B, 'B');
    });

    /** Hellos after a real authentication that must be refused, each with the reason named, before the daemon quotes anything. */
    const refusedHellos = (): [string, Buffer, string][] => {
      const bad = (label: string, over: Record<string, unknown>, config: Record<string, unknown> = {}): [string, Buffer, string] => [label, handshakeFrame(HANDSHAKE.hello, helloBody(over, config)), 'bad-hello'];
      const missing = (field: string): [string, Buffer, string] => {
        const body = helloBody();
        delete body[field];
        return [`no ${field}`, handshakeFrame(HANDSHAKE.hello, body), 'bad-hello'];
      };
      return [
        ['not JSON', Buffer.concat([Buffer.from([HANDSHAKE.hello]), Buffer.from('{"vmId":')]), 'bad-hello'],
        ['a JSON array', handshakeFrame(HANDSHAKE.hello, [1, 2]), 'bad-hello'],
        ['JSON null', handshakeFrame(HANDSHAKE.hello, null), 'bad-hello'],
        ['a JSON string', handshakeFrame(HANDSHAKE.hello, 'hello'), 'bad-hello'],
        ['an empty frame', Buffer.alloc(0), 'bad-hello'],
        ['a type octet only', Buffer.from([HANDSHAKE.hello]), 'bad-hello'],
        ...[HANDSHAKE.attestation, HANDSHAKE.keyShare, HANDSHAKE.authHello, HANDSHAKE.accepted, 200].map((t): [string, Buffer, string] => [`a frame of type ${t}`, handshakeFrame(t, helloBody()), 'bad-hello']),
        ...['vmId', 'policyId', 'nonce', 'epoch', 'config'].map(missing),
        bad('vmId a number', { vmId: 5 }, { vmId: 5 }),
        bad('epoch a number', { epoch: 1 }),
        bad('config a string', { config: 'x' }),
        ['config null', handshakeFrame(HANDSHAKE.hello, { ...helloBody(), config: null }), 'bad-hello'],
        bad('memoryPages a string', {}, { memoryPages: '64' }),
        bad('vcpus a string', {}, { vcpus: '1' }),
        bad('streamEncryption a string', { streamEncryption: 'yes' }),
        bad('keyRelease a number', { keyRelease: 7 }),
        bad('memory mode aes', {}, { mode: 'aes' }),
        ['gcm memory into a durable host', handshakeFrame(HANDSHAKE.hello, helloBody({}, { mode: 'gcm' })), 'unsupported-memory-mode'],
        ...[0, -1, 1.5, 2 ** 31, 2 ** 40, 1e308, MAX_MIGRATION_PAGES + 1, bufferConstants.MAX_LENGTH / PAGE_SIZE + 1].map((n) => bad(`memoryPages ${n}`, {}, { memoryPages: n })),
        ...[0, -1, 2.5, 257, 10 ** 6].map((n) => bad(`vcpus ${n}`, {}, { vcpus: n })),
        ...['-1', '', '1e3', '0x10', '1'.repeat(21), ' 1'].map((e) => bad(`epoch ${JSON.stringify(e)}`, { epoch: e })),
        ...['../x', 'a/b', '.hidden', 'x\u0000y', '', 'résumé', 'x'.repeat(300).replace(/^/, '/')].map((id) => bad(`vmId ${JSON.stringify(id.slice(0, 20))}`, { vmId: id }, { vmId: id })),
        bad('config for another VM', {}, { vmId: 'other' }),
        ['epoch 0 (never newer)', handshakeFrame(HANDSHAKE.hello, helloBody({ epoch: '0' })), 'stale-epoch'],
        ['a VM that runs here', handshakeFrame(HANDSHAKE.hello, helloBody({ vmId: RESIDENT_VM }, { vmId: RESIDENT_VM })), 'vm-exists'],
        ['an unencrypted stream', handshakeFrame(HANDSHAKE.hello, helloBody({ streamEncryption: false })), 'encryption-required'],
        ['broker mode without a broker', handshakeFrame(HANDSHAKE.hello, helloBody({ keyRelease: 'broker' })), 'broker-unavailable'],
      ];
    };

    for (const [mode, target, auth] of [['PSK', () => B, pskAuth('fuzzer')], ['no', () => N, noAuth]] as const) {
      it(`after ${mode} authentication: malformed, oversized and path-laden hellos are refused with the reason named, before any quote`, async () => {
        const problems = new Problems();
        const cases = refusedHellos();
        await inBatches(cases, 10, async ([label, frame, reason]) => {
          try {
            const socket = await authenticatedPeer(target().daemon.address, auth);
            await socket.send(frame);
            const replies = await repliesUntilClose(socket, 3000, (f) => f[0] === HANDSHAKE.attestation);
            const got = replies.map((f) => refusalReason(f) ?? `frame type ${f[0]}`);
            if (got.length !== 1 || got[0] !== reason) problems.add(`${label}: expected [${reason}], got [${got.join(',')}]`);
          } catch (e) {
            problems.add(`${label}: ${(e as Error).message}`);
          }
        });
        problems.check(`hellos (${mode} auth)`);
        await expectUnharmed(target(), mode);
      });
    }

    it('hellos with flipped octets or cut short: refused, or (still well-formed) attested and then dropped with the peer', async () => {
      const rng = new SeededRandom(0x4e110);
      const problems = new Problems();
      const known = new Set(['bad-hello', 'stale-epoch', 'vm-exists', 'unsupported-memory-mode', 'encryption-required', 'broker-unavailable']);
      const valid = handshakeFrame(HANDSHAKE.hello, helloBody());
      const cases: [string, Buffer, boolean][] = [];
      for (let i = 0; i < 150; i++) {
        const frame = Buffer.from(valid);
        const flips = rng.between(1, 3);
        for (let k = 0; k < flips; k++) frame[rng.int(frame.length)] ^= rng.between(1, 255);
        cases.push([`flip #${i}`, frame, false]);
      }
      for (let i = 0; i < 40; i++) cases.push([`cut at ${i * 7}`, valid.subarray(0, Math.min(i * 7, valid.length - 1)), true]);
      let attested = 0;
      await inBatches(cases, 10, async ([label, frame, mustRefuse]) => {
        try {
          const socket = await authenticatedPeer(B.daemon.address, pskAuth('fuzzer'));
          await socket.send(frame);
          const replies = await repliesUntilClose(socket, 3000, (f) => f[0] === HANDSHAKE.attestation);
          const reason = replies.length === 1 ? refusalReason(replies[0]!) : undefined;
          if (replies.length === 1 && replies[0]![0] === HANDSHAKE.attestation && !mustRefuse) attested++;
          else if (!reason || !known.has(reason) || (mustRefuse && reason !== 'bad-hello')) problems.add(`${label}: got [${replies.map((f) => refusalReason(f) ?? `frame type ${f[0]}`).join(',')}]`);
        } catch (e) {
          problems.add(`${label}: ${(e as Error).message}`);
        }
      });
      problems.check('mutated hellos');
      expect(attested, 'some flips (in the nonce, the policy id) keep the hello well-formed').to.be.greaterThan(0);
      await expectUnharmed(B, 'B');
    });

    it('garbage key shares after a valid hello and the quote: refused bad-key-share', async () => {
      const rng = new SeededRandom(0x5a4e);
      const problems = new Problems();
      const shares: [string, Buffer][] = [
        ['not JSON', Buffer.concat([Buffer.from([HANDSHAKE.keyShare]), Buffer.from('{')])],
        ['no key', handshakeFrame(HANDSHAKE.keyShare, {})],
        ['a key that is a number', handshakeFrame(HANDSHAKE.keyShare, { ephemeralPublicKey: 5 })],
        ['an empty key', handshakeFrame(HANDSHAKE.keyShare, { ephemeralPublicKey: '' })],
        ['65 random octets as the key', handshakeFrame(HANDSHAKE.keyShare, { ephemeralPublicKey: b64(Buffer.concat([Buffer.from([4]), rng.bytes(64)])) })],
        ['a hello again', handshakeFrame(HANDSHAKE.hello, helloBody())],
        ['an empty frame', Buffer.alloc(0)],
        ...Array.from({ length: 8 }, (_, i): [string, Buffer] => [`random frame #${i}`, Buffer.concat([Buffer.from([HANDSHAKE.keyShare]), rng.bytes(rng.between(1, 200))])]),
      ];
      await inBatches(shares, 5, async ([label, share]) => {
        try {
          const socket = await authenticatedPeer(B.daemon.address, pskAuth('fuzzer'));
          await socket.send(handshakeFrame(HANDSHAKE.hello, helloBody()));
          const attestation = await socket.next(3000);
          if (attestation[0] !== HANDSHAKE.attestation) throw new Error(`no attestation for a valid hello: ${refusalReason(attestation)}`);
          await socket.send(share);
          const got = (await repliesUntilClose(socket, 3000)).map((f) => refusalReason(f) ?? `frame type ${f[0]}`);
          if (got.join() !== 'bad-key-share') problems.add(`${label}: expected [bad-key-share], got [${got.join(',')}]`);
        } catch (e) {
          problems.add(`${label}: ${(e as Error).message}`);
        }
      });
      problems.check('key shares');
      await expectUnharmed(B, 'B');
    });

    it('records after a complete handshake that are forged, malformed, out of order or incomplete: the stream is dropped, nothing staged stays', async () => {
      const rng = new SeededRandom(0x7ec0);
      const problems = new Problems();
      const batch = (pages: number[], count = pages.length) => {
        const body = Buffer.alloc(2 + pages.length * (4 + PAGE_SIZE));
        body.writeUInt16BE(count, 0);
        pages.forEach((p, i) => body.writeUInt32BE(p, 2 + 4 * i));
        return body;
      };
      const stopCopyDone = (epoch = 1n) => encodeStopCopyDone({ epoch, resolutionKey: randomBytes(32) });
      const keyAndState = async (s: SecureStream) => {
        await s.send(RECORD.vmKey, randomBytes(32));
        await s.send(RECORD.vtpmState, rng.bytes(600));
      };
      type Run = (s: SecureStream, socket: FramedSocket) => Promise<void>;
      const scenarios: [string, Run][] = [
        ['random octets as a record', (_, socket) => socket.send(rng.bytes(200))],
        ['a record cut short', (_, socket) => socket.send(rng.bytes(10))],
        ['a length prefix over the limit', async (_, socket) => void socket.socket.write(frameBytes(Buffer.alloc(8), MAX_FRAME_BYTES + 1))],
        ['record type 200', (s) => s.send(200 as RecordType, Buffer.alloc(4))],
        ...([RECORD.prepared, RECORD.commit, RECORD.committed, RECORD.abort] as RecordType[]).map((t): [string, Run] => [`record type ${t} from the source`, (s) => s.send(t, Buffer.alloc(0))]),
        ['a batch of 0 pages', (s) => s.send(RECORD.pageBatch, batch([], 0), 1, 0)],
        ['a batch of 65 pages', (s) => s.send(RECORD.pageBatch, batch(Array.from({ length: 65 }, (_, i) => i)), 1, 0)],
        ['a page beyond the VM', (s) => s.send(RECORD.pageBatch, batch([PAGES]), 1, PAGES * PAGE_SIZE)],
        ['page 2^32-1', (s) => s.send(RECORD.pageBatch, batch([2 ** 32 - 1]), 1, (2 ** 32 - 1) * PAGE_SIZE)],
        ['pages out of order', (s) => s.send(RECORD.pageBatch, batch([3, 2]), 1, 3 * PAGE_SIZE)],
        ['a page twice', (s) => s.send(RECORD.pageBatch, batch([2, 2]), 1, 2 * PAGE_SIZE)],
        ['a batch one octet short', (s) => s.send(RECORD.pageBatch, batch([1]).subarray(1), 1, PAGE_SIZE)],
        ['a batch that claims more pages than it holds', (s) => s.send(RECORD.pageBatch, batch([1, 2], 3), 1, PAGE_SIZE)],
        ['a header gpa not the first page\'s', (s) => s.send(RECORD.pageBatch, batch([5]), 1, 0)],
        ['a single page of 100 octets', (s) => s.send(RECORD.page, Buffer.alloc(100), 1, 0)],
        ['a single page beyond the VM', (s) => s.send(RECORD.page, Buffer.alloc(PAGE_SIZE), 1, PAGES * PAGE_SIZE)],
        ['a single page at an unaligned gpa', (s) => s.send(RECORD.page, Buffer.alloc(PAGE_SIZE), 1, 5)],
        ['a replayed record', async (s, socket) => {
          tamperOutgoing(socket, (f) => [f, f]);
          await s.send(RECORD.pageBatch, batch([0]), 1, 0);
        }],
        ['the end before key and vTPM state', (s) => s.send(RECORD.stopCopyDone, stopCopyDone())],
        ['a forged VM key and vTPM state', async (s) => {
          await keyAndState(s);
          await s.send(RECORD.stopCopyDone, stopCopyDone());
        }],
        ['an empty VM key', async (s) => {
          await s.send(RECORD.vmKey, Buffer.alloc(0));
          await s.send(RECORD.vtpmState, rng.bytes(100));
          await s.send(RECORD.stopCopyDone, stopCopyDone());
        }],
        ['the VM key twice', async (s) => {
          await s.send(RECORD.vmKey, randomBytes(32));
          await s.send(RECORD.vmKey, randomBytes(32));
        }],
        ['an end record that is not JSON', async (s) => {
          await keyAndState(s);
          await s.send(RECORD.stopCopyDone, Buffer.from('{"epoch":'));
        }],
        ['an end record with another epoch', async (s) => {
          await keyAndState(s);
          await s.send(RECORD.stopCopyDone, stopCopyDone(2n));
        }],
        ['an end record with a short resolution key', async (s) => {
          await keyAndState(s);
          await s.send(RECORD.stopCopyDone, Buffer.from(JSON.stringify({ epoch: '1', resolutionKey: b64(randomBytes(8)) })));
        }],
        ['an end record naming a path as the source', async (s) => {
          await keyAndState(s);
          await s.send(RECORD.stopCopyDone, Buffer.from(JSON.stringify({ epoch: '1', resolveAt: '../../etc', resolutionKey: b64(randomBytes(32)) })));
        }],
        ['vCPU records with absurd indexes and sizes', async (s) => {
          await s.send(RECORD.vcpu, Buffer.alloc(3), 0, 10 ** 9);
          await s.send(RECORD.vcpu, rng.bytes(5000), 0, 2 ** 53 - 1);
          await keyAndState(s);
          await s.send(RECORD.stopCopyDone, stopCopyDone());
        }],
        ['every page, then the source vanishes', async (s, socket) => {
          for (let p = 0; p < PAGES; p += 16) await s.send(RECORD.pageBatch, batch(Array.from({ length: 16 }, (_, i) => p + i)), 1, p * PAGE_SIZE);
          await s.send(RECORD.roundEnd, Buffer.alloc(0), 1);
          socket.close();
        }],
        ['silence after the handshake', async () => undefined],
        ['a record one octet per 100 ms', async (_, socket) => {
          const frame = frameBytes(rng.bytes(4000));
          let sent = 0;
          const drip = setInterval(() => (socket.socket.destroyed || sent === frame.length ? clearInterval(drip) : socket.socket.write(frame.subarray(sent, ++sent))), 100);
        }],
      ];
      // And sequences of well-sealed records of any type, round and gpa with random bodies: what a buggy or hostile source holding the stream keys can send.
      const types = [...Object.values(RECORD), 0, 12, 255] as RecordType[];
      for (let i = 0; i < 80; i++) {
        const records = Array.from({ length: rng.between(1, 6) }, () => ({ type: rng.pick(types), body: rng.bytes(rng.pick([0, 8, 32, 100, PAGE_SIZE, PAGE_SIZE + 6, 5000])), round: rng.int(2 ** 32), gpa: rng.pick([0, PAGE_SIZE, rng.int(2 ** 53)]) }));
        scenarios.push([`records ${records.map((r) => r.type).join(',')} #${i}`, async (s) => {
          for (const r of records) await s.send(r.type, r.body, r.round, r.gpa);
        }]);
      }
      await inBatches(scenarios, 12, async ([label, run]) => {
        try {
          const { socket, stream } = await handshakenStream(B.daemon.address, pskAuth('fuzzer'), hello(), policy);
          await run(stream, socket);
          const replies = await repliesUntilClose(socket, TIMEOUT_MS + 3000);
          if (replies.length) problems.add(`${label}: the daemon answered ${replies.length} frames (a prepared record?) to a broken stream`);
        } catch (e) {
          problems.add(`${label}: ${(e as Error).message}`);
        }
      });
      problems.check('records');
      await expectUnharmed(B, 'B');
    });

    it('questions about in-doubt migrations with garbage: refused bad-question, or answered without any claim (unknown, abort)', async () => {
      const rng = new SeededRandom(0x9e57);
      const problems = new Problems();
      const values = ['vm1', '../x', '', 5, null, 'status', 'outcome', 'commit', 'bogus', '1', '-1', '18446744073709551615', b64(randomBytes(32)), [], {}];
      const bodies: unknown[] = ['not an object', [1], null];
      for (let i = 0; i < 150; i++) {
        const q: Record<string, unknown> = {};
        for (const f of ['vmId', 'epoch', 'question', 'nonce', 'mac']) if (rng.int(8) !== 0) q[f] = rng.pick(values);
        bodies.push(q);
      }
      /** The answer the spec (resolveMessages.ts) gives, worked out here: no migration of B is in doubt, so no proven claim exists. */
      const expected = (q: unknown): string => {
        const m = q as Record<string, unknown> | null;
        if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'bad-question';
        if (!['vmId', 'epoch', 'question', 'nonce'].every((f) => typeof m[f] === 'string')) return 'bad-question';
        if (!['outcome', 'status', 'commit'].includes(m.question as string) || !/^[0-9]{1,20}$/.test(m.epoch as string)) return 'bad-question';
        return m.question === 'outcome' ? 'answer abort' : 'answer unknown';
      };
      await inBatches(bodies, 15, async (body) => {
        try {
          const socket = await authenticatedPeer(B.daemon.address, pskAuth('fuzzer'));
          await socket.send(typeof body === 'string' ? Buffer.concat([Buffer.from([HANDSHAKE.resolve]), Buffer.from(body)]) : handshakeFrame(HANDSHAKE.resolve, body));
          const replies = await repliesUntilClose(socket, 3000);
          const got = replies.map((f) => {
            if (f[0] !== HANDSHAKE.resolution) return refusalReason(f) ?? `frame type ${f[0]}`;
            const a = JSON.parse(f.subarray(1).toString()) as { answer: string; mac?: string };
            return `answer ${a.answer}${a.mac ? ' with a MAC' : ''}`;
          });
          if (got.join() !== expected(body)) problems.add(`${JSON.stringify(body)}: expected [${expected(body)}], got [${got.join(',')}]`);
        } catch (e) {
          problems.add(`${JSON.stringify(body)}: ${(e as Error).message}`);
        }
      });
      problems.check('questions');
      await expectUnharmed(B, 'B');
    });

    it('memory claims: past MAX_MIGRATION_PAGES refused bad-hello, past the staging budget refused insufficient-memory before allocating; a dropped 4 GiB claim commits no memory', async () => {
      expect(MAX_MIGRATION_PAGES * PAGE_SIZE, 'one Buffer holds the largest staged VM').to.be.at.most(bufferConstants.MAX_LENGTH);
      const refusedWith = async (vmId: string, pages: number) => {
        const e = await handshakenStream(B.daemon.address, pskAuth('fuzzer'), hello(vmId, pages), policy).then(({ socket }) => (socket.close(), undefined), (err: unknown) => err);
        return e instanceof PeerRefusedError ? e.reason : e;
      };
      expect(await refusedWith('huge', 2 ** 31)).to.equal('bad-hello');
      expect(await refusedWith('huge', MAX_MIGRATION_PAGES + 1)).to.equal('bad-hello');

      // B's budget is 5 GiB: two 2 GiB arrivals fit at once, a third does not, until one of them is gone.
      const half = (2 * GiB) / PAGE_SIZE;
      const first = await handshakenStream(B.daemon.address, pskAuth('fuzzer'), hello('big-1', half), policy);
      const second = await handshakenStream(B.daemon.address, pskAuth('fuzzer'), hello('big-2', half), policy);
      expect(await refusedWith('big-3', half)).to.equal('insufficient-memory');
      first.socket.close();
      await repliesUntilClose(first.socket, 100);
      await new Promise((r) => setTimeout(r, 100)); // the daemon sees the close and releases the reservation
      const third = await handshakenStream(B.daemon.address, pskAuth('fuzzer'), hello('big-3', half), policy);
      for (const s of [second, third]) s.socket.close();

      // A 4 GiB claim whose peer sends one page and leaves: the staged buffer is never touched beyond that page.
      const rssBefore = process.memoryUsage().rss;
      for (let i = 0; i < 2; i++) {
        const pages = 2 ** 20;
        const { socket, stream } = await handshakenStream(B.daemon.address, pskAuth('fuzzer'), hello(`big-4-${i}`, pages), policy);
        const body = Buffer.alloc(2 + 4 + PAGE_SIZE, 0xaa);
        body.writeUInt16BE(1, 0);
        body.writeUInt32BE(pages - 1, 2);
        await stream.send(RECORD.pageBatch, body, 1, (pages - 1) * PAGE_SIZE);
        await new Promise((r) => setTimeout(r, 50));
        socket.close();
        await new Promise((r) => setTimeout(r, 200));
      }
      const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
      expect(grownMiB, 'RSS growth (MiB) after two dropped 4 GiB arrivals').to.be.below(256);
      await new Promise((r) => setTimeout(r, 200));
      await expectUnharmed(B, 'B');
    });

    it('the same VM and epoch arriving twice at once: the intruder leaving cannot truncate or delete the real arrival\'s memory file', async () => {
      const pages = 4096;
      await A.client.createVm({ vmId: 'vm2', memoryPages: pages });
      await A.client.startVm('vm2');
      const data = randomBytes(3 * PAGE_SIZE);
      await A.client.writeGuest('vm2', 100 * PAGE_SIZE, data);
      const model = Buffer.alloc(pages * PAGE_SIZE);
      data.copy(model, 100 * PAGE_SIZE);
      // A PSK holder stages vm2 at the epoch the real migration will use (1), then leaves while the real pages arrive.
      const intruder = await handshakenStream(B.daemon.address, pskAuth('intruder'), hello('vm2', pages), policy);
      onDestinationPoint = (point) => {
        if (point !== 'pre-copy') return;
        onDestinationPoint = undefined;
        intruder.socket.close();
      };
      try {
        const report = await A.client.migrate('vm2', { to: B.daemon.address, policy: policyJson });
        expect(report.epoch).to.equal(1n);
      } finally {
        onDestinationPoint = undefined;
      }
      expect(await B.client.memoryHash('vm2')).to.equal(sha256(model));
      const record = JSON.parse(readFileSync(join(B.dir, 'vms', 'vm2.json'), 'utf8')) as { memoryFile: string };
      expect(statSync(join(B.dir, 'vms', record.memoryFile)).size, 'vm2\'s memory file on B').to.equal(pages * PAGE_SIZE);
      await B.daemon.shutdown(); // and B restarts from that file: nothing lost
      B = { ...B, daemon: await startHostDaemon({ hostDir: B.dir, listen: { host: '127.0.0.1', port: 2971 }, auth: pskAuth('B'), timeoutMs: TIMEOUT_MS, maxStagedBytes: 5 * GiB }) };
      B.client.close();
      B.client = await HostDaemonClient.connect(B.daemon.controlSocket);
      expect(await B.client.memoryHash('vm2')).to.equal(sha256(model));
      await expectUnharmed(B, 'B');
    });
  });

  describe('the control socket', () => {
    const answersOf = (x: { answers: ControlLine[] }) => x.answers.filter((a): a is Extract<ControlLine, { ok: boolean }> => 'ok' in a);
    const isError = (a: ControlLine, id: number | null, code = 'bad-request') => 'ok' in a && !a.ok && a.id === id && a.error.code === code && a.error.message.length > 0;

    it('random lines, invalid JSON, requests without a numeric id and unknown ops: one bad-request answer each, on the same connection', async () => {
      const rng = new SeededRandom(0xc0de);
      const lines: [string, number | null][] = [];
      for (let i = 0; i < 400; i++) {
        const bytes = rng.bytes(rng.between(1, 200));
        for (let k = 0; k < bytes.length; k++) if (bytes[k] === 0x0a) bytes[k] = 0x41;
        bytes[0] = 0x41 + rng.int(26); // not blank
        lines.push([bytes.toString('latin1'), null]);
      }
      for (const l of ['null', '[]', '"x"', '{}', 'true', '5', '{"op":"status"}', '{"id":"1","op":"status"}', '{"id":1e400,"op":"status"}', '{"id":null,"op":"status"}', '{"id":1,"op":"status"']) lines.push([l, null]);
      for (const [i, op] of ['', 'Status', 'toString', '__proto__', 'constructor', 5, null, 'shutdown ', 'rm -rf /', ['status']].entries()) lines.push([JSON.stringify({ id: 1000 + i, op }), 1000 + i]);
      const exchange = await controlExchange(N.daemon.controlSocket, lines.map(([l]) => `${l}\n`).join(''), { expect: lines.length, limitMs: 10_000 });
      const answers = answersOf(exchange);
      expect(answers.length, 'answers').to.equal(lines.length);
      const wrong = lines.filter(([, id], i) => !isError(answers[i]!, id)).map(([l], i) => `${l.slice(0, 40)} -> ${JSON.stringify(answers[i])}`);
      expect(wrong.slice(0, 5)).to.deep.equal([]);
      expect(exchange.closed, 'the connection stays usable').to.equal(false);
      await expectUnharmed(N, 'N');
    });

    it('every op with wrong field types, out-of-range or fractional numbers and bad base64: answered with a code, nothing harmed, nothing absurd created', async () => {
      const values: unknown[] = [null, true, -1, 0, 1.5, 2 ** 53, 1e308, '', 'x', '../x', [], {}, 'AAAA', '!!!*'];
      const snapshot = join(root, 'fuzz.snapshot');
      const bases: Record<string, Record<string, unknown>> = {
        createVm: { config: { vmId: 'fz', memoryPages: 4 } },
        writeGuest: { vmId: RESIDENT_VM, gpa: 0x100, data: 'AAAA' }, // zeros over zeros: harmless if accepted
        readGuest: { vmId: RESIDENT_VM, gpa: 0, length: 16 },
        memoryHash: { vmId: RESIDENT_VM },
        dumpVm: { vmId: RESIDENT_VM, outFile: snapshot },
        startWorkload: { vmId: 'ghost', pagesPerTick: 1, intervalMs: 10 },
        stopWorkload: { vmId: 'ghost' },
        startVm: { vmId: 'ghost' },
        stopVm: { vmId: 'ghost' },
        migrate: { vmId: RESIDENT_VM, to: '127.0.0.1:2999', policy: policyJson, maxRounds: 1 }, // nothing listens there: a valid request aborts at once
      };
      const fuzzed: Record<string, string[]> = {
        createVm: ['config', 'config.vmId', 'config.memoryPages', 'config.vcpus', 'config.mode', 'keySource'],
        writeGuest: ['vmId', 'gpa', 'data'], readGuest: ['vmId', 'gpa', 'length'], memoryHash: ['vmId'], dumpVm: ['vmId', 'outFile'],
        startWorkload: ['pagesPerTick', 'intervalMs'], stopWorkload: ['vmId'], startVm: ['vmId'], stopVm: ['vmId'],
        migrate: ['vmId', 'to', 'policy', 'keyRelease', 'maxRounds', 'maxDowntimeMs', 'stopCopyThresholdPages', 'timeoutMs', 'autoConverge'],
      };
      const cases: { key: string; request: Record<string, unknown>; answer?: ControlLine }[] = [];
      for (const [op, fields] of Object.entries(fuzzed)) {
        for (const field of fields) {
          for (const value of values) {
            const request = structuredClone({ id: cases.length + 1, op, ...bases[op] }) as Record<string, unknown>;
            const [top, sub] = field.split('.');
            if (sub) (request[top!] as Record<string, unknown>)[sub] = value;
            else request[top!] = value;
            cases.push({ key: `${op} ${field}=${JSON.stringify(value)}`, request });
          }
        }
      }
      await inBatches(cases, 25, async (c) => {
        const answers = answersOf(await controlExchange(N.daemon.controlSocket, requestLine(c.request), { expect: 1, limitMs: 10_000 }));
        expect(answers.map((a) => a.id), c.key).to.deep.equal([c.request.id]);
        c.answer = answers[0];
      });
      const codeless = cases.filter(({ answer: a }) => a && 'ok' in a && !a.ok && (!a.error.code || !a.error.message)).map((c) => `${c.key}: ${JSON.stringify(c.answer)}`);
      expect(codeless.slice(0, 5), 'refusals without a code').to.deep.equal([]);
      const answerOf = (key: string) => cases.find((c) => c.key === key)!.answer!;
      // The cases the daemon used to get wrong: refused as bad requests.
      for (const [op, field, value] of [
        ['writeGuest', 'data', '!!!*'], ['writeGuest', 'data', 'x'], ['writeGuest', 'gpa', 1.5], ['writeGuest', 'gpa', 2 ** 53], ['writeGuest', 'vmId', null],
        ['readGuest', 'length', -1], ['readGuest', 'length', 1.5], ['readGuest', 'gpa', 2 ** 53],
        ['createVm', 'config.memoryPages', 0], ['createVm', 'config.memoryPages', -1], ['createVm', 'config.memoryPages', 2 ** 53], ['createVm', 'config.vcpus', 2 ** 53], ['createVm', 'config.vmId', '../x'],
        ['migrate', 'maxRounds', 'x'], ['migrate', 'maxRounds', 0], ['migrate', 'timeoutMs', 1e308], ['migrate', 'to', 'x'], ['migrate', 'keyRelease', ''],
        ['migrate', 'autoConverge', 'x'], ['migrate', 'autoConverge', -1], ['migrate', 'autoConverge', null], ['migrate', 'autoConverge', []],
      ] as const) {
        const key = `${op} ${field}=${JSON.stringify(value)}`;
        expect(isError(answerOf(key), answerOf(key).id), `${key}: ${JSON.stringify(answerOf(key))}`).to.equal(true);
      }
      // Out of the VM's range, from the daemon itself (not the memory's RangeError without a code).
      const outside = await controlExchange(N.daemon.controlSocket, requestLine({ id: 1, op: 'readGuest', vmId: RESIDENT_VM, gpa: PAGES * PAGE_SIZE - 4, length: 8 }), { expect: 1 });
      expect(isError(answersOf(outside)[0]!, 1), JSON.stringify(outside.answers)).to.equal(true);
      // Whatever a fuzzed createVm did create is a VM this host can hold.
      for (const v of await N.client.listVms()) {
        expect(v.memoryPages, v.vmId).to.be.within(1, MAX_MIGRATION_PAGES);
        expect(v.vcpus, v.vmId).to.be.within(1, 256);
      }
      await expectUnharmed(N, 'N');
    });

    it('over-long lines: refused and the connection closed; the daemon keeps serving others', async () => {
      const noNewline = await controlExchange(N.daemon.controlSocket, 'x'.repeat(MAX_CONTROL_LINE + 1000), { expect: 1, limitMs: 10_000 });
      const oneWrite = await controlExchange(N.daemon.controlSocket, `{"id":1,"op":"status","pad":"${'x'.repeat(MAX_CONTROL_LINE)}"}\n`, { expect: 1, limitMs: 10_000 });
      for (const x of [noNewline, oneWrite]) {
        expect(answersOf(x).map((a) => [a.id, a.ok, !a.ok && a.error.message])).to.deep.equal([[null, false, 'request line too long']]);
        await new Promise((r) => setTimeout(r, 50));
      }
      await expectUnharmed(N, 'N');
    });

    it('many concurrent connections with mixed good and bad requests, and half-closed ones: every answer arrives, then the daemon ends the connection', async () => {
      const model = N.residentModel;
      const good = (id: number) => requestLine({ id, op: 'readGuest', vmId: RESIDENT_VM, gpa: 0x2000, length: RESIDENT_DATA.length });
      const mixed = (i: number) => [good(1), 'not json\n', requestLine({ id: 3, op: 'writeGuest', vmId: RESIDENT_VM, gpa: 0, data: '@@@@' }), requestLine({ id: 4, op: 'status' }), requestLine({ id: 5, op: `bogus-${i}` })].join('');
      const expectMixed = (answers: ControlLine[], label: string) => {
        const byId = (id: number | null) => answers.filter((a) => a.id === id);
        expect(byId(1).map((a) => 'ok' in a && a.ok && (a.result as { data: string }).data), label).to.deep.equal([RESIDENT_DATA.toString('base64')]);
        expect(byId(null).length + byId(3).length + byId(5).length, label).to.equal(3);
        expect([...byId(null), ...byId(3), ...byId(5)].every((a) => isError(a, a.id)), label).to.equal(true);
        expect(byId(4).map((a) => 'ok' in a && a.ok), label).to.deep.equal([true]);
      };
      const concurrent = await Promise.all(Array.from({ length: 60 }, (_, i) => controlExchange(N.daemon.controlSocket, mixed(i), { expect: 5, limitMs: 15_000 })));
      concurrent.forEach((x, i) => expectMixed(answersOf(x), `connection ${i}`));
      // Half-closed: the requests, then the client's side shut (nc -N); createVm takes the host TPM a while, so its answer comes after the end.
      const halfClosed = await Promise.all(Array.from({ length: 10 }, (_, i) => controlExchange(N.daemon.controlSocket, mixed(i) + requestLine({ id: 6, op: 'createVm', config: { vmId: `half-${i}`, memoryPages: 4 } }), { expect: 6, halfClose: true, limitMs: 15_000 })));
      halfClosed.forEach((x, i) => {
        expectMixed(answersOf(x), `half-closed ${i}`);
        expect(answersOf(x).filter((a) => a.id === 6).map((a) => a.ok && (a.result as { vmId: string }).vmId), `half-closed ${i}`).to.deep.equal([`half-${i}`]);
        expect(x.closed, `half-closed ${i}: the daemon ended it`).to.equal(true);
      });
      // A guest write and read still round-trip.
      const data = randomBytes(3000);
      await N.client.writeGuest(RESIDENT_VM, 0x7000, data);
      data.copy(model, 0x7000);
      expect((await N.client.readGuest(RESIDENT_VM, 0x7000, data.length)).equals(data)).to.equal(true);
      await expectUnharmed(N, 'N');
    });
  });

  describe('afterwards', () => {
    it('every daemon unharmed, no handles left open, and a real migration still goes through', async () => {
      for (const [label, h] of [['A', A], ['B', B], ['N', N]] as const) await expectUnharmed(h, label);
      await expectHandlesBackTo(handlesBefore, { Timeout: 3 });
      expect(await A.client.memoryHash('vm1')).to.equal(sha256(vm1Model));
      const report = await A.client.migrate('vm1', { to: B.daemon.address, policy: policyJson });
      expect(report.epoch, 'the fuzzing consumed no epoch of vm1').to.equal(1n);
      expect(await B.client.memoryHash('vm1')).to.equal(sha256(vm1Model));
      expect((await A.client.listVms()).map((v) => v.vmId)).to.not.include('vm1');
    });
  });
});
