/**
 * What an event's data says, by event type (PFP 10.4.1), as a JSON-ready object.
 *
 * Nothing here is trusted: the event type is not covered by any digest, and for many types
 * (EV_EFI_BOOT_SERVICES_APPLICATION, EV_IPL kernels, EV_POST_CODE) the digest covers the measured
 * object, not this description. A verifier decides on digests; this is for people and for
 * matching reference values to events.
 */
import { devicePathToText } from './devicePathText.js';
import { EventLogFormatError } from './eventLogFormatError.js';
import { asciiText, eventText, utf16Text } from './eventDataText.js';
import { EV } from './eventTypes.js';
import { decodeLe, decodeLePrefix } from './leCodec.js';
import { LeReader } from './leReader.js';
import { STARTUP_LOCALITY_SIGNATURE } from './structures.js';
import { UEFI_PLATFORM_FIRMWARE_BLOB, UEFI_PLATFORM_FIRMWARE_BLOB2 } from './uefiFirmwareBlob.js';
import { uefiGptDataCodec } from './uefiGptData.js';
import { EFI_GUID, guidName } from './uefiGuid.js';
import { uefiHandoffTablePointersCodec } from './uefiHandoffTables.js';
import { uefiImageLoadEventCodec } from './uefiImageLoadEvent.js';
import { UEFI_VARIABLE_DATA } from './uefiVariableData.js';
import { describeVariableValue } from './uefiVariableDescription.js';
import type { UintnBytes } from './uintn.js';

export type EventDataDescription = Record<string, unknown>;

/**
 * The decoded data of an event of `eventType`, or undefined when the type has no structure this
 * knows. Malformed data gives `{ decodeError }` (with the offset inside the data), never a throw.
 */
export function describeEventData(eventType: number, data: Buffer, uintn: UintnBytes = 8): EventDataDescription | undefined {
  try {
    return describe(eventType, data, uintn);
  } catch (e) {
    if (e instanceof EventLogFormatError) return { decodeError: e.message };
    throw e;
  }
}

const hex = (n: bigint) => `0x${n.toString(16)}`;
/** A UINT64 as a JSON number when it is exact, else as hex. */
const count = (n: bigint) => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : hex(n));

function describe(eventType: number, data: Buffer, uintn: UintnBytes): EventDataDescription | undefined {
  switch (eventType) {
    case EV.NO_ACTION:
      return describeNoAction(data);
    case EV.SEPARATOR:
      // 0 marks the end of pre-OS measurements; 1 or FFFFFFFF an error (PFP 10.4.1).
      return { value: data.toString('hex'), error: data.length === 4 && data.readUInt32LE(0) !== 0 };
    case EV.ACTION:
    case EV.EFI_ACTION:
    case EV.IPL:
    case EV.EFI_HCRTM_EVENT:
    case EV.COMPACT_HASH:
    case EV.OMIT_BOOT_DEVICE_EVENTS:
      return textOrUndefined(data);
    case EV.S_CRTM_VERSION:
      return textOrUndefined(data) ?? (data.length === 16 ? { guid: EFI_GUID.read(new LeReader(data)) } : undefined);
    case EV.POST_CODE:
    case EV.S_CRTM_CONTENTS:
    case EV.EFI_PLATFORM_FIRMWARE_BLOB:
      return describeFirmwareBlob(data);
    case EV.EFI_PLATFORM_FIRMWARE_BLOB2:
      return blob2(data);
    case EV.EFI_VARIABLE_DRIVER_CONFIG:
    case EV.EFI_VARIABLE_BOOT:
    case EV.EFI_VARIABLE_BOOT2:
    case EV.EFI_VARIABLE_AUTHORITY:
      return describeVariable(data, eventType === EV.EFI_VARIABLE_AUTHORITY);
    case EV.EFI_BOOT_SERVICES_APPLICATION:
    case EV.EFI_BOOT_SERVICES_DRIVER:
    case EV.EFI_RUNTIME_SERVICES_DRIVER: {
      const { value: image, trailingBytes } = decodeLePrefix(uefiImageLoadEventCodec(uintn), data);
      return {
        ...(trailingBytes ? { trailingBytes } : {}),
        imageLocationInMemory: hex(image.imageLocationInMemory),
        imageLengthInMemory: count(image.imageLengthInMemory),
        imageLinkTimeAddress: hex(image.imageLinkTimeAddress),
        devicePath: devicePathToText(image.devicePath),
      };
    }
    case EV.EFI_GPT_EVENT: {
      const { header, partitions } = decodeLe(uefiGptDataCodec(uintn), data);
      return {
        diskGuid: header.diskGuid,
        partitionEntryLba: hex(header.partitionEntryLba),
        numberOfPartitionEntries: header.numberOfPartitionEntries,
        partitions: partitions.map((p) => ({
          type: guidName(p.partitionTypeGuid) ?? p.partitionTypeGuid,
          guid: p.uniquePartitionGuid,
          startingLba: hex(p.startingLba),
          endingLba: hex(p.endingLba),
          attributes: hex(p.attributes),
          name: p.partitionName,
        })),
      };
    }
    case EV.EFI_HANDOFF_TABLES:
      return { tables: decodeLe(uefiHandoffTablePointersCodec(uintn), data).map((t) => ({ guid: t.vendorGuid, name: guidName(t.vendorGuid), address: hex(t.vendorTable) })) };
    default:
      return undefined;
  }
}

function textOrUndefined(data: Buffer): EventDataDescription | undefined {
  const text = eventText(data);
  return text === undefined ? undefined : { text };
}

/** EV_NO_ACTION carries a signature saying what it is (PFP 10.4.5): StartupLocality, SP800-155 Event, NvIndexInstance... */
function describeNoAction(data: Buffer): EventDataDescription | undefined {
  if (data.length === 17 && data.subarray(0, 16).equals(STARTUP_LOCALITY_SIGNATURE)) return { signature: 'StartupLocality', startupLocality: data[16] };
  const signature = asciiText(data.subarray(0, 16));
  return signature ? { signature } : undefined;
}

/** A description string ("POST CODE"), or UEFI_PLATFORM_FIRMWARE_BLOB (base and length). */
function describeFirmwareBlob(data: Buffer): EventDataDescription | undefined {
  const text = asciiText(data) ?? utf16Text(data);
  if (text !== undefined) return { text };
  if (data.length !== 16) return undefined;
  const b = decodeLe(UEFI_PLATFORM_FIRMWARE_BLOB, data);
  return { blobBase: hex(b.blobBase), blobLength: count(b.blobLength) };
}

function blob2(data: Buffer): EventDataDescription {
  const b = decodeLe(UEFI_PLATFORM_FIRMWARE_BLOB2, data);
  return { description: b.blobDescription, blobBase: hex(b.blobBase), blobLength: count(b.blobLength) };
}

/** UEFI_VARIABLE_DATA; bytes after it (some shims write them) are reported, not fatal. */
function describeVariable(data: Buffer, authority: boolean): EventDataDescription {
  const { value: v, trailingBytes } = decodeLePrefix(UEFI_VARIABLE_DATA, data);
  const out: EventDataDescription = {
    variableGuid: v.variableName,
    variableGuidName: guidName(v.variableName),
    unicodeName: v.unicodeName,
    variableDataLength: v.variableData.length,
  };
  if (trailingBytes > 0) out.trailingBytes = trailingBytes;
  try {
    const value = describeVariableValue(v, authority);
    if (value) out.value = value;
  } catch (e) {
    if (!(e instanceof EventLogFormatError)) throw e;
    out.valueDecodeError = e.message;
  }
  out.variableData = v.variableData.toString('hex');
  return out;
}
