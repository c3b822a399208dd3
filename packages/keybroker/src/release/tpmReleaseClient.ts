import { FlushContext, Import, Load, PolicyPCR, TPM2B_PUBLIC, TPM_ALG, TPM_SE, Unseal, marshal, startSession, unmarshal, type TpmClient, type TpmtPublic } from '@vtpm/tpm';
import type { AttestingHost } from '../client/attestingHost.js';
import { evidenceForChallenge } from '../client/attestingHost.js';
import type { BrokerClient } from '../client/brokerClient.js';
import { policySelection } from '../policy/releasePolicy.js';
import { INNER_WRAPPER_ALG } from './sealedKeyDuplication.js';
import type { TpmReleaseGranted } from './tpmReleaseMessages.js';

const PASSWORD = [{ password: '' }];

export interface TpmReleaseOptions {
  /** The loaded parent to import under: the host's storage key, or its enrolled EK (`isEk`). Used with an empty password. */
  parent: { handle: number; public: TpmtPublic };
  /** The parent is the EK the host's AK was enrolled with: the broker takes its public area from the enrolment. */
  isEk?: boolean;
  innerWrapper?: boolean;
}

/** Host side of the second release mode, up to the blob: challenge, quote bound to the parent's public area, release. */
export async function requestTpmRelease(broker: BrokerClient, host: AttestingHost, vmId: string, options: Omit<TpmReleaseOptions, 'parent'> & { parent: { public: TpmtPublic } }): Promise<TpmReleaseGranted> {
  const challenge = await broker.requestChallenge(vmId, host.hostId);
  const parentOctets = marshal(TPM2B_PUBLIC, options.parent.public);
  const evidence = await evidenceForChallenge(host, challenge, parentOctets);
  return broker.releaseToTpm({
    nonceId: challenge.nonceId, vmId, hostId: host.hostId, evidence,
    ...(options.isEk ? {} : { storageKeyPublic: parentOctets }),
    ...(options.innerWrapper ? { innerWrapper: true } : {}),
  });
}

/**
 * Import + Load under `parentHandle`, then Unseal through a policy session that ran PolicyPCR over
 * the granted PCRs: the TPM itself decides (TPM_RC_INTEGRITY on another TPM, TPM_RC_POLICY_FAIL
 * once a PCR moved). Throws the TPM's TpmResponseError.
 */
export async function unsealReleasedKey(tpm: TpmClient, parentHandle: number, granted: TpmReleaseGranted): Promise<Buffer> {
  const objectPublic = unmarshal(TPM2B_PUBLIC, granted.objectPublic);
  const inner = granted.encryptionKey.length > 0;
  const { outPrivate } = await tpm.run(Import, {
    handles: { parentHandle },
    auth: PASSWORD,
    params: {
      encryptionKey: granted.encryptionKey, objectPublic, duplicate: granted.duplicate, inSymSeed: granted.inSymSeed,
      symmetricAlg: inner ? INNER_WRAPPER_ALG : { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 },
    },
  });
  const handles: number[] = [];
  try {
    const obj = await tpm.run(Load, { handles: { parentHandle }, auth: PASSWORD, params: { inPrivate: outPrivate, inPublic: objectPublic } });
    handles.push(obj.handle);
    const session = await startSession(tpm, { type: TPM_SE.POLICY });
    handles.push(session.handle);
    await tpm.run(PolicyPCR, { handles: { policySession: session.handle }, params: { pcrDigest: Buffer.alloc(0), pcrs: policySelection(granted.pcrs) } });
    const { outData } = await tpm.run(Unseal, { handles: { itemHandle: obj.handle }, names: [obj.name], auth: [{ session }], params: {} });
    return outData;
  } finally {
    for (const h of handles.reverse()) await tpm.run(FlushContext, { params: { flushHandle: h } }).catch(() => undefined);
  }
}

/** The whole host side of the second release mode: the VM key, unsealed by the host TPM. */
export async function obtainVmKeyThroughTpm(broker: BrokerClient, host: AttestingHost, vmId: string, options: TpmReleaseOptions): Promise<{ key: Buffer; keyVersion: number; policyVersion: number }> {
  const granted = await requestTpmRelease(broker, host, vmId, options);
  return { key: await unsealReleasedKey(host.tpm, options.parent.handle, granted), keyVersion: granted.keyVersion, policyVersion: granted.policyVersion };
}
