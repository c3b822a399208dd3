/** TCG PC Client crypto-agile event logs: structures, writer, parser, replay, UEFI event data. */
export * from './eventTypes.js';
export * from './eventLog.js';
export * from './hashAlgorithms.js';
export * from './littleEndian.js';
export * from './structures.js';
export * from './eventLogWriter.js';
export * from './eventLogParser.js';
export * from './replay.js';
export * from './uefiGuid.js';
export * from './uefiEventData.js';
export * from './devicePath.js';
