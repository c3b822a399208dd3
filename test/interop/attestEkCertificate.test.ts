import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registrar, tpm2ToolsCredentialFile, validateEkCertificate, type EkCertificateReport, type Verdict } from '@vtpm/attest';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ToolDir } from '../lib/toolDir.js';
import { ATTEST_PORTS, StateDirSwtpm } from './attestSwtpm.js';

/**
 * EK certificates from swtpm's local CA: swtpm_setup --create-ek-cert writes them into the TPM's
 * NV (0x01c00002 RSA, 0x01c00016 ECC), signed by swtpm_localca's issuer, under its root.
 * @vtpm/attest must validate them to that root and match them to the EKs the TPM holds.
 */

const RSA_EK_CERT_INDEX = '0x01c00002';
const ECC_EK_CERT_INDEX = '0x01c00016';
const RSA_EK_HANDLE = '0x81010001';
const ECC_EK_HANDLE = '0x81010016';

/** Where swtpm_localca keeps its CA: /var/lib for root, under ~/.config otherwise. */
function localCaDir(): string {
  const candidates = ['/var/lib/swtpm-localca', join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'var/lib/swtpm-localca')];
  const found = candidates.find((d) => existsSync(join(d, 'issuercert.pem')) && existsSync(join(d, 'swtpm-localca-rootca-cert.pem')));
  if (!found) throw new Error(`swtpm_setup succeeded but no swtpm_localca CA was found in ${candidates.join(' or ')}`);
  return found;
}

function report(v: Verdict<EkCertificateReport>): EkCertificateReport {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

describe('@vtpm/attest validates EK certificates from swtpm_setup / swtpm_localca', function () {
  this.timeout(180000);
  let swtpm: StateDirSwtpm;
  let dir: string;
  let tools: ToolDir;
  let root: string, issuer: string;
  const run = (...args: string[]) => tools.okThenFlush(args);
  const file = (name: string) => tools.read(name);

  before(async function () {
    requireTools(this, ['swtpm_setup', 'swtpm', 'tpm2_nvread', 'tpm2_readpublic'], DEBIAN_TOOLS);
    dir = mkdtempSync(join(tmpdir(), 'vtpm-attest-ekcert-'));
    const state = join(dir, 'state');
    await promisify(execFile)('mkdir', ['-p', state]);
    await promisify(execFile)('swtpm_setup', ['--tpm2', '--tpmstate', state, '--create-ek-cert', '--create-platform-cert', '--overwrite'], { timeout: 120000 });
    const ca = localCaDir();
    root = readFileSync(join(ca, 'swtpm-localca-rootca-cert.pem'), 'utf8');
    issuer = readFileSync(join(ca, 'issuercert.pem'), 'utf8');
    swtpm = await StateDirSwtpm.start(state, ATTEST_PORTS.ekCertificate);
    tools = new ToolDir(swtpm.tcti, dir);
    for (const [index, out] of [[RSA_EK_CERT_INDEX, 'ek-rsa.der'], [ECC_EK_CERT_INDEX, 'ek-ecc.der']]) await run('tpm2_nvread', index!, '-o', out!);
    for (const [handle, out] of [[RSA_EK_HANDLE, 'ek-rsa.pub'], [ECC_EK_HANDLE, 'ek-ecc.pub']]) await run('tpm2_readpublic', '-c', handle!, '-o', out!);
  });
  after(async () => {
    await swtpm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['rsa', 'ecc'] as const) {
    it(`the ${kind.toUpperCase()} EK certificate chains to the swtpm-localca root, names swtpm, and certifies the EK in the TPM`, async () => {
      const r = report(await validateEkCertificate(file(`ek-${kind}.der`), { roots: [root], intermediates: [issuer], ekPublic: file(`ek-${kind}.pub`) }));
      expect(r.tpm.manufacturer).to.equal('id:00001014');
      expect(r.tpm.model).to.equal('swtpm');
      expect(r.tpm.version).to.match(/^id:[0-9A-F]{8}$/i);
      expect(r.path).to.have.length(3);
      expect(r.keyChecked).to.equal(true);
    });
  }

  it('refuses the chain without its intermediate, or against the other EK; pinning the issuing CA as the root works', async () => {
    const reason = (v: Verdict<unknown>) => (v.ok ? 'accepted' : v.reason);
    expect(reason(await validateEkCertificate(file('ek-rsa.der'), { roots: [root] }))).to.equal('ek-chain-invalid');
    expect(reason(await validateEkCertificate(file('ek-rsa.der'), { roots: [issuer] }))).to.equal('accepted');
    expect(reason(await validateEkCertificate(file('ek-rsa.der'), { roots: [root], intermediates: [issuer], ekPublic: file('ek-ecc.pub') }))).to.equal('ek-key-mismatch');
  });

  it('a registrar trusting the swtpm-localca root enrols an AK created under the persistent EK', async () => {
    await run('tpm2_createak', '-C', RSA_EK_HANDLE, '-c', 'ak.ctx', '-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa', '-u', 'ak.pub', '-n', 'ak.name');
    const registrar = new Registrar({ ekRoots: [root], ekIntermediates: [issuer] });
    const started = await registrar.startEnrolment(file('ek-rsa.pub'), file('ek-rsa.der'), file('ak.pub'));
    if (!started.ok) expect.fail(started.message);
    tools.file('cred.bin', tpm2ToolsCredentialFile(started.value));
    await run('tpm2_startauthsession', '--policy-session', '-S', 'session.ctx');
    await run('tpm2_policysecret', '-S', 'session.ctx', '-c', 'e');
    await run('tpm2_activatecredential', '-c', 'ak.ctx', '-C', RSA_EK_HANDLE, '-i', 'cred.bin', '-o', 'secret.bin', '-P', 'session:session.ctx');
    await tools.run(['tpm2_flushcontext', 'session.ctx']);
    const enrolled = registrar.finishEnrolment(started.value, file('secret.bin'));
    if (!enrolled.ok) expect.fail(enrolled.message);
    expect(enrolled.value.ekCertificate?.tpm.model).to.equal('swtpm');
  });
});
