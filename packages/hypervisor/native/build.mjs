// Builds native/build/pageCipher.node with the system C compiler, against Node's headers and the
// OpenSSL that Node itself exports. Never fails the install: without the addon the hypervisor
// uses node:crypto (same bytes, ~4-8x slower for page batches).
import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeInclude = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
const out = join(here, 'build', 'pageCipher.node');
try {
  if (!nodeInclude) throw new Error('node_api.h not found (install Node headers)');
  mkdirSync(join(here, 'build'), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  // No -lcrypto: the EVP symbols resolve to the OpenSSL linked into the node binary.
  execFileSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', `-I${nodeInclude}`, join(here, 'pageCipher.c'), '-o', out], { stdio: 'inherit' });
  console.log(`@vtpm/hypervisor: built ${out}`);
} catch (e) {
  console.warn(`@vtpm/hypervisor: native page cipher not built (${e.message}); using node:crypto`);
}
