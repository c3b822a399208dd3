import { readArguments, type OptionSpec } from './argvReader.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

/** `vtpm ca export --ca-dir DIR` and `vtpm ca host-cert --ca-dir DIR --name HOST --cert F --key F [--days N]`. */
export interface CaOptions {
  help: boolean;
  action: 'export' | 'host-cert' | null;
  caDir: string;
  /** host-cert: the host's DNS name, where to write its certificate and key (PEM), validity in days. */
  hostCert: { name: string; certFile: string; keyFile: string; days: number } | null;
}

const COMMAND = 'vtpm ca';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--ca-dir', takesValue: true },
  { name: '--name', takesValue: true },
  { name: '--cert', takesValue: true },
  { name: '--key', takesValue: true },
  { name: '--days', takesValue: true },
];

export function parseCaOptions(argv: readonly string[]): CaOptions {
  const { options, operands } = readArguments(COMMAND, argv, SPECS, 1);
  const o = new OptionLookup(COMMAND, options);
  const help = o.has('--help');
  const [action] = operands;
  if (action !== undefined && action !== 'export' && action !== 'host-cert') throw new UsageError(`${COMMAND}: unknown action '${action}' (export, host-cert)`);
  if (!help && action === undefined) throw new UsageError(`${COMMAND}: give an action: vtpm ca export --ca-dir DIR, or vtpm ca host-cert --ca-dir DIR --name HOST --cert F --key F`);
  if (help) return { help, action: action ?? null, caDir: '', hostCert: null };
  const hostOnly = ['--name', '--cert', '--key', '--days'].filter((f) => o.has(f));
  if (action === 'export' && hostOnly.length) throw new UsageError(`${COMMAND} export: ${hostOnly[0]} belongs to vtpm ca host-cert`);
  const caDir = o.required('--ca-dir', action === 'export' ? "the manufacturer CA's directory" : "the operator CA's directory (created on first use)");
  if (action === 'export') return { help, action, caDir, hostCert: null };
  const days = o.has('--days') ? Number(o.required('--days', 'validity in days')) : 365;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError(`${COMMAND} host-cert: --days must be a whole number of days from 1 to 3650`);
  return {
    help, action: 'host-cert', caDir,
    hostCert: { name: o.required('--name', "the host's DNS name (what peers dial and check)"), certFile: o.required('--cert', 'where to write the host certificate (PEM)'), keyFile: o.required('--key', "where to write the host's private key (PEM, 0600)"), days },
  };
}
