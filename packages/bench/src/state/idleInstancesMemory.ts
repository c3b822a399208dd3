import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NV_DefineSpace, NV_Write, Startup, TPM_ALG, TPM_RH, TPM_SU, TPMA_NV, TpmClient } from '@vtpm/tpm';
import { InstanceManager, SwtpmTransport } from '@vtpm/server';

/** Memory per idle instance: live TPMs, and after they went idle (state kept serialized). */
export interface IdleMemory {
  instances: number;
  /** Heap + array buffers per instance, KiB, all TPMs live. */
  liveKiB: number;
  /** The same once every instance is idle. */
  idleKiB: number;
  /** Resident set size growth per instance, KiB, at the idle point (includes allocator slack). */
  rssKiB: number;
}

/** A full garbage collection, also when node runs without --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function used(): number {
  collectGarbage();
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * `count` instances in one InstanceManager, each started and holding a written NV index (its state
 * on disk), measured with every TPM live and again after the idle sweep serialized them. A smaller
 * run first warms up the code (compiled functions would otherwise count as instance memory).
 */
export async function measureIdleInstances(count: number): Promise<IdleMemory> {
  await measureOnce(Math.max(1, Math.floor(count / 10)));
  return measureOnce(count);
}

async function measureOnce(count: number): Promise<IdleMemory> {
  const root = mkdtempSync(join(tmpdir(), 'vtpm-bench-instances-'));
  const idleMs = 300;
  const baseline = used();
  const baselineRss = process.memoryUsage().rss;
  const manager = await InstanceManager.open(root, { idleMs, log: () => undefined });
  try {
    for (let i = 0; i < count; i++) {
      const { port } = await manager.create({ id: `i${i}` });
      const transport = await SwtpmTransport.connect('127.0.0.1', port);
      const client = new TpmClient(transport);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      const publicInfo = { nvIndex: 0x01500300, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD, authPolicy: Buffer.alloc(0), dataSize: 64 };
      await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: [{ password: '' }], params: { auth: Buffer.alloc(0), publicInfo } });
      await client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: 0x01500300 }, auth: [{ password: '' }], params: { data: Buffer.alloc(64, i), offset: 0 } });
      await transport.close();
    }
    const live = used();
    await new Promise((r) => setTimeout(r, idleMs * 3));
    const idle = manager.list().filter((i) => i.status === 'idle').length;
    if (idle !== count) throw new Error(`${idle} of ${count} instances went idle`);
    const idleUsed = used();
    const rss = process.memoryUsage().rss;
    return { instances: count, liveKiB: (live - baseline) / count / 1024, idleKiB: (idleUsed - baseline) / count / 1024, rssKiB: (rss - baselineRss) / count / 1024 };
  } finally {
    await manager.close();
    rmSync(root, { recursive: true, force: true });
  }
}
