export * from './rc.js';
export * from './cc.js';
export * from './alg.js';
export * from './types.js';
export * from './handles.js';
export * from './attributes.js';
export * from './properties.js';
