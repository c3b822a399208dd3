import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { nativeAesGcm } from '@vtpm/hypervisor';

/** What one CPU core does with AES-256-GCM alone, to read the migration numbers against. */
export interface GcmReference {
  /** node:crypto sealing 256 KiB records (a new cipher and output buffer per record), MB/s. */
  nodeMBps: number;
  /** The hypervisor addon's AES-GCM sealing 256 KiB records into one reused buffer (what streams use when it is built), MB/s. */
  nativeMBps?: number;
  /** `openssl speed -evp aes-256-gcm` on 256 KiB blocks, MB/s; absent without openssl. */
  openssl?: { mbps: number; version: string };
}

const RECORD_BYTES = 256 * 1024;

/** MB/s of `seal(iv)` on 256 KiB records for `seconds`. */
function sealRate(seconds: number, seal: (iv: Buffer) => void): number {
  const iv = Buffer.alloc(12);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    iv.writeUInt32BE(++n, 8);
    seal(iv);
  }
  return (n * RECORD_BYTES) / 1e3 / (performance.now() - t0);
}

async function opensslMBps(): Promise<GcmReference['openssl']> {
  const run = promisify(execFile);
  try {
    const version = (await run('openssl', ['version'])).stdout.trim();
    const { stdout } = await run('openssl', ['speed', '-evp', 'aes-256-gcm', '-bytes', String(RECORD_BYTES), '-seconds', '1'], { timeout: 30_000 });
    // Last line: "AES-256-GCM   5733220.35k" (thousands of bytes per second).
    const k = /^AES-256-GCM\s+([\d.]+)k\s*$/im.exec(stdout)?.[1];
    return k ? { mbps: Number(k) / 1e3, version: version.split(' (')[0]! } : undefined;
  } catch {
    return undefined;
  }
}

export async function measureGcmReference(withOpenssl: boolean): Promise<GcmReference> {
  const openssl = withOpenssl ? await opensslMBps() : undefined;
  const key = randomBytes(32);
  const body = randomBytes(RECORD_BYTES);
  const nodeMBps = sealRate(1, (iv) => {
    const c = createCipheriv('aes-256-gcm', key, iv).setAAD(iv);
    c.update(body);
    c.final();
    c.getAuthTag();
  });
  const aes = nativeAesGcm();
  const out = Buffer.alloc(RECORD_BYTES);
  const tag = Buffer.alloc(16);
  const nativeMBps = aes ? sealRate(1, (iv) => aes.seal(key, iv, iv, body, out, tag)) : undefined;
  return { nodeMBps, ...(nativeMBps !== undefined ? { nativeMBps } : {}), ...(openssl ? { openssl } : {}) };
}
