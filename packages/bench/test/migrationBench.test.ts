import { expect } from 'chai';
import { PAGE_SIZE } from '@vtpm/hypervisor';
import { runMigrationBench } from '../src/migration/migrationBench.js';
import { formatMigrationBenchReport, median, migrationVerdicts } from '../src/migration/migrationReport.js';

describe('migration suite (numbers not asserted, only that each run is a whole migration and the verdicts add up)', function () {
  this.timeout(60_000);

  it('takes the median of an odd or even number of values', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });

  it('shuttles an 8 MiB VM: warm-up, one interleaved pair, one dirtying run, in a report', async () => {
    const options = { host: '127.0.0.1', ports: [2860, 2861] as [number, number], memoryMiB: 8, rounds: 1, openssl: false };
    const r = await runMigrationBench(options);
    expect(r.pages).to.equal(2048);
    expect(r.throughput.map((x) => x.encrypted)).to.deep.equal([true, false]);
    expect(r.warmup.map((x) => x.direction)).to.deep.equal(['A -> B', 'B -> A']);
    expect(r.throughput.map((x) => x.direction)).to.deep.equal(['A -> B', 'B -> A']);
    for (const run of [...r.warmup, ...r.throughput, ...r.downtime]) {
      expect(run.pagesSent).to.be.at.least(r.pages);
      expect(run.bytesSent).to.be.greaterThan(r.pages * PAGE_SIZE);
      expect(run.downtimeMs).to.be.greaterThan(0).and.lessThan(run.totalMs);
      expect(run.roundPages, 'one entry per round, stop-and-copy last').to.have.length(run.rounds);
      expect(run.roundPages.reduce((a, b) => a + b, 0)).to.equal(run.pagesSent);
      expect(run.roundPages[0]).to.equal(r.pages);
      expect(run.finalPages).to.equal(run.roundPages[run.rounds - 1]);
    }
    expect(r.dirtying.pagesPerTick).to.equal(20); // 1 % of 2048
    expect(r.downtime).to.have.length(1);
    const v = migrationVerdicts(r);
    expect(v.ratio).to.equal(r.throughput[0]!.streamMBps / r.throughput[1]!.streamMBps);
    expect(v.worstDowntimeMs).to.equal(r.downtime[0]!.downtimeMs);
    const text = formatMigrationBenchReport(r, options);
    expect(text).to.contain('TARGETS MET').and.contain(`${Math.round(v.ratio * 100)}% of unencrypted`);
  });
});
