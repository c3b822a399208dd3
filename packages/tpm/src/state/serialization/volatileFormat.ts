import { struct, u16, u32, u64, yesNo } from '../../codec/codec.js';
import { blobFormat } from './blobFormat.js';
import { LOADED_OBJECTS } from './objectCodec.js';
import { PCR_BANKS } from './pcrCodec.js';
import { PERMANENT_MAGIC, STATE_FORMAT_VERSIONS, VOLATILE_MAGIC } from './formatIds.js';
import { COUNTER64 } from './permanentFormat.js';
import { RESET_DATA } from './resetDataCodec.js';
import { LOADED_SESSIONS, SESSION_HANDLE } from './sessionCodec.js';
import { ascending, optional } from './stateCodecs.js';

/** The sections of the volatile state blob, in order (docs/state.md describes each field). Unchanged in version 2. */
export const VOLATILE_SECTIONS = {
  /** The permanent state this one belongs with: its permanentStateVersion at save. */
  binding: struct('BINDING', { permanentStateVersion: COUNTER64 }),
  flags: struct('FLAGS', {
    powered: yesNo,
    initPending: yesNo,
    started: yesNo,
    orderlyStartup: yesNo,
    selfTested: yesNo,
    pcrReconfigured: yesNo,
    physicalPresence: yesNo,
    cancel: yesNo,
    nvAvailable: yesNo,
  }),
  time: struct('TIME', { time: u64, daSelfHealTimer: u64, daLockoutTimer: u64 }),
  selfTests: ascending('untested algorithms', u16, 256),
  pcrs: struct('PCRS', { banks: PCR_BANKS, updateCounter: u32, hcrtm: optional('hcrtm', PCR_BANKS) }),
  resetData: RESET_DATA,
  sessions: struct('SESSIONS', { loaded: LOADED_SESSIONS, exclusiveAudit: optional('exclusiveAudit', SESSION_HANDLE) }),
  objects: LOADED_OBJECTS,
  commandAudit: struct('COMMAND_AUDIT_RUNTIME', { hashJustChanged: yesNo }),
};

export const volatileFormat = blobFormat('volatile', VOLATILE_MAGIC, STATE_FORMAT_VERSIONS, VOLATILE_SECTIONS, [{ kind: 'permanent', magic: PERMANENT_MAGIC }]);
