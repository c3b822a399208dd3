/**
 * Guest-memory encryption throughput beside OpenSSL's own figure at 4 KiB blocks.
 * Run: node packages/hypervisor/dist/src/bench/memoryBench.js [MiB=256] [--backend node|native]
 * Prints a table; never asserts (targets: XTS batch >= 50% of OpenSSL XTS, GCM batch >= 40% of OpenSSL GCM).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { GuestMemory, type MemoryEncryptionMode } from '../memory/guestMemory.js';
import { loadNativePageCrypto } from '../memory/nativePageCrypto.js';
import { NodePageCrypto } from '../memory/nodePageCrypto.js';
import { PAGE_SIZE } from '../memory/pageGeometry.js';
import type { PageCryptoBackend } from '../memory/pageCryptoBackend.js';

const BATCH_PAGES = 256; // 1 MiB per backend call

function openSslSpeed(cipher: string): number {
  const out = execFileSync('openssl', ['speed', '-bytes', '4096', '-seconds', '2', '-evp', cipher], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.toUpperCase().startsWith(cipher.toUpperCase()));
  const kbs = line ? Number(line.trim().split(/\s+/).at(-1)!.replace(/k$/, '')) : NaN;
  return (kbs * 1000) / 1e6; // openssl prints 1000s of bytes per second
}

function mbps(bytes: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return bytes / 1e6 / (Number(process.hrtime.bigint() - start) / 1e9);
}

function measure(backend: PageCryptoBackend, mode: MemoryEncryptionMode, mib: number) {
  const pages = (mib << 20) / PAGE_SIZE;
  const mem = new GuestMemory({ pageCount: pages, mode, key: randomBytes(mode === 'xts' ? 64 : 32), backend });
  const source = randomBytes(BATCH_PAGES * PAGE_SIZE);
  const bytes = pages * PAGE_SIZE;
  const pageWrite = mbps(bytes, () => {
    for (let p = 0; p < pages; p++) mem.writePages(p, source.subarray((p % BATCH_PAGES) * PAGE_SIZE, ((p % BATCH_PAGES) + 1) * PAGE_SIZE));
  });
  const pageRead = mbps(bytes, () => {
    for (let p = 0; p < pages; p++) mem.readPages(p, 1);
  });
  const batchWrite = mbps(bytes, () => {
    for (let p = 0; p < pages; p += BATCH_PAGES) mem.writePages(p, source);
  });
  const plain = Buffer.alloc(BATCH_PAGES * PAGE_SIZE);
  const batchRead = mbps(bytes, () => {
    for (let p = 0; p < pages; p += BATCH_PAGES) mem.readPagesInto(p, plain);
  });
  mem.scrub();
  return { pageWrite, pageRead, batchWrite, batchRead };
}

const args = process.argv.slice(2);
const mib = Number(args.find((a) => /^\d+$/.test(a)) ?? 256);
const only = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : undefined;
const native = loadNativePageCrypto();
const backends = [...(only !== 'node' && native ? [native] : []), ...(only !== 'native' ? [new NodePageCrypto()] : [])];
if (!native && only !== 'node') console.log('native page cipher not built (node packages/hypervisor/native/build.mjs): node:crypto only');

const openssl = { xts: openSslSpeed('aes-256-xts'), gcm: openSslSpeed('aes-256-gcm') };
const target = { xts: 0.5, gcm: 0.4 };
const f = (v: number) => v.toFixed(0).padStart(7);
const pct = (v: number, mode: MemoryEncryptionMode) => `${((100 * v) / openssl[mode]).toFixed(0)}%`.padStart(5);
console.log(`guest memory ${mib} MiB, batch ${BATCH_PAGES} pages; MB/s (10^6 bytes/s); node ${process.version}, ${process.versions.openssl}`);
console.log(`openssl speed -bytes 4096 -evp: aes-256-xts ${openssl.xts.toFixed(0)} MB/s, aes-256-gcm ${openssl.gcm.toFixed(0)} MB/s`);
console.log('mode backend      | page write | page read | batch write | batch read | batch vs openssl (w/r) | target');
for (const mode of ['xts', 'gcm'] as const) {
  for (const backend of backends) {
    const r = measure(backend, mode, mib);
    const met = Math.min(r.batchWrite, r.batchRead) >= target[mode] * openssl[mode] ? 'met' : 'not met';
    console.log(`${mode}  ${backend.name.padEnd(11)} |   ${f(r.pageWrite)}  |  ${f(r.pageRead)}  |    ${f(r.batchWrite)}  |   ${f(r.batchRead)}  | ${pct(r.batchWrite, mode)} / ${pct(r.batchRead, mode)}          | >= ${target[mode] * 100}%: ${met}`);
  }
}
