import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SIDES, ToolPair, otherSide, tpmCode, type Side } from '../lib/toolPair.js';

/**
 * Key duplication with tpm2-tools 5.4 across vtpm (both TCTIs) and swtpm: tpm2_duplicate with and
 * without an inner wrapper (-G aes / -G null, TPM-drawn or caller key) under PolicyCommandCode and
 * PolicyDuplicationSelect, tpm2_import on the same and on the other TPM, software wrapping by
 * tpm2-tools (tpm2_duplicate -U/-k, tpm2_import -i key.pem), and the imported key signs.
 */

/** Commands run one after another with the transient objects flushed between them (three object slots, no resource manager). */
const chain = (...commands: string[]) => commands.join(' && tpm2_flushcontext -t && ');

const NEW_PARENT_ATTRS = 'decrypt|fixedparent|fixedtpm|restricted|sensitivedataorigin|userwithauth';
const DUPLICABLE_ATTRS = 'sensitivedataorigin|sign|userwithauth';

for (const protocol of ['mssim', 'swtpm'] as const) {
  describe(`duplication with tpm2-tools over the ${protocol} TCTI, between vtpm and swtpm`, function () {
    this.timeout(240000);
    let tools: ToolPair;

    before(async function () {
      requireTools(this, ['tpm2_duplicate', 'tpm2_import', 'tpm2_policyduplicationselect', 'openssl', 'swtpm'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-duplication-');
      for (const s of SIDES) tools.write(s, 'msg.txt', `moved keys sign this (${protocol})\n`);
      await tools.both('tpm2_startup -c');
      await tools.both('tpm2_createprimary -C o -g sha256 -G ecc -c prim.ctx');
      await tools.both(`tpm2_create -C prim.ctx -g sha256 -G rsa -u np.pub -r np.priv -a "${NEW_PARENT_ATTRS}"`);
      await tools.both('tpm2_load -C prim.ctx -u np.pub -r np.priv -n np.name -c np.ctx');
    });
    after(async () => tools?.stop());

    /** Imports `prefix`.dpriv/.seed (made for this side's np) of the key `pub`, loads it and signs msg.txt; verifies on the TPM. */
    const importAndSign = (side: Side, pub: string, prefix: string, inner = '-G null') =>
      tools.run(
        side,
        chain(
          `tpm2_import -C np.ctx -u ${pub} -i ${prefix}.dpriv -s ${prefix}.seed ${inner} -r ${prefix}.imported`,
          `tpm2_load -C np.ctx -u ${pub} -r ${prefix}.imported -c imported.ctx >/dev/null`,
          `tpm2_sign -c imported.ctx -g sha256 -o ${prefix}.sig msg.txt`,
          `tpm2_verifysignature -c imported.ctx -g sha256 -m msg.txt -s ${prefix}.sig`,
        ),
      );
    /** A policy session with the given assertions, Duplicate, then the session flushed. */
    const duplicate = (side: Side, policy: string, args: string) =>
      tools.try(side, `tpm2_startauthsession --policy-session -S dup.session && ${policy} && tpm2_flushcontext -t && tpm2_duplicate ${args} -p session:dup.session; rc=$?; tpm2_flushcontext dup.session; exit $rc`);

    it('same TPM, PolicyCommandCode(Duplicate): -G null, -G aes with the TPM drawing the key, -G aes with the caller\'s key', async () => {
      await tools.both('tpm2_startauthsession -S trial.session && tpm2_policycommandcode -S trial.session -L cc.policy TPM2_CC_Duplicate && tpm2_flushcontext trial.session');
      await tools.both(`tpm2_create -C prim.ctx -g sha256 -G ecc -u cc.pub -r cc.priv -L cc.policy -a "${DUPLICABLE_ATTRS}"`);
      for (const s of SIDES) tools.write(s, 'caller.key', Buffer.alloc(16, 0x5a));
      await tools.both('tpm2_load -C prim.ctx -u cc.pub -r cc.priv -c cc.ctx');
      const cc = 'tpm2_policycommandcode -S dup.session TPM2_CC_Duplicate';
      for (const s of SIDES) {
        for (const [prefix, wrapper, importWrapper] of [
          ['same-null', '-G null', '-G null'],
          ['same-aes-drawn', '-G aes -o same-aes-drawn.key', '-G aes -k same-aes-drawn.key'],
          ['same-aes-caller', '-G aes -i caller.key', '-G aes -k caller.key'],
        ] as const) {
          const r = await duplicate(s, cc, `-C np.ctx -c cc.ctx ${wrapper} -r ${prefix}.dpriv -s ${prefix}.seed`);
          expect(r.code, `${s} ${prefix}: ${r.stderr}`).to.equal(0);
          await importAndSign(s, 'cc.pub', prefix, importWrapper);
        }
        expect(tools.read(s, 'same-aes-drawn.key').length, 'the TPM-drawn inner key').to.equal(16);
      }
    });

    it('cross-TPM with PolicyDuplicationSelect: each TPM duplicates to the other\'s parent (loaded with tpm2_loadexternal); the other imports and signs', async () => {
      for (const s of SIDES) {
        const o = otherSide(s);
        await tools.run(s, `tpm2_loadexternal -C o -u ../${o}/np.pub -c npx.ctx -n npx.name`); // saved context: loadable again
        expect(tools.read(s, 'npx.name'), 'Name of the other TPM\'s parent').to.deep.equal(tools.read(o, 'np.name'));
        await tools.run(s, 'tpm2_startauthsession -S trial.session && tpm2_policyduplicationselect -S trial.session -N npx.name -L select.policy && tpm2_flushcontext trial.session');
        await tools.run(s, `tpm2_create -C prim.ctx -g sha256 -G ecc -u sel.pub -r sel.priv -L select.policy -a "${DUPLICABLE_ATTRS}"`);
        await tools.run(s, 'tpm2_load -C prim.ctx -u sel.pub -r sel.priv -n sel.name -c sel.ctx');
        const select = 'tpm2_policyduplicationselect -S dup.session -n sel.name -N npx.name';
        for (const [prefix, wrapper] of [['to-other-null', '-G null'], ['to-other-aes', '-G aes -o to-other-aes.key']] as const) {
          const r = await duplicate(s, select, `-C npx.ctx -c sel.ctx ${wrapper} -r ${prefix}.dpriv -s ${prefix}.seed`);
          expect(r.code, `${s} ${prefix}: ${r.stderr}`).to.equal(0);
        }
        // the policy names the other TPM's parent: duplicating to this TPM's own parent fails alike on both TPMs
        const wrong = await duplicate(s, select, '-C np.ctx -c sel.ctx -G null -r wrong.dpriv -s wrong.seed');
        expect(wrong.code).to.not.equal(0);
        expect(tpmCode(wrong), `${s}: ${wrong.stderr}`).to.equal('(0x99d)'); // TPM_RC_POLICY_FAIL + session 1
      }
      for (const s of SIDES) {
        const o = otherSide(s);
        for (const f of ['sel.pub', 'to-other-null.dpriv', 'to-other-null.seed', 'to-other-aes.dpriv', 'to-other-aes.seed', 'to-other-aes.key']) tools.write(s, `from-${o}-${f}`, tools.read(o, f));
        await importAndSign(s, `from-${o}-sel.pub`, `from-${o}-to-other-null`);
        await importAndSign(s, `from-${o}-sel.pub`, `from-${o}-to-other-aes`, `-G aes -k from-${o}-to-other-aes.key`);
      }
    });

    it('software wrapping by tpm2-tools: tpm2_duplicate -U/-k (offline) and tpm2_import -i key.pem; the key signs and OpenSSL verifies', async () => {
      for (const s of SIDES) {
        execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', tools.path(s, 'ext.pem')]);
        execFileSync('openssl', ['ec', '-in', tools.path(s, 'ext.pem'), '-pubout', '-out', tools.path(s, 'ext.pub.pem')], { stdio: 'ignore' });
        await tools.run(s, 'tpm2_duplicate -T none -U np.pub -G ecc -k ext.pem -u offline.pub -r offline.dpriv -s offline.seed');
        await importAndSign(s, 'offline.pub', 'offline');
        await tools.run(s, 'tpm2_import -C np.ctx -G ecc -i ext.pem -u pem.pub -r pem.priv');
        await tools.run(s, chain('tpm2_load -C np.ctx -u pem.pub -r pem.priv -c pem.ctx >/dev/null', 'tpm2_sign -c pem.ctx -g sha256 -f plain -o pem.sig msg.txt'));
        execFileSync('openssl', ['dgst', '-sha256', '-verify', tools.path(s, 'ext.pub.pem'), '-signature', tools.path(s, 'pem.sig'), tools.path(s, 'msg.txt')], { stdio: 'ignore' });
      }
    });

    it('a tampered duplicate, a wrong inner key, another parent\'s seed: the same TPM codes from vtpm and swtpm', async () => {
      const flip = (b: Buffer, i: number) => Buffer.concat([b.subarray(0, i), Buffer.from([b[i]! ^ 1]), b.subarray(i + 1)]);
      // expected codes, as swtpm answers: INTEGRITY + P3; SIZE + P3 (the inner TPM2B_DIGEST does not parse); FAILURE (OAEP)
      const cases: [string, string, (s: Side) => string][] = [
        ['duplicate octet flipped', '(0x3df)', (s) => {
          tools.write(s, 'bad.dpriv', flip(tools.read(s, 'same-aes-caller.dpriv'), 20));
          return '-i bad.dpriv -s same-aes-caller.seed -G aes -k caller.key';
        }],
        ['wrong inner key', '(0x3d5)', (s) => {
          tools.write(s, 'other.key', Buffer.alloc(16, 1));
          return '-i same-aes-caller.dpriv -s same-aes-caller.seed -G aes -k other.key';
        }],
        ['seed made for the other TPM\'s parent', '(0x101)', (s) => `-i same-null.dpriv -s ../${otherSide(s)}/same-null.seed -G null`],
      ];
      for (const [label, expected, args] of cases) {
        const codes: string[] = [];
        for (const s of SIDES) {
          const r = await tools.try(s, `tpm2_import -C np.ctx -u cc.pub ${args(s)} -r bad.imported`);
          expect(r.code, `${label} on ${s}`).to.not.equal(0);
          codes.push(tpmCode(r));
        }
        expect(codes[0], `${label}: vtpm vs swtpm`).to.equal(codes[1]);
        expect(codes[1], label).to.equal(expected);
      }
    });
  });
}
