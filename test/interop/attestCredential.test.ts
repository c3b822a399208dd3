import { expect } from 'chai';
import { Registrar, makeAkCredential, readPublicArea, tpm2ToolsCredentialFile, type EnrolmentChallenge } from '@vtpm/attest';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ATTEST_PORTS, startAttestTarget, type AttestTarget } from './attestSwtpm.js';

/**
 * AK enrolment across implementations: @vtpm/attest makes the credential in software (no TPM),
 * tpm2_activatecredential recovers it in swtpm (and vtpm) with the EK's policy session
 * (PolicySecret(TPM_RH_ENDORSEMENT)), and the registrar accepts the AK.
 */
for (const target of ['swtpm', 'vtpm'] as const) {
  describe(`credentials made by @vtpm/attest activate in ${target} through tpm2-tools`, function () {
    this.timeout(120000);
    let tpm: AttestTarget;
    const run = (...args: string[]) => tpm.tools.okThenFlush(args);
    const file = (name: string) => tpm.tools.read(name);

    before(async function () {
      requireTools(this, ['tpm2_activatecredential', 'tpm2_makecredential', 'tpm2_policysecret', 'swtpm'], DEBIAN_TOOLS);
      tpm = await startAttestTarget(target, { swtpm: ATTEST_PORTS.credential, vtpm: ATTEST_PORTS.vtpmCredential }, 'vtpm-attest-credential-');
      await run('tpm2_startup', '-c');
    });
    after(async () => tpm?.stop());

    /** tpm2_activatecredential with the EK policy session, as the TCG EK template requires. */
    async function activate(ek: string, ak: string, credentialFile: string, out: string): Promise<Buffer> {
      await run('tpm2_startauthsession', '--policy-session', '-S', 'session.ctx');
      try {
        await run('tpm2_policysecret', '-S', 'session.ctx', '-c', 'e');
        await run('tpm2_activatecredential', '-c', `${ak}.ctx`, '-C', `${ek}.ctx`, '-i', credentialFile, '-o', out, '-P', 'session:session.ctx');
      } finally {
        await tpm.tools.run(['tpm2_flushcontext', 'session.ctx']);
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
        tpm.tools.file(`cred-${ekType}.bin`, tpm2ToolsCredentialFile(challenge));
        const secret = await activate(`ek-${ekType}`, `ak-${ekType}`, `cred-${ekType}.bin`, `secret-${ekType}.bin`);
        const enrolled = registrar.finishEnrolment(challenge, secret);
        if (!enrolled.ok) expect.fail(enrolled.message);
        expect(enrolled.value.akName).to.deep.equal(file(`ak-${ekType}.name`));
      });
    }

    it('writes the file format tpm2_makecredential writes (same header and sizes), and both activate', async () => {
      const akName = file('ak-rsa.name');
      const secret = Buffer.from('0123456789abcdef0123456789abcdef');
      tpm.tools.file('secret.bin', secret);
      await tpm.tools.ok(['tpm2_makecredential', '-T', 'none', '-u', 'ek-rsa.pub', '-s', 'secret.bin', '-n', akName.toString('hex'), '-o', 'theirs.bin']);
      const ours = tpm2ToolsCredentialFile(makeAkCredential(readPublicArea(file('ek-rsa.pub')), akName, secret));
      const theirs = file('theirs.bin');
      expect(ours.length).to.equal(theirs.length);
      expect(ours.subarray(0, 10)).to.deep.equal(theirs.subarray(0, 10)); // magic, version, TPM2B_ID_OBJECT size
      tpm.tools.file('ours.bin', ours);
      expect(await activate('ek-rsa', 'ak-rsa', 'ours.bin', 'ours.out')).to.deep.equal(secret);
      expect(await activate('ek-rsa', 'ak-rsa', 'theirs.bin', 'theirs.out')).to.deep.equal(secret);
    });

    it('the TPM refuses a credential made for another AK Name', async () => {
      const credential = makeAkCredential(readPublicArea(file('ek-rsa.pub')), file('ak-ecc.name'), Buffer.alloc(32, 9));
      tpm.tools.file('other.bin', tpm2ToolsCredentialFile(credential));
      await run('tpm2_startauthsession', '--policy-session', '-S', 'session.ctx');
      await run('tpm2_policysecret', '-S', 'session.ctx', '-c', 'e');
      const r = await tpm.tools.run(['tpm2_activatecredential', '-c', 'ak-rsa.ctx', '-C', 'ek-rsa.ctx', '-i', 'other.bin', '-o', 'other.out', '-P', 'session:session.ctx']);
      await tpm.tools.run(['tpm2_flushcontext', 'session.ctx']);
      await tpm.tools.run(['tpm2_flushcontext', '-t']);
      expect(r.code).not.to.equal(0);
      expect(r.stderr).to.match(/integrity/i);
    });
  });
}
