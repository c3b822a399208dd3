export * from './measuredBoot/bootSequence.js';
export * from './attestationDemo.js';
export * from './pcrComparison.js';
export * from './tpmPcrs.js';
export * from './tpm2Eventlog.js';
