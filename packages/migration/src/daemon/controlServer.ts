import { mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { CONTROL_OPS, encodeLine, LineReader, type ControlError, type ControlLine, type ControlRequest } from './controlProtocol.js';

/** A request the daemon refuses before running it; `code` goes to the client. */
export class ControlRequestError extends Error {
  override name = 'ControlRequestError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export type ControlHandler = (request: ControlRequest, emit: (event: unknown) => void) => Promise<unknown>;

export interface ControlServer {
  close(): Promise<void>;
}

/**
 * Serves the control protocol on the Unix socket `path` (its directory 0700, a stale socket file
 * replaced: the caller holds the host directory's lock). A malformed line is answered with an
 * error (id null when unreadable) and the connection stays usable. A client that half-closes
 * (sends its requests, then shuts down its side: `nc -N`) still gets every answer before the end.
 */
export async function serveControl(path: string, handle: ControlHandler, toError: (e: unknown) => ControlError): Promise<ControlServer> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    unlinkSync(path);
  } catch {
    // no stale socket
  }
  const open = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('close', () => open.delete(socket));
    const send = (line: ControlLine) => {
      if (socket.writable) socket.write(encodeLine(line));
    };
    let answering = 0;
    let clientEnded = false;
    const endWhenAnswered = () => {
      if (clientEnded && answering === 0) socket.end();
    };
    socket.on('end', () => {
      clientEnded = true;
      endWhenAnswered();
    });
    const reader = new LineReader(
      (text) => {
        answering++;
        void dispatch(text, send).finally(() => {
          answering--;
          endWhenAnswered();
        });
      },
      () => {
        send({ id: null, ok: false, error: { message: 'request line too long', code: 'bad-request' } });
        socket.destroy();
      },
    );
    socket.on('data', (d: string) => reader.push(d));
  });
  const dispatch = async (text: string, send: (line: ControlLine) => void) => {
    let request: ControlRequest;
    try {
      request = JSON.parse(text) as ControlRequest;
    } catch {
      return send({ id: null, ok: false, error: { message: 'request is not JSON', code: 'bad-request' } });
    }
    const id = typeof request?.id === 'number' && Number.isFinite(request.id) ? request.id : null;
    if (id === null) return send({ id: null, ok: false, error: { message: 'request has no numeric id', code: 'bad-request' } });
    if (!CONTROL_OPS.includes(request.op)) return send({ id, ok: false, error: { message: `unknown op ${JSON.stringify(request.op)} (${CONTROL_OPS.join(', ')})`, code: 'bad-request' } });
    try {
      const result = await handle(request, (event) => send({ id, event }));
      send({ id, ok: true, result });
    } catch (e) {
      send({ id, ok: false, error: toError(e) });
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.end();
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }),
  };
}
