import type { Implementation } from '../pipeline/handler.js';
import { nvChangeAuth, nvDefineSpace, nvReadPublic, nvUndefineSpace, nvUndefineSpaceSpecial } from './nvDefine.js';
import { nvRead, nvReadLock } from './nvRead.js';
import { nvExtend, nvGlobalWriteLock, nvIncrement, nvSetBits, nvWrite, nvWriteLock } from './nvWrite.js';

/** Every NV command (Part 3, 31), for the command registry. */
export const NV_COMMANDS: readonly Implementation[] = [
  nvDefineSpace,
  nvUndefineSpace,
  nvUndefineSpaceSpecial,
  nvReadPublic,
  nvChangeAuth,
  nvWrite,
  nvIncrement,
  nvExtend,
  nvSetBits,
  nvWriteLock,
  nvGlobalWriteLock,
  nvRead,
  nvReadLock,
];
