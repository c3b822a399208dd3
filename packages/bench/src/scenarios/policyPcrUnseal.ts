import { Create, Load, pcrBitmap, PolicyGetDigest, PolicyPCR, startSession, TPM_ALG, TPM_SE, TpmClient, Unseal } from '@vtpm/tpm';
import { eccStorageTemplate, sealedTemplate } from '../keyTemplates.js';
import { type Scenario } from '../scenario.js';
import { createPrimary, flushQuietly, PASSWORD } from '../typedCommands.js';

const SECRET = Buffer.from('vtpm bench: a disk key sealed to PCRs 0-7');
/** The boot PCRs a disk-unlock policy typically covers. */
const PCRS = [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 1, 2, 3, 4, 5, 6, 7]) }];

/** PolicyPCR with the TPM's current values (empty pcrDigest): what tpm2_unseal -p pcr:sha256:0-7 does. */
const policyPcr = (client: TpmClient, session: number) => client.run(PolicyPCR, { handles: { policySession: session }, params: { pcrDigest: Buffer.alloc(0), pcrs: PCRS } });

/**
 * Unsealing a PCR-bound secret the way an unlocker does: a policy session salted with the SRK
 * (ECC: the client's ephemeral ECDH and KDFe, the TPM's ECDH), PolicyPCR, Unseal authorized by the
 * session, FlushContext of the session. Sessions roll nonces and HMACs, so the typed client builds
 * every command: the rate includes that client work, the same for both targets.
 */
export const policyPcrUnseal: Scenario = {
  name: 'PolicyPCR_Unseal',
  description: 'salted StartAuthSession (policy, ECC salt, tpmKey = ECC P-256 SRK) + PolicyPCR sha256:0-7 + Unseal of a PCR-policy sealed object + FlushContext(session)',
  commands: 4,
  clientBuilt: true,
  async open(tpm) {
    const client = new TpmClient(tpm);
    const srk = await createPrimary(client, eccStorageTemplate());
    const trial = await startSession(client, { type: TPM_SE.TRIAL });
    await policyPcr(client, trial.handle);
    const { policyDigest } = await client.run(PolicyGetDigest, { handles: { policySession: trial.handle }, params: {} });
    await flushQuietly(client, trial.handle);
    const created = await client.run(Create, {
      handles: { parentHandle: srk.handle },
      auth: PASSWORD,
      params: { inSensitive: { userAuth: Buffer.alloc(0), data: SECRET }, inPublic: sealedTemplate(policyDigest), outsideInfo: Buffer.alloc(0), creationPCR: [] },
    });
    const sealed = await client.run(Load, { handles: { parentHandle: srk.handle }, auth: PASSWORD, params: { inPrivate: created.outPrivate, inPublic: created.outPublic } });
    let session: number | undefined;
    return {
      async iterate() {
        const s = await startSession(client, { type: TPM_SE.POLICY, tpmKey: { handle: srk.handle, public: srk.outPublic } });
        session = s.handle;
        await policyPcr(client, s.handle);
        const { outData } = await client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s }], params: {} });
        if (!outData.equals(SECRET)) throw new Error('Unseal answered other data than was sealed');
        await flushQuietly(client, s.handle);
        session = undefined;
      },
      close: () => flushQuietly(client, session, sealed.handle, srk.handle),
    };
  },
};
