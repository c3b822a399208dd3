import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decode, devicePath, EFI_LOAD_OPTION, EFI_SIGNATURE_DATABASE, encode, EV, EventLogFormatError, EventLogWriter, filePathNode, parseDevicePath,
  parseEventLog, replayEventLog, serializeEventLog, STARTUP_LOCALITY_SIGNATURE, UEFI_GUID, UEFI_IMAGE_LOAD_EVENT, UEFI_VARIABLE_DATA,
} from '../src/eventLog/index.js';
import { runAttestationDemo } from '../src/attestationDemo.js';
import { comparePcrs } from '../src/pcrComparison.js';
import { findTpm2Eventlog, runTpm2Eventlog } from '../src/tpm2Eventlog.js';

const SHA1 = 0x0004;
const SHA256 = 0x000b;

describe('event log (TCG PC Client crypto-agile)', () => {
  let outDir: string;
  before(() => (outDir = mkdtempSync(join(tmpdir(), 'vtpm-demo-test-'))));
  after(() => rmSync(outDir, { recursive: true, force: true }));
  it('parses back what the writer wrote, byte for byte', async () => {
    const { logFile, log } = await runAttestationDemo({ outDir, useTpm2Tools: false });
    const bytes = readFileSync(logFile);
    expect(serializeEventLog(log).equals(bytes)).to.equal(true);
    expect(log.specId.signature.toString('latin1')).to.equal('Spec ID Event03\0');
    expect(log.specId.digestSizes).to.deep.equal([
      { algorithmId: 0x0004, digestSize: 20 },
      { algorithmId: 0x000b, digestSize: 32 },
      { algorithmId: 0x000c, digestSize: 48 },
      { algorithmId: 0x000d, digestSize: 64 },
    ]);
    expect(log.events.map((e) => e.eventType)).to.include.members([EV.S_CRTM_VERSION, EV.POST_CODE, EV.EFI_VARIABLE_DRIVER_CONFIG, EV.SEPARATOR, EV.EFI_BOOT_SERVICES_APPLICATION, EV.IPL]);
    for (const e of log.events) expect(e.digests.map((d) => d.digest.length)).to.deep.equal([20, 32, 48, 64]);
  });

  it('lays out the header and a TCG_PCR_EVENT2 exactly as the PC Client profile says', () => {
    const w = new EventLogWriter({ algorithms: [SHA256] });
    w.measure(4, EV.SEPARATOR, Buffer.alloc(4));
    const b = w.toBuffer();
    // TCG_PCR_EVENT: pcrIndex 0, EV_NO_ACTION, 20 zero bytes, eventDataSize, TCG_EfiSpecIdEvent
    expect(b.readUInt32LE(0)).to.equal(0);
    expect(b.readUInt32LE(4)).to.equal(EV.NO_ACTION);
    expect(b.subarray(8, 28).equals(Buffer.alloc(20))).to.equal(true);
    const specSize = b.readUInt32LE(28);
    expect(specSize).to.equal(16 + 4 + 4 + 4 + 4 + 1); // signature, class, versions+uintnSize, count, one alg, vendorInfoSize
    const spec = b.subarray(32, 32 + specSize);
    expect(spec.subarray(0, 16).toString('latin1')).to.equal('Spec ID Event03\0');
    expect([spec[21], spec[20], spec[22], spec[23]]).to.deep.equal([2, 0, 0, 2]); // major, minor, errata, uintnSize
    expect(spec.readUInt32LE(24)).to.equal(1);
    expect([spec.readUInt16LE(28), spec.readUInt16LE(30)]).to.deep.equal([SHA256, 32]);
    // TCG_PCR_EVENT2: pcrIndex, eventType, count, {alg, digest}, eventSize, event
    const e = b.subarray(32 + specSize);
    expect([e.readUInt32LE(0), e.readUInt32LE(4), e.readUInt32LE(8), e.readUInt16LE(12)]).to.deep.equal([4, EV.SEPARATOR, 1, SHA256]);
    expect(e.subarray(14, 46).toString('hex')).to.equal('df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119'); // sha256(00000000)
    expect(e.readUInt32LE(46)).to.equal(4);
    expect(e.length).to.equal(54);
  });

  it('replays to the PCR values the TPM holds, in every bank', async () => {
    const r = await runAttestationDemo({ outDir, useTpm2Tools: false, seed: Buffer.alloc(32, 1) });
    expect(r.comparison.map((c) => c.pcr)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of r.comparison) expect(c.match, `PCR ${c.pcr}`).to.equal(true);
    expect(r.ok).to.equal(true);
  });

  it('detects a tampered log: one changed digest breaks the replay of its PCR only', async () => {
    const r = await runAttestationDemo({ outDir, useTpm2Tools: false });
    const kernel = r.log.events.find((e) => e.pcrIndex === 9)!;
    kernel.digests[1]!.digest[0]! ^= 1;
    const comparison = comparePcrs(r.tpmPcrs, replayEventLog(r.log));
    expect(comparison.filter((c) => !c.match).map((c) => c.pcr)).to.deep.equal([9]);
    expect(comparison.find((c) => c.pcr === 9)!.banks.filter((b) => !b.match).map((b) => b.bank)).to.deep.equal([SHA256]);
  });

  it('replays a StartupLocality event into PCR 0\'s initial value', () => {
    const w = new EventLogWriter({ algorithms: [SHA1] });
    w.noAction(0, Buffer.concat([STARTUP_LOCALITY_SIGNATURE, Buffer.of(3)]));
    const sep = w.measure(0, EV.SEPARATOR, Buffer.alloc(4));
    const start = Buffer.alloc(20);
    start[19] = 3;
    const expected = createHashOf('sha1', start, sep.digests[0]!.digest);
    expect(replayEventLog(parseEventLog(w.toBuffer())).get(SHA1)!.get(0)!.equals(expected)).to.equal(true);
  });

  it('refuses logs that are not crypto-agile or are cut short', () => {
    const good = new EventLogWriter().toBuffer();
    expect(() => parseEventLog(good.subarray(0, 40))).to.throw(EventLogFormatError, /truncated/);
    const sha1Only = Buffer.from(good);
    sha1Only.writeUInt32LE(EV.POST_CODE, 4);
    expect(() => parseEventLog(sha1Only)).to.throw(EventLogFormatError, /not a crypto-agile log/);
    const w = new EventLogWriter();
    w.measure(0, EV.SEPARATOR, Buffer.alloc(4));
    const cut = w.toBuffer();
    expect(() => parseEventLog(cut.subarray(0, cut.length - 1))).to.throw(EventLogFormatError);
  });

  it('round-trips the UEFI event data structures', () => {
    const v = { variableName: UEFI_GUID.globalVariable, unicodeName: 'SecureBoot', variableData: Buffer.of(1) };
    const vb = encode(UEFI_VARIABLE_DATA, v);
    expect(vb.subarray(0, 16).toString('hex')).to.equal('61dfe48bca93d211aa0d00e098032b8c'); // GUID fields 1-3 little-endian
    expect(decode(UEFI_VARIABLE_DATA, vb)).to.deep.equal(v);
    const path = devicePath(filePathNode('\\EFI\\BOOT\\BOOTX64.EFI'));
    expect(parseDevicePath(path)).to.deep.equal([{ type: 4, subType: 4, data: Buffer.from('\\EFI\\BOOT\\BOOTX64.EFI\0', 'utf16le') }]);
    const img = { imageLocationInMemory: 0x7e000000n, imageLengthInMemory: 4096n, imageLinkTimeAddress: 0n, devicePath: path };
    expect(decode(UEFI_IMAGE_LOAD_EVENT, encode(UEFI_IMAGE_LOAD_EVENT, img))).to.deep.equal(img);
    const opt = { attributes: 1, description: 'debian', filePathList: path, optionalData: Buffer.alloc(0) };
    expect(decode(EFI_LOAD_OPTION, encode(EFI_LOAD_OPTION, opt))).to.deep.equal(opt);
    const db = [{ signatureType: UEFI_GUID.certSha256, signatureHeader: Buffer.alloc(0), signatures: [{ owner: UEFI_GUID.globalVariable, data: Buffer.alloc(32, 7) }] }];
    expect(decode(EFI_SIGNATURE_DATABASE, encode(EFI_SIGNATURE_DATABASE, db))).to.deep.equal(db);
  });

  describe('tpm2-tools cross-check', () => {
    const exe = findTpm2Eventlog();
    before(function () {
      if (exe) return;
      const msg = '\n  !!! tpm2_eventlog (tpm2-tools) NOT INSTALLED: the cross-check of our event log against tpm2-tools is SKIPPED.\n  !!! Install it: apt-get install -y tpm2-tools\n';
      if (process.env.CI) throw new Error(`tpm2_eventlog is required when CI is set.${msg}`);
      console.warn(msg);
      this.skip();
    });

    it('tpm2_eventlog parses the log without complaint and its replay equals the TPM\'s PCRs', async () => {
      const r = await runAttestationDemo({ outDir, useTpm2Tools: false });
      const tool = runTpm2Eventlog(r.logFile, exe!);
      expect(tool.exitCode).to.equal(0);
      expect(tool.complaints).to.deep.equal([]);
      expect(tool.eventCount).to.equal(r.log.events.length + 1); // + the Spec ID header
      const comparison = comparePcrs(r.tpmPcrs, tool.pcrs);
      expect(comparison.map((c) => c.pcr)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const c of comparison) expect(c.match, `PCR ${c.pcr}: ${JSON.stringify(c.banks.filter((b) => !b.match).map((b) => b.bank))}`).to.equal(true);
    });
  });
});

function createHashOf(alg: string, ...parts: Buffer[]): Buffer {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}
