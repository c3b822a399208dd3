import { expect } from 'chai';
import { formatBar, formatMigrationReport, formatProgressLine, progressFraction, type MigrationProgress, type MigrationReport } from '../src/index.js';

const event = (over: Partial<MigrationProgress> = {}): MigrationProgress => ({
  phase: 'pre-copy', round: 3, roundPages: 40, pagesSent: 300, dirtyPagesPerSecond: 1234, remainingDirtyPages: 100, bytesSent: 2_500_000, elapsedMs: 500, ...over,
});

describe('@vtpm/migration: progress line and report text', () => {
  it('fills the bar with pages sent out of pages sent + still dirty', () => {
    expect(progressFraction(event())).to.equal(0.75);
    expect(progressFraction(event({ phase: 'done', remainingDirtyPages: 9 }))).to.equal(1);
    expect(formatBar(0.75, 10)).to.equal('[######..]');
    expect(formatBar(0, 6)).to.equal('[....]');
  });

  it('shows phase, round, MB sent, MB/s from bytes and time, dirty rate; ETA only when known', () => {
    const line = formatProgressLine(event());
    expect(line).to.match(/^\[#+\.+\]  75% pre-copy round 3 2\.5 MB 5\.0 MB\/s dirty 1234 pages\/s$/);
    expect(line.length).to.equal(80);
    const bar = /^\[([#.]+)\]/.exec(line)![1]!;
    expect(bar.split('').filter((c) => c === '#').length).to.equal(Math.round(0.75 * bar.length));
    expect(formatProgressLine(event({ etaMs: 2500 }))).to.match(/ETA 2\.5 s$/);
    expect(formatProgressLine(event({ phase: 'done', etaMs: 2500 }))).not.to.contain('ETA');
  });

  it('never exceeds the given width', () => {
    for (const columns of [20, 40, 60, 100, 200]) expect(formatProgressLine(event({ etaMs: 10 }), columns).length).to.be.at.most(columns);
    expect(formatProgressLine(event(), 200).length).to.equal(200);
  });

  it('reports time, downtime, rounds, pages, bytes, throughput and the attestation verdict', () => {
    const report: MigrationReport = {
      vmId: 'vm1', destination: '127.0.0.1:2791', epoch: 2n, totalMs: 1500, downtimeMs: 42.4, rounds: 4, pagesSent: 512, bytesSent: 2_200_000, throughputMBps: 1.4667, maxThrottlePercent: 0,
      attestation: { ok: true, policyId: 'hv-1.0', message: 'destination attested', failingPcrs: [] },
    };
    const lines = formatMigrationReport(report);
    expect(lines).to.deep.equal([
      'migrated     vm1 to 127.0.0.1:2791 (migration epoch 2)',
      'total time   1.5 s',
      'downtime     42 ms',
      'rounds       4',
      'pages sent   512',
      'bytes sent   2.2 MB (2200000 bytes)',
      'throughput   1.5 MB/s',
      'attestation  ok (policy hv-1.0): destination attested',
    ]);
  });
});
