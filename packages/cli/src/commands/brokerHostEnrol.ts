import { enrolHostWithBroker, loadHost, type Host } from '@vtpm/hypervisor';
import { BrokerRefused, type BrokerClient } from '@vtpm/keybroker';
import type { BrokerOptions } from '../args/brokerOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { hostDaemonAlive } from '../runtime/hostDaemonLink.js';

/**
 * `vtpm broker host enrol --host-dir DIR --host-id ID`: the broker's registrar learns the host's
 * attestation key by credential activation with its certified EK (`enrolHostWithBroker`), and
 * from then on appraises quotes by that AK as host ID's. The AK is a primary key, the same at
 * every boot, so one enrolment lasts until the TPM is cleared.
 *
 * Refused while a host daemon serves DIR: the daemon owns the host TPM then, and running a second
 * instance of that TPM from its files would be a clone of it (the same reason `host boot` is
 * refused). Enrolment is a set-up step, before `vtpm host serve`.
 */
export async function enrolHost(command: string, opts: BrokerOptions, client: BrokerClient): Promise<void> {
  const dir = opts.hostDir!;
  const hostId = opts.hostId!;
  if (await hostDaemonAlive(dir)) throw new CommandFailure(`${command}: a host daemon serves ${dir} and holds its TPM: stop it (SIGTERM; its VMs stay durable), enrol, then serve again`);
  const host: Host = await loadHost(dir).catch((e: unknown) => {
    throw new CommandFailure(`${command}: ${(e as Error).message}`);
  });
  let akName: string;
  try {
    akName = await enrolHostWithBroker(client, host, hostId);
  } catch (e) {
    if (e instanceof BrokerRefused && e.reason === 'ek-chain-invalid') {
      throw new CommandFailure(`${command}: the broker refused (HTTP ${e.status}): ${e.message} (the broker checks EK certificates against the TPM manufacturer's CA: vtpm broker serve --ek-ca CA.pem)`);
    }
    throw e;
  }
  process.stdout.write(
    `host ${hostId} enrolled with the key broker at ${opts.url}: AK ${akName} (credential activated with the EK of ${dir}` +
      `${host.ekCertificates.length ? ', EK certificate presented' : ', no EK certificate'}); the broker releases VM keys to it on a good attestation: ` +
      `vtpm host serve --host-dir ${dir} ... --broker ${opts.url} --host-id ${hostId}\n`,
  );
}
