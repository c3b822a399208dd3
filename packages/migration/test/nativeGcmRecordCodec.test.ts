import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { nativeAesGcm } from '@vtpm/hypervisor';
import { GcmRecordCodec, NativeGcmRecordCodec, RECORD, RECORD_HEADER_BYTES, RecordOpener, RecordRejectedError, RecordSealer, gcmRecordCodec } from '../src/index.js';

describe('NativeGcmRecordCodec: the same records as node:crypto, without a buffer per record', () => {
  const aes = nativeAesGcm();
  before(function () {
    if (!aes) this.skip(); // addon not built: streams use GcmRecordCodec (node:crypto)
  });
  const key = randomBytes(32);
  const native = () => new NativeGcmRecordCodec(key, aes!);
  const node = () => new GcmRecordCodec(key);

  it('is what streams use when the addon is built', () => {
    expect(gcmRecordCodec(key)).to.be.instanceOf(NativeGcmRecordCodec);
  });

  it('seals byte for byte what node:crypto seals, and each opens the other\'s records', () => {
    const bodies = [0, 1, 16, 4096, 262_402].map((n) => randomBytes(n));
    const fromNative = bodies.map((b, i) => new RecordSealer(native()).seal(RECORD.pageBatch, 3, i * 4096, b));
    const fromNode = bodies.map((b, i) => new RecordSealer(node()).seal(RECORD.pageBatch, 3, i * 4096, b));
    fromNative.forEach((f, i) => expect(f.equals(fromNode[i]!), `body of ${bodies[i]!.length} octets`).to.equal(true));
    const openedByNative = fromNode.map((f) => new RecordOpener(native()).open(Buffer.from(f)).body);
    const openedByNode = fromNative.map((f) => new RecordOpener(node()).open(Buffer.from(f)).body);
    bodies.forEach((b, i) => {
      expect(openedByNative[i]!.equals(b)).to.equal(true);
      expect(openedByNode[i]!.equals(b)).to.equal(true);
    });
  });

  it('opens in place: the body is the frame\'s own memory', () => {
    const body = randomBytes(4096);
    const frame = new RecordSealer(native()).seal(RECORD.pageBatch, 1, 0, body);
    const opened = new RecordOpener(native()).open(frame).body;
    expect(opened.equals(body)).to.equal(true);
    expect(opened.buffer).to.equal(frame.buffer);
    expect(opened.byteOffset).to.equal(frame.byteOffset + RECORD_HEADER_BYTES);
  });

  for (const [what, at] of [['a header bit (the gpa)', 20], ['a body bit', RECORD_HEADER_BYTES + 100], ['a tag bit', -1]] as const) {
    it(`refuses a record with ${what} flipped and leaves zeros, not plaintext, where the body was`, () => {
      const body = Buffer.alloc(4096, 0x42);
      const frame = new RecordSealer(native()).seal(RECORD.pageBatch, 1, 0, body);
      frame[at < 0 ? frame.length + at : at]! ^= 1;
      expect(() => new RecordOpener(native()).open(frame)).to.throw(RecordRejectedError, /record seq 1 does not authenticate/);
      expect(frame.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + body.length).every((b) => b === 0)).to.equal(true);
    });
  }

  it('refuses a record sealed under another key', () => {
    const frame = new RecordSealer(new NativeGcmRecordCodec(randomBytes(32), aes!)).seal(RECORD.commit, 0, 0, Buffer.alloc(0));
    expect(() => new RecordOpener(native()).open(frame)).to.throw(RecordRejectedError, /does not authenticate/);
  });
});
