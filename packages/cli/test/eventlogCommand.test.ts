import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLineFailure, runVtpm } from './cliRunner.js';

const LOGS = fileURLToPath(new URL('../../../attest/test/data/eventlogs/', import.meta.url));
const EXPECTED = JSON.parse(readFileSync(join(LOGS, 'expected.json'), 'utf8')) as { logs: Record<string, { expected_pcrs: Record<string, Record<string, string>> }> };

describe('vtpm attest eventlog', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-eventlog-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of readdirSync(LOGS).filter((f) => f.endsWith('.bin'))) {
    it(`${file} --json: replays to the PCR values of expected.json in every bank`, async () => {
      const r = await runVtpm(['attest', 'eventlog', join(LOGS, file), '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const report = JSON.parse(r.stdout) as { pcrs: Record<string, Record<string, string>>; events: unknown[] };
      expect(report.pcrs).to.deep.equal(EXPECTED.logs[file]!.expected_pcrs);
      expect(report.events.length).to.be.greaterThan(10);
    });
  }

  it('prints the records (number, PCR, type, digests) and the replayed PCRs as text', async () => {
    const r = await runVtpm(['attest', 'eventlog', join(LOGS, 'rhel8-uefi.bin')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^.*rhel8-uefi\.bin: crypto-agile event log, banks sha1, sha256, sha384, 82 events\n/);
    expect(r.stdout).to.match(/\n#1 PCR 0 EV_S_CRTM_VERSION .*\n {4}sha1 {4}[0-9a-f]{40}\n {4}sha256 {2}[0-9a-f]{64}\n/);
    const sha256Pcr0 = EXPECTED.logs['rhel8-uefi.bin']!.expected_pcrs.sha256!['0'];
    expect(r.stdout).to.include(`replayed PCRs:\n  sha1\n`);
    expect(r.stdout).to.include(`     0: ${sha256Pcr0}\n`);
  });

  it('a truncated log: exit code 1 and one line saying where it breaks', async () => {
    const truncated = join(dir, 'truncated.bin');
    writeFileSync(truncated, readFileSync(join(LOGS, 'rhel8-uefi.bin')).subarray(0, 500));
    const r = await runVtpm(['attest', 'eventlog', truncated, '--json']);
    expect(r.code).to.equal(1);
    expect(oneLineFailure(r)).to.match(/^vtpm attest eventlog: .*truncated\.bin: malformed event log: record \d+ .*truncated.*\(at byte \d+\)$/);
    expect(r.stdout).to.equal('');
  });

  it('a file that cannot be read: exit code 1; no file at all: exit code 2', async () => {
    const missing = await runVtpm(['attest', 'eventlog', join(dir, 'absent.bin')]);
    expect(missing.code).to.equal(1);
    expect(oneLineFailure(missing)).to.match(/absent\.bin: cannot read it \(ENOENT\)/);
    const none = await runVtpm(['attest', 'eventlog']);
    expect(none.code).to.equal(2);
    expect(oneLineFailure(none)).to.match(/give the event log file/);
  });
});
