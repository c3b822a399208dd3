import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ADMIN_SOCKET, type AdminRequest, type AdminResponse } from './adminProtocol.js';
import type { InstanceManager } from './instanceManager.js';

/** Largest request line taken: a request is a few dozen bytes. */
const MAX_LINE = 4096;

/**
 * The manager's admin interface on a Unix socket in its directory (owner-only, as the state
 * files): JSON lines, see adminProtocol.ts. A malformed request gets an error answer, never
 * stops the server.
 */
export class AdminServer {
  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  static async listen(manager: InstanceManager): Promise<AdminServer> {
    const path = join(manager.root, ADMIN_SOCKET);
    if (existsSync(path)) unlinkSync(path); // left by a process that ended uncleanly; the state lock guards the instances
    const server = createServer((socket) => serve(socket, manager));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path, readableAll: false, writableAll: false }, () => resolve());
    });
    return new AdminServer(server, path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function serve(socket: Socket, manager: InstanceManager): void {
  const lines = createInterface({ input: socket, crlfDelay: Infinity });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      const response = line.length > MAX_LINE ? { ok: false as const, error: 'request too long' } : await answer(manager, line);
      if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
    });
  });
  socket.on('error', () => socket.destroy());
}

async function answer(manager: InstanceManager, line: string): Promise<AdminResponse> {
  let request: AdminRequest;
  try {
    request = JSON.parse(line) as AdminRequest;
  } catch {
    return { ok: false, error: 'not a JSON request' };
  }
  try {
    switch (request.op) {
      case 'create':
        return { ok: true, instance: await manager.create({ id: request.id, port: request.port, ctrlPort: request.ctrlPort }) };
      case 'list':
        return { ok: true, instances: manager.list() };
      case 'info':
        return { ok: true, instance: manager.info(request.id) };
      case 'stop':
        return { ok: true, instance: await manager.stop(request.id) };
      case 'start':
        return { ok: true, instance: await manager.start(request.id) };
      case 'destroy':
        await manager.destroy(request.id);
        return { ok: true };
      default:
        return { ok: false, error: `unknown op '${(request as { op?: unknown }).op}' (create, list, info, stop, start, destroy)` };
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
