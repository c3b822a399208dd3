import { createHash } from 'node:crypto';
import { Sign, TPM_ALG, TPM_RH, TPM_ST, TpmClient } from '@vtpm/tpm';
import { eccSigningTemplate } from '../keyTemplates.js';
import { recordCommand } from '../recordingTransport.js';
import { sendOk, type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly, PASSWORD } from '../typedCommands.js';

const DIGEST = createHash('sha256').update('vtpm bench: a message to sign').digest();

/** Sign with a loaded ECC P-256 key: one pre-marshalled command. */
export const signEcdsa: Scenario = {
  name: 'Sign_ECDSA',
  description: 'Sign a SHA-256 digest, ECDSA P-256, with a loaded unrestricted key (password session, NULL ticket)',
  commands: 1,
  clientBuilt: false,
  async open(tpm) {
    const client = new TpmClient(tpm);
    const key = (await createPrimary(client, eccSigningTemplate())).handle;
    const { command } = await recordCommand(tpm, (c) =>
      c.run(Sign, {
        handles: { keyHandle: key },
        auth: PASSWORD,
        params: { digest: DIGEST, inScheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, validation: { tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: Buffer.alloc(0) } },
      }),
    );
    return {
      iterate: async () => void (await sendOk(tpm, 'Sign', command)),
      close: () => flushQuietly(client, key),
    };
  },
};
