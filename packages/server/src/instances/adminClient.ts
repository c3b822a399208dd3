import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ADMIN_SOCKET, type AdminRequest, type AdminResponse } from './adminProtocol.js';

/** Sends one request to the admin socket of the manager serving `root`, resolves with its answer. */
export async function adminRequest(root: string, request: AdminRequest): Promise<AdminResponse> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(join(root, ADMIN_SOCKET), () => resolve(s));
    s.once('error', reject);
  });
  try {
    const answer = new Promise<string>((resolve, reject) => {
      createInterface({ input: socket }).once('line', resolve);
      socket.once('close', () => reject(new Error('the admin socket closed without an answer')));
    });
    socket.write(`${JSON.stringify(request)}\n`);
    return JSON.parse(await answer) as AdminResponse;
  } finally {
    socket.destroy();
  }
}
