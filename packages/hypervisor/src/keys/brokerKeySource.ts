import { ActivateCredential, CreatePrimary, FlushContext, PolicySecret, TPM2B_PUBLIC, TPM_RH, TPM_SE, ekTemplate, marshal, startSession, type TpmClient } from '@vtpm/tpm';
import { obtainVmKey, type BrokerClient } from '@vtpm/keybroker';
import type { Host } from '../host/host.js';
import { createAttestationKey } from '../host/storageRoot.js';
import type { VmKeySource } from './vmKeySource.js';

const PASSWORD = { password: '' };

/** Runs `use` with the host's attestation key loaded (a primary key: the same AK, so the same enrolled Name, at every boot). */
async function withAttestationKey<T>(client: TpmClient, use: (ak: { handle: number; public: Awaited<ReturnType<typeof createAttestationKey>>['outPublic'] }) => Promise<T>): Promise<T> {
  const ak = await createAttestationKey(client);
  try {
    return await use({ handle: ak.handle, public: ak.outPublic });
  } finally {
    await client.run(FlushContext, { params: { flushHandle: ak.handle } }).catch(() => undefined);
  }
}

/**
 * A VM key from a running @vtpm/keybroker: for each key the host answers a fresh challenge with a
 * quote by its TPM (qualifyingData bound to a one-time ephemeral key), its PCR values and its
 * event log, and the broker releases the key only if that evidence passes the VM's release
 * policy. A refusal surfaces as the broker's BrokerRefused (its `reason`, e.g. pcr-mismatch).
 * The host's hostEvidence argument is not used: the broker's own challenge decides freshness.
 */
export class BrokerVmKeySource implements VmKeySource {
  constructor(
    private readonly broker: BrokerClient,
    private readonly host: Host,
    readonly hostId: string,
  ) {}

  async fetchKey(vmId: string): Promise<Buffer> {
    // host.client changes at every boot (power cycle): read it now, not at construction
    const tpm = this.host.client;
    return withAttestationKey(tpm, async (ak) => {
      const { key } = await obtainVmKey(this.broker, { hostId: this.hostId, tpm, ak, ...(this.host.eventLog ? { eventLog: this.host.eventLog } : {}) }, vmId);
      return key;
    });
  }
}

/**
 * Enrols the host's attestation key with the broker's registrar (`admin` carries the admin
 * token): credential activation with the host's certified EK (TCG template L-2, whose admin role
 * is PolicySecret(TPM_RH_ENDORSEMENT)). Returns the AK's Name (hex).
 */
export async function enrolHostWithBroker(admin: BrokerClient, host: Host, hostId: string): Promise<string> {
  const tpm = host.client;
  const ek = await tpm.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.ENDORSEMENT }, auth: [PASSWORD],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: ekTemplate('L-2').template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  try {
    return await withAttestationKey(tpm, async (ak) => {
      const c = await admin.startEnrolment(hostId, marshal(TPM2B_PUBLIC, ek.outPublic), marshal(TPM2B_PUBLIC, ak.public), host.ekCertificates[0]);
      const session = await startSession(tpm, { type: TPM_SE.POLICY });
      try {
        await tpm.run(PolicySecret, {
          handles: { authHandle: TPM_RH.ENDORSEMENT, policySession: session.handle }, auth: [PASSWORD],
          params: { nonceTPM: Buffer.alloc(0), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), expiration: 0 },
        });
        const { certInfo } = await tpm.run(ActivateCredential, {
          handles: { activateHandle: ak.handle, keyHandle: ek.handle },
          auth: [PASSWORD, { session }],
          params: { credentialBlob: c.credentialBlob, secret: c.secret },
        });
        return (await admin.finishEnrolment(c.enrolmentId, certInfo)).akName;
      } finally {
        await tpm.run(FlushContext, { params: { flushHandle: session.handle } }).catch(() => undefined);
      }
    });
  } finally {
    await tpm.run(FlushContext, { params: { flushHandle: ek.handle } }).catch(() => undefined);
  }
}
