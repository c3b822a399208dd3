import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  CreatePrimary, EK_HIGH_ATTRIBUTES, EK_LOW_ATTRIBUTES, EK_POLICY_A, EK_POLICY_B, EK_POLICY_C, EK_POLICY_NV_INDEX, EK_TEMPLATES, FlushContext,
  TPM_ALG, TPM_RH, TPMA_NV, TPMT_PUBLIC, TpmClient, TpmResponseError, ekTemplate, marshal, type EkTemplateId, type TpmtPublic,
} from '../src/index.js';
import { startTpm } from './kit/startedTpm.js';

const u16 = (v: number) => Buffer.of(v >> 8, v & 0xff);
const u32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
const H = (alg: string, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash(alg)).digest();

const BANKS = [
  ['sha256', TPM_ALG.SHA256, 32],
  ['sha384', TPM_ALG.SHA384, 48],
  ['sha512', TPM_ALG.SHA512, 64],
  ['sm3_256', TPM_ALG.SM3_256, 32],
] as const;
const nodeHash = (name: string) => (name === 'sm3_256' ? 'sm3' : name);

const startedTpm = async (seed: string) => (await startTpm(seed)).client;

function createEk(client: TpmClient, template: TpmtPublic) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.ENDORSEMENT },
    auth: [{ password: '' }],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
}

describe('EK templates (TCG EK Credential Profile 2.x)', function () {
  this.timeout(60000);

  it('the published PolicyA, PolicyC and PolicyB digests follow from their definitions, for every name algorithm', () => {
    const [CC_PolicySecret, CC_PolicyOR, CC_PolicyAuthorizeNV] = [0x151, 0x171, 0x192];
    const policyIndexAttributes = TPMA_NV.POLICYWRITE | TPMA_NV.WRITEALL | TPMA_NV.PPREAD | TPMA_NV.OWNERREAD | TPMA_NV.AUTHREAD | TPMA_NV.POLICYREAD | TPMA_NV.NO_DA | TPMA_NV.WRITTEN;
    for (const [name, alg, size] of BANKS) {
      const h = nodeHash(name);
      const zero = Buffer.alloc(size);
      const policyA = H(h, H(h, zero, u32(CC_PolicySecret), u32(TPM_RH.ENDORSEMENT))); // then the empty policyRef
      const indexPublic = Buffer.concat([u32(EK_POLICY_NV_INDEX[name]), u16(alg), u32(policyIndexAttributes), u16(size), policyA, u16(size + 2)]);
      const policyC = H(h, zero, u32(CC_PolicyAuthorizeNV), u16(alg), H(h, indexPublic));
      const policyB = H(h, zero, u32(CC_PolicyOR), policyA, policyC);
      expect([policyA, policyC, policyB].map((d) => d.toString('hex')), name).to.deep.equal([EK_POLICY_A[name], EK_POLICY_C[name], EK_POLICY_B[name]].map((d) => d.toString('hex')));
    }
  });

  it('L-1 is the famous RSA 2048 template: 0x000300b2, PolicyA, AES-128-CFB, unique 256 zero bytes; L-2 its P-256 twin', () => {
    const l1 = ekTemplate('L-1');
    expect(l1.certIndex).to.equal(0x01c00002);
    expect(l1.template).to.deep.equal({
      type: TPM_ALG.RSA,
      nameAlg: TPM_ALG.SHA256,
      objectAttributes: 0x000300b2,
      authPolicy: Buffer.from('837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa', 'hex'),
      parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: { scheme: TPM_ALG.NULL, details: null }, keyBits: 2048, exponent: 0 },
      unique: Buffer.alloc(256),
    });
    const l2 = ekTemplate('L-2');
    expect(l2.certIndex).to.equal(0x01c0000a);
    expect(l2.template.parameters).to.deep.equal({ symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: { scheme: TPM_ALG.NULL, details: null }, curveID: 0x0003, kdf: { scheme: TPM_ALG.NULL, details: null } });
    expect(l2.template.unique).to.deep.equal({ x: Buffer.alloc(32), y: Buffer.alloc(32) });
    expect([EK_LOW_ATTRIBUTES, EK_HIGH_ATTRIBUTES]).to.deep.equal([0x000300b2, 0x000300f2]);
  });

  it('the high-range templates H-1..H-7: PolicyB of their name algorithm, userWithAuth, empty unique, certificates at 0x01c00012..0x01c0001e', () => {
    const summary = EK_TEMPLATES.filter((t) => t.id.startsWith('H')).map((t) => {
      const p = t.template.parameters;
      return [t.id, t.certIndex.toString(16), t.template.nameAlg, p.keyBits ?? p.curveID, p.symmetric.algorithm, p.symmetric.keyBits, t.template.objectAttributes, t.template.authPolicy.length];
    });
    expect(summary).to.deep.equal([
      ['H-1', '1c00012', TPM_ALG.SHA256, 2048, TPM_ALG.AES, 128, 0x300f2, 32],
      ['H-2', '1c00014', TPM_ALG.SHA256, 0x0003, TPM_ALG.AES, 128, 0x300f2, 32],
      ['H-3', '1c00016', TPM_ALG.SHA384, 0x0004, TPM_ALG.AES, 256, 0x300f2, 48],
      ['H-4', '1c00018', TPM_ALG.SHA512, 0x0005, TPM_ALG.AES, 256, 0x300f2, 64],
      ['H-5', '1c0001a', TPM_ALG.SM3_256, 0x0020, TPM_ALG.SM4, 128, 0x300f2, 32],
      ['H-6', '1c0001c', TPM_ALG.SHA384, 3072, TPM_ALG.AES, 256, 0x300f2, 48],
      ['H-7', '1c0001e', TPM_ALG.SHA384, 4096, TPM_ALG.AES, 256, 0x300f2, 48],
    ]);
    for (const t of EK_TEMPLATES.filter((x) => x.id.startsWith('H'))) {
      const unique = t.template.unique;
      expect(Buffer.isBuffer(unique) ? unique.length : (unique as { x: Buffer }).x.length + (unique as { y: Buffer }).y.length, t.id).to.equal(0);
    }
  });

  for (const id of ['L-1', 'L-2', 'H-1', 'H-2', 'H-3', 'H-4', 'H-6'] as EkTemplateId[]) {
    it(`${id}: CreatePrimary in the endorsement hierarchy keeps the template and names the EK nameAlg || H(TPMT_PUBLIC), the same after a restart`, async () => {
      const { template } = ekTemplate(id);
      const client = await startedTpm('ek templates');
      const ek = await createEk(client, template);
      const { unique, ...rest } = ek.outPublic;
      const { unique: _, ...expected } = template;
      expect(rest).to.deep.equal(expected);
      expect(Buffer.isBuffer(unique) ? unique.length * 8 : (unique as { x: Buffer }).x.length).to.equal(Buffer.isBuffer(unique) ? template.parameters.keyBits : { 3: 32, 4: 48, 5: 66 }[template.parameters.curveID as 3]);
      const nameAlgName = { [TPM_ALG.SHA256]: 'sha256', [TPM_ALG.SHA384]: 'sha384', [TPM_ALG.SHA512]: 'sha512' }[template.nameAlg]!;
      expect(ek.name.toString('hex')).to.equal(u16(template.nameAlg).toString('hex') + H(nameAlgName, marshal(TPMT_PUBLIC, ek.outPublic)).toString('hex'));
      await client.run(FlushContext, { params: { flushHandle: ek.handle } });
      const again = await createEk(await startedTpm('ek templates'), template);
      expect(again.name.equals(ek.name)).to.equal(true);
    });
  }

  it('H-5 (SM2 with SM4) and H-7 (RSA 4096) are listed, but vtpm implements neither (swtpm 0.7 refuses RSA 4096 too: tpm2_testparms rsa4096)', async () => {
    const client = await startedTpm('ek templates');
    for (const id of ['H-5', 'H-7'] as EkTemplateId[]) {
      let failed: unknown;
      try {
        await createEk(client, ekTemplate(id).template);
      } catch (e) {
        failed = e;
      }
      expect(failed, id).to.be.instanceOf(Error);
      if (id === 'H-7') expect((failed as TpmResponseError).rc & 0x3f).to.equal(0x07); // TPM_RC_KEY_SIZE (parameter)
    }
  });
});
