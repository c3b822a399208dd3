import type { VmKeySource } from '@vtpm/hypervisor';
import type { Hello } from './handshakeMessages.js';
import { MigrationRefusedError } from './migrationRefusal.js';

export interface DestinationKeyOptions {
  /** Broker mode: where this host fetches VM keys itself (the broker appraises this host's own attestation). */
  brokerKeySource?: VmKeySource;
  /**
   * TEST/BENCHMARK ONLY: the VM key for a migration over an unencrypted stream, which never
   * carries the key. Never configure it on a production target.
   */
  vmKeyForUnencryptedBenchmark?: (vmId: string) => Buffer;
}

/**
 * The VM key when it does not come over the stream: from the key broker in broker mode, from the
 * benchmark hook on an unencrypted stream. Undefined when the source sends it. A host that cannot
 * obtain it refuses now, before any page moves.
 */
export async function keyOutsideStream(hello: Hello, options: DestinationKeyOptions): Promise<Buffer | undefined> {
  if (hello.keyRelease === 'broker') {
    if (!options.brokerKeySource) throw new MigrationRefusedError('broker-unavailable', `broker-unavailable: ${hello.vmId} migrates in broker mode but this host has no key broker configured (brokerKeySource)`);
    try {
      return await options.brokerKeySource.fetchKey(hello.vmId);
    } catch (e) {
      const reason = (e as { reason?: unknown }).reason;
      throw new MigrationRefusedError('broker-refused', `broker-refused: the key broker did not release the key of ${hello.vmId} to this host${typeof reason === 'string' ? ` (${reason})` : ''}: ${(e as Error).message}`);
    }
  }
  if (!hello.streamEncryption) {
    if (!options.vmKeyForUnencryptedBenchmark) throw new MigrationRefusedError('no-key-source', `no-key-source: an unencrypted stream never carries the VM key of ${hello.vmId}, and this host has no benchmark key hook; use broker mode`);
    return Buffer.from(options.vmKeyForUnencryptedBenchmark(hello.vmId));
  }
  return undefined;
}
