import net from 'node:net';
import { TpmClient } from '@vtpm/tpm';

/** Sends one raw TPM command on a fresh connection (as tpm2-tss' swtpm TCTI does) and reads one response. */
export function sendRaw(port: number, command: Buffer, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(command));
    let acc = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms (got ${acc.toString('hex')})`));
    }, timeoutMs);
    s.on('data', (d) => {
      acc = Buffer.concat([acc, d]);
      if (acc.length >= 6 && acc.length >= acc.readUInt32BE(2)) {
        clearTimeout(timer);
        s.end();
        resolve(acc.subarray(0, acc.readUInt32BE(2))); // the first response only
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** A client that sends every command on a fresh connection to `port` (swtpm serves one connection at a time). */
export function rawSocketClient(port: number, timeoutMs?: number): TpmClient {
  return new TpmClient({ send: (command) => sendRaw(port, command, timeoutMs) });
}
