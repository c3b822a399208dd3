import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventLog, replayEventLog } from '@vtpm/attest';
import { exampleBootChain, hostBoot, type BootComponentReplacements } from '@vtpm/hypervisor';
import { oneLineFailure, runVtpm } from './cliRunner.js';

/** The PC Client PCR each boot component is measured into, as docs/hypervisor.md tables it (not read from the code under test). */
const COMPONENT_PCR = { firmware: 0, bootLoader: 4, securityPolicy: 7, hypervisorConfig: 8, hypervisorKernel: 9 } as const;
type Component = keyof typeof COMPONENT_PCR;
const SHA256 = 0x000b;
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('vtpm host boot --replace COMPONENT=FILE', function () {
  this.timeout(120_000);
  let dir: string;
  let normal: string;
  let patched: string;
  let normalPcrs: Record<string, string>;

  async function ok(args: string[]): Promise<string> {
    const r = await runVtpm(args);
    expect(r.code, `vtpm ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  }
  const status = async (host: string) => JSON.parse(await ok(['host', 'status', '--host-dir', host, '--json'])) as { booted: boolean; pcrs: Record<string, string>; events: number };
  const differing = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((k) => a[k] !== b[k]).map(Number).sort((x, y) => x - y);
  /** The host's event log replayed by @vtpm/attest, independently of its TPM: SHA-256 bank, hex, the measured-boot PCRs status reports. */
  const replayed = (host: string) => {
    const bank = replayEventLog(parseEventLog(readFileSync(join(host, 'binary_bios_measurements')))).get(SHA256)!;
    return Object.fromEntries([0, 4, 7, 8, 9].map((pcr) => [String(pcr), bank.get(pcr)?.toString('hex')]));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-boot-replace-'));
    normal = join(dir, 'normal');
    patched = join(dir, 'patched');
    for (const host of [normal, patched]) await ok(['host', 'init', '--host-dir', host]);
    await ok(['host', 'boot', '--host-dir', normal]);
    normalPcrs = (await status(normal)).pcrs;
    expect(Object.keys(normalPcrs).map(Number)).to.deep.equal([0, 4, 7, 8, 9]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const component of Object.keys(COMPONENT_PCR) as Component[]) {
    it(`${component}: changes PCR ${COMPONENT_PCR[component]} only, says so, and the event log still replays to the PCRs`, async () => {
      const file = join(dir, `${component}.bin`);
      writeFileSync(file, Buffer.concat([Buffer.from(`a patched ${component} `), randomBytes(40)]));
      const out = await ok(['host', 'boot', '--host-dir', patched, '--replace', `${component}=${file}`]);
      const pcr = COMPONENT_PCR[component];
      expect(out).to.include(`with ${component} replaced by ${file} (${readFileSync(file).length} bytes`);
      expect(out).to.match(new RegExp(`^  sha256 +${pcr}: [0-9a-f]{64}  \\(${component} replaced\\)$`, 'm'));
      expect(out).to.include(`the replaced component reaches PCR ${pcr}: only there does this boot differ from the unmodified chain 1.0`);
      const s = await status(patched);
      expect(s.booted).to.equal(true);
      expect(differing(normalPcrs, s.pcrs)).to.deep.equal([pcr]);
      expect(replayed(patched)).to.deep.equal(s.pcrs);
    });
  }

  it('two components at once; PCRs 8 and 9 equal an extend of zeros with the files\' SHA-256, computed here', async () => {
    const kernel = join(dir, 'kernel.bin');
    const config = join(dir, 'config.txt');
    writeFileSync(kernel, randomBytes(5000));
    writeFileSync(config, 'iommu=off mitigations=off');
    const out = await ok(['host', 'boot', '--host-dir', patched, '--replace', `hypervisorKernel=${kernel}`, '--replace', `hypervisorConfig=${config}`]);
    expect(out).to.include('the replaced components reach PCR 8, 9:');
    const s = await status(patched);
    expect(differing(normalPcrs, s.pcrs)).to.deep.equal([8, 9]);
    // GRUB style: one EV_IPL event each, its SHA-256 digest over the file's bytes, into a PCR that starts at zero.
    expect(s.pcrs['9']).to.equal(sha256(Buffer.alloc(32), sha256(readFileSync(kernel))).toString('hex'));
    expect(s.pcrs['8']).to.equal(sha256(Buffer.alloc(32), sha256(readFileSync(config))).toString('hex'));
    expect(replayed(patched)).to.deep.equal(s.pcrs);
    // Without --replace the same host boots the unmodified chain again.
    await ok(['host', 'boot', '--host-dir', patched]);
    expect((await status(patched)).pcrs).to.deep.equal(normalPcrs);
  });

  it('bad --replace values: exit 2 naming the problem, exit 1 for a file that cannot be read; the last boot stays as it was', async () => {
    const before = (await status(patched)).pcrs;
    const file = join(dir, 'hypervisorKernel.bin');
    const boot = ['host', 'boot', '--host-dir', patched];
    const usage: [string[], RegExp][] = [
      [[...boot, '--replace', `kernel=${file}`], /^vtpm host boot: --replace: 'kernel' is not a boot component: give one of firmware, securityPolicy, bootLoader, hypervisorConfig, hypervisorKernel$/],
      [[...boot, '--replace', file], /^vtpm host boot: --replace: give COMPONENT=FILE \(e\.g\. hypervisorKernel=kernel\.bin\), not '/],
      [[...boot, '--replace', 'hypervisorKernel='], /--replace: give COMPONENT=FILE/],
      [[...boot, '--replace', `firmware=${file}`, '--replace', `firmware=${file}`], /^vtpm host boot: --replace: firmware is replaced twice: give each component once$/],
      [['host', 'status', '--host-dir', patched, '--replace', `firmware=${file}`], /^vtpm host status: --replace does not apply here$/],
    ];
    for (const [args, message] of usage) {
      const r = await runVtpm(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(oneLineFailure(r)).to.match(message);
      expect(r.stdout).to.equal('');
    }
    const missing = await runVtpm([...boot, '--replace', `hypervisorKernel=${join(dir, 'nope.bin')}`]);
    expect(missing.code).to.equal(1);
    expect(oneLineFailure(missing)).to.equal(`vtpm host boot: --replace hypervisorKernel: ${join(dir, 'nope.bin')}: cannot read it (ENOENT)`);
    expect((await status(patched)).pcrs).to.deep.equal(before);
  });

  it('hostBoot, the library call behind it, refuses a name that is not a boot component before it measures anything', async () => {
    const before = readFileSync(join(patched, 'binary_bios_measurements'));
    const bad = { hypervisorKernel: Buffer.from('k'), kernel: Buffer.from('k') } as unknown as BootComponentReplacements;
    const failure = await hostBoot(patched, exampleBootChain(), bad).then(() => null, (e: Error) => e);
    expect(failure?.message).to.equal("'kernel' is not a boot component: give one of firmware, securityPolicy, bootLoader, hypervisorConfig, hypervisorKernel");
    expect(readFileSync(join(patched, 'binary_bios_measurements')).equals(before)).to.equal(true);
  });
});
