import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Runs vtpm to completion. */
function runCli(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a vtpm server and waits for its listening line. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; line: string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      const first = out.split('\n')[0];
      if (out.includes('\n')) resolve(first!);
    });
    child.stderr!.on('data', (d) => (out += String(d)));
    void exit.then((code) => reject(new Error(`vtpm exited ${code}: ${out}`)));
  });
  return { child, line, exit };
}

/** Sends raw bytes, reads `n` bytes back. */
function exchange(port: number, request: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= n) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.write(request);
  });
}

const GET_RANDOM_8 = Buffer.from('80010000000c0000017b0008', 'hex');

/** A well-formed TPM response: tag 0x8001 and a size field equal to its length. */
function expectTpmResponse(r: Buffer): void {
  expect(r.readUInt16BE(0)).to.equal(0x8001);
  expect(r.readUInt32BE(2)).to.equal(r.length);
}

describe('vtpm command line', function () {
  this.timeout(20_000);

  it('--version and --help exit 0', () => {
    expect(runCli(['--version'])).to.include({ code: 0 });
    expect(runCli(['--version']).stdout).to.match(/^vtpm \d+\.\d+\.\d+\n$/);
    expect(runCli(['--help']).stdout).to.match(/socket/);
    expect(runCli(['socket', '--help']).stdout).to.match(/--tpmstate dir=DIR/);
    expect(runCli(['mssim', '--help']).code).to.equal(0);
  });

  for (const [args, message] of [
    [['bogus'], /unknown command 'bogus'/],
    [['socket', '--server', 'port=2400'], /--tpm2/],
    [['socket', '--tpm2', '--server', 'type=tcp,port=abc'], /invalid number 'abc'/],
    [['socket', '--tpm2', '--server', 'port=2400', '--flags', 'bogus'], /unknown parameter 'bogus'/],
    [['socket', '--tpm2', '--server', 'port=2400', '--bogus'], /unrecognized option '--bogus'/],
    [['mssim', '--port', '99999'], /out of range/],
  ] as const) {
    it(`${args.join(' ')}: one line on stderr, exit code 2`, () => {
      const r = runCli([...args]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.match(/^vtpm/);
      expect(r.stdout).to.equal('');
    });
  }

  it('a --tpmstate path that cannot be a directory: exit 2', () => {
    const r = runCli(['socket', '--tpm2', '--server', 'port=0', '--tpmstate', 'dir=/proc/vtpm-cannot-be-here']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--tpmstate dir=\/proc\/vtpm-cannot-be-here/);
  });

  it('socket: listens, answers GetRandom after startup-clear, writes its pid file, SIGTERM exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-'));
    try {
      const state = join(dir, 'state');
      const pidFile = join(dir, 'vtpm.pid');
      const { child, line, exit } = await startCli(['socket', '--tpm2', '--server', 'type=tcp,port=0', '--ctrl', 'type=tcp,port=0', '--tpmstate', `dir=${state}`, '--flags', 'not-need-init,startup-clear', '--pid', `file=${pidFile}`]);
      const m = /^vtpm: swtpm socket TPM listening on 127\.0\.0\.1:(\d+) \(control 127\.0\.0\.1:(\d+)\); new TPM in .*state \(generation \d+\)$/.exec(line);
      expect(m, line).to.not.equal(null);
      expect(existsSync(state)).to.equal(true);
      expect(readFileSync(pidFile, 'utf8').trim()).to.equal(String(child.pid));
      const answer = await exchange(Number(m![1]), GET_RANDOM_8, 20);
      expectTpmResponse(answer);
      expect(answer.readUInt32BE(6)).to.equal(0); // Startup(CLEAR) was sent at start
      expect(answer.readUInt16BE(10)).to.equal(8);
      child.kill('SIGTERM');
      expect(await exit).to.equal(0);
      expect(existsSync(pidFile)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('socket without not-need-init: TPM_RC_FAILURE until CMD_INIT; CMD_SHUTDOWN ends the process with 0', async () => {
    const { line, exit } = await startCli(['socket', '--tpm2', '--server', 'port=0', '--ctrl', 'type=tcp,port=0']);
    const [, data, ctrl] = /:(\d+) \(control [\d.]+:(\d+)\)/.exec(line)!;
    expect((await exchange(Number(data), GET_RANDOM_8, 10)).toString('hex')).to.equal('80010000000a00000101');
    expect((await exchange(Number(ctrl), Buffer.from('0000000200000000', 'hex'), 4)).toString('hex')).to.equal('00000000');
    expect((await exchange(Number(data), GET_RANDOM_8, 10)).toString('hex')).to.equal('80010000000a00000100');
    expect((await exchange(Number(ctrl), Buffer.from('00000003', 'hex'), 4)).toString('hex')).to.equal('00000000');
    expect(await exit).to.equal(0);
  });

  it('mssim: listens on port and port + 1, answers GetRandom, SIGINT exits 0', async () => {
    const { child, line, exit } = await startCli(['mssim', '--port', '0']);
    const m = /^vtpm: mssim TPM listening on 127\.0\.0\.1:(\d+) \(platform (\d+)\)$/.exec(line);
    expect(m, line).to.not.equal(null);
    expect(Number(m![2])).to.equal(Number(m![1]) + 1);
    const frame = Buffer.concat([Buffer.from('00000008000000000c', 'hex'), GET_RANDOM_8]);
    const answer = await exchange(Number(m![1]), frame, 18);
    expect(answer.readUInt32BE(0)).to.be.oneOf([10, 20]);
    expectTpmResponse(answer.subarray(4, 4 + answer.readUInt32BE(0)));
    child.kill('SIGINT');
    expect(await exit).to.equal(0);
  });

  it('-d: the command returns once the daemon listens; the daemon writes the pid file and stops on CMD_SHUTDOWN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-'));
    const pidFile = join(dir, 'vtpm.pid');
    try {
      const r = runCli(['socket', '--tpm2', '--server', 'port=0', '--ctrl', 'type=tcp,port=0', '--flags', 'not-need-init', '--pid', `file=${pidFile}`, '-d']);
      expect(r.code, r.stderr).to.equal(0);
      const [, data, ctrl] = /:(\d+) \(control [\d.]+:(\d+)\)/.exec(r.stdout)!;
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(pid).to.not.equal(process.pid);
      expectTpmResponse(await exchange(Number(data), GET_RANDOM_8, 10));
      await exchange(Number(ctrl), Buffer.from('00000003', 'hex'), 4);
      for (let i = 0; i < 50 && existsSync(pidFile); i++) await new Promise((res) => setTimeout(res, 50));
      expect(existsSync(pidFile)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
