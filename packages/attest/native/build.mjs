// Builds native/build/pcrReplay.node (see buildAddon). Never fails the install: without the addon
// event-log replay hashes with node:crypto (same values, about twice the time).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../tpm/native/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
buildAddon('@vtpm/attest', join(here, 'pcrReplay.c'), join(here, 'build', 'pcrReplay.node'));
