import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { BLOB_TYPE, StateKey, StateRefusal, openState, sealForMigration, sealState, type StateContent } from '../src/index.js';

const content = (payload = Buffer.from('the permanent state')): StateContent => ({ type: BLOB_TYPE.permanent, lineage: Buffer.alloc(16, 0xab), generation: 7n, shutDown: false, payload });

function refusal(f: () => unknown): StateRefusal {
  try {
    f();
  } catch (e) {
    if (e instanceof StateRefusal) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('state envelope', () => {
  const key = StateKey.fromBytes(Buffer.alloc(32, 1));

  it('plain and sealed blobs open to what was sealed; sealing is deterministic', () => {
    for (const k of [null, key]) {
      const blob = sealState(content(), k);
      expect(sealState(content(), k).equals(blob)).to.equal(true);
      const opened = openState(blob, { stateKey: k });
      expect(opened).to.include({ type: 1, generation: 7n, shutDown: false, sealedWith: k ? 'state' : 'none' });
      expect(opened.payload.toString()).to.equal('the permanent state');
    }
    expect(sealState(content(), key).includes(Buffer.from('the permanent state'))).to.equal(false);
  });

  it('a passphrase key re-seals with the salt of the blob it opened (byte-identical after a move)', () => {
    const source = StateKey.fromPassphrase(Buffer.from('correct horse'), 'pbkdf2', 1000);
    const blob = sealState(content(), source, 'migration');
    const destination = StateKey.fromPassphrase(Buffer.from('correct horse'), 'pbkdf2', 1000);
    expect(sealState(content(), destination, 'migration').equals(blob)).to.equal(false); // its own random salt
    openState(blob, { migrationKey: destination });
    expect(sealState(content(), destination, 'migration').equals(blob)).to.equal(true);
  });

  it('migration sealing around a state-key seal, as swtpm layers them', () => {
    const migration = StateKey.fromPassphrase(Buffer.from('m'), 'sha512');
    const blob = sealForMigration(content(), key, migration);
    expect(openState(blob, { stateKey: key, migrationKey: migration })).to.include({ sealedWith: 'state', migrationSealed: true });
    expect(refusal(() => openState(blob, { migrationKey: migration })).kind).to.equal('missing-key');
    expect(refusal(() => openState(blob, { stateKey: key })).message).to.match(/give --migration-key/);
  });

  it('each fault is refused with its own kind and message', () => {
    const blob = sealState(content(randomBytes(200)), key);
    const wrong = StateKey.fromBytes(Buffer.alloc(32, 2));
    const cases: [string, Buffer, object, string, RegExp][] = [
      ['wrong key', blob, { stateKey: wrong }, 'wrong-key', /wrong key: --key does not match/],
      ['no key', blob, {}, 'missing-key', /give --key/],
      ['truncated', blob.subarray(0, blob.length - 10), { stateKey: key }, 'truncated', /truncated: \d+ bytes, the header announces \d+/],
      ['short', blob.subarray(0, 20), { stateKey: key }, 'truncated', /shorter than the header/],
      ['not vtpm', Buffer.from('swtpm state ....'), { stateKey: key }, 'not-vtpm-state', /not a vtpm state/],
      ['plain where a key is required', sealState(content(), null), { stateKey: key, require: 'state' }, 'not-encrypted', /not encrypted, but --key is configured/],
    ];
    for (const [what, bytes, options, kind, message] of cases) {
      const r = refusal(() => openState(bytes, options));
      expect(r.kind, what).to.equal(kind);
      expect(r.message, what).to.match(message);
    }
  });

  it('a changed byte anywhere is refused: damaged, or (checksum recomputed) tampered', async () => {
    const blob = sealState(content(randomBytes(64)), key);
    const { createHash } = await import('node:crypto');
    for (let i = 0; i < blob.length; i++) {
      const flipped = Buffer.from(blob);
      flipped[i]! ^= 0x01;
      const expected = i < 8 ? ['not-vtpm-state'] : i >= 40 && i < 44 ? ['truncated', 'damaged'] : ['damaged']; // magic; payload length
      expect(refusal(() => openState(flipped, { stateKey: key })).kind, `byte ${i}`).to.be.oneOf(expected);
    }
    // a forger who recomputes the checksum still fails authentication (header and payload bytes)
    for (const i of [10, 33, 60, 120, blob.length - 40]) {
      const forged = Buffer.from(blob);
      forged[i]! ^= 0x01;
      createHash('sha256').update(forged.subarray(0, forged.length - 32)).digest().copy(forged, forged.length - 32);
      expect(refusal(() => openState(forged, { stateKey: key })).kind, `byte ${i}`).to.be.oneOf(['tampered', 'wrong-blob-type', 'wrong-key', 'damaged']);
    }
    const payloadForged = Buffer.from(blob);
    payloadForged[120]! ^= 1;
    createHash('sha256').update(payloadForged.subarray(0, payloadForged.length - 32)).digest().copy(payloadForged, payloadForged.length - 32);
    expect(refusal(() => openState(payloadForged, { stateKey: key })).kind).to.equal('tampered');
  });
});
