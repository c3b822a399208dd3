import { TpmClient } from '@vtpm/tpm';
import { flushContextCommand, responseHandle } from '../commandBytes.js';
import { eccStorageTemplate } from '../keyTemplates.js';
import { recordCommand } from '../recordingTransport.js';
import { sendOk, type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly } from '../typedCommands.js';

/** CreatePrimary of tpm2_createprimary's default key, then FlushContext: pre-marshalled bytes. */
export const createPrimaryEcc: Scenario = {
  name: 'CreatePrimary_ECC',
  description: 'CreatePrimary ECC P-256 storage key (owner hierarchy, same template) + FlushContext',
  commands: 2,
  clientBuilt: false,
  async open(tpm) {
    const { command, result } = await recordCommand(tpm, (c) => createPrimary(c, eccStorageTemplate()));
    const client = new TpmClient(tpm);
    await flushQuietly(client, result.handle);
    let loaded: number | undefined;
    return {
      async iterate() {
        loaded = responseHandle(await sendOk(tpm, 'CreatePrimary', command));
        await sendOk(tpm, 'FlushContext', flushContextCommand(loaded));
        loaded = undefined;
      },
      close: () => flushQuietly(client, loaded),
    };
  },
};
