import { createHash } from 'node:crypto';
import { pcrBitmap, Quote, TPM_ALG, TPM_RH, TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { eccSigningTemplate, rsaAkTemplate } from '../keyTemplates.js';
import { recordCommand } from '../recordingTransport.js';
import { sendOk, type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly, PASSWORD } from '../typedCommands.js';

/** What a verifier asks for: its nonce, the boot PCRs of the SHA-256 bank. */
export const QUOTE_NONCE = createHash('sha256').update('vtpm bench: verifier nonce').digest();
export const QUOTE_PCRS = [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 1, 2, 3, 4, 5, 6, 7]) }];

/** Quote with a primary AK (endorsement hierarchy) loaded once: one pre-marshalled command. */
function quoteWith(name: string, algorithm: string, template: () => TpmtPublic): Scenario {
  return {
    name,
    description: `Quote of sha256:0-7 with a 32-octet nonce, ${algorithm} AK (restricted signing primary, endorsement hierarchy)`,
    commands: 1,
    clientBuilt: false,
    async open(tpm) {
      const client = new TpmClient(tpm);
      const ak = (await createPrimary(client, template(), TPM_RH.ENDORSEMENT)).handle;
      const { command } = await recordCommand(tpm, (c) =>
        c.run(Quote, { handles: { signHandle: ak }, auth: PASSWORD, params: { qualifyingData: QUOTE_NONCE, inScheme: { scheme: TPM_ALG.NULL, details: null }, PCRselect: QUOTE_PCRS } }),
      );
      return {
        iterate: async () => void (await sendOk(tpm, 'Quote', command)),
        close: () => flushQuietly(client, ak),
      };
    },
  };
}

export const quoteEcc = quoteWith('Quote_ECC', 'ECDSA P-256', () => eccSigningTemplate(true));
export const quoteRsa = quoteWith('Quote_RSA', 'RSASSA-2048', rsaAkTemplate);
