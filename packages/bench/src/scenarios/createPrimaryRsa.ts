import { randomFillSync } from 'node:crypto';
import { TpmClient } from '@vtpm/tpm';
import { flushContextCommand, responseHandle } from '../commandBytes.js';
import { rsaStorageTemplate } from '../keyTemplates.js';
import { recordCommand } from '../recordingTransport.js';
import { sendOk, type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly } from '../typedCommands.js';

/** Octets of the template's `unique` field that the cold row randomizes. */
const UNIQUE_SIZE = 32;
const UNIQUE_MARKER = Buffer.alloc(UNIQUE_SIZE, 0x5a);

/**
 * CreatePrimary RSA-2048 then FlushContext. Warm: the same template every time, so a TPM that
 * caches derived primaries (vtpm does; swtpm may) answers from its cache. Cold: fresh random
 * `unique` octets each time change the template's Name, hence the key: every iteration is a full
 * prime search on any TPM.
 */
function createPrimaryRsa(cold: boolean): Scenario {
  return {
    name: cold ? 'CreatePrimary_RSA_cold' : 'CreatePrimary_RSA_warm',
    description: cold
      ? `CreatePrimary RSA-2048 storage key with ${UNIQUE_SIZE} fresh random unique octets each time (no cache can help: a prime search per call) + FlushContext`
      : 'CreatePrimary RSA-2048 storage key, same template each time (a primary cache may answer) + FlushContext',
    commands: 2,
    clientBuilt: false,
    minOps: cold ? 5 : undefined,
    async open(tpm) {
      const { command, result } = await recordCommand(tpm, (c) => createPrimary(c, rsaStorageTemplate(cold ? UNIQUE_MARKER : undefined)));
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

export const createPrimaryRsaWarm = createPrimaryRsa(false);
export const createPrimaryRsaCold = createPrimaryRsa(true);
