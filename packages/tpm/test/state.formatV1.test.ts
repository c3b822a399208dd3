import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ChangeEPS, ChangePPS, Clear, CreatePrimary, InProcessTransport, LATEST_RSA_PRIME_SEARCH, OLDEST_STATE_FORMAT_VERSION, PCR_Read, ReadPublic, STATE_FORMAT_VERSION,
  StateFormatError, Startup, TPM_ALG, TPM_RH, TPM_SU, Tpm, TpmClient, ekTemplate, pcrBitmap, restoreTpm, u8, u16, type RsaPrimeSearch,
} from '../src/index.js';
import { addedIn, blobFormat } from '../src/state/serialization/blobFormat.js';
import { permanentFormat } from '../src/state/serialization/permanentFormat.js';
import { volatileFormat } from '../src/state/serialization/volatileFormat.js';
import { PW } from './kit/startedTpm.js';
import { formatError } from './stateTestKit.js';

/*
 * State format version 2 adds the permanent section 'keyDerivation' (the RSA prime search of
 * seed-derived keys). Version-1 blobs still restore, as TPMs of method 1. The fixtures in
 * test/data/state-v1 are real version-1 blobs; their README says how they were made.
 */

const FIXTURES = new URL('../../test/data/state-v1/', import.meta.url);
const fixture = () => ({ permanent: readFileSync(new URL('permanent.bin', FIXTURES)), volatile: readFileSync(new URL('volatile.bin', FIXTURES)) });
/** Recorded when the fixtures were made (README.md). */
const EK_MODULUS_SHA256 = '14d16d79fed696e44b85f5cada19e3f45e6ac3fb5fc2ffbda37fa6042f579a3e';
const EK_NAME = '000bc4777524228783f59cbb0e544d88a2acd97a448f19b81668026fbe9814481c01';
const EK_HANDLE = 0x81010001;
const EVENT_DIGEST = createHash('sha256').update('state v1 fixture event').digest();

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const versionOf = (blob: Buffer) => blob.readUInt16BE(4);
const clientOf = (tpm: Tpm) => new TpmClient(new InProcessTransport(tpm));
/** The permanent blob's last section: id 11, size 1, the method. */
const KEY_DERIVATION_SECTION = (method: number) => Buffer.from([0x00, 0x0b, 0x00, 0x00, 0x00, 0x01, method]);

/** A blob with its header's version and length patched. */
function withHeader(blob: Buffer, version: number): Buffer {
  const b = Buffer.from(blob);
  b.writeUInt16BE(version, 4);
  b.writeUInt32BE(b.length, 6);
  return b;
}

async function ekModulus(client: TpmClient, handle: number): Promise<Buffer> {
  const { outPublic, name } = await client.run(ReadPublic, { handles: { objectHandle: handle }, params: {} });
  expect(outPublic.type).to.equal(TPM_ALG.RSA);
  if (handle === EK_HANDLE) expect(Buffer.from(name).toString('hex')).to.equal(EK_NAME);
  return outPublic.unique as Buffer;
}

function createEk(client: TpmClient) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.ENDORSEMENT },
    auth: [PW[0]!],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: ekTemplate('L-1').template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
}

describe('state blobs: format version 2 and version-1 blobs', function () {
  this.timeout(120000);

  it('the versions: this build writes 2 and reads 1 to 2', () => {
    expect(STATE_FORMAT_VERSION).to.equal(2);
    expect(OLDEST_STATE_FORMAT_VERSION).to.equal(1);
    const { permanent, volatile } = new Tpm({ seed: Buffer.from('v2') }).save();
    expect([versionOf(permanent), versionOf(volatile)]).to.deep.equal([2, 2]);
    expect(permanent.subarray(-7)).to.deep.equal(KEY_DERIVATION_SECTION(2));
  });

  describe('the version-1 fixtures (test/data/state-v1)', () => {
    it('are version 1 blobs without a keyDerivation section', () => {
      const { permanent, volatile } = fixture();
      expect([versionOf(permanent), versionOf(volatile)]).to.deep.equal([1, 1]);
      expect(permanentFormat.readVersioned(permanent).version).to.equal(1);
      expect(volatileFormat.readVersioned(volatile).version).to.equal(1);
      expect(permanentFormat.read(permanent).keyDerivation).to.deep.equal({ rsaPrimeSearch: 1 });
    });

    it('restore with both blobs: method 1, the persistent and the loaded EK with the recorded modulus, the extended PCR', async () => {
      const tpm = Tpm.restore(fixture());
      expect(tpm.rsaPrimeSearch).to.equal(1);
      expect(tpm.started).to.equal(true);
      const client = clientOf(tpm);
      const persistent = await ekModulus(client, EK_HANDLE);
      expect(persistent.length).to.equal(256);
      expect(sha256(persistent)).to.equal(EK_MODULUS_SHA256);
      expect(await ekModulus(client, 0x80000000)).to.deep.equal(persistent);
      const { pcrValues } = await client.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([16]) }] } });
      expect(pcrValues[0]).to.deep.equal(createHash('sha256').update(Buffer.concat([Buffer.alloc(32), EVENT_DIGEST])).digest());
    });

    it('the method is the blob\'s, not the options\'', () => {
      for (const rsaPrimeSearch of [1, 2] as RsaPrimeSearch[]) {
        expect(Tpm.restore(fixture(), { rsaPrimeSearch }).rsaPrimeSearch).to.equal(1);
        expect(Tpm.restore({ permanent: fixture().permanent }, { rsaPrimeSearch }).rsaPrimeSearch).to.equal(1);
      }
    });

    it('after a power cycle, CreatePrimary of the L-1 template gives the persistent EK again (the same modulus)', async () => {
      const tpm = Tpm.restore({ permanent: fixture().permanent });
      expect(tpm.rsaPrimeSearch).to.equal(1);
      const client = clientOf(tpm);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      const persistent = await ekModulus(client, EK_HANDLE);
      expect(sha256(persistent)).to.equal(EK_MODULUS_SHA256);
      const ek = await createEk(client);
      expect(sha256(ek.outPublic.unique as Buffer), 'the recreated EK').to.equal(EK_MODULUS_SHA256);
      expect(Buffer.from(ek.name).toString('hex')).to.equal(EK_NAME);
    });

    it('the method decides the EK: a new TPM of the fixture\'s seed gives the recorded EK with method 1 only', async () => {
      const moduli: string[] = [];
      for (const rsaPrimeSearch of [1, 2] as RsaPrimeSearch[]) {
        const tpm = new Tpm({ seed: Buffer.from('state v1 fixture'), rsaPrimeSearch });
        const client = clientOf(tpm);
        await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
        moduli.push(sha256((await createEk(client)).outPublic.unique as Buffer));
      }
      expect(moduli[0]).to.equal(EK_MODULUS_SHA256);
      expect(moduli[1]).to.not.equal(EK_MODULUS_SHA256);
    });

    it('save after restore writes version 2: the same sections, keyDerivation with method 1 appended', () => {
      const v1 = fixture();
      const tpm = Tpm.restore(v1, { now: () => 1000 });
      const v2 = tpm.save();
      expect(v2.permanent).to.deep.equal(withHeader(Buffer.concat([v1.permanent, KEY_DERIVATION_SECTION(1)]), 2));
      expect(v2.volatile).to.deep.equal(withHeader(v1.volatile, 2));
      const again = Tpm.restore(v2);
      expect(again.rsaPrimeSearch).to.equal(1);
      expect(again.save()).to.deep.equal(v2);
    });

    it('a version-1 volatile blob goes with a version-2 permanent blob of the same permanent state (the volatile layout did not change)', () => {
      const v1 = fixture();
      const permanent = Tpm.restore({ permanent: v1.permanent }).save().permanent;
      const tpm = Tpm.restore({ permanent, volatile: v1.volatile });
      expect(tpm.rsaPrimeSearch).to.equal(1);
      expect(tpm.started).to.equal(true);
    });

    it('refuses a version-1 blob with a keyDerivation section, and a version-2 blob without one', () => {
      const { permanent, volatile } = fixture();
      for (const method of [1, 2]) {
        expect(formatError({ permanent: withHeader(Buffer.concat([permanent, KEY_DERIVATION_SECTION(method)]), 1) })).to.equal(
          `permanent state blob inconsistent: section 'keyDerivation' (id 11) at offset ${permanent.length} is not part of version 1 (it was added in version 2)`,
        );
      }
      expect(formatError({ permanent: withHeader(permanent, 2) })).to.equal(`permanent state blob truncated: section 'keyDerivation' (id 11) missing at offset ${permanent.length}`);
      // the volatile blob is the same in both versions
      expect(() => restoreTpm({ permanent, volatile: withHeader(volatile, 2) })).to.not.throw();
    });
  });

  describe('a TPM of version 2', () => {
    it('a new TPM has the latest method unless the options say otherwise', () => {
      expect(LATEST_RSA_PRIME_SEARCH).to.equal(2);
      expect(new Tpm().rsaPrimeSearch).to.equal(2);
      expect(new Tpm({ seed: Buffer.from('x') }).rsaPrimeSearch).to.equal(2);
      expect(new Tpm({ rsaPrimeSearch: 1 }).rsaPrimeSearch).to.equal(1);
      expect(new Tpm({ rsaPrimeSearch: 2 }).rsaPrimeSearch).to.equal(2);
      for (const bad of [0, 3, 1.5]) expect(() => new Tpm({ rsaPrimeSearch: bad as RsaPrimeSearch })).to.throw(RangeError, `unknown RSA prime search method ${bad}`);
    });

    it('save and restore keep the method (both values), with and without the volatile blob', () => {
      for (const rsaPrimeSearch of [1, 2] as RsaPrimeSearch[]) {
        const blobs = new Tpm({ seed: Buffer.from('keep'), rsaPrimeSearch }).save();
        expect(permanentFormat.read(blobs.permanent).keyDerivation).to.deep.equal({ rsaPrimeSearch });
        expect(blobs.permanent.subarray(-7)).to.deep.equal(KEY_DERIVATION_SECTION(rsaPrimeSearch));
        const other = (3 - rsaPrimeSearch) as RsaPrimeSearch;
        expect(Tpm.restore(blobs, { rsaPrimeSearch: other }).rsaPrimeSearch).to.equal(rsaPrimeSearch);
        expect(Tpm.restore({ permanent: blobs.permanent }).rsaPrimeSearch).to.equal(rsaPrimeSearch);
        expect(Tpm.restore(blobs).save()).to.deep.equal(blobs);
      }
    });

    it('Clear, ChangeEPS and ChangePPS keep the method', async () => {
      for (const rsaPrimeSearch of [1, 2] as RsaPrimeSearch[]) {
        const tpm = new Tpm({ seed: Buffer.from('hierarchy commands'), rsaPrimeSearch });
        const c = clientOf(tpm);
        await c.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
        await c.run(Clear, { handles: { authHandle: TPM_RH.LOCKOUT }, auth: PW, params: {} });
        await c.run(ChangeEPS, { handles: { authHandle: TPM_RH.PLATFORM }, auth: PW, params: {} });
        await c.run(ChangePPS, { handles: { authHandle: TPM_RH.PLATFORM }, auth: PW, params: {} });
        expect(tpm.rsaPrimeSearch).to.equal(rsaPrimeSearch);
        expect(permanentFormat.read(tpm.save().permanent).keyDerivation.rsaPrimeSearch).to.equal(rsaPrimeSearch);
      }
    });

    it('refuses a method other than 1 or 2', () => {
      const { permanent } = new Tpm({ seed: Buffer.from('bad method') }).save();
      for (const method of [0, 3, 255]) {
        const bad = Buffer.from(permanent);
        bad[bad.length - 1] = method;
        expect(formatError({ permanent: bad })).to.equal(
          `permanent state blob inconsistent: section 'keyDerivation' is malformed at offset ${permanent.length}: TPM_RC_VALUE: unknown RSA prime search method ${method}`,
        );
      }
      // and the section must hold exactly the one octet
      expect(formatError({ permanent: withHeader(Buffer.concat([permanent.subarray(0, -7), Buffer.from([0, 11, 0, 0, 0, 2, 1, 0])]), 2) })).to.match(
        /section 'keyDerivation' has 1 octets after its contents/,
      );
      expect(formatError({ permanent: withHeader(Buffer.concat([permanent.subarray(0, -7), Buffer.from([0, 11, 0, 0, 0, 0])]), 2) })).to.match(
        /truncated: section 'keyDerivation' ends inside its contents/,
      );
    });

    it('refuses versions newer than this build and older than the oldest, permanent and volatile', () => {
      const blobs = new Tpm({ seed: Buffer.from('versions') }).save();
      for (const version of [0, 3, 0xffff]) {
        const message = `version ${version} is not supported (this build reads versions 1 to 2)`;
        expect(formatError({ permanent: withHeader(blobs.permanent, version) })).to.equal(`permanent state blob ${message}`);
        expect(formatError({ ...blobs, volatile: withHeader(blobs.volatile, version) })).to.equal(`volatile state blob ${message}`);
      }
    });
  });

  describe('blobFormat: sections added in later versions', () => {
    const toy = blobFormat('toy', 'TOYS', { current: 3, oldest: 1 }, { a: u8, b: addedIn(2, u8, 7), c: addedIn(3, u16, 9) });
    const blob = (version: number, sections: number[][]) =>
      withHeader(Buffer.concat([Buffer.from('TOYS'), Buffer.alloc(6), ...sections.map((s, i) => Buffer.from([0, i + 1, 0, 0, 0, s.length, ...s]))]), version);

    it('writes the current version with every section, reads each version with the values older ones lack', () => {
      expect(toy.write({ a: 1, b: 2, c: 3 })).to.deep.equal(blob(3, [[1], [2], [0, 3]]));
      expect(toy.readVersioned(blob(3, [[1], [2], [0, 3]]))).to.deep.equal({ version: 3, values: { a: 1, b: 2, c: 3 } });
      expect(toy.readVersioned(blob(2, [[1], [2]]))).to.deep.equal({ version: 2, values: { a: 1, b: 2, c: 9 } });
      expect(toy.readVersioned(blob(1, [[1]]))).to.deep.equal({ version: 1, values: { a: 1, b: 7, c: 9 } });
    });

    it('refuses a section a version does not have, and a missing one it has', () => {
      expect(() => toy.read(blob(1, [[1], [2]]))).to.throw(StateFormatError, "toy state blob inconsistent: section 'b' (id 2) at offset 17 is not part of version 1 (it was added in version 2)");
      expect(() => toy.read(blob(2, [[1], [2], [0, 3]]))).to.throw(StateFormatError, "section 'c' (id 3) at offset 24 is not part of version 2 (it was added in version 3)");
      expect(() => toy.read(blob(2, [[1]]))).to.throw(StateFormatError, "toy state blob truncated: section 'b' (id 2) missing at offset 17");
      expect(() => toy.read(blob(1, [[1], [2, 2]]))).to.throw(StateFormatError, 'not part of version 1');
      expect(() => toy.read(Buffer.concat([blob(1, [[1]]), Buffer.from([0, 9])]))).to.throw(StateFormatError, 'has 2 octets after its end');
      expect(() => toy.read(withHeader(Buffer.concat([blob(1, [[1]]), Buffer.from([0, 9])]), 1))).to.throw(StateFormatError, 'inconsistent: 2 octets after the last section');
    });

    it('a new section goes after the ones before it (ids stay stable)', () => {
      expect(() => blobFormat('bad', 'BADS', { current: 2, oldest: 1 }, { a: addedIn(2, u8, 0), b: u8 })).to.throw(/added in version 1 out of order/);
      expect(() => blobFormat('bad', 'BADS', { current: 2, oldest: 1 }, { a: u8, b: addedIn(3, u8, 0) })).to.throw(/added in version 3 out of order/);
    });
  });
});
