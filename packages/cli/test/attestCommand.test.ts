import { expect } from 'chai';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessTransport, PCR_Extend, Startup, TPM_ALG, TPM_SU, Tpm, TpmClient, hash } from '@vtpm/tpm';
import { MssimServer } from '@vtpm/server';
import { EV, EventLogWriter, TRUST_TIER, verifyResult } from '@vtpm/attest';
import { oneLineFailure, runVtpm } from './cliRunner.js';

const TPM2TOOLS = fileURLToPath(new URL('../../../attest/test/data/tpm2tools/', import.meta.url));
/** The recorded tpm2_quote files were made with -q of the ASCII text "nonce-for-test". */
const TPM2TOOLS_NONCE = Buffer.from('nonce-for-test').toString('hex');
const NONCE = '6e6f6e63652d636c692d74657374';
/** A port in this package's range (2581-2599) where nothing listens. */
const CLOSED_PORT = '2599';

describe('vtpm attest quote / verify', function () {
  this.timeout(60_000);
  let dir: string;
  let server: MssimServer;
  let tcti: string;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-attest-'));
    server = await MssimServer.start({ port: 0 });
    tcti = `mssim:host=127.0.0.1,port=${server.port}`;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quote writes evidence that verify accepts, with the AK pinned by --ak-public', async () => {
    const quote = await runVtpm(['attest', 'quote', '--tcti', tcti, '--nonce', NONCE, '--out', file('ev.cbor'), '--ak-public-out', file('ak.pub')]);
    expect(quote.code, quote.stderr).to.equal(0);
    expect(quote.stdout).to.match(/^evidence: .*ev\.cbor \(\d+ bytes\)\nAK: 000b[0-9a-f]{64} \(ECC P-256 primary key of the endorsement hierarchy\), public area in .*ak\.pub\nPCRs: sha256:0,1,2,3,4,5,6,7\nnonce: 6e6f6e63652d636c692d74657374\n$/);
    const verify = await runVtpm(['attest', 'verify', '--evidence', file('ev.cbor'), '--nonce', NONCE, '--ak-public', file('ak.pub')]);
    expect(verify.code, verify.stderr).to.equal(0);
    expect(verify.stdout).to.match(/^quote verified: AK 000b[0-9a-f]{64}, sha256 signature, PCRs sha256:0,1,2,3,4,5,6,7\n/);
    expect(verify.stdout).to.include(`  sha256  7: ${'00'.repeat(32)}\n`);
    expect(verify.stdout).to.match(/instance-identity +affirming/);
    expect(verify.stderr).to.equal('');
  });

  it('the same AK each time (an endorsement primary); without --ak-public instance-identity is contraindicated but the quote verifies', async () => {
    await runVtpm(['attest', 'quote', '--tcti', tcti, '--nonce', NONCE, '--out', file('again.cbor'), '--ak-public-out', file('ak-again.pub')]);
    expect(readFileSync(file('ak-again.pub'))).to.deep.equal(readFileSync(file('ak.pub')));
    const verify = await runVtpm(['attest', 'verify', '--evidence', file('again.cbor'), '--nonce', NONCE]);
    expect(verify.code, verify.stderr).to.equal(0);
    expect(verify.stdout).to.match(/instance-identity +contraindicated/);
  });

  it('verify with another nonce: exit code 1, one line naming nonce-mismatch', async () => {
    const r = await runVtpm(['attest', 'verify', '--evidence', file('ev.cbor'), '--nonce', '00112233', '--ak-public', file('ak.pub')]);
    expect(r.code).to.equal(1);
    expect(oneLineFailure(r)).to.match(/^vtpm attest verify: refused: nonce-mismatch: /);
    expect(r.stdout).to.equal('');
  });

  it('evidence signed by another AK than --ak-public is refused (ak-name-mismatch)', async () => {
    const other = await runVtpm(['attest', 'quote', '--tcti', tcti, '--parent', 'o', '--nonce', NONCE, '--out', file('owner.cbor')]);
    expect(other.code, other.stderr).to.equal(0);
    const r = await runVtpm(['attest', 'verify', '--evidence', file('owner.cbor'), '--nonce', NONCE, '--ak-public', file('ak.pub')]);
    expect(r.code).to.equal(1);
    expect(oneLineFailure(r)).to.match(/refused: ak-name-mismatch: the evidence carries AK/);
  });

  it('altered evidence is refused (malformed-evidence or a failed check), exit code 1', async () => {
    const bytes = readFileSync(file('ev.cbor'));
    writeFileSync(file('cut.cbor'), bytes.subarray(0, bytes.length - 10));
    const r = await runVtpm(['attest', 'verify', '--evidence', file('cut.cbor'), '--nonce', NONCE]);
    expect(r.code).to.equal(1);
    expect(oneLineFailure(r)).to.match(/refused: malformed-evidence: /);
  });

  it('reference values and a signed result: affirming when PCRs match; a changed PCR is contraindicated (exit 1)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(file('result-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const publicKey = createPublicKey(createPrivateKey(readFileSync(file('result-key.pem'))));
    const zero = '00'.repeat(32);
    writeFileSync(file('ref.json'), JSON.stringify({ hostClass: 'lab', policyId: 'lab/1', pcrs: 'sha256:0,7', pcrValues: { sha256: { 0: [zero], 7: zero } } }));
    await runVtpm(['attest', 'quote', '--tcti', tcti, '--pcrs', 'sha256:0,7', '--nonce', NONCE, '--out', file('ref-ev.cbor')]);
    const good = await runVtpm(['attest', 'verify', '--evidence', file('ref-ev.cbor'), '--nonce', NONCE, '--ak-public', file('ak.pub'), '--reference', file('ref.json'), '--result-key', file('result-key.pem'), '--out', file('result.cbor')]);
    expect(good.code, good.stderr).to.equal(0);
    expect(good.stdout).to.match(/appraisal \(tpm, policy lab\/1\): affirming/);
    const result = verifyResult(readFileSync(file('result.cbor')), publicKey);
    if (!result.ok) expect.fail(result.message);
    expect(result.value.submods.tpm!.status).to.equal(TRUST_TIER.affirming);
    expect(result.value.nonce!.toString('hex')).to.equal(NONCE);

    // PCR 7 moves on (a changed Secure Boot configuration): the quote still verifies, the appraisal does not.
    const client = new TpmClient(new InProcessTransport(server.tpm));
    await client.run(PCR_Extend, { handles: { pcrHandle: 7 }, auth: [{ password: '' }], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: hash(TPM_ALG.SHA256, Buffer.from('db changed')) }] } });
    await runVtpm(['attest', 'quote', '--tcti', tcti, '--pcrs', 'sha256:0,7', '--nonce', NONCE, '--out', file('changed.cbor')]);
    const bad = await runVtpm(['attest', 'verify', '--evidence', file('changed.cbor'), '--nonce', NONCE, '--ak-public', file('ak.pub'), '--reference', file('ref.json'), '--result-key', file('result-key.pem'), '--out', file('bad-result.cbor')]);
    expect(bad.code).to.equal(1);
    expect(oneLineFailure(bad)).to.match(/^vtpm attest verify: contraindicated: configuration: SHA256 PCR 7 = [0-9a-f]{64} is not an allowed value$/);
    const badResult = verifyResult(readFileSync(file('bad-result.cbor')), publicKey);
    expect(badResult.ok && badResult.value.submods.tpm!.trustVector.configuration).to.equal(TRUST_TIER.contraindicated);
  });

  it('an event log in the evidence (--eventlog) is judged by allowed event digests (--reference eventDigests)', async () => {
    // A host whose firmware measured a boot loader into PCR 4 and recorded it in its log.
    const tpm = new Tpm();
    const client = new TpmClient(new InProcessTransport(tpm));
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    const log = new EventLogWriter();
    for (const loader of ['shim 15.8', 'grub 2.12']) {
      const e = log.measure(4, EV.EFI_BOOT_SERVICES_APPLICATION, Buffer.from(loader));
      await client.run(PCR_Extend, { handles: { pcrHandle: 4 }, auth: [{ password: '' }], params: { digests: e.digests.map((d) => ({ hashAlg: d.algorithmId, digest: d.digest })) } });
    }
    writeFileSync(file('boot.log'), log.toBuffer());
    const digestOf = (loader: string) => hash(TPM_ALG.SHA256, Buffer.from(loader)).toString('hex');
    const host = await MssimServer.start({ tpm, port: 0 });
    try {
      const quote = await runVtpm(['attest', 'quote', '--tcti', `mssim:port=${host.port}`, '--pcrs', 'sha256:4', '--eventlog', file('boot.log'), '--nonce', NONCE, '--out', file('boot.cbor')]);
      expect(quote.code, quote.stderr).to.equal(0);
      expect(quote.stdout).to.match(/\nevent log: .*boot\.log \(\d+ bytes\)\n$/);
      const reference = (loaders: string[]) => JSON.stringify({ pcrs: 'sha256:4', eventDigests: { sha256: { 4: loaders.map(digestOf) } } });
      writeFileSync(file('boot-ref.json'), reference(['shim 15.8', 'grub 2.12']));
      const good = await runVtpm(['attest', 'verify', '--evidence', file('boot.cbor'), '--nonce', NONCE, '--reference', file('boot-ref.json')]);
      expect(good.code, good.stderr).to.equal(0);
      expect(good.stdout).to.match(/executables +affirming/);
      expect(good.stdout).to.include('event-log: replayed');
      writeFileSync(file('boot-ref.json'), reference(['shim 15.8']));
      const bad = await runVtpm(['attest', 'verify', '--evidence', file('boot.cbor'), '--nonce', NONCE, '--reference', file('boot-ref.json')]);
      expect(bad.code).to.equal(1);
      expect(oneLineFailure(bad)).to.match(/^vtpm attest verify: contraindicated: executables: /);
    } finally {
      await host.close();
    }
  });

  it("verifies tpm2-tools' quote files (recorded from swtpm) with the AK's public area", async () => {
    for (const [kind, ak] of [['rsa', 'rsa-ak.pub'], ['ecc', 'ecc-ak.tpmt']]) {
      const r = await runVtpm(['attest', 'verify', '--tpm2-quote', join(TPM2TOOLS, `${kind}.msg`), '--tpm2-sig', join(TPM2TOOLS, `${kind}.sig`), '--tpm2-pcrs', join(TPM2TOOLS, `${kind}.pcrs`), '--ak-public', join(TPM2TOOLS, ak!), '--nonce', TPM2TOOLS_NONCE]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^quote verified: /);
    }
    const values = await runVtpm(['attest', 'verify', '--tpm2-quote', join(TPM2TOOLS, 'ecc-values.msg'), '--tpm2-sig', join(TPM2TOOLS, 'ecc-values.sig'), '--tpm2-pcrs', join(TPM2TOOLS, 'ecc-values.pcrs'), '--tpm2-pcrs-format', 'values', '--ak-public', join(TPM2TOOLS, 'ecc-ak.tpmt'), '--nonce', TPM2TOOLS_NONCE]);
    expect(values.code, values.stderr).to.equal(0);
    const wrongNonce = await runVtpm(['attest', 'verify', '--tpm2-quote', join(TPM2TOOLS, 'ecc.msg'), '--tpm2-sig', join(TPM2TOOLS, 'ecc.sig'), '--tpm2-pcrs', join(TPM2TOOLS, 'ecc.pcrs'), '--ak-public', join(TPM2TOOLS, 'ecc-ak.tpmt'), '--nonce', NONCE]);
    expect(wrongNonce.code).to.equal(1);
    expect(oneLineFailure(wrongNonce)).to.match(/nonce-mismatch/);
  });

  it('quote to a port where no TPM listens: exit code 1, one line', async () => {
    const r = await runVtpm(['attest', 'quote', '--tcti', `mssim:host=127.0.0.1,port=${CLOSED_PORT}`, '--out', file('none.cbor')]);
    expect(r.code).to.equal(1);
    expect(oneLineFailure(r)).to.match(/^vtpm attest quote: cannot connect to mssim:host=127\.0\.0\.1,port=2599: ECONNREFUSED$/);
  });

  for (const [args, message] of [
    [['attest', 'bogus'], /unknown subcommand 'bogus'/],
    [['attest', 'quote', '--tcti', 'mssim:port=2599'], /--out is required/],
    [['attest', 'quote', '--tcti', 'device:/dev/tpm0', '--out', 'x'], /TCTI 'device' is not supported/],
    [['attest', 'quote', '--tcti', 'mssim:port=2599', '--pcrs', 'sha999:0', '--out', 'x'], /unknown PCR bank 'sha999'/],
    [['attest', 'quote', '--tcti', 'mssim:port=2599', '--pcrs', 'sha256:24', '--out', 'x'], /'24' is not a PCR index/],
    [['attest', 'quote', '--tcti', 'mssim:port=2599', '--nonce', 'xyz', '--out', 'x'], /'xyz' is not hex/],
    [['attest', 'quote', '--tcti', 'mssim:port=2599', '--parent', 'o', '--ak-handle', '0x81000002', '--out', 'x'], /--parent and --ak-handle exclude each other/],
    [['attest', 'verify', '--evidence', 'x'], /--nonce is required/],
    [['attest', 'verify', '--evidence', 'x', '--nonce', '0'], /not hex/],
    [['attest', 'verify', '--evidence', 'x', '--nonce', '00', '--out', 'r.cbor'], /--out needs --result-key/],
    [['attest', 'verify', '--evidence', 'x', '--tpm2-quote', 'm', '--nonce', '00'], /--evidence and --tpm2-quote exclude each other/],
    [['attest', 'verify', '--tpm2-quote', 'm', '--tpm2-sig', 's', '--tpm2-pcrs', 'p', '--nonce', '00'], /--tpm2-quote needs --ak-public/],
    [['attest', 'verify', '--tpm2-quote', 'm', '--tpm2-sig', 's', '--tpm2-pcrs', 'p', '--ak-pem', 'ak.pem', '--nonce', '00'], /--ak-pem: a PEM key lacks the AK's TPM attributes/],
    [['attest', 'verify', '--nonce', '00', '--evidence', 'x', 'stray'], /unexpected argument 'stray'/],
  ] as const) {
    it(`${args.join(' ')}: exit code 2`, async () => {
      const r = await runVtpm([...args]);
      expect(r.code).to.equal(2);
      expect(oneLineFailure(r)).to.match(message);
      expect(r.stdout).to.equal('');
    });
  }

  it('--help of each subcommand: exit code 0', async () => {
    for (const sub of ['eventlog', 'quote', 'verify']) {
      const r = await runVtpm(['attest', sub, '--help']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^Usage: vtpm attest ${sub} `));
    }
  });
});
