import { expect } from 'chai';
import { parseAttest, type Attest } from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SIDES, ToolPair } from '../lib/toolPair.js';
import { PROTOCOLS } from '../lib/vtpmServer.js';

/**
 * Attestation through tpm2-tools 5.4: quotes from EK-certified attestation keys checked by
 * tpm2_checkquote, certify, certifycreation, gettime, nvcertify, session and command audit. Each
 * step runs against vtpm and against swtpm (the reference) in separate directories; exit and TPM
 * codes must be equal, signatures verify with OpenSSL, and the attestations are compared field by
 * field, except what rightly differs: Clock, and the Names of keys (each TPM has its own seeds).
 * The AKs are children of the EK, in the endorsement hierarchy: their counters are not obfuscated.
 */

const NONCE = '0badc0de';

/** An attestation without what differs between two TPMs: Clock, key Names (as lengths) and audit digests over nonces. */
function comparable(a: Attest): unknown {
  const attested: Record<string, unknown> = { ...(a.attested as object) };
  for (const k of ['name', 'qualifiedName', 'objectName']) if (k in attested) attested[k] = (attested[k] as Buffer).length;
  if ('sessionDigest' in attested) attested.sessionDigest = (attested.sessionDigest as Buffer).length;
  if ('time' in attested) attested.time = { ...(attested.time as { clockInfo: object }).clockInfo, clock: 0 };
  return JSON.parse(JSON.stringify({ ...a, qualifiedSigner: a.qualifiedSigner.length, clockInfo: { ...a.clockInfo, clock: 0 }, attested }, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v)));
}

for (const protocol of PROTOCOLS) {
  describe(`attestation via tpm2-tools over the ${protocol} TCTI, compared with swtpm`, function () {
    this.timeout(180000);
    let tools: ToolPair;
    /** One tpm2-tools step on both TPMs (transient objects flushed after it): same exit code and TPM code. */
    const both = (args: string[], opts: { expectFailure?: string; input?: string } = {}) => tools.compare(args, opts);
    /** The attestation in `name` on both sides: the comparable fields are equal; returns vtpm's. */
    function sameAttestation(name: string): Attest {
      const [a, b] = SIDES.map((s) => parseAttest(tools.read(s, name)));
      expect(comparable(a!), name).to.deep.equal(comparable(b!));
      return a!;
    }
    /** OpenSSL verifies the plain signature `sig` over `data` with the AK's PEM, on both sides. */
    const opensslVerifies = (pem: string, sig: string, data: string) => tools.locally('openssl', ['dgst', '-sha256', '-verify', pem, '-signature', sig, data]);

    before(async function () {
      requireTools(this, ['tpm2_startup', 'tpm2_quote', 'tpm2_checkquote', 'openssl', 'swtpm'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-attest-');
      await both(['tpm2_startup', '-c']);
      await both(['tpm2_createek', '-c', 'ek.ctx', '-G', 'rsa', '-u', 'ek.pub']);
      await both(['tpm2_createak', '-C', 'ek.ctx', '-c', 'ak.ctx', '-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa', '-u', 'ak.pem', '-f', 'pem', '-n', 'ak.name']);
      await both(['tpm2_createak', '-C', 'ek.ctx', '-c', 'akrsa.ctx', '-G', 'rsa', '-g', 'sha256', '-s', 'rsassa', '-u', 'akrsa.pem', '-f', 'pem', '-n', 'akrsa.name']);
      await both(['tpm2_createprimary', '-C', 'o', '-G', 'ecc', '-c', 'prim.ctx', '-d', 'prim.hash', '-t', 'prim.ticket']);
    });
    after(async () => tools?.stop());

    for (const ak of ['ak', 'akrsa']) {
      it(`tpm2_quote with the ${ak === 'ak' ? 'ECC' : 'RSA'} AK passes tpm2_checkquote; a wrong nonce does not`, async () => {
        await both(['tpm2_pcrextend', `16:sha256=${'ab'.repeat(32)}`]);
        await both(['tpm2_quote', '-c', `${ak}.ctx`, '-l', 'sha256:0,16,23', '-q', NONCE, '-m', 'quote.msg', '-s', 'quote.sig', '-o', 'quote.pcrs', '-g', 'sha256']);
        await tools.locally('tpm2_checkquote', ['-u', `${ak}.pem`, '-m', 'quote.msg', '-s', 'quote.sig', '-f', 'quote.pcrs', '-g', 'sha256', '-q', NONCE]);
        const quote = sameAttestation('quote.msg');
        expect(quote.extraData.toString('hex')).to.equal(NONCE);
        for (const side of SIDES) {
          const wrong = await tools.on(side).run(['tpm2_checkquote', '-u', `${ak}.pem`, '-m', 'quote.msg', '-s', 'quote.sig', '-f', 'quote.pcrs', '-g', 'sha256', '-q', 'deadbeef']);
          expect(wrong.code, `${side}: checkquote with another nonce`).to.not.equal(0);
        }
      });
    }

    it('tpm2_certify: the AK vouches for the primary’s Names; OpenSSL verifies', async () => {
      await both(['tpm2_certify', '-c', 'prim.ctx', '-C', 'ak.ctx', '-g', 'sha256', '-o', 'certify.att', '-s', 'certify.sig', '-f', 'plain']);
      await opensslVerifies('ak.pem', 'certify.sig', 'certify.att');
      sameAttestation('certify.att');
    });

    it('tpm2_certifycreation with the creation ticket; another creation hash is TPM_RC_TICKET (0x4e0)', async () => {
      await both(['tpm2_certifycreation', '-C', 'ak.ctx', '-c', 'prim.ctx', '-d', 'prim.hash', '-t', 'prim.ticket', '-g', 'sha256', '-o', 'cc.sig', '--attestation', 'cc.att', '-f', 'plain', '-q', '1234']);
      await opensslVerifies('ak.pem', 'cc.sig', 'cc.att');
      const cc = sameAttestation('cc.att');
      expect((cc.attested as { creationHash: Buffer }).creationHash).to.deep.equal(tools.read('vtpm', 'prim.hash').subarray(-32));
      tools.inBoth('other.hash', Buffer.concat([Buffer.from([0, 32]), Buffer.alloc(32, 1)]));
      await both(['tpm2_certifycreation', '-C', 'ak.ctx', '-c', 'prim.ctx', '-d', 'other.hash', '-t', 'prim.ticket', '-g', 'sha256', '-o', 'x.sig', '--attestation', 'x.att'], { expectFailure: '(0x4e0)' });
    });

    it('tpm2_gettime: Time and Clock signed by the AK', async () => {
      await both(['tpm2_gettime', '-c', 'ak.ctx', '-q', 'abcd', '--attestation', 'time.att', '-o', 'time.sig', '-f', 'plain']);
      await opensslVerifies('ak.pem', 'time.sig', 'time.att');
      sameAttestation('time.att');
    });

    it('tpm2_nvcertify: a range, and the digest of the whole index (size 0 at offset 0)', async () => {
      await both(['tpm2_nvdefine', '0x01500020', '-C', 'o', '-s', '32', '-a', 'ownerread|ownerwrite|authread|authwrite|no_da']);
      await both(['tpm2_nvwrite', '0x01500020', '-C', 'o', '-i-'], { input: '0123456789abcdef0123456789abcdef' });
      await both(['tpm2_nvcertify', '-C', 'ak.ctx', '-g', 'sha256', '-f', 'plain', '-o', 'nv.sig', '--attestation', 'nv.att', '--size', '8', '--offset', '4', '-c', 'o', '0x01500020']);
      await opensslVerifies('ak.pem', 'nv.sig', 'nv.att');
      expect((sameAttestation('nv.att').attested as { nvContents: Buffer }).nvContents.toString()).to.equal('456789ab');
      await both(['tpm2_nvcertify', '-C', 'ak.ctx', '-g', 'sha256', '-f', 'plain', '-o', 'nvd.sig', '--attestation', 'nvd.att', '--size', '0', '--offset', '0', '-c', 'o', '0x01500020']);
      await opensslVerifies('ak.pem', 'nvd.sig', 'nvd.att');
      expect(sameAttestation('nvd.att').type).to.equal(0x801c);
      await both(['tpm2_nvundefine', '0x01500020', '-C', 'o']);
    });

    it('tpm2_setcommandauditstatus + tpm2_getcommandauditdigest: the same audit digest as swtpm, octet for octet', async () => {
      await both(['tpm2_setcommandauditstatus', '-g', 'sha256']);
      await both(['tpm2_setcommandauditstatus', 'TPM2_CC_Hash']);
      tools.inBoth('data', 'audit me\n');
      await both(['tpm2_hash', '-C', 'n', '-g', 'sha256', '-o', 'h.out', 'data']);
      await both(['tpm2_hash', '-C', 'n', '-g', 'sha256', '-o', 'h.out', 'data']);
      await both(['tpm2_getcommandauditdigest', '-c', 'ak.ctx', '-g', 'sha256', '-m', 'cad.att', '-s', 'cad.sig', '-f', 'plain']);
      await opensslVerifies('ak.pem', 'cad.sig', 'cad.att');
      const audit = sameAttestation('cad.att').attested as { auditDigest: Buffer; auditCounter: bigint };
      expect(audit.auditDigest.length).to.equal(32);
      expect(audit.auditCounter).to.equal(1n);
      await both(['tpm2_setcommandauditstatus', '-c', 'TPM2_CC_Hash']);
    });

    it('tpm2_getsessionauditdigest over an audit session', async () => {
      await both(['tpm2_startauthsession', '-S', 'audit.ctx', '--audit-session']);
      await both(['tpm2_getrandom', '8', '-S', 'audit.ctx']);
      await both(['tpm2_getsessionauditdigest', '-c', 'ak.ctx', '-g', 'sha256', '-m', 'sad.att', '-s', 'sad.sig', '-f', 'plain', '-S', 'audit.ctx']);
      await opensslVerifies('ak.pem', 'sad.sig', 'sad.att');
      sameAttestation('sad.att');
      await both(['tpm2_flushcontext', 'audit.ctx']);
    });
  });
}
