import { expect } from 'chai';
import { createHash, createHmac } from 'node:crypto';
import {
  ClientHmacSession, PCR_Event, PCR_Extend, PCR_Read, StartAuthSession, Startup, Tpm, TpmResponseError,
  TPM_ALG, TPM_RC, TPM_RH, TPM_SE, pcrBitmap,
} from '../src/index.js';
import { startTpm } from './kit/startedTpm.js';

const hex = (s: string) => {
  const b = Buffer.from(s.replace(/\s+/g, ''), 'hex');
  b.writeUInt32BE(b.length, 2);
  return b;
};
const rcOf = (rsp: Buffer) => rsp.readUInt32BE(6);

const started = () => startTpm('pipeline');

describe('command pipeline', () => {
  it('answers TPM_RC_BAD_TAG for a tag other than SESSIONS/NO_SESSIONS (Part 3, 5.2; swtpm 0.7 answers 0x84 from its front end)', async () => {
    const { tpm } = await started();
    expect(rcOf(tpm.execute(hex('c4c4 00000000 0000017b 0010')))).to.equal(TPM_RC.BAD_TAG);
  });

  it('answers short buffers (below the header) with TPM_RC_INSUFFICIENT instead of throwing', () => {
    const tpm = new Tpm();
    for (const b of ['', '80', '8001', '800100', '80010000'].map((s) => Buffer.from(s, 'hex'))) {
      const rsp = tpm.execute(b);
      expect(rsp.length).to.equal(10);
      expect(rcOf(rsp)).to.equal(TPM_RC.INSUFFICIENT);
    }
  });

  it('requires Startup first, and refuses Startup(STATE) without Shutdown(STATE)', () => {
    const tpm = new Tpm();
    expect(rcOf(tpm.execute(hex('8001 00000000 0000017e 00000000')))).to.equal(TPM_RC.INITIALIZE);
    expect(rcOf(tpm.execute(hex('8001 00000000 00000144 0001')))).to.equal(TPM_RC.VALUE | 0x140) // VALUE + parameter 1, as swtpm answers;
    expect(rcOf(tpm.execute(hex('8001 00000000 00000144 0000')))).to.equal(TPM_RC.SUCCESS);
  });

  it('checks an unbound, unsalted HMAC session exactly as Part 1, 19.6 computes it, and verifies the response HMAC', async () => {
    const { tpm, client } = await started();
    const nonceCaller = Buffer.alloc(32, 7);
    const s = await client.run(StartAuthSession, {
      handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
      params: { nonceCaller, encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
    });
    expect(s.handle).to.equal(0x02000000);
    expect(s.nonceTPM.length).to.equal(32);

    // Build PCR_Event(16, "abc") by hand: cpHash = SHA256(CC || name(PCR16) || params), key = empty.
    const params = Buffer.from('0003616263', 'hex');
    const cc = Buffer.from('0000013c', 'hex');
    const cp = createHash('sha256').update(cc).update(Buffer.from('00000010', 'hex')).update(params).digest();
    const myNonce = Buffer.alloc(32, 9);
    const mac = createHmac('sha256', Buffer.alloc(0)).update(cp).update(myNonce).update(s.nonceTPM).update(Buffer.from([1])).digest();
    const auth = Buffer.concat([Buffer.from('02000000', 'hex'), Buffer.from('0020', 'hex'), myNonce, Buffer.from([1]), Buffer.from('0020', 'hex'), mac]);
    const authArea = Buffer.concat([Buffer.alloc(4), auth]);
    authArea.writeUInt32BE(auth.length);
    const cmd = Buffer.concat([hex('8002 00000000 0000013c 00000010'), authArea, params]);
    cmd.writeUInt32BE(cmd.length, 2);
    const rsp = tpm.execute(cmd);
    expect(rcOf(rsp)).to.equal(0);
    // response: header, parameterSize, params, nonceTPM', attrs, hmac = HMAC(rpHash || nonceTPM' || nonceCaller || attrs)
    const paramSize = rsp.readUInt32BE(10);
    const respParams = rsp.subarray(14, 14 + paramSize);
    let at = 14 + paramSize;
    const nonceTPM2 = rsp.subarray(at + 2, at + 2 + rsp.readUInt16BE(at));
    at += 2 + nonceTPM2.length;
    const attrs = rsp[at]!;
    const rmac = rsp.subarray(at + 3, at + 3 + rsp.readUInt16BE(at + 1));
    const rp = createHash('sha256').update(Buffer.alloc(4)).update(cc).update(respParams).digest();
    expect(rmac.toString('hex')).to.equal(createHmac('sha256', Buffer.alloc(0)).update(rp).update(nonceTPM2).update(myNonce).update(Buffer.from([attrs])).digest('hex'));

    // A wrong HMAC on a PCR (DA-exempt) is TPM_RC_BAD_AUTH for session 1; the session stays usable.
    mac[0]! ^= 1;
    const bad = Buffer.from(cmd);
    mac.copy(bad, bad.length - params.length - 32);
    expect(rcOf(tpm.execute(bad))).to.equal(TPM_RC.BAD_AUTH | 0x900);
  });

  it('the typed client keeps HMAC session nonces rolling over several commands', async () => {
    const { client } = await started();
    const nonceCaller = Buffer.alloc(16, 1);
    const s = await client.run(StartAuthSession, {
      handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
      params: { nonceCaller, encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA1 },
    });
    const session = new ClientHmacSession(s.handle, TPM_ALG.SHA1, s.nonceTPM, nonceCaller);
    for (let i = 0; i < 3; i++) await client.run(PCR_Event, { handles: { pcrHandle: 23 }, params: { eventData: Buffer.from([i]) }, auth: [{ session }] });
    const r = await client.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA1, pcrSelect: pcrBitmap([23]) }] } });
    let v = Buffer.alloc(20);
    for (let i = 0; i < 3; i++) v = createHash('sha1').update(v).update(createHash('sha1').update(Buffer.from([i])).digest()).digest();
    expect(r.pcrValues[0]!.toString('hex')).to.equal(v.toString('hex'));
  });

  it('a session bound to the owner leaves the owner authValue out of the HMAC key (Part 1, 19.6.11)', async () => {
    const { tpm, client } = await started();
    tpm.hierarchyAuth.set(TPM_RH.OWNER, Buffer.from('owner'));
    const nonceCaller = Buffer.alloc(32, 3);
    const s = await client.run(StartAuthSession, {
      handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.OWNER },
      params: { nonceCaller, encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
    });
    // sessionKey = KDFa(SHA256, "owner", "ATH", nonceTPM, nonceCaller, 256), recomputed here from the spec
    const k = createHmac('sha256', Buffer.from('owner')).update(Buffer.from('00000001', 'hex')).update(Buffer.from('ATH\0')).update(s.nonceTPM).update(nonceCaller).update(Buffer.from('00000100', 'hex')).digest();
    const session = new ClientHmacSession(s.handle, TPM_ALG.SHA256, s.nonceTPM, nonceCaller, k, Buffer.from('40000001', 'hex'));
    // authorizing a PCR (not the bind entity) with this session: key = sessionKey || PCR authValue (empty)
    await client.run(PCR_Extend, { handles: { pcrHandle: 16 }, params: { digests: [] }, auth: [{ session }] });
    const wrong = new ClientHmacSession(s.handle, TPM_ALG.SHA256, session.nonceTPM, nonceCaller, Buffer.alloc(32));
    const err = await client.run(PCR_Extend, { handles: { pcrHandle: 16 }, params: { digests: [] }, auth: [{ session: wrong }] }).catch((e) => e);
    expect(err).to.be.instanceOf(TpmResponseError);
    expect((err as TpmResponseError).rc).to.equal(0x9a2);
  });
});
