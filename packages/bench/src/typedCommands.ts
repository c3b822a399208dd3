import { CreatePrimary, FlushContext, TPM_RH, type TpmClient, type TpmtPublic } from '@vtpm/tpm';

/** The typed-client calls the scenarios' setups share. */

/** An empty password session: authorizes hierarchies and keys with an empty authValue. */
export const PASSWORD = [{ password: '' }];

export function createPrimary(client: TpmClient, template: TpmtPublic, hierarchy: number = TPM_RH.OWNER) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    auth: PASSWORD,
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
}

/** FlushContext of every handle given, ignoring failures: cleanup after a round, even an interrupted one. */
export async function flushQuietly(client: TpmClient, ...handles: (number | undefined)[]): Promise<void> {
  for (const h of handles) if (h !== undefined) await client.run(FlushContext, { params: { flushHandle: h } }).catch(() => {});
}
