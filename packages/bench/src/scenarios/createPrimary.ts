import { randomFillSync } from 'node:crypto';
import { TPM_ALG, TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { flushContextCommand, responseHandle } from '../commandBytes.js';
import { eccStorageTemplate, rsaStorageTemplate } from '../keyTemplates.js';
import { recordCommand } from '../recordingTransport.js';
import { sendOk, type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly } from '../typedCommands.js';

/** Octets of the template's `unique` field that cold rows randomize. */
const UNIQUE_SIZE = 32;
const UNIQUE_MARKER = Buffer.alloc(UNIQUE_SIZE, 0x5a);

/**
 * CreatePrimary then FlushContext, pre-marshalled. Warm: the same template every time, so a TPM
 * that caches derived primaries (vtpm does, for every key type; swtpm may) can answer from its
 * cache. Cold: fresh random `unique` octets each time change the template's Name, hence the key:
 * every call derives a new key on any TPM (for RSA, a new prime search).
 */
function createPrimaryScenario(key: string, template: (unique?: Buffer) => TpmtPublic, cold: boolean, minOps?: number): Scenario {
  const keyType = template().type === TPM_ALG.RSA ? 'RSA-2048' : 'ECC P-256';
  return {
    name: `CreatePrimary_${key}_${cold ? 'cold' : 'warm'}`,
    description: cold
      ? `CreatePrimary ${keyType} storage key (owner hierarchy) with ${UNIQUE_SIZE} fresh random unique octets each time (no cache can help) + FlushContext`
      : `CreatePrimary ${keyType} storage key (owner hierarchy), same template each time (a primary cache may answer) + FlushContext`,
    commands: 2,
    clientBuilt: false,
    ...(minOps !== undefined ? { minOps } : {}),
    async open(tpm) {
      const { command, result } = await recordCommand(tpm, (c) => createPrimary(c, template(cold ? UNIQUE_MARKER : undefined)));
      const client = new TpmClient(tpm);
      await flushQuietly(client, result.handle);
      const uniqueAt = cold ? command.indexOf(UNIQUE_MARKER) : -1;
      if (cold && uniqueAt < 0) throw new Error('unique octets not found in the marshalled CreatePrimary');
      let loaded: number | undefined;
      return {
        async iterate() {
          const bytes = cold ? randomFillSync(Buffer.from(command), uniqueAt, UNIQUE_SIZE) : command;
          loaded = responseHandle(await sendOk(tpm, 'CreatePrimary', bytes));
          await sendOk(tpm, 'FlushContext', flushContextCommand(loaded));
          loaded = undefined;
        },
        close: () => flushQuietly(client, loaded),
      };
    },
  };
}

export const createPrimaryEccWarm = createPrimaryScenario('ECC', eccStorageTemplate, false);
export const createPrimaryEccCold = createPrimaryScenario('ECC', eccStorageTemplate, true);
export const createPrimaryRsaWarm = createPrimaryScenario('RSA', rsaStorageTemplate, false);
/** At least 5 per round: a prime search takes tens to hundreds of milliseconds and varies widely. */
export const createPrimaryRsaCold = createPrimaryScenario('RSA', rsaStorageTemplate, true, 5);
