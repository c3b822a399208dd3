import type { InstanceInfo } from './instanceManager.js';

/**
 * The admin socket of `vtpm serve --instances DIR` (DIR/admin.sock): one JSON object per line
 * each way, one answer per request, in order.
 */
export type AdminRequest =
  | { op: 'create'; id?: string; port?: number; ctrlPort?: number }
  | { op: 'list' }
  | { op: 'stop' | 'start' | 'destroy' | 'info'; id: string };

export type AdminResponse = { ok: true; instance?: InstanceInfo; instances?: InstanceInfo[] } | { ok: false; error: string };

export const ADMIN_SOCKET = 'admin.sock';
