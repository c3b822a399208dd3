import type { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

/**
 * How a host daemon proves itself to its peers, from `--psk-file F`, `--cert F --key F --ca F`
 * or `--no-auth` (exactly one; files are read when the daemon starts).
 */
export type ChannelAuthFlags =
  | { kind: 'none' }
  | { kind: 'psk'; pskFile: string; identity: string | null }
  | { kind: 'certificate'; certFile: string; keyFile: string; caFile: string; identity: string | null };

export const CHANNEL_AUTH_OPTIONS = ['--psk-file', '--cert', '--key', '--ca', '--no-auth', '--identity'] as const;

const CHOOSE = 'give --psk-file FILE, or --cert FILE --key FILE --ca FILE, or --no-auth (tests and demos only)';

export function parseChannelAuthFlags(command: string, o: OptionLookup): ChannelAuthFlags {
  const psk = o.value('--psk-file');
  const cert = o.value('--cert');
  const key = o.value('--key');
  const ca = o.value('--ca');
  const identity = o.value('--identity');
  const certificate = cert !== null || key !== null || ca !== null;
  const chosen = [psk !== null && '--psk-file', certificate && '--cert/--key/--ca', o.has('--no-auth') && '--no-auth'].filter((x): x is string => !!x);
  if (chosen.length > 1) throw new UsageError(`${command}: ${chosen.join(' and ')} exclude each other (${CHOOSE})`);
  if (chosen.length === 0) throw new UsageError(`${command}: say how the daemons authenticate each other: ${CHOOSE}`);
  if (o.has('--no-auth')) {
    if (identity !== null) throw new UsageError(`${command}: --identity does not apply with --no-auth`);
    return { kind: 'none' };
  }
  if (psk !== null) return { kind: 'psk', pskFile: psk, identity };
  const missing = (['--cert', '--key', '--ca'] as const).filter((n) => o.value(n) === null);
  if (missing.length) throw new UsageError(`${command}: certificate authentication needs --cert, --key and --ca: ${missing.join(', ')} missing`);
  return { kind: 'certificate', certFile: cert!, keyFile: key!, caFile: ca!, identity };
}
