import { adminRequest, type AdminRequest, type InstanceInfo } from '@vtpm/server';
import { parseInstanceOptions } from '../args/instanceOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { INSTANCE_HELP } from './instanceHelpText.js';

const COMMAND = 'vtpm instance';

/** `vtpm instance create|list|info|stop|start|destroy --instances DIR`: asks the `vtpm serve` of DIR. */
export async function runInstance(argv: readonly string[]): Promise<void> {
  const opts = parseInstanceOptions(argv);
  if (opts.help) return void process.stdout.write(INSTANCE_HELP);
  const request: AdminRequest =
    opts.action === 'create'
      ? { op: 'create', ...(opts.id !== null ? { id: opts.id } : {}), ...(opts.port !== null ? { port: opts.port } : {}) }
      : opts.action === 'list'
        ? { op: 'list' }
        : { op: opts.action, id: opts.id! };
  let response;
  try {
    response = await adminRequest(opts.instances, request);
  } catch (e) {
    throw new CommandFailure(`${COMMAND}: no vtpm serve for ${opts.instances} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!response.ok) throw new CommandFailure(`${COMMAND} ${opts.action}: ${response.error}`);
  if (opts.json) return void process.stdout.write(`${JSON.stringify(response.instances ?? response.instance ?? {}, null, 2)}\n`);
  if (response.instances) return void process.stdout.write(table(response.instances));
  if (response.instance) return void process.stdout.write(`${describe(response.instance)}\n`);
  process.stdout.write(`instance ${opts.id} destroyed\n`);
}

function describe(i: InstanceInfo): string {
  return `${i.id}: ${i.status}, swtpm data ${i.host}:${i.port}, control ${i.host}:${i.ctrlPort}, TCTI swtpm:host=${i.host},port=${i.port}, state ${i.stateDir}`;
}

function table(instances: readonly InstanceInfo[]): string {
  const rows = [['ID', 'STATUS', 'DATA', 'CONTROL', 'GENERATION'], ...instances.map((i) => [i.id, i.status, `${i.host}:${i.port}`, `${i.host}:${i.ctrlPort}`, i.generation ?? '-'])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}
