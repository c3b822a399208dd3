import { expect } from 'chai';
import { ProgressBar, type MigrationProgress, type ProgressOutput } from '../src/index.js';

const event = (phase: MigrationProgress['phase'], round: number, pagesSent: number, remainingDirtyPages: number): MigrationProgress => ({
  phase, round, roundPages: 0, pagesSent, remainingDirtyPages, dirtyPagesPerSecond: 0, bytesSent: pagesSent * 4100, elapsedMs: 100,
});

function capture(isTTY: boolean, columns = 60): ProgressOutput & { text: string } {
  const out = { text: '', isTTY, columns, write: (t: string) => (out.text += t) };
  return out;
}

describe('@vtpm/migration: progress bar (vtpm vm migrate, the demo)', () => {
  const events = [event('pre-copy', 1, 10, 90), event('pre-copy', 1, 50, 50), event('pre-copy', 2, 100, 20), event('stop-and-copy', 3, 120, 0), event('done', 3, 120, 0)];

  it('on a TTY redraws one line in place (\\r, cleared to its end) and ends it with a newline', () => {
    const out = capture(true);
    const bar = new ProgressBar(out);
    for (const e of events) bar.update(e);
    bar.finish();
    const draws = out.text.split('\r').slice(1);
    expect(draws).to.have.length(events.length);
    for (const d of draws.slice(0, -1)) expect(d.endsWith('\x1b[K')).to.equal(true);
    expect(draws.at(-1)).to.match(/100% done round 3 .*\x1b\[K\n$/);
    expect(out.text.split('\n')).to.have.length(2); // the single line, then the finishing newline
    for (const d of draws) expect(d.replace('\x1b[K', '').replace('\n', '').length).to.be.at.most(59);
  });

  it('elsewhere prints one line per round or phase change, nothing to finish', () => {
    const out = capture(false);
    const bar = new ProgressBar(out);
    for (const e of events) bar.update(e);
    bar.finish();
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => /% (\S+) round (\d+)/.exec(l)!.slice(1).join(' '))).to.deep.equal(['pre-copy 1', 'pre-copy 2', 'stop-and-copy 3', 'done 3']);
    expect(lines[0]).to.match(/^\[#+\.+\]  10% /);
    expect(out.text).not.to.include('\r');
  });
});
