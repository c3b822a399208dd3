import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCapability, NV_Read, NV_ReadPublic, TPM_CAP, TPM_RH, TpmClient } from '@vtpm/tpm';
import { SwtpmTransport } from '@vtpm/server';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { runTool } from '../lib/runTool.js';
import { killHard, startVtpmProcess, type VtpmProcess } from '../lib/vtpmProcess.js';

/** Crash cycles: each starts vtpm on the state directory, writes with tpm2-tools and SIGKILLs it at a random moment. */
const CYCLES = Number(process.env.VTPM_CRASH_CYCLES) || 200;
const NV_BASE = 0x01500100;
const NV_SIZE = 16;
const NV_COUNT = 12;
const PERSISTENT_BASE = 0x81000100;
const PERSISTENT_COUNT = 6;

/** What tpm2-tools saw acknowledged, and the one operation the kill interrupted (its outcome unknown). */
class Expected {
  /** NV index -> content: null defined, unwritten. */
  readonly nv = new Map<number, Buffer | null>();
  readonly persistent = new Set<number>();
  uncertain: { kind: 'define' | 'write'; index: number; data?: Buffer } | { kind: 'evict'; handle: number } | null = null;
}

interface Op {
  describe: string;
  run(dir: string): Promise<boolean>;
  /** The change it makes, applied when the tool exits 0. */
  apply(): void;
  uncertain: Expected['uncertain'];
}

describe('crash safety: vtpm SIGKILLed while tpm2-tools write (swtpm TCTI)', function () {
  this.timeout(240_000);
  let dir: string;
  const key = () => join(dir, 'state.key');
  const state = () => join(dir, 'state');

  before(function () {
    requireTools(this, ['tpm2_nvwrite', 'tpm2_evictcontrol'], DEBIAN_TOOLS);
    dir = mkdtempSync(join(tmpdir(), 'vtpm-crash-'));
    writeFileSync(key(), `${'5a'.repeat(32)}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const start = () => startVtpmProcess(['socket', '--tpm2', '--server', 'type=tcp,port=0', '--tpmstate', `dir=${state()}`, '--key', `file=${key()}`, '--flags', 'not-need-init,startup-clear']);

  it(`${CYCLES} kills at random moments: every restart loads a consistent state holding every acknowledged write`, async () => {
    const expected = new Expected();
    let counter = 0;
    const stats = { acknowledged: 0, interrupted: 0, restarts: 0 };
    const began = Date.now();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const vtpm = await start(); // a refused state would reject here
      stats.restarts++;
      await reconcile(vtpm, expected);
      const tcti = `swtpm:host=127.0.0.1,port=${vtpm.port}`;
      const killAt = Date.now() + Math.random() * 150;
      const killer = new Promise<void>((resolve) => setTimeout(() => void killHard(vtpm).then(resolve), Math.max(0, killAt - Date.now())));
      let alive = true;
      void killer.then(() => (alive = false));
      while (alive) {
        const op = nextOp(expected, tcti, ++counter);
        const ok = await op.run(dir).catch(() => false);
        if (ok) {
          op.apply();
          stats.acknowledged++;
        } else {
          expected.uncertain = op.uncertain;
          stats.interrupted++;
          break;
        }
      }
      await killer;
    }
    const vtpm = await start();
    await reconcile(vtpm, expected);
    await killHard(vtpm);
    console.log(`      ${stats.restarts} restarts after SIGKILL, ${stats.acknowledged} acknowledged tool runs checked, ${stats.interrupted} interrupted, ${((Date.now() - began) / 1000).toFixed(0)} s`);
    expect(stats.acknowledged).to.be.greaterThan(CYCLES);
  });
});

/** The next tpm2-tools operation: mostly NV writes, sometimes a define or a persistent key (made or evicted). */
function nextOp(expected: Expected, tcti: string, n: number): Op {
  const tool = (args: string[], input?: Buffer) => runTool(tcti, args[0]!, args.slice(1), { input }).then((r) => r.code === 0);
  const undefinedIndex = [...Array(NV_COUNT).keys()].map((i) => NV_BASE + i).find((i) => !expected.nv.has(i));
  const r = Math.random();
  if (undefinedIndex !== undefined && (r < 0.15 || expected.nv.size === 0)) {
    return {
      describe: `define ${undefinedIndex.toString(16)}`,
      run: () => tool(['tpm2_nvdefine', `0x${undefinedIndex.toString(16)}`, '-C', 'o', '-s', String(NV_SIZE), '-a', 'ownerread|ownerwrite']),
      apply: () => expected.nv.set(undefinedIndex, null),
      uncertain: { kind: 'define', index: undefinedIndex },
    };
  }
  if (r < 0.25) {
    const handle = PERSISTENT_BASE + (n % PERSISTENT_COUNT);
    const present = expected.persistent.has(handle);
    return {
      describe: `${present ? 'evict' : 'persist'} ${handle.toString(16)}`,
      run: async (dir) => {
        const ctx = join(dir, `primary-${n}.ctx`);
        if (present) return tool(['tpm2_evictcontrol', '-C', 'o', '-c', `0x${handle.toString(16)}`]);
        if (!(await tool(['tpm2_createprimary', '-C', 'o', '-G', 'ecc', '-c', ctx]))) return false;
        const evicted = await tool(['tpm2_evictcontrol', '-C', 'o', '-c', ctx, `0x${handle.toString(16)}`]);
        rmSync(ctx, { force: true });
        return evicted && (await tool(['tpm2_flushcontext', '-t']));
      },
      apply: () => (present ? expected.persistent.delete(handle) : expected.persistent.add(handle)),
      uncertain: { kind: 'evict', handle },
    };
  }
  const defined = [...expected.nv.keys()];
  const index = defined[n % defined.length]!;
  const data = Buffer.from(`w${n}`.padEnd(NV_SIZE, '.'));
  return {
    describe: `write ${index.toString(16)}`,
    run: () => tool(['tpm2_nvwrite', `0x${index.toString(16)}`, '-C', 'o', '-i', '-'], data),
    apply: () => expected.nv.set(index, data),
    uncertain: { kind: 'write', index, data },
  };
}

/**
 * Checks the restarted TPM against what was acknowledged; the interrupted operation may have
 * happened or not, and the model takes what the TPM shows for it.
 */
async function reconcile(vtpm: VtpmProcess, expected: Expected): Promise<void> {
  const transport = await SwtpmTransport.connect('127.0.0.1', vtpm.port);
  const client = new TpmClient(transport);
  try {
    const u = expected.uncertain;
    for (const index of new Set([...expected.nv.keys(), ...(u && u.kind !== 'evict' ? [u.index] : [])])) {
      const defined = await client.run(NV_ReadPublic, { handles: { nvIndex: index }, params: {} }).then(
        () => true,
        () => false,
      );
      if (u?.kind === 'define' && u.index === index) {
        if (defined) expected.nv.set(index, null);
        continue;
      }
      expect(defined, `acknowledged NV index 0x${index.toString(16)} exists`).to.equal(true);
      const content = await client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: [{ password: '' }], params: { size: NV_SIZE, offset: 0 } }).then(
        (r) => r.data,
        () => null, // never written
      );
      const acknowledged = expected.nv.get(index) ?? null;
      const allowed = [acknowledged, ...(u?.kind === 'write' && u.index === index ? [u.data!] : [])];
      expect(allowed.some((a) => (a === null ? content === null : content?.equals(a))), `NV 0x${index.toString(16)}: ${content} is one of ${allowed.map(String)}`).to.equal(true);
      expected.nv.set(index, content);
    }
    const { capabilityData } = await client.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: 0x81000000, propertyCount: 64 } });
    const present = new Set((capabilityData.data as number[]).filter((h) => h >= PERSISTENT_BASE && h < PERSISTENT_BASE + PERSISTENT_COUNT));
    for (let h = PERSISTENT_BASE; h < PERSISTENT_BASE + PERSISTENT_COUNT; h++) {
      if (u?.kind === 'evict' && u.handle === h) continue;
      expect(present.has(h), `persistent 0x${h.toString(16)}`).to.equal(expected.persistent.has(h));
    }
    expected.persistent.clear();
    for (const h of present) expected.persistent.add(h);
    expected.uncertain = null;
  } finally {
    await transport.close();
  }
}
