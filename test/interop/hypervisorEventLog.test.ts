import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa, parseEventLog, replayEventLog } from '@vtpm/attest';
import { Host, exampleBootChain } from '@vtpm/hypervisor';
import { requireTools, DEBIAN_TOOLS } from '../lib/requiredTool.js';

describe('interop: a hypervisor host\'s measured-boot event log and tpm2_eventlog', () => {
  let dir: string;
  before(function () {
    requireTools(this, ['tpm2_eventlog'], DEBIAN_TOOLS);
    dir = mkdtempSync(join(tmpdir(), 'vtpm-hv-log-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('tpm2_eventlog parses the log and replays it to the host TPM\'s PCRs in every bank', async () => {
    const host = await Host.create({ seed: Buffer.from('interop host'), ca: await ManufacturerCa.create() });
    const log = await host.boot(exampleBootChain('1.0'));
    const file = join(dir, 'binary_bios_measurements');
    writeFileSync(file, log);
    const run = spawnSync('tpm2_eventlog', [file], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr, 'tpm2_eventlog checks digests of events whose data is what was measured').not.to.contain('WARN');
    const out = run.stdout;
    const events = parseEventLog(log).events;
    expect(out.match(/EventNum:/g)?.length).to.equal(events.length + 1); // + the Spec ID header
    for (const type of ['EV_EFI_PLATFORM_FIRMWARE_BLOB', 'EV_EFI_VARIABLE_DRIVER_CONFIG', 'EV_SEPARATOR', 'EV_EFI_BOOT_SERVICES_APPLICATION', 'EV_IPL']) expect(out).to.contain(type);
    expect(out).to.contain('VtpmSecurityPolicy');
    // tpm2_eventlog's replayed pcrs section equals @vtpm/attest's replay, which equals the TPM's PCRs
    const replay = replayEventLog(parseEventLog(log));
    const sha256 = replay.get(0x000b)!;
    const tpmPcrs = await host.measuredBootPcrs();
    for (const [pcr, value] of tpmPcrs) {
      expect(sha256.get(pcr)!.equals(value)).to.equal(true);
      expect(out.toLowerCase()).to.match(new RegExp(`${pcr}\\s*:\\s*0x${value.toString('hex')}`));
    }
  });
});
