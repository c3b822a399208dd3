import type { Implementation } from '../pipeline/handler.js';
import { startup, shutdown } from './startup.js';
import { pcrAllocate, pcrEvent, pcrExtend, pcrRead, pcrReset } from './pcr.js';
import { eventSequenceComplete, hashCommand, hashSequenceStart, sequenceComplete, sequenceUpdate } from './hash.js';
import { flushContext, startAuthSession } from './session.js';

/** Every implemented command. The dispatcher and GetCapability(COMMANDS) are built from this list. */
export const COMMANDS: readonly Implementation[] = [
  startup,
  shutdown,
  pcrRead,
  pcrExtend,
  pcrEvent,
  pcrReset,
  pcrAllocate,
  hashCommand,
  hashSequenceStart,
  sequenceUpdate,
  sequenceComplete,
  eventSequenceComplete,
  startAuthSession,
  flushContext,
];
