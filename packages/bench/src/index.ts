export * from './workloads.js';
export * from './rawTpmSocket.js';
export * from './timing.js';
export * from './benchmark.js';
export * from './scenario.js';
export * from './scenarioSuite.js';
export { KEY_SCENARIOS, QUOTE_SCENARIOS } from './scenarios/index.js';
export * from './goals.js';
export * from './suites.js';
