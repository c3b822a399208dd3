import { createConnection } from 'node:net';
import type { ControlLine } from '../../src/index.js';

export interface ControlExchange {
  answers: ControlLine[];
  /** Whether the daemon ended the connection. */
  closed: boolean;
}

/**
 * Writes `payload` to a daemon's control socket as is (half-closing after it if `halfClose`) and
 * collects the answer lines until `expect` final answers arrived (events do not count) or the
 * daemon closed the connection; rejects if neither happens within `limitMs`. With `halfClose`
 * it also waits for the daemon to end its side.
 */
export function controlExchange(path: string, payload: string | Buffer, options: { expect: number; halfClose?: boolean; limitMs?: number }): Promise<ControlExchange> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const answers: ControlLine[] = [];
    let pending = '';
    let closed = false;
    const finals = () => answers.filter((a) => 'ok' in a).length;
    const done = () => finals() >= options.expect && (!options.halfClose || closed);
    const limit = setTimeout(() => {
      socket.destroy();
      reject(new Error(`control socket: ${finals()} of ${options.expect} answers within ${options.limitMs ?? 5000} ms${closed ? ' (closed)' : ''}`));
    }, options.limitMs ?? 5000);
    const finish = () => {
      clearTimeout(limit);
      socket.destroy();
      resolve({ answers, closed });
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      pending += d;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        answers.push(JSON.parse(pending.slice(0, nl)) as ControlLine);
        pending = pending.slice(nl + 1);
      }
      if (done()) finish();
    });
    socket.on('error', () => undefined); // EPIPE when the daemon cut an over-long line: the close tells
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.once('connect', () => {
      socket.write(payload);
      if (options.halfClose) socket.end();
    });
  });
}

/** One request line. */
export const requestLine = (request: object): string => `${JSON.stringify(request)}\n`;
