import {
  CreatePrimary, FlushContext, GetCapability, InProcessTransport, Startup, TPM_CAP, TPM_PT, TPM_RC, TPM_RH, TPM_SU, TpmClient, TpmResponseError, ekTemplate, type EkTemplateId,
  type Tpm, type TpmtPublic,
} from '@vtpm/tpm';
import { issueEkCertificate, type EkCertificateIssueOptions } from './ekCertificate.js';
import { storeCertificateInNv } from './ekCertificateNvIndex.js';
import { ManufacturerCa } from './manufacturerCa.js';
import { readTpmIdentity, type TpmIdentity } from './tpmIdentity.js';

export interface ManufactureOptions {
  /** EK templates to certify; default the low range ones tpm2_createek uses: L-1 (RSA 2048) and L-2 (ECC P-256). */
  templates?: readonly EkTemplateId[];
  platformAuth?: string | Buffer;
  endorsementAuth?: string | Buffer;
  /** Overrides of what the certificates say about the TPM (by default read from its fixed properties). */
  identity?: Partial<TpmIdentity>;
  /** NV_WriteLock each certificate index (WRITEDEFINE: for good). Default false, as swtpm_setup without --lock-nvram. */
  lockCertificates?: boolean;
  certificate?: EkCertificateIssueOptions;
}

export interface ManufacturedEk {
  templateId: EkTemplateId;
  certIndex: number;
  ekPublic: TpmtPublic;
  /** The EK's Name (nameAlg || H(TPMT_PUBLIC)). */
  ekName: Buffer;
  /** The EK certificate, DER, as stored at certIndex. */
  certificate: Buffer;
}

export interface ManufactureResult {
  ca: ManufacturerCa;
  identity: TpmIdentity;
  eks: ManufacturedEk[];
}

/**
 * What a TPM vendor's factory does, for a vtpm: creates the EK of each template (CreatePrimary in
 * the endorsement hierarchy, so it can always be recreated), has the manufacturer CA certify it,
 * and stores the certificate in NV at the template's standard index with platform authorization,
 * where tpm2_getekcertificate / tpm2_nvread and verifiers look for it.
 *
 * `tpm` is an in-process Tpm (started here if it was not) or a client of any TPM; `ca` a CA or the
 * directory of one (created there on first use).
 */
export async function manufacture(tpm: Tpm | TpmClient, ca: ManufacturerCa | string, options: ManufactureOptions = {}): Promise<ManufactureResult> {
  const client = tpm instanceof TpmClient ? tpm : new TpmClient(new InProcessTransport(tpm));
  const authority = typeof ca === 'string' ? await ManufacturerCa.loadOrCreate(ca) : ca;
  await startedIfNeeded(client);
  const identity = { ...(await readTpmIdentity(client)), ...options.identity };
  const maxWrite = await nvBufferMax(client);
  const eks: ManufacturedEk[] = [];
  for (const id of options.templates ?? ['L-1', 'L-2']) {
    const { template, certIndex } = ekTemplate(id);
    const ek = await client.run(CreatePrimary, {
      handles: { primaryHandle: TPM_RH.ENDORSEMENT },
      auth: [{ password: options.endorsementAuth ?? '' }],
      params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
    });
    await client.run(FlushContext, { params: { flushHandle: ek.handle } });
    const certificate = await issueEkCertificate(authority, ek.outPublic, identity, options.certificate);
    await storeCertificateInNv(client, certIndex, certificate, { platformAuth: options.platformAuth, maxWrite, lock: options.lockCertificates });
    eks.push({ templateId: id, certIndex, ekPublic: ek.outPublic, ekName: ek.name, certificate });
  }
  return { ca: authority, identity, eks };
}

/** A TPM fresh from _TPM_Init answers TPM_RC_INITIALIZE until TPM2_Startup. */
async function startedIfNeeded(client: TpmClient): Promise<void> {
  try {
    await nvBufferMax(client);
  } catch (e) {
    if (!(e instanceof TpmResponseError && e.rc === TPM_RC.INITIALIZE)) throw e;
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  }
}

async function nvBufferMax(client: TpmClient): Promise<number> {
  const r = await client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.NV_BUFFER_MAX, propertyCount: 1 } });
  const p = (r.capabilityData.data as { property: number; value: number }[])[0];
  return p?.property === TPM_PT.NV_BUFFER_MAX && p.value > 0 ? p.value : 1024;
}
