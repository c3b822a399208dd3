import { TpmClient, type Transport } from '@vtpm/tpm';

/** Passes commands through and keeps the last one sent. */
export class RecordingTransport implements Transport {
  last: Buffer | undefined;
  constructor(private readonly inner: Transport) {}
  send(command: Buffer, locality?: number): Promise<Buffer> {
    this.last = Buffer.from(command);
    return this.inner.send(command, locality);
  }
}

/**
 * Runs one typed command on `transport` and keeps its bytes for resending: the typed client
 * marshals it once, and the TPM's answer (the client throws on anything but success) proves the
 * bytes are good.
 */
export async function recordCommand<T>(transport: Transport, run: (client: TpmClient) => Promise<T>): Promise<{ command: Buffer; result: T }> {
  const recorder = new RecordingTransport(transport);
  const result = await run(new TpmClient(recorder));
  if (!recorder.last) throw new Error('nothing was sent');
  return { command: recorder.last, result };
}
