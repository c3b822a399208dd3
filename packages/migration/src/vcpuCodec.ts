import { REGISTER_NAMES, type VcpuRegisters } from '@vtpm/hypervisor';

export const encodeRegisters = (r: VcpuRegisters): Buffer => {
  const b = Buffer.alloc(8 * REGISTER_NAMES.length);
  REGISTER_NAMES.forEach((n, i) => b.writeBigUInt64LE(BigInt.asUintN(64, r[n]), 8 * i));
  return b;
};

export const decodeRegisters = (b: Buffer): VcpuRegisters => Object.fromEntries(REGISTER_NAMES.map((n, i) => [n, b.readBigUInt64LE(8 * i)])) as VcpuRegisters;
