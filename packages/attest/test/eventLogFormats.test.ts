import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  compareWithExpectedPcrs, EV, EventLogFormatError, EventLogWriter, eventLogReport, LeWriter, parseEventLog, replayEventLog, serializeEventLog,
  SPEC_ID_EVENT03_SIGNATURE, STARTUP_LOCALITY_SIGNATURE,
} from '../src/index.js';

const SHA1 = 0x0004;
const SHA256 = 0x000b;
const sha = (alg: string, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash(alg)).digest();
const withLastByte = (size: number, v: number) => Buffer.concat([Buffer.alloc(size - 1), Buffer.of(v)]);

/** A crypto-agile log written by hand: Spec ID banks as given, events as [pcr, type, digests by bank, data]. */
function handWritten(banks: [number, number][], events: [number, number, Buffer[], Buffer][]): Buffer {
  const spec = new LeWriter().bytes(SPEC_ID_EVENT03_SIGNATURE).u32(0).u8(0).u8(2).u8(0).u8(2).u32(banks.length);
  for (const [alg, size] of banks) spec.u16(alg).u16(size);
  const specBytes = spec.u8(0).finish();
  const w = new LeWriter().u32(0).u32(EV.NO_ACTION).bytes(Buffer.alloc(20)).u32(specBytes.length).bytes(specBytes);
  for (const [pcr, type, digests, data] of events) {
    w.u32(pcr).u32(type).u32(digests.length);
    digests.forEach((d, i) => w.u16(banks[i]![0]).bytes(d));
    w.u32(data.length).bytes(data);
  }
  return w.finish();
}

describe('event logs: formats, header, replay rules and errors', () => {
  it('lays out the Spec ID header and a TCG_PCR_EVENT2 exactly as the PC Client profile says', () => {
    const w = new EventLogWriter({ algorithms: [SHA256] });
    w.measure(4, EV.SEPARATOR, Buffer.alloc(4));
    const b = w.toBuffer();
    // TCG_PCR_EVENT: pcrIndex 0, EV_NO_ACTION, 20 zero bytes, eventDataSize, TCG_EfiSpecIdEvent
    expect([b.readUInt32LE(0), b.readUInt32LE(4)]).to.deep.equal([0, EV.NO_ACTION]);
    expect(b.subarray(8, 28).equals(Buffer.alloc(20))).to.equal(true);
    const specSize = b.readUInt32LE(28);
    expect(specSize).to.equal(16 + 4 + 4 + 4 + 4 + 1); // signature, class, versions+uintnSize, count, one alg, vendorInfoSize
    const spec = b.subarray(32, 32 + specSize);
    expect(spec.subarray(0, 16).toString('latin1')).to.equal('Spec ID Event03\0');
    expect([spec[21], spec[20], spec[22], spec[23]]).to.deep.equal([2, 0, 0, 2]); // major, minor, errata, uintnSize
    expect([spec.readUInt32LE(24), spec.readUInt16LE(28), spec.readUInt16LE(30)]).to.deep.equal([1, SHA256, 32]);
    // TCG_PCR_EVENT2: pcrIndex, eventType, count, {alg, digest}, eventSize, event
    const e = b.subarray(32 + specSize);
    expect([e.readUInt32LE(0), e.readUInt32LE(4), e.readUInt32LE(8), e.readUInt16LE(12)]).to.deep.equal([4, EV.SEPARATOR, 1, SHA256]);
    expect(e.subarray(14, 46).toString('hex')).to.equal('df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119'); // sha256(00000000)
    expect([e.readUInt32LE(46), e.length]).to.deep.equal([4, 54]);
  });

  it('writes and parses the SHA-1 legacy layout: TCG_PCR_EVENT records only, no header', () => {
    const w = new EventLogWriter({ format: 'sha1' });
    w.measure(0, EV.S_CRTM_VERSION, Buffer.from('v1\0', 'utf16le'));
    w.measure(7, EV.SEPARATOR, Buffer.alloc(4));
    const b = w.toBuffer();
    expect(b.length).to.equal(2 * 32 + 6 + 4);
    expect([b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt32LE(28)]).to.deep.equal([0, EV.S_CRTM_VERSION, 6]);
    const log = parseEventLog(b);
    expect(log.format).to.equal('sha1');
    expect(log.specId).to.equal(undefined);
    expect(log.events.map((e) => [e.index, e.offset, e.pcrIndex])).to.deep.equal([[0, 0, 0], [1, 38, 7]]);
    expect(serializeEventLog(log).equals(b)).to.equal(true);
    expect(replayEventLog(log).get(SHA1)!.get(7)!.equals(sha('sha1', Buffer.alloc(20), sha('sha1', Buffer.alloc(4))))).to.equal(true);
  });

  it('skips the digests of an algorithm it cannot compute by the size the Spec ID event declares, and replays the rest', () => {
    const unknown = 0x00b3;
    const data = Buffer.from('hello');
    const log = handWritten([[unknown, 40], [SHA256, 32]], [[8, EV.IPL, [Buffer.alloc(40, 0xee), sha('sha256', data)], data]]);
    const parsed = parseEventLog(log);
    expect(parsed.events[0]!.digests.map((d) => [d.algorithmId, d.digest.length])).to.deep.equal([[unknown, 40], [SHA256, 32]]);
    const replayed = replayEventLog(parsed);
    expect([...replayed.keys()]).to.deep.equal([SHA256]);
    expect(replayed.get(SHA256)!.get(8)!.equals(sha('sha256', Buffer.alloc(32), sha('sha256', data)))).to.equal(true);
    expect(eventLogReport(log).banks).to.deep.equal(['0x00b3', 'sha256']);
    const r = compareWithExpectedPcrs(parsed, { '0x00b3': { 8: '00' } });
    expect(r.mismatches[0]!.reason).to.equal('0x00b3 cannot be computed here');
  });

  it('starts PCR 0 at 00..0L after a StartupLocality event (locality 3, and 4 for an H-CRTM), in every bank', () => {
    for (const locality of [3, 4]) {
      const w = new EventLogWriter({ algorithms: [SHA1, SHA256] });
      w.noAction(0, Buffer.concat([STARTUP_LOCALITY_SIGNATURE, Buffer.of(locality)]));
      const crtm = w.measure(0, EV.EFI_HCRTM_EVENT, Buffer.from('HCRTM'));
      const replayed = replayEventLog(parseEventLog(w.toBuffer()));
      expect(replayed.get(SHA1)!.get(0)!.equals(sha('sha1', withLastByte(20, locality), crtm.digests[0]!.digest))).to.equal(true);
      expect(replayed.get(SHA256)!.get(0)!.equals(sha('sha256', withLastByte(32, locality), crtm.digests[1]!.digest))).to.equal(true);
    }
  });

  it('replays by digest, never by type: only EV_NO_ACTION is left out (even with non-zero digests), a StartupLocality after PCR 0 was extended is ignored', () => {
    const w = new EventLogWriter({ algorithms: [SHA256] });
    const first = w.measure(0, EV.POST_CODE, Buffer.from('POST CODE'));
    w.append({ pcrIndex: 0, eventType: EV.NO_ACTION, digests: [{ algorithmId: SHA256, digest: Buffer.alloc(32, 9) }], event: Buffer.from('anything') });
    w.noAction(0, Buffer.concat([STARTUP_LOCALITY_SIGNATURE, Buffer.of(3)]));
    const odd = w.measure(0, 0x12345678, Buffer.from('an event type nobody defined'));
    const pcr0 = replayEventLog(parseEventLog(w.toBuffer())).get(SHA256)!.get(0)!;
    expect(pcr0.equals(sha('sha256', sha('sha256', Buffer.alloc(32), first.digests[0]!.digest), odd.digests[0]!.digest))).to.equal(true);
  });

  it('compares with expected PCRs: an untouched PCR replays to its reset value, uncovered PCRs are listed, a missing bank is named', () => {
    const w = new EventLogWriter({ algorithms: [SHA256] });
    const sep = w.measure(7, EV.SEPARATOR, Buffer.alloc(4));
    w.measure(9, EV.IPL, Buffer.from('kernel'));
    const log = parseEventLog(w.toBuffer());
    const pcr7 = sha('sha256', Buffer.alloc(32), sep.digests[0]!.digest).toString('hex');
    const r = compareWithExpectedPcrs(log, { sha256: { 7: pcr7, 10: '00'.repeat(32), 17: 'ff'.repeat(32) } });
    expect(r).to.deep.include({ ok: true, matched: 3, uncovered: [{ bank: 'sha256', pcrs: [9] }] });
    const bad = compareWithExpectedPcrs(log, new Map([[SHA1, new Map([[7, Buffer.alloc(20)]])]]));
    expect(bad.mismatches).to.have.length(1);
    expect(bad.mismatches[0]).to.deep.include({ pcr: 7, bank: 'sha1', reason: 'the log carries no sha1 bank' });
    expect(bad.mismatches[0]!.events.map((e) => e.eventTypeName)).to.deep.equal(['EV_SEPARATOR']);
  });

  describe('malformed logs are refused with the record and byte offset', () => {
    const good = () => {
      const w = new EventLogWriter({ algorithms: [SHA1, SHA256] });
      w.measure(0, EV.SEPARATOR, Buffer.alloc(4));
      return w.toBuffer();
    };
    const headerEnd = 32 + good().readUInt32LE(28);
    const refuse = (b: Buffer, message: RegExp, offset: number) => {
      try {
        parseEventLog(b);
      } catch (e) {
        expect(e).to.be.instanceOf(EventLogFormatError);
        expect((e as EventLogFormatError).message).to.match(message);
        expect((e as EventLogFormatError).offset).to.equal(offset);
        return;
      }
      expect.fail('parsed');
    };

    it('empty, or cut short inside a record', () => {
      refuse(Buffer.alloc(0), /empty event log/, 0);
      const b = good();
      refuse(b.subarray(0, b.length - 1), /record 1 \(starting at byte \d+\): truncated: TCG_PCR_EVENT2.event needs 4 bytes, 3 left/, b.length - 4);
      refuse(b.subarray(0, 40), /record 0 .*truncated: TCG_PCR_EVENT.event/, 32);
    });

    it('a digest count that is not the number of banks, an undeclared or repeated algorithm', () => {
      const b = good();
      b.writeUInt32LE(7, headerEnd + 8);
      refuse(b, /record 1 .*TCG_PCR_EVENT2 has 7 digests, the Spec ID event declares 2 banks/, headerEnd + 8);
      const c = good();
      c.writeUInt16LE(0x0012, headerEnd + 12);
      refuse(c, /digest algorithm 0x0012 is not declared/, headerEnd + 12);
      const d = good();
      d.writeUInt16LE(SHA1, headerEnd + 12 + 2 + 20);
      refuse(d, /two digests for algorithm 0x0004/, headerEnd + 34);
    });

    it('a Spec ID event without banks, with a wrong size for a known algorithm, or a size out of range', () => {
      refuse(handWritten([], []), /declares no hash algorithms/, 32 + 24);
      refuse(handWritten([[SHA256, 20]], []), /gives sha256 a 20-byte digest, not 32/, 32 + 28);
      refuse(handWritten([[SHA256, 32], [0x00b3, 65]], []), /digest size 65 for algorithm 0x00b3 is outside 1..64/, 32 + 32);
      refuse(handWritten([[SHA256, 32], [SHA256, 32]], []), /declares algorithm 0x000b twice/, 32 + 32);
    });

    it('a header whose digest is not zero', () => {
      const b = good();
      b[8] = 1;
      refuse(b, /Spec ID event digest must be zero/, 8);
    });
  });
});
