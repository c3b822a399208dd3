import { readArguments, type OptionSpec } from './argvReader.js';
import { parsePort } from './numbers.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

export const INSTANCE_ACTIONS = ['create', 'list', 'info', 'stop', 'start', 'destroy'] as const;
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

/** `vtpm instance ACTION --instances DIR [--id ID] [--port N] [--json]`: talks to a running `vtpm serve`. */
export interface InstanceOptions {
  help: boolean;
  action: InstanceAction;
  instances: string;
  id: string | null;
  port: number | null;
  json: boolean;
}

const COMMAND = 'vtpm instance';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--instances', takesValue: true },
  { name: '--id', takesValue: true },
  { name: '--port', aliases: ['-p'], takesValue: true },
  { name: '--json', takesValue: false },
];

export function parseInstanceOptions(argv: readonly string[]): InstanceOptions {
  const { options, operands } = readArguments(COMMAND, argv, SPECS, 1);
  const o = new OptionLookup(COMMAND, options);
  const help = o.has('--help');
  const action = operands[0];
  if (!help && !action) throw new UsageError(`${COMMAND}: give an action (${INSTANCE_ACTIONS.join(', ')})`);
  if (action && !(INSTANCE_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`${COMMAND}: unknown action '${action}' (${INSTANCE_ACTIONS.join(', ')})`);
  const id = o.value('--id');
  if (!help && action !== 'create' && action !== 'list' && id === null) throw new UsageError(`${COMMAND} ${action}: --id is required`);
  const port = o.value('--port');
  if (port !== null && action !== 'create') throw new UsageError(`${COMMAND}: --port applies to create`);
  return {
    help,
    action: (action ?? 'list') as InstanceAction,
    instances: help ? '' : o.required('--instances', 'DIR, the directory vtpm serve --instances serves'),
    id,
    port: port === null ? null : parsePort('--port', port),
    json: o.has('--json'),
  };
}
