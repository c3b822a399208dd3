import { NV_DefineSpace, NV_Read, NV_ReadPublic, NV_Write, TPM_ALG, TPM_RH, TPMA_NV, TPMA_NV_TPM_NT_SHIFT, TPM_NT, type NvPublic } from '../src/index.js';
import { pw, startTpm, type StartedTpm } from './kit/startedTpm.js';

/**
 * Fixtures of the NV tests. Expected response codes in these tests were taken from swtpm 0.7.1
 * (libtpms 0.9.2) given the same commands; test/interop/nvDifferential.test.ts replays the same
 * kind of sequences against a live swtpm.
 */

export type NvFixture = StartedTpm;

export const started = (seed = 'nv'): Promise<NvFixture> => startTpm(seed);

export const OWNER: number = TPM_RH.OWNER;
export const PLATFORM: number = TPM_RH.PLATFORM;
export const nt = (type: number) => type << TPMA_NV_TPM_NT_SHIFT;
export const { COUNTER, BITS, EXTEND, PIN_FAIL, PIN_PASS } = TPM_NT;
/** Owner read/write and no dictionary-attack protection: the usual test index. */
export const OWNER_RW = TPMA_NV.OWNERREAD | TPMA_NV.OWNERWRITE | TPMA_NV.NO_DA;
export const AUTH_RW = TPMA_NV.AUTHREAD | TPMA_NV.AUTHWRITE;

export function nvPublic(nvIndex: number, attributes: number, opts: { size?: number; nameAlg?: number; authPolicy?: Buffer } = {}): NvPublic {
  return {
    nvIndex,
    nameAlg: opts.nameAlg ?? TPM_ALG.SHA256,
    attributes: attributes >>> 0,
    authPolicy: opts.authPolicy ?? Buffer.alloc(0),
    dataSize: opts.size ?? 8,
  };
}

export interface DefineOptions {
  size?: number;
  nameAlg?: number;
  authPolicy?: Buffer;
  auth?: string | Buffer;
  by?: number;
}

export function define(f: NvFixture, nvIndex: number, attributes: number, opts: DefineOptions = {}) {
  return f.client.run(NV_DefineSpace, {
    handles: { authHandle: opts.by ?? OWNER },
    params: { auth: Buffer.from(opts.auth ?? ''), publicInfo: nvPublic(nvIndex, attributes, opts) },
    auth: [pw()],
  });
}

/** NV_Write authorized by `by` (default the owner) with a password. */
export function write(f: NvFixture, nvIndex: number, data: Buffer | string, offset = 0, by = OWNER, password = '') {
  return f.client.run(NV_Write, { handles: { authHandle: by, nvIndex }, params: { data: Buffer.from(data), offset }, auth: [pw(password)] });
}

export async function read(f: NvFixture, nvIndex: number, size: number, offset = 0, by = OWNER, password = ''): Promise<Buffer> {
  return (await f.client.run(NV_Read, { handles: { authHandle: by, nvIndex }, params: { size, offset }, auth: [pw(password)] })).data;
}

export async function attributesOf(f: NvFixture, nvIndex: number): Promise<number> {
  return (await f.client.run(NV_ReadPublic, { handles: { nvIndex }, params: {} })).nvPublic.attributes;
}

export const hasAttr = (attributes: number, bit: number) => (attributes & bit) !== 0;
