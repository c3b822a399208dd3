// Builds native/build/pageCipher.node (see buildAddon). Never fails the install: without the addon
// the hypervisor uses node:crypto (same bytes, ~4-8x slower for page batches).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../tpm/native/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
buildAddon('@vtpm/hypervisor', join(here, 'pageCipher.c'), join(here, 'build', 'pageCipher.node'));
