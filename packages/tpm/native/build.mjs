// Builds a package's native addon with the system C compiler, against Node's headers and the OpenSSL
// that Node itself exports (no -lcrypto). Never fails an install: each addon has a JavaScript
// fallback that computes the same values, only slower. Run directly, it builds @vtpm/tpm's
// bignum.node (RSA prime search); packages/hypervisor/native/build.mjs builds its own with buildAddon.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiles `source` into `out`; prints what happened, returns false (never throws) when it could not. */
export function buildAddon(label, source, out) {
  const nodeInclude = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
  try {
    if (!nodeInclude) throw new Error('node_api.h not found (install Node headers)');
    mkdirSync(dirname(out), { recursive: true });
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-shared', '-fPIC', '-Wall', `-I${nodeInclude}`, source, '-o', out], { stdio: 'inherit' });
    console.log(`${label}: built ${out}`);
    return true;
  } catch (e) {
    console.warn(`${label}: native addon not built (${e.message}); the JavaScript fallback is used`);
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  buildAddon('@vtpm/tpm', join(here, 'bignum.c'), join(here, 'build', 'bignum.node'));
}
