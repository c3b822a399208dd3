import { expect } from 'chai';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRandom, NV_Read, NV_ReadPublic, Startup, TPM_SU, TpmClient } from '@vtpm/tpm';
import { MssimTransport, SwtpmTransport } from '@vtpm/server';
import { oneLineFailure, runVtpm, startVtpm } from './cliRunner.js';

/** `openssl x509 -noout -in FILE`: whether OpenSSL reads it as a certificate (null: no openssl here). */
function opensslAccepts(file: string): boolean | null {
  const r = spawnSync('openssl', ['x509', '-noout', '-in', file]);
  if (r.error) return null;
  return r.status === 0;
}

/** The certificate stored at an NV index, read as tpm2_nvread does (the index's empty auth). */
async function readNvCertificate(client: TpmClient, nvIndex: number): Promise<Buffer> {
  const { nvPublic } = await client.run(NV_ReadPublic, { handles: { nvIndex }, params: {} });
  const { data } = await client.run(NV_Read, { handles: { authHandle: nvIndex, nvIndex }, auth: [{ password: '' }], params: { size: nvPublic.dataSize, offset: 0 } });
  return data;
}

describe('vtpm manufacture, vtpm ca export, --ek-cert', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-manufacture-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the CA in DIR/ca, certifies two EKs and saves the TPM in DIR', async function () {
    const state = join(dir, 'state');
    const r = await runVtpm(['manufacture', '--tpmstate', `dir=${state}`]);
    expect(r.code, r.stderr).to.equal(0);
    const caPem = join(state, 'ca', 'ca.pem');
    expect(r.stdout).to.include(`manufacturer CA: created in ${join(state, 'ca')}`);
    expect(r.stdout).to.match(/^EK L-1, RSA 2048 \(low range\): Name 000b[0-9a-f]{64}, certificate \(\d+ bytes\) in NV index 0x01c00002$/m);
    expect(r.stdout).to.match(/^EK L-2, ECC NIST P-256 \(low range\): Name 000b[0-9a-f]{64}, certificate \(\d+ bytes\) in NV index 0x01c0000a$/m);
    expect(r.stdout).to.include('2 EK certificates issued.');
    expect(r.stdout).to.match(/^TPM state saved in .*state \(generation \d+\)\. Serve it with:$/m);
    expect(existsSync(join(state, 'tpm2-00.permall'))).to.equal(true);
    expect(statSync(join(state, 'ca', 'ca-key.pem')).mode & 0o777).to.equal(0o600);
    const accepted = opensslAccepts(caPem);
    if (accepted === null) this.skip();
    expect(accepted).to.equal(true);
  });

  it('loads the CA already in --ca-dir; vtpm ca export prints it', async () => {
    const caDir = join(dir, 'ca');
    expect((await runVtpm(['manufacture', '--tpmstate', `dir=${dir}/s`, '--ca-dir', caDir])).code).to.equal(0);
    const pem = readFileSync(join(caDir, 'ca.pem'), 'utf8');
    const refused = await runVtpm(['manufacture', '--tpmstate', `dir=${dir}/s`, '--ca-dir', caDir]);
    expect(refused.code).to.equal(1);
    expect(oneLineFailure(refused)).to.match(/holds a TPM state already \(--overwrite replaces it\)$/);
    const again = await runVtpm(['manufacture', '--tpmstate', `dir=${dir}/s`, '--ca-dir', caDir, '--templates', 'L-1,H-3', '--overwrite']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include(`manufacturer CA: loaded from ${caDir}`);
    expect(again.stdout).to.match(/EK H-3, ECC NIST P-384: .* 0x01c00016/);
    expect(readFileSync(join(caDir, 'ca.pem'), 'utf8')).to.equal(pem);
    const exported = await runVtpm(['ca', 'export', '--ca-dir', caDir]);
    expect(exported.code).to.equal(0);
    expect(exported.stdout).to.equal(pem);
  });

  for (const [args, code, message] of [
    [['manufacture'], 2, /--tpmstate is required/],
    [['manufacture', '--tpmstate', 'path=/tmp/x'], 2, /unknown parameter 'path=\/tmp\/x'/],
    [['manufacture', '--tpmstate', 'dir=/tmp/x', '--templates', 'L-1,X-9'], 2, /unknown EK template 'X-9'/],
    [['manufacture', '--tpmstate', 'dir=/tmp/x', '--templates', 'H-7'], 2, /H-7 is not supported: vtpm has no RSA 4096/],
    [['ca'], 2, /give an action/],
    [['ca', 'import', '--ca-dir', '/tmp/x'], 2, /unknown action 'import'/],
    [['ca', 'export'], 2, /--ca-dir is required/],
    [['ca', 'export', '--ca-dir', '/nonexistent/vtpm-ca'], 1, /no CA in \/nonexistent\/vtpm-ca/],
  ] as const) {
    it(`${args.join(' ')}: exit code ${code}`, async () => {
      const r = await runVtpm([...args]);
      expect(r.code).to.equal(code);
      expect(oneLineFailure(r)).to.match(message);
      expect(r.stdout).to.equal('');
    });
  }

  it('vtpm mssim --ek-cert: clients read EK certificates signed by the CA from NV', async () => {
    const caDir = join(dir, 'ca');
    const { child, line, exit } = await startVtpm(['mssim', '--port', '0', '--ek-cert', caDir]);
    try {
      expect(line).to.match(/; EK certificates at 0x01c00002, 0x01c0000a \(CA .*\)$/);
      const port = Number(/:(\d+) \(platform/.exec(line)![1]);
      const transport = await MssimTransport.connect('127.0.0.1', port);
      const client = new TpmClient(transport);
      // Manufactured, then re-initialised: the TPM waits for Startup like a freshly powered one.
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      const caKey = createPublicKey(readFileSync(join(caDir, 'ca.pem')));
      for (const index of [0x01c00002, 0x01c0000a]) {
        const certificate = new X509Certificate(await readNvCertificate(client, index));
        expect(certificate.verify(caKey), `0x${index.toString(16)}`).to.equal(true);
        expect(certificate.issuer).to.include('CN=vtpm manufacturer CA');
      }
      await transport.close();
    } finally {
      child.kill('SIGTERM');
      expect(await exit).to.equal(0);
    }
    expect(existsSync(join(caDir, 'ca-key.pem'))).to.equal(true);
  });

  it('a manufactured TPM (encrypted with --key) is served from its state directory, certificates in NV', async () => {
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'key'), 'c3'.repeat(32));
    const made = await runVtpm(['manufacture', '--tpmstate', `dir=${state}`, '--key', `file=${join(dir, 'key')}`]);
    expect(made.code, made.stderr).to.equal(0);
    expect(made.stdout).to.match(/encrypted with --key/);
    const ekName = /EK L-1, RSA 2048 \(low range\): Name (\w+)/.exec(made.stdout)![1];
    const { child, line, exit } = await startVtpm(['mssim', '--port', '0', '--tpmstate', `dir=${state}`, '--key', `file=${join(dir, 'key')}`]);
    try {
      expect(line).to.match(/; TPM restored in .*state \(generation \d+\)$/);
      const transport = await MssimTransport.connect('127.0.0.1', Number(/:(\d+) \(platform/.exec(line)![1]));
      const client = new TpmClient(transport);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      const certificate = new X509Certificate(await readNvCertificate(client, 0x01c00002));
      expect(certificate.verify(createPublicKey(readFileSync(join(state, 'ca', 'ca.pem'))))).to.equal(true);
      await transport.close();
      expect(ekName).to.match(/^000b/);
    } finally {
      child.kill('SIGTERM');
      expect(await exit).to.equal(0);
    }
  });

  it('vtpm socket --ek-cert with startup-clear: the TPM is manufactured, then started once', async () => {
    const { child, line, exit } = await startVtpm(['socket', '--tpm2', '--server', 'port=0', '--ctrl', 'type=tcp,port=0', '--flags', 'startup-clear', '--ek-cert', join(dir, 'ca')]);
    try {
      expect(line).to.match(/^vtpm: swtpm socket TPM listening on .*; EK certificates at 0x01c00002, 0x01c0000a/);
      const transport = await SwtpmTransport.connect('127.0.0.1', Number(/:(\d+) \(control/.exec(line)![1]));
      // startup-clear reached a TPM that manufacturing had left waiting for Startup: commands run at once.
      const { randomBytes } = await new TpmClient(transport).run(GetRandom, { params: { bytesRequested: 8 } });
      expect(randomBytes).to.have.length(8);
      await transport.close();
    } finally {
      child.kill('SIGTERM');
      expect(await exit).to.equal(0);
    }
  });

  it('a CA directory that cannot be made (--ek-cert, --ca-dir): exit code 2, one line naming it', async () => {
    const served = await runVtpm(['mssim', '--port', '0', '--ek-cert', '/proc/vtpm-no-ca-here']);
    expect(served.code).to.equal(2);
    expect(oneLineFailure(served)).to.match(/^vtpm mssim: --ek-cert \/proc\/vtpm-no-ca-here: cannot create the directory/);
    const manufactured = await runVtpm(['manufacture', '--tpmstate', `dir=${dir}/s`, '--ca-dir', '/proc/vtpm-no-ca-here']);
    expect(manufactured.code).to.equal(2);
    expect(oneLineFailure(manufactured)).to.match(/^vtpm manufacture: --ca-dir \/proc\/vtpm-no-ca-here: cannot create the directory/);
  });
});
