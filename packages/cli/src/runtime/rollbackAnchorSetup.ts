import { FileRollbackAnchor, MssimTransport, SwtpmTransport, TpmNvCounterAnchor, type RollbackAnchor } from '@vtpm/server';
import { TpmClient } from '@vtpm/tpm';
import type { RollbackAnchorSpec } from '../args/rollbackAnchorOption.js';
import { CommandFailure } from './commandFailure.js';

/** The anchor an option names; for an NV counter, the connection to its TPM stays open with the process. */
export async function openRollbackAnchor(command: string, spec: RollbackAnchorSpec): Promise<RollbackAnchor> {
  if ('file' in spec) return new FileRollbackAnchor(spec.file);
  const { kind, host, port } = spec.tcti;
  const where = `--rollback-tcti ${kind}:host=${host},port=${port}`;
  try {
    const transport = kind === 'mssim' ? await MssimTransport.connect(host, port) : await SwtpmTransport.connect(host, port);
    if (transport instanceof MssimTransport) await transport.powerOn();
    return await TpmNvCounterAnchor.provision(new TpmClient(transport), spec.nvIndex, { password: spec.password });
  } catch (e) {
    throw new CommandFailure(`${command}: ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
