import { expect } from 'chai';
import { compareWithExpectedPcrs, describeMismatch, EV, eventLogReport, hashAlgorithmName, parseEventLog, type ParsedEvent, type ParsedEventLog } from '../src/index.js';
import { EXPECTED, LOG_NAMES, readLog } from './eventLogFixtures.js';

/**
 * What replaying a log against the quoted PCRs catches, on the real logs: every changed digest
 * and every removed event, naming the PCR; a changed event type only when it moves an event into
 * or out of EV_NO_ACTION, because the type is not covered by any digest.
 */
describe('event logs: tampering with a real log is detected by replay, naming the PCR', () => {
  for (const name of LOG_NAMES) {
    const expected = EXPECTED[name]!.expected_pcrs;
    const bytes = readLog(name);
    const log = parseEventLog(bytes);
    const extending = log.events.filter((e) => e.eventType !== EV.NO_ACTION);
    const nextOffset = (e: ParsedEvent) => log.events[log.events.indexOf(e) + 1]?.offset ?? bytes.length;
    const check = (tampered: Buffer) => compareWithExpectedPcrs(parseEventLog(tampered), expected);

    describe(name, () => {
      it(`a changed digest byte in any of the ${extending.length} extending events: exactly that PCR and bank mismatch, and the event is named`, () => {
        for (const e of extending) {
          const tampered = Buffer.from(bytes);
          const digestAt = log.format === 'sha1' ? e.offset + 8 : e.offset + 14; // first TPMT_HA's digest
          tampered[digestAt + 5]! ^= 0x01;
          const r = check(tampered);
          const bank = hashAlgorithmName(e.digests[0]!.algorithmId);
          expect(r.mismatches.map((m) => `${m.bank}:${m.pcr}`), `event #${e.index}`).to.deep.equal([`${bank}:${e.pcrIndex}`]);
          const named = r.mismatches[0]!.events.find((x) => x.index === e.index)!;
          expect(named.offset).to.equal(e.offset);
          expect(named.digest).to.equal(Buffer.from(tampered.subarray(digestAt, digestAt + e.digests[0]!.digest.length)).toString('hex'));
        }
      });

      it('a removed event: its PCR mismatches in every bank, and the other PCRs still match', () => {
        for (const e of extending) {
          const tampered = Buffer.concat([bytes.subarray(0, e.offset), bytes.subarray(nextOffset(e))]);
          const r = check(tampered);
          expect(new Set(r.mismatches.map((m) => m.pcr)), `event #${e.index}`).to.deep.equal(new Set([e.pcrIndex]));
          expect(r.mismatches.map((m) => m.bank)).to.deep.equal(log.banks.map((b) => hashAlgorithmName(b.algorithmId)));
        }
      });

      it('an extending event retyped as EV_NO_ACTION: no longer extended, so its PCR mismatches and the event shows as not extended', () => {
        for (const e of extending) {
          const tampered = Buffer.from(bytes);
          tampered.writeUInt32LE(EV.NO_ACTION, e.offset + 4);
          const r = check(tampered);
          expect(new Set(r.mismatches.map((m) => m.pcr)), `event #${e.index}`).to.deep.equal(new Set([e.pcrIndex]));
          expect(r.mismatches[0]!.events.find((x) => x.index === e.index)).to.include({ eventTypeName: 'EV_NO_ACTION', extended: false });
        }
      });

      it('an extending event retyped as another extending type: NOT detectable by replay (the type is not covered by the digest); only its decoding changes', () => {
        for (const e of extending) {
          const tampered = Buffer.from(bytes);
          const forged = e.eventType === EV.IPL ? EV.EFI_ACTION : EV.IPL;
          tampered.writeUInt32LE(forged, e.offset + 4);
          expect(check(tampered).ok, `event #${e.index}`).to.equal(true);
          expect(eventLogReport(tampered).events.find((x) => x.index === e.index)!.typeName).to.equal(forged === EV.IPL ? 'EV_IPL' : 'EV_EFI_ACTION');
        }
      });
    });
  }

  it('a StartupLocality EV_NO_ACTION retyped as an extending event: PCR 0 mismatches (keylime-bios.bin, locality 3)', () => {
    const bytes = readLog('keylime-bios.bin');
    const locality = (parseEventLog(bytes) as ParsedEventLog).events.find((e) => e.eventType === EV.NO_ACTION)!;
    const tampered = Buffer.from(bytes);
    tampered.writeUInt32LE(EV.POST_CODE, locality.offset + 4);
    const r = compareWithExpectedPcrs(parseEventLog(tampered), EXPECTED['keylime-bios.bin']!.expected_pcrs);
    expect(r.mismatches.map((m) => `${m.bank}:${m.pcr}`)).to.deep.equal(['sha1:0', 'sha256:0']);
    expect(describeMismatch(r.mismatches[0]!)).to.match(/^PCR 0 \(sha1\): expected [0-9a-f]{40}, the log replays to [0-9a-f]{40}; events behind it: #1 EV_POST_CODE 0{40}, #2 /);
  });
});
