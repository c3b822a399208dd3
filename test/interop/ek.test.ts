import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Tpm } from '@vtpm/tpm';
import { manufacture, type ManufactureResult } from '@vtpm/attest';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ToolDir } from '../lib/toolDir.js';
import { startVtpmServer, type VtpmServer } from '../lib/vtpmServer.js';
import { StateDirSwtpm } from './attestSwtpm.js';

/**
 * A manufactured vtpm (EKs certified by the vtpm manufacturer CA, certificates in NV) seen by
 * tpm2-tools over the swtpm protocol, next to a swtpm that swtpm_setup --create-ek-cert
 * provisioned: the certificates read back, parse, chain to the CA, certify the EK tpm2_createek
 * recreates, and are stored and shaped as swtpm_setup does it.
 *
 * Ports: this suite's reserved range 2541-2559 (vtpm 2541/2542, swtpm 2543/2544).
 */
const EK_PORTS = { vtpm: 2541, swtpm: 2543 } as const;

/** swtpm_setup with its own local CA under `dir` (not the system's /var/lib/swtpm-localca). */
async function swtpmSetupWithEkCerts(dir: string): Promise<string> {
  const state = join(dir, 'swtpm-state');
  mkdirSync(join(dir, 'swtpm-ca'), { recursive: true });
  mkdirSync(state, { recursive: true });
  writeFileSync(join(dir, 'localca.conf'), ['statedir', 'signingkey = signkey.pem', 'issuercert = issuercert.pem', 'certserial = certserial'].map((l, i) => (i ? l.replace('= ', `= ${dir}/swtpm-ca/`) : `statedir = ${dir}/swtpm-ca`)).join('\n') + '\n');
  writeFileSync(join(dir, 'localca.options'), '--platform-manufacturer vtpm-test\n--platform-version 2.1\n--platform-model QEMU\n');
  writeFileSync(join(dir, 'setup.conf'), `create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = ${dir}/localca.conf\ncreate_certs_tool_options = ${dir}/localca.options\nactive_pcr_banks = sha256\n`);
  await promisify(execFile)('swtpm_setup', ['--tpm2', '--tpmstate', state, '--create-ek-cert', '--config', join(dir, 'setup.conf'), '--overwrite'], { timeout: 120000 });
  return state;
}

/** tpm2_readpublic's YAML as key -> value (top-level keys; nested "value:" lines folded into their key). */
function readPublicFields(yaml: string): Record<string, string> {
  const out: Record<string, string> = {};
  let key = '';
  for (const line of yaml.split('\n')) {
    const top = /^([a-z-][a-z0-9 -]*):\s*(.*)$/i.exec(line);
    const nested = /^\s+(value|raw):\s*(.*)$/.exec(line);
    if (top) {
      key = top[1]!;
      if (top[2]) out[key] = top[2];
    } else if (nested && key) out[`${key}.${nested[1]}`] = nested[2]!;
  }
  return out;
}

/** The X509v3 extension headers openssl prints ("X509v3 Key Usage: critical"), sorted. */
function extensionHeaders(der: Buffer): string[] {
  const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], { input: der, encoding: 'utf8' });
  return [...text.matchAll(/^\s+(X509v3 [A-Z][A-Za-z ]+:(?: critical)?)\s*$/gm)].map((m) => m[1]!).sort();
}

const KEY_FIELDS = /^(name|qualified name|rsa|x|y)$/;

describe('EK certificates: tpm2-tools against a manufactured vtpm, compared with swtpm_setup', function () {
  this.timeout(180000);
  let dir: string;
  let made: ManufactureResult;
  let server: VtpmServer;
  let swtpm: StateDirSwtpm;
  let vtpm: string;
  /** Runs a tool, then flushes transient objects: without a resource manager, each tool's loaded objects stay in the TPM. */
  const inDir = (tcti: string, ...args: string[]) => new ToolDir(tcti, dir).okThenFlush(args);

  before(async function () {
    requireTools(this, ['tpm2_createek', 'tpm2_readpublic', 'tpm2_nvread', 'tpm2_nvreadpublic', 'swtpm_setup', 'swtpm', 'openssl'], DEBIAN_TOOLS);
    dir = mkdtempSync(join(tmpdir(), 'vtpm-ek-interop-'));
    const tpm = new Tpm({ seed: Buffer.from('ek interop') });
    made = await manufacture(tpm, join(dir, 'vtpm-ca'));
    server = await startVtpmServer('swtpm', { port: EK_PORTS.vtpm, tpm });
    vtpm = server.tcti;
    swtpm = await StateDirSwtpm.start(await swtpmSetupWithEkCerts(dir), EK_PORTS.swtpm);
  });
  after(async () => {
    await server?.stop();
    await swtpm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [alg, index, templateId] of [['rsa', '0x1c00002', 'L-1'], ['ecc', '0x1c0000a', 'L-2']] as const) {
    it(`tpm2_nvread ${index} gives the ${alg.toUpperCase()} EK certificate: it parses, chains to the exported CA, and certifies the EK tpm2_createek -G ${alg} recreates`, async () => {
      await inDir(vtpm, 'tpm2_nvread', index, '-o', `${alg}.der`);
      const der = readFileSync(join(dir, `${alg}.der`));
      const ek = made.eks.find((e) => e.templateId === templateId)!;
      expect(der.equals(ek.certificate)).to.equal(true);
      const cert = new X509Certificate(der);
      writeFileSync(join(dir, `${alg}.pem`), cert.toString());
      expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'vtpm-ca', 'ca.pem'), join(dir, `${alg}.pem`)], { encoding: 'utf8' })).to.match(/: OK\n$/);

      await inDir(vtpm, 'tpm2_createek', '-G', alg, '-c', `${alg}-ek.ctx`, '-u', `${alg}-ek.pem`, '-f', 'pem');
      const createdKey = readFileSync(join(dir, `${alg}-ek.pem`), 'utf8');
      expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).to.equal(createdKey);
      const fields = readPublicFields(await inDir(vtpm, 'tpm2_readpublic', '-c', `${alg}-ek.ctx`));
      expect(fields.name).to.equal(ek.ekName.toString('hex'));
    });

    it(`tpm2_createek -G ${alg} makes exactly the ${templateId} template on vtpm as on swtpm (every tpm2_readpublic field but the key and names)`, async () => {
      const [ours, theirs] = await Promise.all(
        [vtpm, swtpm.tcti].map(async (tcti, i) => {
          await inDir(tcti, 'tpm2_createek', '-G', alg, '-c', `${alg}-${i}.ctx`);
          return readPublicFields(await inDir(tcti, 'tpm2_readpublic', '-c', `${alg}-${i}.ctx`));
        }),
      );
      const withoutKey = (f: Record<string, string>) => Object.fromEntries(Object.entries(f).filter(([k]) => !KEY_FIELDS.test(k)));
      expect(withoutKey(ours!)).to.deep.equal(withoutKey(theirs!));
      expect(Object.keys(withoutKey(ours!)).length).to.be.greaterThan(alg === 'rsa' ? 14 : 18);
      expect(ours).to.include({ 'attributes.raw': '0x300b2', 'name-alg.raw': '0xb', 'authorization policy': '837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa', 'sym-keybits': '128' });
      if (alg === 'rsa') expect(ours!.rsa).to.have.length(512);
      else expect([ours!.x, ours!.y].map((c) => c!.length)).to.deep.equal([64, 64]);
    });
  }

  it('the certificate indices have swtpm_setup\'s NV attributes (tpm2_nvreadpublic 0x1c00002: 0x62072001 on both)', async () => {
    const attributes = async (tcti: string, index: string) => /value: (0x[0-9A-F]+)/i.exec((await inDir(tcti, 'tpm2_nvreadpublic', index)).split('attributes:')[1]!)![1];
    expect(await attributes(swtpm.tcti, '0x1c00002')).to.equal('0x62072001');
    expect(await attributes(vtpm, '0x1c00002')).to.equal('0x62072001');
    expect(await attributes(vtpm, '0x1c0000a')).to.equal('0x62072001');
  });

  it('the certificates carry the same X.509 extensions, with the same criticality, as swtpm_localca\'s', async () => {
    await inDir(swtpm.tcti, 'tpm2_nvread', '0x1c00002', '-o', 'swtpm-rsa.der');
    const theirs = readFileSync(join(dir, 'swtpm-rsa.der'));
    expect(extensionHeaders(made.eks[0]!.certificate)).to.deep.equal(extensionHeaders(theirs));
    expect(extensionHeaders(theirs)).to.deep.equal([
      'X509v3 Authority Key Identifier:',
      'X509v3 Basic Constraints: critical',
      'X509v3 Extended Key Usage:',
      'X509v3 Key Usage: critical',
      'X509v3 Subject Alternative Name: critical',
      'X509v3 Subject Directory Attributes:',
    ]);
  });
});
