import { InProcessTransport, Tpm, type Transport } from '@vtpm/tpm';
import { MssimServer } from '@vtpm/server';
import type { Scenario } from './scenario.js';
import { startedTpm } from './tpmStartup.js';

/** TPM_ST_NO_SESSIONS, size 10, TPM_RC_SUCCESS: the answer to a command nothing was recorded for. */
const SUCCESS = Buffer.from('80010000000a00000000', 'hex');

/**
 * A TPM that does no work: execute() answers each command with what a real vtpm last answered to
 * a command of the same code. Behind vtpm's own mssim server it measures what the socket, the
 * framing and the event loop alone allow: the rate the vtpm socket column would reach if the TPM
 * took no time at all, so a row's goal can be compared with what is reachable on this machine.
 */
export class NoopTpm extends Tpm {
  constructor(private readonly answers: ReadonlyMap<number, Buffer>) {
    super();
  }

  override execute(command: Buffer): Buffer {
    return (command.length >= 10 && this.answers.get(command.readUInt32BE(6))) || SUCCESS;
  }
}

/** Runs the scenario (setup, two iterations, cleanup) on a real in-process vtpm and keeps its answers by command code. */
export async function recordAnswers(scenario: Scenario): Promise<Map<number, Buffer>> {
  const answers = new Map<number, Buffer>();
  const inner = new InProcessTransport(await startedTpm());
  const recording: Transport = {
    async send(command, locality) {
      const response = await inner.send(command, locality);
      answers.set(command.readUInt32BE(6), Buffer.from(response));
      return response;
    },
  };
  const run = await scenario.open(recording);
  try {
    await run.iterate();
    await run.iterate();
  } finally {
    await run.close();
  }
  return answers;
}

/** vtpm's mssim server in this process around a NoopTpm for `scenario`, on any free port. */
export async function startNoopServer(host: string, scenario: Scenario): Promise<MssimServer> {
  const server = await MssimServer.start({ host, port: 0, tpm: new NoopTpm(await recordAnswers(scenario)) });
  return server;
}
