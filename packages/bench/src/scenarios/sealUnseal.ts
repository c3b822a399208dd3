import { Create, Load, TpmClient, Unseal } from '@vtpm/tpm';
import { flushContextCommand, leadingSized, responseHandle, responseParameters, withHandle, withParameters } from '../commandBytes.js';
import { eccStorageTemplate, sealedTemplate } from '../keyTemplates.js';
import { recordCommand } from '../recordingTransport.js';
import { sendOk, type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly, PASSWORD } from '../typedCommands.js';

const SECRET = Buffer.from('vtpm bench: a disk key sealed under the SRK');

/**
 * Seal and unseal under an ECC SRK, password sessions only: Create's bytes are resent as they
 * are, Load's carry Create's outPrivate and outPublic, Unseal and FlushContext the loaded handle.
 */
export const sealUnseal: Scenario = {
  name: 'Create_Load_Unseal',
  description: 'Create a sealed object under an ECC P-256 SRK + Load + Unseal (output checked) + FlushContext',
  commands: 4,
  clientBuilt: false,
  async open(tpm) {
    const client = new TpmClient(tpm);
    const srk = (await createPrimary(client, eccStorageTemplate())).handle;
    const create = await recordCommand(tpm, (c) =>
      c.run(Create, {
        handles: { parentHandle: srk },
        auth: PASSWORD,
        params: { inSensitive: { userAuth: Buffer.alloc(0), data: SECRET }, inPublic: sealedTemplate(), outsideInfo: Buffer.alloc(0), creationPCR: [] },
      }),
    );
    const load = await recordCommand(tpm, (c) =>
      c.run(Load, { handles: { parentHandle: srk }, auth: PASSWORD, params: { inPrivate: create.result.outPrivate, inPublic: create.result.outPublic } }),
    );
    const unseal = await recordCommand(tpm, (c) => c.run(Unseal, { handles: { itemHandle: load.result.handle }, auth: PASSWORD, params: {} }));
    await flushQuietly(client, load.result.handle);
    let loaded: number | undefined;
    return {
      async iterate() {
        const [outPrivate, outPublic] = leadingSized(responseParameters(await sendOk(tpm, 'Create', create.command), 0), 2);
        loaded = responseHandle(await sendOk(tpm, 'Load', withParameters(load.command, 1, Buffer.concat([outPrivate!, outPublic!]))));
        const [outData] = leadingSized(responseParameters(await sendOk(tpm, 'Unseal', withHandle(unseal.command, 0, loaded)), 0), 1);
        if (!outData!.subarray(2).equals(SECRET)) throw new Error('Unseal answered other data than was sealed');
        await sendOk(tpm, 'FlushContext', flushContextCommand(loaded));
        loaded = undefined;
      },
      close: () => flushQuietly(client, loaded, srk),
    };
  },
};
