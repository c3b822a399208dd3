import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRandom, NV_DefineSpace, NV_Read, NV_Write, TPM_ALG, TPM_RH, TPMA_NV, TpmClient } from '@vtpm/tpm';
import { SwtpmTransport } from '@vtpm/server';
import { oneLineFailure, runVtpm, startVtpm } from './cliRunner.js';

const PW = [{ password: '' }];
const INDEX = 0x01500040;

async function withClient<T>(port: number, use: (client: TpmClient) => Promise<T>): Promise<T> {
  const transport = await SwtpmTransport.connect('127.0.0.1', port);
  try {
    return await use(new TpmClient(transport));
  } finally {
    await transport.close();
  }
}
const dataPort = (line: string) => Number(/listening on [\d.]+:(\d+)/.exec(line)![1]);

describe('vtpm socket --tpmstate, --key, --print-states; vtpm serve and vtpm instance', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an NV write survives SIGKILL; the next start restores the TPM; --print-states lists the files', async () => {
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'pass'), 'a passphrase\n');
    const args = ['socket', '--tpm2', '--server', 'port=0', '--tpmstate', `dir=${state}`, '--key', `pwdfile=${join(dir, 'pass')}`, '--flags', 'not-need-init,startup-clear'];
    const first = await startVtpm(args);
    await withClient(dataPort(first.line), async (client) => {
      const publicInfo = { nvIndex: INDEX, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD, authPolicy: Buffer.alloc(0), dataSize: 4 };
      await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: PW, params: { auth: Buffer.alloc(0), publicInfo } });
      await client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: INDEX }, auth: PW, params: { data: Buffer.from('kept'), offset: 0 } });
    });
    first.child.kill('SIGKILL');
    await first.exit;
    const states = await runVtpm(['socket', '--tpm2', '--print-states', '--tpmstate', `dir=${state}`]);
    expect(states.stdout).to.equal('{ "type": "swtpm", "states": [ "permall" ] }');
    const second = await startVtpm(args);
    try {
      expect(second.line).to.match(/; TPM restored in .* \(generation \d+\)$/);
      const { data } = await withClient(dataPort(second.line), (client) => client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: INDEX }, auth: PW, params: { size: 4, offset: 0 } }));
      expect(data.toString()).to.equal('kept');
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exit).to.equal(0);
    }
    expect((await runVtpm(['socket', '--tpm2', '--print-states', '--tpmstate', `dir=${state}`])).stdout).to.equal('{ "type": "swtpm", "states": [ "permall", "volatilestate" ] }');
  });

  for (const [what, content, format, message] of [
    ['short hex', 'abcd', 'hex', /not an AES-256 key \(64 hex digits, format=hex\)/],
    ['binary of 16 bytes', 'x'.repeat(16), 'binary', /not an AES-256 key \(32 bytes, format=binary\)/],
  ] as const) {
    it(`a key file that is not a key (${what}): exit code 1, one line`, async () => {
      writeFileSync(join(dir, 'k'), content);
      const r = await runVtpm(['socket', '--tpm2', '--server', 'port=0', '--tpmstate', `dir=${join(dir, 's')}`, '--key', `file=${join(dir, 'k')},format=${format}`]);
      expect(r.code).to.equal(1);
      expect(oneLineFailure(r)).to.match(message);
    });
  }

  it('a state directory another vtpm serves: exit code 1, naming the process', async () => {
    const state = join(dir, 'state');
    const first = await startVtpm(['socket', '--tpm2', '--server', 'port=0', '--tpmstate', `dir=${state}`, '--flags', 'not-need-init']);
    try {
      const r = await runVtpm(['socket', '--tpm2', '--server', 'port=0', '--tpmstate', `dir=${state}`, '--flags', 'not-need-init']);
      expect(r.code).to.equal(1);
      expect(oneLineFailure(r)).to.match(new RegExp(`--tpmstate dir=.*: in use by process ${first.child.pid}`));
    } finally {
      first.child.kill('SIGTERM');
      await first.exit;
    }
  });

  it('vtpm serve --instances DIR with vtpm instance create, list, stop, start, destroy; instances outlive the serve process', async () => {
    const root = join(dir, 'instances');
    const instance = (...args: string[]) => runVtpm(['instance', ...args, '--instances', root]);
    expect(oneLineFailure(await instance('list'))).to.match(/^vtpm instance: no vtpm serve for .* \((ENOENT|ECONNREFUSED)\)$/);
    let serve = await startVtpm(['serve', '--instances', root, '--idle', '0']);
    expect(serve.line).to.match(/^vtpm: serving 0 of 0 instances from .* \(admin socket .*admin\.sock\)$/);
    try {
      const created = await instance('create', '--id', 'web-1');
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stdout).to.match(/^web-1: running, swtpm data 127\.0\.0\.1:\d+, control 127\.0\.0\.1:\d+, TCTI swtpm:host=127\.0\.0\.1,port=\d+, state .*web-1\n$/);
      const port = Number(/port=(\d+)/.exec(created.stdout)![1]);
      await instance('create', '--id', 'web-2');
      const list = await instance('list');
      expect(list.stdout.split('\n')[0]).to.match(/^ID\s+STATUS\s+DATA\s+CONTROL\s+GENERATION$/);
      expect(list.stdout).to.match(/^web-1\s+running\s+127\.0\.0\.1:\d+/m);
      const { randomBytes } = await withClient(port, async (c) => {
        const { Startup, TPM_SU } = await import('@vtpm/tpm');
        await c.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
        return c.run(GetRandom, { params: { bytesRequested: 8 } });
      });
      expect(randomBytes).to.have.length(8);
      expect((await instance('stop', '--id', 'web-2')).stdout).to.match(/^web-2: stopped/);
      expect(JSON.parse((await instance('info', '--id', 'web-2', '--json')).stdout)).to.include({ id: 'web-2', status: 'stopped' });
      expect((await instance('destroy', '--id', 'web-2')).stdout).to.equal('instance web-2 destroyed\n');
      expect(oneLineFailure(await instance('start', '--id', 'web-2'))).to.equal('vtpm instance start: no instance web-2');
      serve.child.kill('SIGTERM');
      expect(await serve.exit).to.equal(0);
      serve = await startVtpm(['serve', '--instances', root, '--idle', '0']);
      expect(serve.line).to.match(/serving 1 of 1 instances/);
      // resumed: no Startup needed
      const again = await withClient(port, (c) => c.run(GetRandom, { params: { bytesRequested: 4 } }));
      expect(again.randomBytes).to.have.length(4);
    } finally {
      serve.child.kill('SIGTERM');
      expect(await serve.exit).to.equal(0);
    }
  });

  for (const [args, message] of [
    [['instance'], /give an action/],
    [['instance', 'stop', '--instances', '/tmp/x'], /--id is required/],
    [['instance', 'list', '--instances', '/tmp/x', '--port', '5'], /--port applies to create/],
    [['serve'], /--instances is required/],
    [['serve', '--instances', '/tmp/x', '--idle', 'soon'], /invalid number of seconds/],
    [['mssim', '--migration-key', 'file=/k'], /--migration-key applies to vtpm socket/],
    [['socket', '--tpm2', '-p', '0', '--print-states'], /--print-states needs --tpmstate dir=DIR/],
  ] as const) {
    it(`${args.join(' ')}: exit code 2`, async () => {
      const r = await runVtpm([...args]);
      expect(r.code).to.equal(2);
      expect(oneLineFailure(r)).to.match(message);
    });
  }
});
