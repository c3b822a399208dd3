import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import type { FuzzResult } from './eventLogFuzzWorker.js';

/** Runs the fuzzer in a worker; a worker still busy after `ms` means a hang (an infinite loop) and fails. */
function runFuzz(casesPerLog: number, firstSeed: number, ms: number): Promise<FuzzResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./eventLogFuzzWorker.js', import.meta.url), { workerData: { casesPerLog, firstSeed } });
    const timer = setTimeout(() => void worker.terminate().then(() => reject(new Error(`fuzzing did not finish in ${ms} ms: a malformed log hangs the parser`))), ms);
    worker.once('message', (r: FuzzResult) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe('event logs: fuzzed real logs either parse or throw EventLogFormatError, never crash or hang', function () {
  this.timeout(120000);

  it('600 mutations of each real log (truncations, bit flips, forged sizes and counts, cuts)', async () => {
    const r = await runFuzz(600, 1, 90000);
    expect(r.crashes.slice(0, 3), 'non-EventLogFormatError failures (seed = reproducer)').to.deep.equal([]);
    expect(r.withoutOffset.slice(0, 3), 'rejections without a byte offset').to.deep.equal([]);
    expect(r.cases).to.equal(600 * 6);
    expect(r.rejected).to.be.greaterThan(r.cases / 4); // the mutations do reach the checks
    expect(r.slowestMs).to.be.lessThan(2000);
    console.log(`      ${r.cases} cases: ${r.parsed} parsed, ${r.rejected} rejected with an offset, slowest ${r.slowestMs.toFixed(1)} ms`);
  });
});
