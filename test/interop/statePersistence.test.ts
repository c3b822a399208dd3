import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwtpmControlClient, deliverStateBlobs, fetchStateBlobs } from '@vtpm/server';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ToolDir } from '../lib/toolDir.js';
import { killHard, runVtpmCommand, startVtpmProcess, type VtpmProcess } from '../lib/vtpmProcess.js';

/** Every file of a directory and its bytes, to show a refused start left the state untouched. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).filter((f) => f !== '.lock').map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
}

async function stop(p: VtpmProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exit).to.equal(0);
}

describe('vtpm socket --tpmstate with tpm2-tools: refused states, moving a vTPM between processes', function () {
  this.timeout(120_000);
  let dir: string;
  const processes: VtpmProcess[] = [];

  before(function () {
    requireTools(this, ['tpm2_quote', 'tpm2_checkquote', 'tpm2_createak'], DEBIAN_TOOLS);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-state-interop-'));
    writeFileSync(join(dir, 'key'), `${'a1'.repeat(32)}\n`);
    writeFileSync(join(dir, 'other.key'), `${'b2'.repeat(32)}\n`);
    writeFileSync(join(dir, 'migration.pwd'), 'move it safely\n');
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map(killHard));
    rmSync(dir, { recursive: true, force: true });
  });

  async function socket(state: string, ...extra: string[]): Promise<VtpmProcess> {
    const p = await startVtpmProcess(['socket', '--tpm2', '--server', 'type=tcp,port=0', '--tpmstate', `dir=${state}`, '--flags', 'not-need-init,startup-clear', ...extra]);
    processes.push(p);
    return p;
  }

  it('wrong key, flipped byte, truncated file, older generation: each refused with its own message, the state on disk untouched', async () => {
    const state = join(dir, 'state');
    const opts = ['--key', `file=${join(dir, 'key')}`, '--rollback-anchor', `file=${join(dir, 'anchor')}`];
    let vtpm = await socket(state, ...opts);
    const tools = new ToolDir(`swtpm:host=127.0.0.1,port=${vtpm.port}`, dir);
    await tools.ok(['tpm2_nvdefine', '0x1500020', '-C', 'o', '-s', '8', '-a', 'ownerread|ownerwrite']);
    await tools.ok(['tpm2_nvwrite', '0x1500020', '-C', 'o', '-i', '-'], 'first...');
    await stop(vtpm);
    mkdirSync(join(dir, 'old'));
    copyFileSync(join(state, 'tpm2-00.permall'), join(dir, 'old', 'tpm2-00.permall'));
    vtpm = await socket(state, ...opts);
    await new ToolDir(`swtpm:host=127.0.0.1,port=${vtpm.port}`, dir).ok(['tpm2_nvwrite', '0x1500020', '-C', 'o', '-i', '-'], 'second..');
    await stop(vtpm);
    const good = readFileSync(join(state, 'tpm2-00.permall'));
    const permall = join(state, 'tpm2-00.permall');

    const refusedWith = async (args: string[], message: RegExp) => {
      const before = snapshot(state);
      const r = await runVtpmCommand(['socket', '--tpm2', '--server', 'type=tcp,port=0', '--tpmstate', `dir=${state}`, '--flags', 'not-need-init', ...args]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr.trim()).to.match(message);
      expect(snapshot(state)).to.deep.equal(before);
    };
    await refusedWith(['--key', `file=${join(dir, 'other.key')}`], /^vtpm socket: refusing to start: .*tpm2-00\.permall: wrong key: --key does not match the key this permanent state was encrypted with$/);
    await refusedWith([], /refusing to start: .*tpm2-00\.permall: encrypted with a state key: give --key$/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 60]! ^= 0x10;
    writeFileSync(permall, flipped);
    await refusedWith(opts, /refusing to start: .*tpm2-00\.permall: damaged: checksum mismatch \(bytes changed after it was written\)$/);
    writeFileSync(permall, good.subarray(0, good.length - 100));
    await refusedWith(opts, /refusing to start: .*tpm2-00\.permall: truncated: \d+ bytes, the header announces \d+$/);
    copyFileSync(join(dir, 'old', 'tpm2-00.permall'), permall);
    await refusedWith(opts, /refusing to start: .*tpm2-00\.permall: older generation: \d+ is below the anchored generation \d+ \(an old copy put back\?\)$/);
    writeFileSync(permall, good);
    vtpm = await socket(state, ...opts);
    const read = await new ToolDir(`swtpm:host=127.0.0.1,port=${vtpm.port}`, dir).ok(['tpm2_nvread', '0x1500020', '-C', 'o', '-s', '8']);
    expect(read).to.equal('second..');
  });

  it('moves a vTPM between two processes over the control channel (QEMU sequence, migration key): same quote PCRs, NV, keys, AK', async () => {
    const migration = ['--migration-key', `pwdfile=${join(dir, 'migration.pwd')}`];
    const source = await socket(join(dir, 'a'), '--key', `file=${join(dir, 'key')}`, ...migration);
    const destination = await socket(join(dir, 'b'), '--key', `file=${join(dir, 'other.key')}`, ...migration);
    const onSource = new ToolDir(`swtpm:host=127.0.0.1,port=${source.port}`, dir);
    const onDestination = new ToolDir(`swtpm:host=127.0.0.1,port=${destination.port}`, dir);
    await onSource.ok(['tpm2_pcrextend', '7:sha256=' + '77'.repeat(32)]);
    await onSource.ok(['tpm2_pcrextend', '0:sha256=' + '01'.repeat(32)]);
    await onSource.ok(['tpm2_nvdefine', '0x1500030', '-C', 'o', '-s', '12', '-a', 'ownerread|ownerwrite']);
    await onSource.ok(['tpm2_nvwrite', '0x1500030', '-C', 'o', '-i', '-'], 'moved along.');
    await onSource.okThenFlush(['tpm2_createprimary', '-C', 'o', '-G', 'ecc', '-c', 'srk.ctx']);
    await onSource.ok(['tpm2_evictcontrol', '-C', 'o', '-c', 'srk.ctx', '0x81000010']);
    await onSource.okThenFlush(['tpm2_createek', '-c', 'ek.ctx', '-G', 'ecc']);
    await onSource.okThenFlush(['tpm2_createak', '-C', 'ek.ctx', '-c', 'ak.ctx', '-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa', '-u', 'ak.pub', '-f', 'pem']);
    const quote = async (tools: ToolDir, tag: string) => {
      await tools.okThenFlush(['tpm2_quote', '-c', 'ak.ctx', '-l', 'sha256:0,1,7', '-q', '00ff' + tag, '-m', `${tag}.msg`, '-s', `${tag}.sig`, '-o', `${tag}.pcrs`, '-g', 'sha256']);
      await tools.ok(['tpm2_checkquote', '-u', 'ak.pub', '-m', `${tag}.msg`, '-s', `${tag}.sig`, '-f', `${tag}.pcrs`, '-g', 'sha256', '-q', '00ff' + tag]);
      return readFileSync(join(dir, `${tag}.pcrs`));
    };
    const before = await quote(onSource, 'aa');

    const sourceCtrl = await SwtpmControlClient.connect('127.0.0.1', source.ctrlPort!);
    const destinationCtrl = await SwtpmControlClient.connect('127.0.0.1', destination.ctrlPort!);
    const blobs = await fetchStateBlobs(sourceCtrl);
    expect(blobs.every((b) => !b.blob.includes(Buffer.from('moved along.')))).to.equal(true); // sealed for the move
    await deliverStateBlobs(destinationCtrl, blobs);
    await Promise.all([sourceCtrl.close(), destinationCtrl.close()]);

    const after = await quote(onDestination, 'bb'); // the AK context made on the source loads on the destination
    expect(after.equals(before)).to.equal(true);
    expect(await onDestination.ok(['tpm2_nvread', '0x1500030', '-C', 'o', '-s', '12'])).to.equal('moved along.');
    expect(await onDestination.ok(['tpm2_readpublic', '-c', '0x81000010'])).to.equal(await onSource.ok(['tpm2_readpublic', '-c', '0x81000010']));
    // the destination stored what it took, under its own key: it survives a SIGKILL and restart
    await killHard(destination);
    const restarted = await socket(join(dir, 'b'), '--key', `file=${join(dir, 'other.key')}`, ...migration);
    expect(await new ToolDir(`swtpm:host=127.0.0.1,port=${restarted.port}`, dir).ok(['tpm2_nvread', '0x1500030', '-C', 'o', '-s', '12'])).to.equal('moved along.');
  });
});
