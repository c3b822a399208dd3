import { ActivateCredential, Quote, TPM2B_PUBLIC, TPM_ALG, marshal, type TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { encodeEvidence, evidenceFromTpmClient } from '@vtpm/attest';
import { generateEphemeralKey, type EphemeralKeyPair } from '../crypto/ephemeralKey.js';
import { unwrapWithEphemeralKey } from '../crypto/keyWrapToEphemeral.js';
import { evidenceBinding } from '../protocol/evidenceBinding.js';
import type { Challenge, ReleaseGranted, ReleaseRequest } from '../protocol/messages.js';
import { policySelection } from '../policy/releasePolicy.js';
import type { BrokerClient } from './brokerClient.js';
import { readPcrs } from './pcrRead.js';

const PASSWORD = [{ password: '' }];

/** A host as the broker sees it: its TPM, its enrolled AK, the event log of its boot. */
export interface AttestingHost {
  hostId: string;
  tpm: TpmClient;
  ak: { handle: number; public: TpmtPublic };
  eventLog?: Buffer;
}

/** Evidence for a challenge: quote with qualifyingData = SHA-256(nonce || the key the release is to be wrapped to), PCR values, event log. */
export async function evidenceForChallenge(host: AttestingHost, challenge: Challenge, boundKey: Buffer): Promise<Buffer> {
  const selection = policySelection(challenge.pcrs);
  const quote = await host.tpm.run(Quote, {
    handles: { signHandle: host.ak.handle },
    auth: PASSWORD,
    params: { qualifyingData: evidenceBinding(challenge.nonce, boundKey), inScheme: { scheme: TPM_ALG.NULL, details: null }, PCRselect: selection },
  });
  const pcrValues = await readPcrs(host.tpm, selection);
  const evidence = evidenceFromTpmClient({
    quote,
    pcrs: { pcrSelection: selection, pcrValues },
    akPublic: host.ak.public,
    nonce: challenge.nonce,
    ...(host.eventLog ? { eventLog: host.eventLog } : {}),
  });
  if (!evidence.ok) throw new Error(`cannot build evidence: ${evidence.message}`);
  return encodeEvidence(evidence.value);
}

/** Evidence for a challenge bound to the host's ephemeral key (the first release mode). */
export async function answerChallenge(host: AttestingHost, challenge: Challenge, ephemeral: EphemeralKeyPair, vmId = challenge.vmId): Promise<ReleaseRequest> {
  const evidence = await evidenceForChallenge(host, challenge, ephemeral.publicKey);
  return { nonceId: challenge.nonceId, vmId, hostId: host.hostId, ephemeralPublicKey: ephemeral.publicKey, evidence };
}

/** Unwraps a granted key with the ephemeral key the request was bound to. */
export function unwrapGrantedKey(granted: ReleaseGranted, ephemeral: EphemeralKeyPair, nonce: Buffer): Buffer {
  return unwrapWithEphemeralKey(granted.wrappedKey, ephemeral.privateKey, { vmId: granted.vmId, keyVersion: granted.keyVersion, nonce, hostPublicKey: ephemeral.publicKey });
}

/** The whole host side: challenge, evidence, release, unwrap. What @vtpm/hypervisor calls before starting a VM. */
export async function obtainVmKey(broker: BrokerClient, host: AttestingHost, vmId: string): Promise<{ key: Buffer; keyVersion: number; policyVersion: number }> {
  const challenge = await broker.requestChallenge(vmId, host.hostId);
  const ephemeral = generateEphemeralKey();
  try {
    const granted = await broker.release(await answerChallenge(host, challenge, ephemeral));
    return { key: unwrapGrantedKey(granted, ephemeral, challenge.nonce), keyVersion: granted.keyVersion, policyVersion: granted.policyVersion };
  } finally {
    ephemeral.privateKey.fill(0);
  }
}

/** Registrar flow for a host: the broker seals a secret to the EK for the AK's Name; the TPM activates it. */
export async function enrolHost(broker: BrokerClient, host: AttestingHost, ek: { handle: number; public: TpmtPublic; certificate?: Buffer }): Promise<string> {
  const c = await broker.startEnrolment(host.hostId, marshal(TPM2B_PUBLIC, ek.public), marshal(TPM2B_PUBLIC, host.ak.public), ek.certificate);
  const { certInfo } = await host.tpm.run(ActivateCredential, {
    handles: { activateHandle: host.ak.handle, keyHandle: ek.handle },
    auth: [...PASSWORD, ...PASSWORD],
    params: { credentialBlob: c.credentialBlob, secret: c.secret },
  });
  return (await broker.finishEnrolment(c.enrolmentId, certInfo)).akName;
}
