export type { ServerOptions } from './serverOptions.js';
export { MssimServer } from './mssim/mssimServer.js';
export { SwtpmServer, type SwtpmServerOptions } from './swtpm/swtpmServer.js';
export { MssimTransport } from './client/mssimTransport.js';
export { SwtpmTransport } from './client/swtpmTransport.js';
export { PlaceholderStateBlobs, type StateBlobs } from './swtpm/stateBlobs.js';
export { MSSIM, MSSIM_ENDPOINT, MSSIM_ENDPOINT_INFO, MSSIM_SERVER_VERSION, sendCommandFrame, sendCommandReply } from './protocol/mssimProtocol.js';
export { CTRL, PTM_RES, PTM_CAP, PTM_BLOB_TYPE, PTM_STATE_FLAG, PTM_INIT_FLAG_DELETE_VOLATILE } from './protocol/swtpmControl.js';
export { hashStart, hashData, hashEnd } from './platform/drtmSequence.js';
