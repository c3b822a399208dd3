import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreatePrimary, InProcessTransport, PCR_Extend, ReadPublic, TPM_ALG, TPM_RH, TpmClient, ekTemplate, restoreTpm } from '@vtpm/tpm';
import { StateFiles, StateStore, TpmStateKeeper } from '../src/index.js';
import { useTempDir } from './support/tempDir.js';

/*
 * A state directory written by a build of state format 1 (the fixtures of packages/tpm, see
 * packages/tpm/test/data/state-v1/README.md) keeps working after the upgrade: the TPM keeps RSA
 * prime search 1 and its EK, hibernates and wakes, and its next permanent write is format 2.
 */

const FIXTURES = new URL('../../../tpm/test/data/state-v1/', import.meta.url);
const EK_MODULUS_SHA256 = '14d16d79fed696e44b85f5cada19e3f45e6ac3fb5fc2ffbda37fa6042f579a3e';
const PW = [{ password: '' }];
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('state directory written with state format 1', function () {
  this.timeout(60000);
  const dir = useTempDir('vtpm-state-v1-');

  it('resumes as RSA prime search 1 with the same EK, hibernates, and writes format 2 at the next change', async () => {
    const seed = new StateStore({ files: new StateFiles(dir()) });
    await seed.begin();
    await seed.writePermanent(readFileSync(new URL('permanent.bin', FIXTURES)));
    await seed.writeVolatile(readFileSync(new URL('volatile.bin', FIXTURES)), false);
    seed.files!.lock.release();

    const { keeper, origin } = await TpmStateKeeper.start({ store: new StateStore({ files: new StateFiles(dir()) }), resumeVolatile: true });
    try {
      expect(origin).to.equal('resumed');
      expect(keeper.tpm.rsaPrimeSearch).to.equal(1);
      const client = () => new TpmClient(new InProcessTransport(keeper.tpm));
      const persistent = await client().run(ReadPublic, { handles: { objectHandle: 0x81010001 }, params: {} });
      expect(sha256(persistent.outPublic.unique as Buffer)).to.equal(EK_MODULUS_SHA256);
      const ek = await client().run(CreatePrimary, {
        handles: { primaryHandle: TPM_RH.ENDORSEMENT },
        auth: PW,
        params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: ekTemplate('L-1').template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
      });
      expect(sha256(ek.outPublic.unique as Buffer), 'the recreated EK').to.equal(EK_MODULUS_SHA256);

      // the stored permanent state is still the version-1 blob: hibernating pairs it with a version-2 volatile blob
      expect(keeper.hibernate()).to.equal(true);
      expect(keeper.tpm.rsaPrimeSearch).to.equal(1);

      await client().run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: PW, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 1) }] } });
      await keeper.persistChanges();
      const stored = (await new StateStore({ files: new StateFiles(dir()) }).load())!;
      expect(stored.permanent.readUInt16BE(4)).to.equal(2);
      expect(stored.permanent.subarray(-7)).to.deep.equal(Buffer.from([0, 11, 0, 0, 0, 1, 1])); // keyDerivation: method 1
      expect(restoreTpm({ permanent: stored.permanent }).rsaPrimeSearch).to.equal(1);
    } finally {
      keeper.store.files!.lock.release();
    }
  });
});
