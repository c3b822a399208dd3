import { expect } from 'chai';
import crypto from 'node:crypto';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SIDES, ToolPair, otherSide, tpmCode, type Side } from '../lib/toolPair.js';

/**
 * Credential activation with tpm2-tools 5.4 across vtpm (both TCTIs) and swtpm: offline
 * tpm2_makecredential (-T none) for each TPM's EK activates there; a TPM-side MakeCredential on one
 * TPM for the other's EK activates on the other; a tampered blob fails alike on both.
 */

/** ActivateCredential with the EK authorized by PolicySecret(endorsement), as tpm2-tools documents it. */
const activate = (ek: string, ak: string, blob: string, out: string) =>
  `tpm2_startauthsession --policy-session -S ek.session && tpm2_policysecret -S ek.session -c e >/dev/null && ` +
  `tpm2_activatecredential -c ${ak} -C ${ek} -i ${blob} -o ${out} -P session:ek.session; rc=$?; tpm2_flushcontext ek.session; exit $rc`;

for (const protocol of ['mssim', 'swtpm'] as const) {
  describe(`credentials with tpm2-tools over the ${protocol} TCTI, between vtpm and swtpm`, function () {
    this.timeout(180000);
    let tools: ToolPair;
    const secret = crypto.randomBytes(24);

    before(async function () {
      requireTools(this, ['tpm2_makecredential', 'tpm2_activatecredential', 'swtpm'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-credential-');
      for (const s of SIDES) tools.write(s, 'secret.bin', secret);
      await tools.both('tpm2_startup -c');
      for (const kind of ['rsa', 'ecc'] as const) {
        await tools.both(`tpm2_createek -c ek-${kind}.ctx -G ${kind} -u ek-${kind}.pub`);
        await tools.both(`tpm2_createak -C ek-${kind}.ctx -c ak-${kind}.ctx -G ecc -g sha256 -s ecdsa -u ak-${kind}.pub -n ak-${kind}.name`);
      }
    });
    after(async () => tools?.stop());

    const nameHex = (side: Side, kind: string) => tools.read(side, `ak-${kind}.name`).toString('hex');

    for (const kind of ['rsa', 'ecc'] as const) {
      it(`${kind} EK: offline tpm2_makecredential (-T none) activates on each TPM, and not on the other`, async () => {
        for (const s of SIDES) {
          await tools.run(s, `tpm2_makecredential -T none -u ek-${kind}.pub -s secret.bin -n ${nameHex(s, kind)} -o offline-${kind}.cred`);
          await tools.run(s, activate(`ek-${kind}.ctx`, `ak-${kind}.ctx`, `offline-${kind}.cred`, `offline-${kind}.out`));
          expect(tools.read(s, `offline-${kind}.out`), s).to.deep.equal(secret);
        }
        // the other TPM's EK cannot open the seed: both TPMs answer alike
        const codes = [];
        for (const s of SIDES) {
          const r = await tools.try(s, activate(`ek-${kind}.ctx`, `ak-${kind}.ctx`, `../${otherSide(s)}/offline-${kind}.cred`, 'wrong.out'));
          expect(r.code, `${s} activated the other TPM's credential`).to.not.equal(0);
          codes.push(tpmCode(r));
        }
        expect(codes[0], 'vtpm vs swtpm').to.equal(codes[1]);
      });

      it(`${kind} EK: tpm2_makecredential run on one TPM for the other's EK activates on the other (both ways)`, async () => {
        for (const maker of SIDES) {
          const target = otherSide(maker);
          await tools.run(maker, `tpm2_makecredential -u ../${target}/ek-${kind}.pub -s secret.bin -n ${nameHex(target, kind)} -o ../${target}/from-${maker}-${kind}.cred`);
          await tools.run(target, activate(`ek-${kind}.ctx`, `ak-${kind}.ctx`, `from-${maker}-${kind}.cred`, `from-${maker}-${kind}.out`));
          expect(tools.read(target, `from-${maker}-${kind}.out`), `made on ${maker}`).to.deep.equal(secret);
        }
      });
    }

    it('a tampered credential blob or secret, a credential for another Name: the same TPM codes from vtpm and swtpm', async () => {
      // tpm2-tools' file: magic (4) | version (4) | TPM2B_ID_OBJECT | TPM2B_ENCRYPTED_SECRET
      const flip = (b: Buffer, i: number) => Buffer.concat([b.subarray(0, i), Buffer.from([b[i]! ^ 1]), b.subarray(i + 1)]);
      const cases: [string, string, ((blob: Buffer) => Buffer) | null][] = [
        ['integrity HMAC octet flipped', '(0x1df)', (b) => flip(b, 8 + 2 + 5)], // TPM_RC_INTEGRITY + parameter 1
        ['last secret octet flipped', '(0x101)', (b) => flip(b, b.length - 1)], // swtpm: a failed OAEP decoding is TPM_RC_FAILURE
        ['made for the other AK', '(0x1df)', null],
      ];
      for (const [label, expected, tamper] of cases) {
        const codes: string[] = [];
        for (const s of SIDES) {
          if (tamper) tools.write(s, 'bad.cred', tamper(tools.read(s, 'offline-rsa.cred')));
          else await tools.run(s, `tpm2_makecredential -T none -u ek-rsa.pub -s secret.bin -n ${nameHex(s, 'ecc')} -o bad.cred`);
          const r = await tools.try(s, activate('ek-rsa.ctx', 'ak-rsa.ctx', 'bad.cred', 'bad.out'));
          expect(r.code, `${label} on ${s}`).to.not.equal(0);
          codes.push(tpmCode(r));
        }
        expect(codes[0], `${label}: vtpm vs swtpm`).to.equal(codes[1]);
        expect(codes[1], label).to.equal(expected);
      }
    });
  });
}
