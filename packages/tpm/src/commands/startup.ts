import { implement } from '../pipeline/handler.js';
import { Shutdown, Startup } from '../spec/startup.js';

export const startup = implement(Startup, (tpm, { params, locality }) => {
  tpm.startup(params.startupType, locality);
  return {};
});

export const shutdown = implement(Shutdown, (tpm, { params }) => {
  tpm.shutdown(params.shutdownType);
  return {};
});
