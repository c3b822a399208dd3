import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwtpmServer } from '@vtpm/server';
import { Registrar, makeAkCredential, readPublicArea, tpm2ToolsCredentialFile, type EnrolmentChallenge } from '@vtpm/attest';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm } from '../lib/referenceSwtpm.js';
import { runTool, tool } from '../lib/runTool.js';
import { ATTEST_PORTS } from './attestSwtpm.js';

/**
 * AK enrolment across implementations: @vtpm/attest makes the credential in software (no TPM),
 * tpm2_activatecredential recovers it in swtpm (and vtpm) with the EK's policy session
 * (PolicySecret(TPM_RH_ENDORSEMENT)), and the registrar accepts the AK.
 */
for (const target of ['swtpm', 'vtpm'] as const) {
  describe(`credentials made by @vtpm/attest activate in ${target} through tpm2-tools`, function () {
    this.timeout(120000);
    let stop: () => Promise<void>;
    let tcti: string;
    let dir: string;
    const run = async (cmd: string, ...args: string[]) => {
      const out = await tool(tcti, cmd, args, { cwd: dir });
      await tool(tcti, 'tpm2_flushcontext', ['-t'], { cwd: dir });
      return out;
    };
    const file = (name: string) => readFileSync(join(dir, name));

    before(async function () {
      requireTools(this, ['tpm2_activatecredential', 'tpm2_makecredential', 'tpm2_policysecret', 'swtpm'], DEBIAN_TOOLS);
      dir = mkdtempSync(join(tmpdir(), 'vtpm-attest-credential-'));
      if (target === 'swtpm') {
        const ref = await ReferenceSwtpm.start('not-need-init', ATTEST_PORTS.credential);
        tcti = ref.tcti;
        stop = () => ref.stop();
      } else {
        const server = await SwtpmServer.start({ port: ATTEST_PORTS.vtpmCredential, ctrlPort: ATTEST_PORTS.vtpmCredential + 1 });
        tcti = `swtpm:host=127.0.0.1,port=${server.port}`;
        stop = () => server.close();
      }
      await run('tpm2_startup', '-c');
    });
    after(async () => {
      await stop?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** tpm2_activatecredential with the EK policy session, as the TCG EK template requires. */
    async function activate(ek: string, ak: string, credentialFile: string, out: string): Promise<Buffer> {
      await run('tpm2_startauthsession', '--policy-session', '-S', 'session.ctx');
      try {
        await run('tpm2_policysecret', '-S', 'session.ctx', '-c', 'e');
        await run('tpm2_activatecredential', '-c', `${ak}.ctx`, '-C', `${ek}.ctx`, '-i', credentialFile, '-o', out, '-P', 'session:session.ctx');
      } finally {
        await runTool(tcti, 'tpm2_flushcontext', ['session.ctx'], { cwd: dir });
      }
      return file(out);
    }

    for (const ekType of ['rsa', 'ecc'] as const) {
      it(`enrols an AK under a ${ekType.toUpperCase()} EK (${ekType === 'rsa' ? 'RSA-OAEP' : 'ECDH + KDFe'} seed)`, async () => {
        await run('tpm2_createek', '-c', `ek-${ekType}.ctx`, '-G', ekType, '-u', `ek-${ekType}.pub`);
        await run('tpm2_createak', '-C', `ek-${ekType}.ctx`, '-c', `ak-${ekType}.ctx`, '-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa', '-u', `ak-${ekType}.pub`, '-n', `ak-${ekType}.name`);
        const registrar = new Registrar();
        const started = await registrar.startEnrolment(file(`ek-${ekType}.pub`), undefined, file(`ak-${ekType}.pub`));
        if (!started.ok) expect.fail(started.message);
        const challenge: EnrolmentChallenge = started.value;
        expect(challenge.akName).to.deep.equal(file(`ak-${ekType}.name`));
        writeFileSync(join(dir, `cred-${ekType}.bin`), tpm2ToolsCredentialFile(challenge));
        const secret = await activate(`ek-${ekType}`, `ak-${ekType}`, `cred-${ekType}.bin`, `secret-${ekType}.bin`);
        const enrolled = registrar.finishEnrolment(challenge, secret);
        if (!enrolled.ok) expect.fail(enrolled.message);
        expect(enrolled.value.akName).to.deep.equal(file(`ak-${ekType}.name`));
      });
    }

    it('writes the file format tpm2_makecredential writes (same header and sizes), and both activate', async () => {
      const akName = file('ak-rsa.name');
      const secret = Buffer.from('0123456789abcdef0123456789abcdef');
      writeFileSync(join(dir, 'secret.bin'), secret);
      await tool(tcti, 'tpm2_makecredential', ['-T', 'none', '-u', 'ek-rsa.pub', '-s', 'secret.bin', '-n', akName.toString('hex'), '-o', 'theirs.bin'], { cwd: dir });
      const ours = tpm2ToolsCredentialFile(makeAkCredential(readPublicArea(file('ek-rsa.pub')), akName, secret));
      const theirs = file('theirs.bin');
      expect(ours.length).to.equal(theirs.length);
      expect(ours.subarray(0, 10)).to.deep.equal(theirs.subarray(0, 10)); // magic, version, TPM2B_ID_OBJECT size
      writeFileSync(join(dir, 'ours.bin'), ours);
      expect(await activate('ek-rsa', 'ak-rsa', 'ours.bin', 'ours.out')).to.deep.equal(secret);
      expect(await activate('ek-rsa', 'ak-rsa', 'theirs.bin', 'theirs.out')).to.deep.equal(secret);
    });

    it('the TPM refuses a credential made for another AK Name', async () => {
      const credential = makeAkCredential(readPublicArea(file('ek-rsa.pub')), file('ak-ecc.name'), Buffer.alloc(32, 9));
      writeFileSync(join(dir, 'other.bin'), tpm2ToolsCredentialFile(credential));
      await run('tpm2_startauthsession', '--policy-session', '-S', 'session.ctx');
      await run('tpm2_policysecret', '-S', 'session.ctx', '-c', 'e');
      const r = await runTool(tcti, 'tpm2_activatecredential', ['-c', 'ak-rsa.ctx', '-C', 'ek-rsa.ctx', '-i', 'other.bin', '-o', 'other.out', '-P', 'session:session.ctx'], { cwd: dir });
      await runTool(tcti, 'tpm2_flushcontext', ['session.ctx'], { cwd: dir });
      await runTool(tcti, 'tpm2_flushcontext', ['-t'], { cwd: dir });
      expect(r.code).not.to.equal(0);
      expect(r.stderr).to.match(/integrity/i);
    });
  });
}
