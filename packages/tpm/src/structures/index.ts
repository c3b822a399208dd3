export * from './basic.js';
export * from './pcrSelection.js';
export * from './capability.js';
export * from './time.js';
export * from './tickets.js';
export * from './symmetric.js';
export * from './auth.js';
export * from './publicParms.js';
