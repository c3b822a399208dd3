import { expect } from 'chai';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ToolPair } from '../lib/toolPair.js';
import { PROTOCOLS } from '../lib/vtpmServer.js';

/**
 * Context management, persistent objects, hierarchies and dictionary-attack protection through
 * tpm2-tools 5.4: every tool saves and loads contexts across invocations. Each step runs against
 * vtpm and against swtpm (the reference), each in its own directory so context files never mix,
 * and both must end the same way (exit code and TPM response code).
 * VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT and VTPM_MSSIM_PORT pin the port pairs; otherwise free ports are picked.
 */

/** `name:` line of tpm2_readpublic / tpm2_createprimary output. */
const nameOf = (out: string) => /^name: ([0-9a-f]+)/m.exec(out)?.[1];
const propertyLine = (out: string, key: string) => new RegExp(`^${key}:\\s+(\\S+)`, 'm').exec(out)?.[1];

for (const protocol of PROTOCOLS) {
  describe(`contexts, persistence, hierarchies and DA via tpm2-tools over the ${protocol} TCTI, compared with swtpm`, function () {
    this.timeout(180000);
    let tools: ToolPair;

    /** Runs one tool step on both TPMs (nothing flushed after it); both must give the same exit code and TPM code. */
    const both = (args: string[], opts: { expectFailure?: string } = {}) => tools.compare(args, { ...opts, flush: false });
    const flush = () => both(['tpm2_flushcontext', '-t']);

    before(async function () {
      requireTools(this, ['tpm2_startup', 'tpm2_evictcontrol', 'swtpm'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-hierarchy-');
      await both(['tpm2_startup', '-c']);
    });
    after(async () => tools?.stop());

    it('tpm2_createprimary -c saves a context that later invocations load (readpublic, create, load)', async () => {
      await both(['tpm2_createprimary', '-C', 'o', '-c', 'prim.ctx']);
      await flush();
      const read = await both(['tpm2_readpublic', '-c', 'prim.ctx']);
      expect(nameOf(read.vtpm.stdout)).to.match(/^000b/);
      await flush();
      expect(nameOf((await both(['tpm2_readpublic', '-c', 'prim.ctx'])).vtpm.stdout)).to.equal(nameOf(read.vtpm.stdout));
      await flush();
      await both(['tpm2_create', '-C', 'prim.ctx', '-u', 'key.pub', '-r', 'key.priv', '-p', 'keypass']);
      await flush();
      await both(['tpm2_load', '-C', 'prim.ctx', '-u', 'key.pub', '-r', 'key.priv', '-c', 'key.ctx']);
      await flush();
    });

    it('tpm2_changeauth of an object: the new private loads and works with the new auth only', async () => {
      await both(['tpm2_changeauth', '-c', 'key.ctx', '-C', 'prim.ctx', '-p', 'keypass', '-r', 'new.priv', 'newpass']);
      await flush();
      await both(['tpm2_load', '-C', 'prim.ctx', '-u', 'key.pub', '-r', 'new.priv', '-c', 'key2.ctx']);
      await flush();
      tools.inBoth('msg.txt', 'message');
      await both(['tpm2_sign', '-c', 'key2.ctx', '-p', 'newpass', '-g', 'sha256', '-o', 'sig.bin', 'msg.txt']);
      await flush();
      await both(['tpm2_sign', '-c', 'key2.ctx', '-p', 'keypass', '-g', 'sha256', '-o', 'sig.bin', 'msg.txt'], { expectFailure: '(0x98e)' });
      await flush();
    });

    it('tpm2_evictcontrol persists, the persistent handle is used, then evicted; handles-persistent as swtpm', async () => {
      await both(['tpm2_evictcontrol', '-C', 'o', '-c', 'prim.ctx', '0x81000001']);
      await flush();
      const listed = await both(['tpm2_getcap', 'handles-persistent']);
      expect(listed.vtpm.stdout).to.equal(listed.swtpm.stdout).and.to.include('0x81000001');
      await both(['tpm2_readpublic', '-c', '0x81000001']);
      await both(['tpm2_create', '-C', '0x81000001', '-u', 'k3.pub', '-r', 'k3.priv']);
      await flush();
      await both(['tpm2_evictcontrol', '-C', 'o', '-c', 'prim.ctx', '0x81000001'], { expectFailure: '(0x14c)' }); // TPM_RC_NV_DEFINED
      await flush();
      await both(['tpm2_evictcontrol', '-C', 'o', '-c', 'prim.ctx', '0x81800001'], { expectFailure: '(0x1cd)' }); // TPM_RC_RANGE + P1
      await flush();
      await both(['tpm2_evictcontrol', '-C', 'o', '-c', '0x81000001']);
      const after = await both(['tpm2_getcap', 'handles-persistent']);
      expect(after.vtpm.stdout).to.equal(after.swtpm.stdout).and.to.not.include('0x81000001');
      await both(['tpm2_evictcontrol', '-C', 'o', '-c', '0x81000001'], { expectFailure: '(0x18b)' });
    });

    it('sessions saved by tpm2_startauthsession are listed as saved and flushed by tpm2_flushcontext (file and -s)', async () => {
      await both(['tpm2_startauthsession', '-S', 'hmac.ctx']);
      await both(['tpm2_startauthsession', '--policy-session', '-S', 'policy.ctx']);
      const saved = await both(['tpm2_getcap', 'handles-saved-session']);
      expect(saved.vtpm.stdout).to.equal(saved.swtpm.stdout).and.to.include('0x2000000');
      await both(['tpm2_flushcontext', 'hmac.ctx']);
      await both(['tpm2_flushcontext', '-s']);
      const none = await both(['tpm2_getcap', 'handles-saved-session']);
      expect(none.vtpm.stdout).to.equal(none.swtpm.stdout);
      expect(none.vtpm.stdout.trim()).to.equal('');
    });

    it('tpm2_changeauth of the owner hierarchy: the old (empty) auth is TPM_RC_BAD_AUTH, the new one works', async () => {
      await both(['tpm2_changeauth', '-c', 'o', 'ownerpw']);
      const vars = await both(['tpm2_getcap', 'properties-variable']);
      expect(propertyLine(vars.vtpm.stdout, '  ownerAuthSet')).to.equal('1');
      await both(['tpm2_createprimary', '-C', 'o', '-c', 'x.ctx'], { expectFailure: '(0x9a2)' });
      await both(['tpm2_createprimary', '-C', 'o', '-P', 'ownerpw', '-c', 'x.ctx']);
      await flush();
      await both(['tpm2_changeauth', '-c', 'o', '-p', 'ownerpw']);
    });

    it('tpm2_dictionarylockout: parameters, lockout after failures on a DA-protected key, self-healing and clearing', async () => {
      // the wrong object password above counted one failure: start from zero
      await both(['tpm2_dictionarylockout', '-c']);
      await both(['tpm2_dictionarylockout', '-s', '-n', '2', '-t', '1', '-l', '3']);
      const vars = await both(['tpm2_getcap', 'properties-variable']);
      for (const key of ['TPM2_PT_LOCKOUT_COUNTER', 'TPM2_PT_MAX_AUTH_FAIL', 'TPM2_PT_LOCKOUT_INTERVAL', 'TPM2_PT_LOCKOUT_RECOVERY']) {
        expect(propertyLine(vars.vtpm.stdout, key), key).to.equal(propertyLine(vars.swtpm.stdout, key));
      }
      expect(propertyLine(vars.vtpm.stdout, 'TPM2_PT_MAX_AUTH_FAIL')).to.equal('0x2');
      await both(['tpm2_createprimary', '-C', 'o', '-G', 'ecc', '-a', 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt', '-p', 'keypw', '-c', 'da.ctx']);
      for (let i = 0; i < 2; i++) {
        await both(['tpm2_create', '-C', 'da.ctx', '-P', 'bad', '-u', 'a.pub', '-r', 'a.priv'], { expectFailure: '(0x98e)' });
        await flush();
      }
      await both(['tpm2_create', '-C', 'da.ctx', '-P', 'keypw', '-u', 'a.pub', '-r', 'a.priv'], { expectFailure: '(0x921)' });
      await flush();
      const locked = await both(['tpm2_getcap', 'properties-variable']);
      expect(propertyLine(locked.vtpm.stdout, '  inLockout')).to.equal('1');
      expect(propertyLine(locked.vtpm.stdout, 'TPM2_PT_LOCKOUT_COUNTER')).to.equal('0x2');
      await new Promise((r) => setTimeout(r, 1100)); // recoveryTime 1 s heals one failure
      await both(['tpm2_create', '-C', 'da.ctx', '-P', 'keypw', '-u', 'a.pub', '-r', 'a.priv']);
      await flush();
      await both(['tpm2_dictionarylockout', '-c', '-p', 'bad'], { expectFailure: '(0x98e)' });
      await both(['tpm2_dictionarylockout', '-c'], { expectFailure: '(0x921)' }); // lockoutAuth itself is locked for 3 s
      await new Promise((r) => setTimeout(r, 3100));
      await both(['tpm2_dictionarylockout', '-c']);
      const cleared = await both(['tpm2_getcap', 'properties-variable']);
      expect(propertyLine(cleared.vtpm.stdout, 'TPM2_PT_LOCKOUT_COUNTER')).to.equal('0x0');
    });

    it('tpm2_hierarchycontrol: the owner disables its hierarchy (TPM_RC_HIERARCHY), the platform enables it again', async () => {
      await both(['tpm2_hierarchycontrol', '-C', 'o', 'shEnable', 'clear']);
      await both(['tpm2_createprimary', '-C', 'o', '-c', 'y.ctx'], { expectFailure: '(0x185)' });
      await both(['tpm2_readpublic', '-c', 'prim.ctx'], { expectFailure: '(0x1c5)' }); // ContextLoad: TPM_RC_HIERARCHY + P1
      await both(['tpm2_hierarchycontrol', '-C', 'p', 'shEnable', 'set']);
      await both(['tpm2_readpublic', '-c', 'prim.ctx']);
      await flush();
    });

    it('tpm2_changeeps: endorsement primaries change and their old contexts fail integrity; owner ones stay', async () => {
      await both(['tpm2_createprimary', '-C', 'e', '-c', 'ek1.ctx']);
      const ek1 = await both(['tpm2_readpublic', '-c', 'ek1.ctx']);
      await flush();
      await both(['tpm2_changeeps']);
      await both(['tpm2_readpublic', '-c', 'ek1.ctx'], { expectFailure: '(0x1df)' });
      await both(['tpm2_createprimary', '-C', 'e', '-c', 'ek2.ctx']);
      const ek2 = await both(['tpm2_readpublic', '-c', 'ek2.ctx']);
      await flush();
      expect(nameOf(ek2.vtpm.stdout)).to.match(/^000b/).and.not.equal(nameOf(ek1.vtpm.stdout));
      await both(['tpm2_readpublic', '-c', 'prim.ctx']);
      await flush();
    });

    it('tpm2_clear removes owner persistent objects and invalidates owner contexts; tpm2_clearcontrol blocks it', async () => {
      await both(['tpm2_evictcontrol', '-C', 'o', '-c', 'prim.ctx', '0x81000002']);
      await flush();
      await both(['tpm2_clearcontrol', '-C', 'l', 's']);
      await both(['tpm2_clear'], { expectFailure: '(0x120)' }); // TPM_RC_DISABLED
      await both(['tpm2_clearcontrol', '-C', 'p', 'c']);
      await both(['tpm2_clear', '-c', 'p']);
      const listed = await both(['tpm2_getcap', 'handles-persistent']);
      expect(listed.vtpm.stdout).to.equal(listed.swtpm.stdout);
      expect(listed.vtpm.stdout.trim()).to.equal('');
      await both(['tpm2_readpublic', '-c', 'prim.ctx'], { expectFailure: '(0x1df)' });
      await both(['tpm2_createprimary', '-C', 'o', '-c', 'prim2.ctx']);
      await flush();
    });
  });
}
