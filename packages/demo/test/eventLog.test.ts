import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EV, replayEventLog, serializeEventLog } from '@vtpm/attest';
import { runAttestationDemo } from '../src/attestationDemo.js';
import { comparePcrs } from '../src/pcrComparison.js';
import { findTpm2Eventlog, runTpm2Eventlog } from '../src/tpm2Eventlog.js';

const SHA256 = 0x000b;

describe('demo: measured boot -> event log -> replay', () => {
  let outDir: string;
  before(() => (outDir = mkdtempSync(join(tmpdir(), 'vtpm-demo-test-'))));
  after(() => rmSync(outDir, { recursive: true, force: true }));
  it('parses back what the writer wrote, byte for byte', async () => {
    const { logFile, log } = await runAttestationDemo({ outDir, useTpm2Tools: false });
    const bytes = readFileSync(logFile);
    expect(serializeEventLog(log).equals(bytes)).to.equal(true);
    expect(log.specId!.signature.toString('latin1')).to.equal('Spec ID Event03\0');
    expect(log.specId!.digestSizes).to.deep.equal([
      { algorithmId: 0x0004, digestSize: 20 },
      { algorithmId: 0x000b, digestSize: 32 },
      { algorithmId: 0x000c, digestSize: 48 },
      { algorithmId: 0x000d, digestSize: 64 },
    ]);
    expect(log.events.map((e) => e.eventType)).to.include.members([EV.S_CRTM_VERSION, EV.POST_CODE, EV.EFI_VARIABLE_DRIVER_CONFIG, EV.SEPARATOR, EV.EFI_BOOT_SERVICES_APPLICATION, EV.IPL]);
    for (const e of log.events) expect(e.digests.map((d) => d.digest.length)).to.deep.equal([20, 32, 48, 64]);
  });

  it('replays to the PCR values the TPM holds, in every bank', async () => {
    const r = await runAttestationDemo({ outDir, useTpm2Tools: false, seed: Buffer.alloc(32, 1) });
    expect(r.comparison.map((c) => c.pcr)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of r.comparison) expect(c.match, `PCR ${c.pcr}`).to.equal(true);
    expect(r.ok).to.equal(true);
  });

  it('detects a tampered log: one changed digest breaks the replay of its PCR only', async () => {
    const r = await runAttestationDemo({ outDir, useTpm2Tools: false });
    const kernel = r.log.events.find((e) => e.pcrIndex === 9)!;
    kernel.digests[1]!.digest[0]! ^= 1;
    const comparison = comparePcrs(r.tpmPcrs, replayEventLog(r.log));
    expect(comparison.filter((c) => !c.match).map((c) => c.pcr)).to.deep.equal([9]);
    expect(comparison.find((c) => c.pcr === 9)!.banks.filter((b) => !b.match).map((b) => b.bank)).to.deep.equal([SHA256]);
  });

  describe('tpm2-tools cross-check', () => {
    const exe = findTpm2Eventlog();
    before(function () {
      if (exe) return;
      const msg = '\n  !!! tpm2_eventlog (tpm2-tools) NOT INSTALLED: the cross-check of our event log against tpm2-tools is SKIPPED.\n  !!! Install it: apt-get install -y tpm2-tools\n';
      if (process.env.CI) throw new Error(`tpm2_eventlog is required when CI is set.${msg}`);
      console.warn(msg);
      this.skip();
    });

    it('tpm2_eventlog parses the log without complaint and its replay equals the TPM\'s PCRs', async () => {
      const r = await runAttestationDemo({ outDir, useTpm2Tools: false });
      const tool = runTpm2Eventlog(r.logFile, exe!);
      expect(tool.exitCode).to.equal(0);
      expect(tool.complaints).to.deep.equal([]);
      expect(tool.eventCount).to.equal(r.log.events.length + 1); // + the Spec ID header
      const comparison = comparePcrs(r.tpmPcrs, tool.pcrs);
      expect(comparison.map((c) => c.pcr)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const c of comparison) expect(c.match, `PCR ${c.pcr}: ${JSON.stringify(c.banks.filter((b) => !b.match).map((b) => b.bank))}`).to.equal(true);
    });
  });
});

