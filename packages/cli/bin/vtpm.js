#!/usr/bin/env node
// Committed, executable entry point: npm links it at install time, before `npm run build` creates
// dist/ (a link straight to the compiled file would be dangling and not executable on a fresh clone).
import('../dist/src/main.js').catch((e) => {
  if (e?.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('vtpm: not built yet — run `npm run build` at the repository root first');
    process.exit(1);
  }
  throw e;
});
