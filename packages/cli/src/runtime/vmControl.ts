import { createConnection, createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A started VM lives in its `vtpm vm start` process (its keys are nowhere else). `vtpm vm stop`
 * and `vtpm vm dump` reach it through a Unix socket in the host directory, one JSON request and
 * one JSON answer per connection.
 */
export type VmControlRequest = { op: 'stop' } | { op: 'dump'; out: string; page: number };
export type VmControlAnswer = { ok: true; [k: string]: unknown } | { ok: false; error: string };

export const vmControlPath = (hostDir: string, vmId: string): string => join(hostDir, 'run', `${vmId}.sock`);

/** Sends one request to the VM's process; rejects with the connection error (ENOENT, ECONNREFUSED: not running). */
export function vmControlRequest(path: string, request: VmControlRequest, timeoutMs = 60_000): Promise<VmControlAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error('no answer')), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as VmControlAnswer);
      } catch {
        reject(new Error('the VM process gave no answer'));
      }
    });
  });
}

/** Whether a VM process answers on `path` (a socket file left by a killed process does not). */
export async function vmControlAlive(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Listens on `path` (a stale socket file removed) and answers each request with `handle`. */
export async function serveVmControl(path: string, handle: (r: VmControlRequest) => Promise<VmControlAnswer>): Promise<Server> {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((socket) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (d: string) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      let request: VmControlRequest;
      try {
        request = JSON.parse(text.slice(0, nl)) as VmControlRequest;
      } catch {
        return void socket.end(`${JSON.stringify({ ok: false, error: 'malformed request' })}\n`);
      }
      void handle(request)
        .catch((e: unknown): VmControlAnswer => ({ ok: false, error: e instanceof Error ? e.message : String(e) }))
        .then((answer) => socket.end(`${JSON.stringify(answer)}\n`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return server;
}
