export * from './startup.js';
export * from './capability.js';
export * from './random.js';
export * from './hash.js';
export * from './pcr.js';
export * from './clock.js';
export * from './session.js';
export * from './object.js';
