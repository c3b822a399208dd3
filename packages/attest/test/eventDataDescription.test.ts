import { expect } from 'chai';
import {
  describeEventData, devicePath, devicePathToText, decodeLe, EFI_LOAD_OPTION, EFI_SIGNATURE_DATABASE, encodeLe, EV, eventLogReport, filePathNode,
  gptPartitionNode, parseDevicePath, pciNode, pciRootNode, STARTUP_LOCALITY_SIGNATURE, UEFI_GUID, UEFI_IMAGE_LOAD_EVENT, UEFI_PLATFORM_FIRMWARE_BLOB,
  UEFI_VARIABLE_DATA, uefiGptDataCodec, uefiImageLoadEventCodec, type ReportedEvent,
} from '../src/index.js';
import { EVENTLOG_DIR, EXPECTED, LOG_NAMES, readLog, tpm2EventlogEvents } from './eventLogFixtures.js';

const byIndex = (name: string) => new Map(eventLogReport(readLog(name)).events.map((e) => [e.index, e]));
const data = (e: ReportedEvent | undefined) => e!.data as Record<string, any>;

describe('event logs: decoding the common event types', () => {
  it('rhel8-uefi.bin: S-CRTM version, Secure Boot variables, boot entries, separators, GPT, boot applications, EV_IPL, EV_EFI_ACTION', () => {
    const e = byIndex('rhel8-uefi.bin');
    expect(data(e.get(1))).to.deep.equal({ text: 'GCE Virtual Firmware v1' });
    expect(data(e.get(3))).to.deep.include({ variableGuidName: 'EFI_GLOBAL_VARIABLE', unicodeName: 'SecureBoot', variableData: '01', value: { enabled: true } });
    expect(data(e.get(4)).value.signatureLists[0].signatureType).to.equal('EFI_CERT_X509');
    expect(data(e.get(8))).to.deep.equal({ value: '00000000', error: false });
    expect(data(e.get(9)).value).to.deep.equal({ bootOrder: ['Boot0002', 'Boot0000', 'Boot0001'] });
    expect(data(e.get(10)).value.loadOption).to.deep.include({ description: 'Red Hat Enterprise Linux', devicePath: 'HD(1,GPT,ef72374c-2630-46a1-88d6-082693781140,0x800,0x64000)/\\EFI\\redhat\\shimx64.efi' });
    expect(data(e.get(13))).to.deep.equal({ text: 'Calling EFI Application from Boot Option' });
    expect(data(e.get(21))).to.deep.include({ unicodeName: 'db', variableGuidName: 'EFI_IMAGE_SECURITY_DATABASE' });
    const gpt = data(e.get(22));
    expect(gpt.diskGuid).to.equal('2aeb90b6-e13c-4197-8ee2-59e9ed2959dc');
    expect(gpt.partitions.map((p: any) => [p.type, p.startingLba, p.endingLba, p.name])).to.deep.equal([
      ['EFI System Partition', '0x800', '0x647ff', 'EFI System Partition'],
      ['Linux filesystem data', '0x64800', '0x27ff7ff', ''],
    ]);
    expect(data(e.get(23))).to.deep.equal({
      imageLocationInMemory: '0xbddea018',
      imageLengthInMemory: 1244488,
      imageLinkTimeAddress: '0x0',
      devicePath: 'PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x1,0x0)/HD(1,GPT,ef72374c-2630-46a1-88d6-082693781140,0x800,0x64000)/\\EFI\\redhat\\shimx64.efi',
    });
    expect(data(e.get(24))).to.deep.equal({ text: 'MokList' });
    expect([...e.values()].filter((x) => x.typeName === 'EV_IPL').every((x) => typeof data(x).text === 'string')).to.equal(true);
  });

  it('keylime-bios.bin: StartupLocality, S-CRTM contents, firmware blobs, POST code text, handoff tables', () => {
    const e = byIndex('keylime-bios.bin');
    expect(data(e.get(1))).to.deep.equal({ signature: 'StartupLocality', startupLocality: 3 });
    expect(data(e.get(2))).to.deep.equal({ text: 'Boot Guard Measured S-CRTM' });
    expect(data(e.get(4))).to.deep.equal({ blobBase: '0xfff00000', blobLength: 0x59d0 });
    expect(data(e.get(10))).to.deep.equal({ text: 'ACPI DATA' });
    expect(data(e.get(49))).to.deep.equal({ tables: [{ guid: 'f2fd1544-9794-4a2c-992e-e5bbcf20e394', name: 'SMBIOS 3 table', address: '0x8fcb0000' }] });
  });

  it('arch-linux-workstation.bin: a GUID S-CRTM version, a firmware-blob POST code, NVMe/SATA device paths, a UTF-16 kernel command line', () => {
    const e = byIndex('arch-linux-workstation.bin');
    expect(data(e.get(1))).to.deep.equal({ guid: '546bfb1e-1d0c-4055-a4ad-4ef4bf17b83a' });
    expect(data(e.get(2))).to.deep.equal({ blobBase: '0xffa90000', blobLength: 3473408 });
    expect(data(e.get(3))).to.deep.include({ unicodeName: 'SecureBoot', variableDataLength: 0 }); // no value byte: known firmware quirk
    expect(data(e.get(22)).devicePath).to.equal('PciRoot(0x0)/Pci(0x17,0x0)/Sata(0x1,0xffff,0x0)/HD(1,GPT,1a504613-19b5-4b44-a83d-d926d40daa1c,0x800,0x80000)/\\EFI\\SYSTEMD\\SYSTEMD-BOOTX64.EFI');
    expect(data(e.get(24)).text).to.match(/^initrd=\\intel-ucode.img .* l1tf=off$/);
  });

  it('debian-10.bin (SHA-1 layout): shim\'s inconsistent variable event still decodes, with its trailing bytes reported', () => {
    const e = byIndex('debian-10.bin');
    expect(data(e.get(23))).to.deep.include({ unicodeName: 'Shim', trailingBytes: 6 });
  });

  it('agrees field by field with tpm2_eventlog on every event of the crypto-agile logs (type, PCR, digests, size, variables, images, blobs, strings)', function () {
    let compared = 0;
    for (const name of LOG_NAMES.filter((n) => EXPECTED[n]!.format === 'crypto-agile')) {
      const tool = tpm2EventlogEvents(`${EVENTLOG_DIR}${name}`);
      if (!tool) return this.skip();
      const ours = eventLogReport(readLog(name)).events;
      expect(tool.length, name).to.equal(ours.length + 1);
      for (const t of tool.slice(1)) {
        const o = ours.find((x) => x.index === Number(t.fields.EventNum))!;
        const where = `${name} #${o.index}`;
        expect([o.typeName, String(o.pcr), String(o.size)], where).to.deep.equal([t.fields.EventType, t.fields.PCRIndex, t.fields.EventSize]);
        expect(o.digests, where).to.deep.equal(t.digests);
        const d = data(o) ?? {};
        if (t.fields.UnicodeName !== undefined) expect([d.unicodeName, d.variableGuid], where).to.deep.equal([t.fields.UnicodeName, t.fields.VariableName]);
        if (t.fields.ImageLengthInMemory !== undefined) expect([d.imageLocationInMemory, String(d.imageLengthInMemory)], where).to.deep.equal([t.fields.ImageLocationInMemory, t.fields.ImageLengthInMemory]);
        if (t.fields.BlobBase !== undefined && o.typeName === 'EV_EFI_PLATFORM_FIRMWARE_BLOB') expect([d.blobBase, `0x${d.blobLength.toString(16)}`], where).to.deep.equal([t.fields.BlobBase, t.fields.BlobLength]);
        // tpm2-tools prints UTF-16 text (systemd-boot's EV_IPL) byte by byte, with \0 between characters: compared only for ASCII.
        if (t.fields.String !== undefined && !/\\0./.test(t.fields.String)) expect(`${d.text}\\0`, where).to.equal(t.fields.String);
        compared++;
      }
    }
    expect(compared).to.be.greaterThan(350);
  });

  it('decodes synthetic events of each type, and reports malformed data instead of throwing', () => {
    const path = devicePath(pciRootNode(), pciNode(2, 0), gptPartitionNode(1, 2048n, 1024000n, UEFI_GUID.efiSystemPartition), filePathNode('\\EFI\\BOOT\\BOOTX64.EFI'));
    expect(devicePathToText(path)).to.equal('PciRoot(0x0)/Pci(0x2,0x0)/HD(1,GPT,c12a7328-f81f-11d2-ba4b-00a0c93ec93b,0x800,0xfa000)/\\EFI\\BOOT\\BOOTX64.EFI');
    const image = encodeLe(UEFI_IMAGE_LOAD_EVENT, { imageLocationInMemory: 0x7e000000n, imageLengthInMemory: 4096n, imageLinkTimeAddress: 0n, devicePath: path });
    expect(describeEventData(EV.EFI_BOOT_SERVICES_APPLICATION, image)).to.deep.include({ imageLengthInMemory: 4096, devicePath: devicePathToText(path) });
    const image32 = encodeLe(uefiImageLoadEventCodec(4), { imageLocationInMemory: 0x7e000000n, imageLengthInMemory: 4096n, imageLinkTimeAddress: 0n, devicePath: path });
    expect(describeEventData(EV.EFI_BOOT_SERVICES_DRIVER, image32, 4)).to.deep.include({ imageLengthInMemory: 4096 });
    expect(describeEventData(EV.SEPARATOR, Buffer.alloc(4, 0xff))).to.deep.equal({ value: 'ffffffff', error: true });
    expect(describeEventData(EV.POST_CODE, Buffer.from('POST CODE'))).to.deep.equal({ text: 'POST CODE' });
    expect(describeEventData(EV.S_CRTM_CONTENTS, encodeLe(UEFI_PLATFORM_FIRMWARE_BLOB, { blobBase: 0xffe00000n, blobLength: 0x200000n }))).to.deep.equal({ blobBase: '0xffe00000', blobLength: 0x200000 });
    expect(describeEventData(EV.S_CRTM_VERSION, Buffer.from('1.2.3\0', 'utf16le'))).to.deep.equal({ text: '1.2.3' });
    expect(describeEventData(EV.NO_ACTION, Buffer.concat([STARTUP_LOCALITY_SIGNATURE, Buffer.of(4)]))).to.deep.equal({ signature: 'StartupLocality', startupLocality: 4 });
    expect(describeEventData(EV.NO_ACTION, Buffer.from('SP800-155 Event\0rest'))).to.deep.equal({ signature: 'SP800-155 Event' });
    expect(describeEventData(EV.EFI_ACTION, Buffer.from('Exit Boot Services Invocation'))).to.deep.equal({ text: 'Exit Boot Services Invocation' });
    const gpt = { header: { signature: 'EFI PART', revision: 0x10000, headerSize: 92, headerCrc32: 0, myLba: 1n, alternateLba: 99n, firstUsableLba: 34n, lastUsableLba: 66n, diskGuid: UEFI_GUID.globalVariable, partitionEntryLba: 2n, numberOfPartitionEntries: 128, sizeOfPartitionEntry: 128, partitionEntryArrayCrc32: 0 }, partitions: [{ partitionTypeGuid: UEFI_GUID.efiSystemPartition, uniquePartitionGuid: UEFI_GUID.certX509, startingLba: 34n, endingLba: 66n, attributes: 0n, partitionName: 'ESP' }] };
    expect(decodeLe(uefiGptDataCodec(8), encodeLe(uefiGptDataCodec(8), gpt))).to.deep.equal(gpt);
    expect(describeEventData(EV.EFI_GPT_EVENT, encodeLe(uefiGptDataCodec(8), gpt))).to.deep.include({ diskGuid: UEFI_GUID.globalVariable });
    // Malformed: a variable whose name length runs past the event, a GPT with a bad signature, an image cut short.
    const badVariable = encodeLe(UEFI_VARIABLE_DATA, { variableName: UEFI_GUID.globalVariable, unicodeName: 'SecureBoot', variableData: Buffer.of(1) });
    badVariable.writeBigUInt64LE(1n << 62n, 16);
    expect(describeEventData(EV.EFI_VARIABLE_DRIVER_CONFIG, badVariable)!.decodeError).to.match(/UnicodeNameLength of 4611686018427387904 exceeds the 29 bytes left \(at byte 16\)/);
    expect(describeEventData(EV.EFI_GPT_EVENT, Buffer.alloc(100))!.decodeError).to.match(/not "EFI PART"/);
    expect(describeEventData(EV.EFI_BOOT_SERVICES_APPLICATION, image.subarray(0, 20))!.decodeError).to.match(/truncated/);
    expect(describeEventData(EV.NONHOST_INFO, Buffer.of(1, 2, 3))).to.equal(undefined);
  });

  it('round-trips the UEFI structures it writes (variables, device paths, images, load options, signature databases)', () => {
    const v = { variableName: UEFI_GUID.globalVariable, unicodeName: 'SecureBoot', variableData: Buffer.of(1) };
    const vb = encodeLe(UEFI_VARIABLE_DATA, v);
    expect(vb.subarray(0, 16).toString('hex')).to.equal('61dfe48bca93d211aa0d00e098032b8c'); // GUID fields 1-3 little-endian
    expect(decodeLe(UEFI_VARIABLE_DATA, vb)).to.deep.equal(v);
    const path = devicePath(filePathNode('\\EFI\\BOOT\\BOOTX64.EFI'));
    expect(parseDevicePath(path)).to.deep.equal([{ type: 4, subType: 4, data: Buffer.from('\\EFI\\BOOT\\BOOTX64.EFI\0', 'utf16le') }]);
    const img = { imageLocationInMemory: 0x7e000000n, imageLengthInMemory: 4096n, imageLinkTimeAddress: 0n, devicePath: path };
    expect(decodeLe(UEFI_IMAGE_LOAD_EVENT, encodeLe(UEFI_IMAGE_LOAD_EVENT, img))).to.deep.equal(img);
    const opt = { attributes: 1, description: 'debian', filePathList: path, optionalData: Buffer.alloc(0) };
    expect(decodeLe(EFI_LOAD_OPTION, encodeLe(EFI_LOAD_OPTION, opt))).to.deep.equal(opt);
    const db = [{ signatureType: UEFI_GUID.certSha256, signatureHeader: Buffer.alloc(0), signatures: [{ owner: UEFI_GUID.globalVariable, data: Buffer.alloc(32, 7) }] }];
    expect(decodeLe(EFI_SIGNATURE_DATABASE, encodeLe(EFI_SIGNATURE_DATABASE, db))).to.deep.equal(db);
  });
});
