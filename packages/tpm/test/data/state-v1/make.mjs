// Makes the version-1 state blob fixtures of packages/tpm/test/state.formatV1.test.ts (see README.md).
// It must run against a build of the code that wrote STATE_FORMAT_VERSION 1 (commit 6a269060, the
// last one before version 2): a newer build writes version 2. From a checkout of that commit:
//   npx tsc -b packages/tpm && node packages/tpm/test/data/state-v1/make.mjs [output directory]
// Deterministic: a fixed seed and a fixed clock give the same blobs every run.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreatePrimary, EvictControl, InProcessTransport, PCR_Extend, STATE_FORMAT_VERSION, Startup, TPM_ALG, TPM_RH, TPM_SU, Tpm, TpmClient, ekTemplate,
} from '../../../dist/src/index.js';

if (STATE_FORMAT_VERSION !== 1) throw new Error(`this build writes state format version ${STATE_FORMAT_VERSION}: the fixtures need version 1`);
const out = process.argv[2] ?? fileURLToPath(new URL('.', import.meta.url));
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const PW = { password: '' };

const tpm = new Tpm({ seed: Buffer.from('state v1 fixture'), now: () => 1000 });
const client = new TpmClient(new InProcessTransport(tpm));
await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
const ek = await client.run(CreatePrimary, {
  handles: { primaryHandle: TPM_RH.ENDORSEMENT },
  auth: [PW],
  params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: ekTemplate('L-1').template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
});
await client.run(EvictControl, { handles: { auth: TPM_RH.OWNER, objectHandle: ek.handle }, auth: [PW], params: { persistentHandle: 0x81010001 } });
await client.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: [PW], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: createHash('sha256').update('state v1 fixture event').digest() }] } });

const { permanent, volatile } = tpm.save();
writeFileSync(join(out, 'permanent.bin'), permanent);
writeFileSync(join(out, 'volatile.bin'), volatile);
console.log(JSON.stringify({
  stateFormatVersion: STATE_FORMAT_VERSION,
  ekModulusSha256: sha256(ek.outPublic.unique),
  ekName: Buffer.from(ek.name).toString('hex'),
  transientEkHandle: '0x' + ek.handle.toString(16),
  permanentSha256: sha256(permanent),
  volatileSha256: sha256(volatile),
  permanentOctets: permanent.length,
  volatileOctets: volatile.length,
}, null, 2));
