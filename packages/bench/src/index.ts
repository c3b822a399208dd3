export * from './workloads.js';
export * from './rawTpmSocket.js';
export * from './timing.js';
export * from './benchmark.js';
