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
import { sign, verifySignature } from './signing.js';
import { ecdhKeyGen, ecdhZGen, rsaDecrypt, rsaEncrypt } from './asymmetric.js';
import { encryptDecrypt2, encryptDecryptCommand, hmacCommand, hmacStart } from './symmetric.js';
import { contextLoad, contextSave, evictControl } from './context.js';
import { changeEPS, changePPS, clear, clearControl, hierarchyChangeAuth, hierarchyControl, setPrimaryPolicy } from './hierarchy.js';
import { dictionaryAttackLockReset, dictionaryAttackParameters } from './dictionaryAttack.js';
import { NV_COMMANDS } from './nv.js';
import { POLICY_COMMANDS } from './policy.js';
import { activateCredential, makeCredentialCommand } from './credential.js';
import { duplicate, importCommand, rewrap } from './duplication.js';
import { ATTESTATION_COMMANDS } from './attestation.js';

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
  ...NV_COMMANDS,
  contextSave,
  contextLoad,
  evictControl,
  hierarchyControl,
  setPrimaryPolicy,
  changePPS,
  changeEPS,
  clear,
  clearControl,
  hierarchyChangeAuth,
  dictionaryAttackLockReset,
  dictionaryAttackParameters,
  sign,
  verifySignature,
  rsaEncrypt,
  rsaDecrypt,
  ecdhKeyGen,
  ecdhZGen,
  encryptDecryptCommand,
  encryptDecrypt2,
  hmacCommand,
  hmacStart,
  ...POLICY_COMMANDS,
  ...ATTESTATION_COMMANDS,
  makeCredentialCommand,
  activateCredential,
  duplicate,
  rewrap,
  importCommand,
];
