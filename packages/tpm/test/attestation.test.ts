import { expect } from 'chai';
import {
  Certify, CertifyCreation, FlushContext, GetTime, Hash, HashSequenceStart, NV_Certify, NV_DefineSpace, NV_Write, PCR_Extend, Quote, ReadPublic,
  SequenceComplete, Sign, TPMA_NV,
  TPM_GENERATED_VALUE, TPM_ST, kdfa, marshal, parseAttest, unmarshal, TPMS_ATTEST, type Attest, type TpmtPublic,
} from '../src/index.js';
import {
  AK_ATTRIBUTES, ECDAA, ECDSA, ECSCHNORR, ENDORSEMENT, NULL, OWNER, PW, RH_NULL, RSASSA, SHA1, SHA256, SHA384, SIGN_ATTRIBUTES,
  aesTemplate, eccTemplate, hmacTemplate, primary, publicKeyOf, rsaTemplate, scheme, sha256, started, verifies,
  type Fixture, type Scheme,
} from './attestationTestKit.js';
import { rcOf } from './kit/responseCodes.js';
import { reboot } from './kit/startedTpm.js';

const NONCE = Buffer.from('fresh nonce');
const SEL_0_16: { hash: number; pcrSelect: Buffer }[] = [{ hash: SHA256, pcrSelect: Buffer.from([0x01, 0x00, 0x01]) }];

describe('attestation: TPMS_ATTEST structures', () => {
  const header = { magic: TPM_GENERATED_VALUE, qualifiedSigner: Buffer.from('000b' + '11'.repeat(32), 'hex'), extraData: NONCE, clockInfo: { clock: 1234n, resetCount: 2, restartCount: 1, safe: true }, firmwareVersion: 0x2019102300163636n };
  const members: [string, number, Attest['attested']][] = [
    ['TPMS_CERTIFY_INFO', TPM_ST.ATTEST_CERTIFY, { name: Buffer.alloc(34, 1), qualifiedName: Buffer.alloc(34, 2) }],
    ['TPMS_CREATION_INFO', TPM_ST.ATTEST_CREATION, { objectName: Buffer.alloc(34, 3), creationHash: Buffer.alloc(32, 4) }],
    ['TPMS_QUOTE_INFO', TPM_ST.ATTEST_QUOTE, { pcrSelect: SEL_0_16, pcrDigest: Buffer.alloc(32, 5) }],
    ['TPMS_COMMAND_AUDIT_INFO', TPM_ST.ATTEST_COMMAND_AUDIT, { auditCounter: 7n, digestAlg: SHA256, auditDigest: Buffer.alloc(32, 6), commandDigest: Buffer.alloc(32, 7) }],
    ['TPMS_SESSION_AUDIT_INFO', TPM_ST.ATTEST_SESSION_AUDIT, { exclusiveSession: true, sessionDigest: Buffer.alloc(32, 8) }],
    ['TPMS_TIME_ATTEST_INFO', TPM_ST.ATTEST_TIME, { time: { time: 99n, clockInfo: { clock: 98n, resetCount: 1, restartCount: 0, safe: false } }, firmwareVersion: 1n }],
    ['TPMS_NV_CERTIFY_INFO', TPM_ST.ATTEST_NV, { indexName: Buffer.alloc(34, 9), offset: 4, nvContents: Buffer.from('data') }],
    ['TPMS_NV_DIGEST_CERTIFY_INFO', TPM_ST.ATTEST_NV_DIGEST, { indexName: Buffer.alloc(34, 10), nvDigest: Buffer.alloc(32, 11) }],
  ];
  for (const [name, type, attested] of members) {
    it(`${name} round trips inside TPMS_ATTEST`, () => {
      const value = { ...header, type, attested };
      const bytes = marshal(TPMS_ATTEST, value);
      expect(bytes.readUInt32BE(0), 'magic first').to.equal(TPM_GENERATED_VALUE);
      expect(bytes.readUInt16BE(4), 'then the type').to.equal(type);
      expect(parseAttest(bytes)).to.deep.equal(value);
    });
  }

  it('the layout is Part 2’s: magic, type, qualifiedSigner, extraData, clockInfo, firmwareVersion, attested', () => {
    const bytes = marshal(TPMS_ATTEST, { ...header, type: TPM_ST.ATTEST_SESSION_AUDIT, attested: { exclusiveSession: false, sessionDigest: Buffer.alloc(0) } });
    const expected = Buffer.concat([
      Buffer.from('ff544347' + '8016' + '0022' + '000b' + '11'.repeat(32), 'hex'),
      Buffer.from('000b', 'hex'), NONCE,
      Buffer.from('00000000000004d2' + '00000002' + '00000001' + '01', 'hex'),
      Buffer.from('2019102300163636', 'hex'),
      Buffer.from('00' + '0000', 'hex'),
    ]);
    expect(bytes.toString('hex')).to.equal(expected.toString('hex'));
  });

  it('a wrong magic is TPM_RC_VALUE, an unknown type TPM_RC_VALUE, trailing octets TPM_RC_SIZE', () => {
    const good = marshal(TPMS_ATTEST, { ...header, type: TPM_ST.ATTEST_CERTIFY, attested: { name: Buffer.alloc(0), qualifiedName: Buffer.alloc(0) } });
    const rc = (b: Buffer) => {
      try {
        unmarshal(TPMS_ATTEST, b);
        return 0;
      } catch (e) {
        return (e as { rc: number }).rc;
      }
    };
    const badMagic = Buffer.from(good);
    badMagic[0] = 0xfe;
    const badType = Buffer.from(good);
    badType.writeUInt16BE(0x8021, 4);
    expect(rc(badMagic)).to.equal(0x084);
    expect(rc(badType)).to.equal(0x084);
    expect(rc(Buffer.concat([good, Buffer.alloc(1)]))).to.equal(0x095);
  });
});

describe('attestation commands', function () {
  this.timeout(20000);
  let f: Fixture;
  let ak: { handle: number; outPublic: TpmtPublic; name: Buffer };
  let ownerKey: Awaited<ReturnType<typeof primary>>;

  before(async () => {
    f = await started();
    ak = await primary(f.client, ENDORSEMENT, eccTemplate(AK_ATTRIBUTES));
    ownerKey = await primary(f.client, OWNER, eccTemplate(SIGN_ATTRIBUTES, scheme(NULL)), Buffer.from('outside'));
  });

  const quote = (signHandle: number, inScheme: Scheme = scheme(NULL), PCRselect = SEL_0_16, qualifyingData = NONCE) =>
    f.client.run(Quote, { handles: { signHandle }, params: { qualifyingData, inScheme, PCRselect }, auth: [PW] });

  describe('Quote', () => {
    it('signs the PCR digest and the nonce; OpenSSL verifies the signature over the attestation octets', async () => {
      await f.client.run(PCR_Extend, { handles: { pcrHandle: 16 }, params: { digests: [{ hashAlg: SHA256, digest: sha256(Buffer.from('event')) }] }, auth: [PW] });
      const { quoted, signature } = await quote(ak.handle);
      const a = parseAttest(quoted);
      expect(a.type).to.equal(TPM_ST.ATTEST_QUOTE);
      expect(a.extraData).to.deep.equal(NONCE);
      const pcr16 = sha256(Buffer.alloc(32), sha256(Buffer.from('event')));
      expect(a.attested).to.deep.equal({ pcrSelect: SEL_0_16, pcrDigest: sha256(Buffer.alloc(32), pcr16) });
      expect(signature.sigAlg).to.equal(ECDSA);
      expect(verifies(publicKeyOf(ak.outPublic), quoted, signature)).to.equal(true);
      expect(verifies(publicKeyOf(ak.outPublic), Buffer.concat([quoted, Buffer.alloc(1)]), signature)).to.equal(false);
    });

    it('names the signer by its qualified Name, as ReadPublic reports it', async () => {
      const { qualifiedName } = await f.client.run(ReadPublic, { handles: { objectHandle: ak.handle }, params: {} });
      expect(parseAttest((await quote(ak.handle)).quoted).qualifiedSigner).to.deep.equal(qualifiedName);
    });

    it('drops unallocated PCRs from the selection, digests with the scheme hash (not the bank’s)', async () => {
      const sel = [{ hash: SHA1, pcrSelect: Buffer.from([0x01, 0, 0]) }, { hash: SHA384, pcrSelect: Buffer.from([0, 0, 0x80]) }];
      const a = parseAttest((await quote(ak.handle, scheme(NULL), sel)).quoted);
      // swtpm allocates all four banks, so both stay; PCR 0 of SHA-1 and PCR 23 of SHA-384 are zero at startup
      expect(a.attested).to.deep.equal({ pcrSelect: sel, pcrDigest: sha256(Buffer.alloc(20), Buffer.alloc(48)) });
    });

    it('an RSA key signs with its RSASSA default', async () => {
      const rsa = await primary(f.client, ENDORSEMENT, rsaTemplate(AK_ATTRIBUTES));
      try {
        const { quoted, signature } = await quote(rsa.handle);
        expect(signature.sigAlg).to.equal(RSASSA);
        expect(verifies(publicKeyOf(rsa.outPublic), quoted, signature)).to.equal(true);
      } finally {
        await f.client.run(FlushContext, { params: { flushHandle: rsa.handle } });
      }
    });

    it('refuses as swtpm does: TPM_RH_NULL (no hash for the PCRs) and a scheme other than the key’s are TPM_RC_SCHEME + P2', async () => {
      expect(await rcOf(quote(RH_NULL))).to.equal(0x2d2);
      expect(await rcOf(quote(RH_NULL, scheme(ECDSA)))).to.equal(0x2d2);
      expect(await rcOf(quote(ak.handle, scheme(ECDSA, SHA384)))).to.equal(0x2d2);
      expect(await rcOf(quote(ak.handle, scheme(RSASSA)))).to.equal(0x2d2);
      // a key without a scheme needs one from the caller
      expect(await rcOf(quote(ownerKey.handle))).to.equal(0x2d2);
      expect(await rcOf(quote(ownerKey.handle, scheme(ECDSA)))).to.equal(0);
    });

    it('a key that cannot sign is TPM_RC_KEY + H1, symmetric keys included', async () => {
      const aes = await primary(f.client, OWNER, aesTemplate(SIGN_ATTRIBUTES | 0x20000));
      try {
        expect(await rcOf(quote(aes.handle))).to.equal(0x19c);
      } finally {
        await f.client.run(FlushContext, { params: { flushHandle: aes.handle } });
      }
    });
  });

  describe('privacy: obfuscated counters and firmware version', () => {
    const plain = (a: Attest) => ({ resetCount: a.clockInfo.resetCount, restartCount: a.clockInfo.restartCount, firmwareVersion: a.firmwareVersion });

    it('endorsement keys report resetCount, restartCount and the firmware version in the clear', async () => {
      const a = parseAttest((await quote(ak.handle)).quoted);
      expect(plain(a)).to.deep.equal({ resetCount: f.tpm.resetCount, restartCount: f.tpm.restartCount, firmwareVersion: 0x2019102300163636n });
    });

    it('owner keys and unsigned attestations get them offset by KDFa(SHA-512, ownerProof, "OBFUSCATE", qualifiedSigner)', async () => {
      for (const [signHandle, signer] of [[ownerKey.handle, null], [RH_NULL, Buffer.from('40000007', 'hex')]] as const) {
        const { timeInfo } = await f.client.run(GetTime, { handles: { privacyAdminHandle: ENDORSEMENT, signHandle }, params: { qualifyingData: Buffer.alloc(0), inScheme: scheme(ECDSA) }, auth: [PW, PW] });
        const a = parseAttest(timeInfo);
        const qualifiedSigner = signer ?? a.qualifiedSigner;
        expect(a.qualifiedSigner).to.deep.equal(qualifiedSigner);
        const offsets = kdfa(0x0d, f.tpm.hierarchies.proof(OWNER), 'OBFUSCATE', qualifiedSigner, Buffer.alloc(0), 128);
        const o1 = offsets.readBigUInt64LE(8);
        expect(plain(a)).to.deep.equal({
          resetCount: Number((BigInt(f.tpm.resetCount) + (o1 >> 32n)) & 0xffffffffn),
          restartCount: Number((BigInt(f.tpm.restartCount) + (o1 & 0xffffffffn)) & 0xffffffffn),
          firmwareVersion: (0x2019102300163636n + offsets.readBigUInt64LE(0)) & 0xffffffffffffffffn,
        });
        // GetTime's attested clock is in the clear
        expect((a.attested as { time: { clockInfo: { resetCount: number } } }).time.clockInfo.resetCount).to.equal(f.tpm.resetCount);
      }
    });

    it('the offsets are fixed per signer: a TPM Reset still shows as resetCount + 1', async () => {
      const g = await started('obfuscation');
      const key = await primary(g.client, OWNER, eccTemplate(SIGN_ATTRIBUTES));
      const q = async () => plain(parseAttest((await g.client.run(Quote, { handles: { signHandle: key.handle }, params: { qualifyingData: NONCE, inScheme: scheme(NULL), PCRselect: [] }, auth: [PW] })).quoted));
      const before = await q();
      expect(await q()).to.deep.equal(before);
      await reboot(g);
      const again = await primary(g.client, OWNER, eccTemplate(SIGN_ATTRIBUTES));
      expect(again.handle).to.equal(key.handle);
      expect(await q()).to.deep.equal({ ...before, resetCount: (before.resetCount + 1) >>> 0 });
    });
  });

  describe('Certify', () => {
    const certify = (objectHandle: number, signHandle: number, inScheme: Scheme = scheme(NULL)) =>
      f.client.run(Certify, { handles: { objectHandle, signHandle }, params: { qualifyingData: NONCE, inScheme }, auth: [PW, PW] });

    it('vouches for the Name and qualified Name of a loaded object', async () => {
      const { name, qualifiedName } = await f.client.run(ReadPublic, { handles: { objectHandle: ownerKey.handle }, params: {} });
      const { certifyInfo, signature } = await certify(ownerKey.handle, ak.handle);
      const a = parseAttest(certifyInfo);
      expect(a.type).to.equal(TPM_ST.ATTEST_CERTIFY);
      expect(a.attested).to.deep.equal({ name, qualifiedName });
      expect(verifies(publicKeyOf(ak.outPublic), certifyInfo, signature)).to.equal(true);
    });

    it('unsigned with TPM_RH_NULL: NULL signature, TPM_RH_NULL as the signer', async () => {
      const { certifyInfo, signature } = await certify(ownerKey.handle, RH_NULL, scheme(ECDSA));
      expect(signature).to.deep.equal({ sigAlg: NULL, signature: null });
      expect(parseAttest(certifyInfo).qualifiedSigner.toString('hex')).to.equal('40000007');
    });

    it('a key certifies itself with the caller’s scheme (ECSCHNORR); ECDAA without a commit is TPM_RC_VALUE', async () => {
      expect((await certify(ownerKey.handle, ownerKey.handle, scheme(ECSCHNORR))).signature.sigAlg).to.equal(ECSCHNORR);
      expect(await rcOf(certify(ownerKey.handle, ownerKey.handle, scheme(ECDAA)))).to.equal(0x084);
    });

    it('an HMAC key signs attestations too; a key of another kind is TPM_RC_KEY + H2', async () => {
      const hmacKey = await primary(f.client, OWNER, hmacTemplate());
      try {
        const { certifyInfo, signature } = await certify(ak.handle, hmacKey.handle);
        expect(signature.sigAlg).to.equal(0x05);
        expect(parseAttest(certifyInfo).attested).to.have.property('name');
      } finally {
        await f.client.run(FlushContext, { params: { flushHandle: hmacKey.handle } });
      }
      const decrypt = await primary(f.client, OWNER, eccTemplate((SIGN_ATTRIBUTES & ~0x40000) | 0x20000, scheme(NULL)));
      try {
        expect(await rcOf(certify(ak.handle, decrypt.handle))).to.equal(0x29c);
      } finally {
        await f.client.run(FlushContext, { params: { flushHandle: decrypt.handle } });
      }
    });
  });

  describe('CertifyCreation', () => {
    const certifyCreation = (signHandle: number, objectHandle: number, creationHash: Buffer, creationTicket: typeof ownerKey.creationTicket, inScheme: Scheme = scheme(NULL)) =>
      f.client.run(CertifyCreation, { handles: { signHandle, objectHandle }, params: { qualifyingData: NONCE, creationHash, inScheme, creationTicket }, auth: [PW] });

    it('with the creation ticket: the object’s Name and creationHash, signed', async () => {
      const { certifyInfo, signature } = await certifyCreation(ak.handle, ownerKey.handle, ownerKey.creationHash, ownerKey.creationTicket);
      expect(parseAttest(certifyInfo).attested).to.deep.equal({ objectName: ownerKey.name, creationHash: ownerKey.creationHash });
      expect(verifies(publicKeyOf(ak.outPublic), certifyInfo, signature)).to.equal(true);
    });

    it('another hash, hierarchy or object is TPM_RC_TICKET + P4; a hierarchy outside TPMI_RH_HIERARCHY+ TPM_RC_VALUE + P4', async () => {
      const t = ownerKey.creationTicket;
      expect(await rcOf(certifyCreation(ak.handle, ownerKey.handle, Buffer.alloc(32), t))).to.equal(0x4e0);
      expect(await rcOf(certifyCreation(ak.handle, ownerKey.handle, ownerKey.creationHash, { ...t, hierarchy: ENDORSEMENT }))).to.equal(0x4e0);
      expect(await rcOf(certifyCreation(ownerKey.handle, ak.handle, ownerKey.creationHash, t, scheme(ECDSA)))).to.equal(0x4e0);
      expect(await rcOf(certifyCreation(ak.handle, ownerKey.handle, ownerKey.creationHash, { ...t, hierarchy: 0x40000002 }))).to.equal(0x4c4);
      // the scheme is checked before the ticket
      expect(await rcOf(certifyCreation(ak.handle, ownerKey.handle, Buffer.alloc(32), t, scheme(RSASSA)))).to.equal(0x3d2);
    });
  });

  describe('GetTime', () => {
    it('Time, Clock and firmware version, with the qualifying data', async () => {
      const { timeInfo, signature } = await f.client.run(GetTime, { handles: { privacyAdminHandle: ENDORSEMENT, signHandle: ak.handle }, params: { qualifyingData: NONCE, inScheme: scheme(NULL) }, auth: [PW, PW] });
      const a = parseAttest(timeInfo);
      expect(a.type).to.equal(TPM_ST.ATTEST_TIME);
      expect(a.extraData).to.deep.equal(NONCE);
      const attested = a.attested as { time: { time: bigint; clockInfo: { clock: bigint } }; firmwareVersion: bigint };
      expect(attested.firmwareVersion).to.equal(0x2019102300163636n);
      expect(attested.time.clockInfo.clock).to.equal(a.clockInfo.clock);
      expect(verifies(publicKeyOf(ak.outPublic), timeInfo, signature)).to.equal(true);
    });
  });

  describe('NV_Certify', () => {
    const INDEX = 0x01000040;
    const nvCertify = (signHandle: number, authHandle: number, size: number, offset: number, inScheme: Scheme = scheme(NULL)) =>
      f.client.run(NV_Certify, { handles: { signHandle, authHandle, nvIndex: INDEX }, params: { qualifyingData: NONCE, inScheme, size, offset }, auth: [PW, PW] });
    const DATA = Buffer.from('0123456789abcdef');

    before(async () => {
      const attributes = TPMA_NV.OWNERREAD | TPMA_NV.OWNERWRITE | TPMA_NV.AUTHREAD | TPMA_NV.AUTHWRITE | TPMA_NV.NO_DA;
      await f.client.run(NV_DefineSpace, { handles: { authHandle: OWNER }, params: { auth: Buffer.alloc(0), publicInfo: { nvIndex: INDEX, nameAlg: SHA256, attributes, authPolicy: Buffer.alloc(0), dataSize: 16 } }, auth: [PW] });
    });

    it('an unwritten index is TPM_RC_NV_UNINITIALIZED', async () => {
      expect(await rcOf(nvCertify(ak.handle, OWNER, 4, 0))).to.equal(0x14a);
      await f.client.run(NV_Write, { handles: { authHandle: OWNER, nvIndex: INDEX }, params: { data: DATA, offset: 0 }, auth: [PW] });
    });

    it('a range: the index Name, the offset and the data', async () => {
      const { certifyInfo, signature } = await nvCertify(ak.handle, OWNER, 4, 2);
      const a = parseAttest(certifyInfo);
      expect(a.type).to.equal(TPM_ST.ATTEST_NV);
      expect((a.attested as { offset: number; nvContents: Buffer }).nvContents).to.deep.equal(DATA.subarray(2, 6));
      expect((a.attested as { offset: number }).offset).to.equal(2);
      expect(verifies(publicKeyOf(ak.outPublic), certifyInfo, signature)).to.equal(true);
      // size 0 elsewhere than offset 0 is an empty range
      expect(parseAttest((await nvCertify(ak.handle, OWNER, 0, 16)).certifyInfo).attested).to.include({ offset: 16 });
    });

    it('size 0 at offset 0: TPMS_NV_DIGEST_CERTIFY_INFO with the scheme hash of all the data (empty when unsigned)', async () => {
      const signed = parseAttest((await nvCertify(ak.handle, INDEX, 0, 0)).certifyInfo);
      expect(signed.type).to.equal(TPM_ST.ATTEST_NV_DIGEST);
      expect((signed.attested as { nvDigest: Buffer }).nvDigest).to.deep.equal(sha256(DATA));
      const unsigned = parseAttest((await nvCertify(RH_NULL, INDEX, 0, 0)).certifyInfo);
      expect((unsigned.attested as { nvDigest: Buffer }).nvDigest).to.deep.equal(Buffer.alloc(0));
    });

    it('refuses as swtpm does: beyond the index TPM_RC_NV_RANGE, platform without PPREAD NV_AUTHORIZATION, bad scheme SCHEME + P2', async () => {
      expect(await rcOf(nvCertify(ak.handle, OWNER, 0, 17))).to.equal(0x146);
      expect(await rcOf(nvCertify(ak.handle, OWNER, 10, 10))).to.equal(0x146);
      expect(await rcOf(nvCertify(ak.handle, OWNER, 2000, 0))).to.equal(0x146);
      expect(await rcOf(nvCertify(ak.handle, 0x4000000c, 4, 0))).to.equal(0x149);
      expect(await rcOf(nvCertify(ak.handle, OWNER, 40, 0, scheme(RSASSA)))).to.equal(0x2d2);
    });
  });

  describe('defence: a restricted key does not sign a forged TPMS_ATTEST', () => {
    it('Hash gives no ticket for data starting with TPM_GENERATED_VALUE, so Sign refuses it (TPM_RC_TICKET + P3)', async () => {
      const genuine = parseAttest((await quote(ak.handle)).quoted);
      // the attacker's quote: all-zero PCRs claimed instead of the real ones
      const forged = marshal(TPMS_ATTEST, { ...genuine, attested: { pcrSelect: SEL_0_16, pcrDigest: sha256(Buffer.alloc(64)) } });
      const hashed = await f.client.run(Hash, { params: { data: forged, hashAlg: SHA256, hierarchy: OWNER } });
      expect(hashed.validation.digest.length, 'no ticket').to.equal(0);
      const sign = (validation: typeof hashed.validation) => f.client.run(Sign, { handles: { keyHandle: ak.handle }, params: { digest: hashed.outHash, inScheme: scheme(NULL), validation }, auth: [PW] });
      expect(await rcOf(sign(hashed.validation))).to.equal(0x3e0);
      // nor through a hash sequence
      const seq = await f.client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: SHA256 } });
      const done = await f.client.run(SequenceComplete, { handles: { sequenceHandle: seq.handle }, params: { buffer: forged, hierarchy: OWNER }, auth: [PW] });
      expect(done.validation.digest.length).to.equal(0);
      expect(await rcOf(sign(done.validation))).to.equal(0x3e0);
      // a ticket for harmless data does not cover the forged digest either
      const harmless = await f.client.run(Hash, { params: { data: Buffer.from('harmless'), hashAlg: SHA256, hierarchy: OWNER } });
      expect(await rcOf(sign(harmless.validation))).to.equal(0x3e0);
    });
  });
});
