import type { Implementation } from '../pipeline/handler.js';
import { createPrimary, create, load, createLoaded, loadExternal, readPublic, unseal, objectChangeAuth } from './object.js';
import { startup, shutdown } from './startup.js';
import { pcrAllocate, pcrEvent, pcrExtend, pcrRead, pcrReset } from './pcr.js';
import { eventSequenceComplete, hashCommand, hashSequenceStart, sequenceComplete, sequenceUpdate } from './hash.js';
import { flushContext, startAuthSession } from './session.js';
import { getCapability } from './capability.js';
import { getTestResult, incrementalSelfTest, selfTest } from './selfTest.js';
import { getRandom, stirRandom } from './random.js';
import { clockRateAdjust, clockSet, readClock } from './clock.js';
import { testParms } from './testParms.js';

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
  getCapability,
  selfTest,
  incrementalSelfTest,
  getTestResult,
  getRandom,
  stirRandom,
  readClock,
  clockSet,
  clockRateAdjust,
  testParms,
  createPrimary,
  create,
  load,
  createLoaded,
  loadExternal,
  readPublic,
  unseal,
  objectChangeAuth,
];
