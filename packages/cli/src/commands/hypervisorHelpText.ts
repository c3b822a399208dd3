/** `vtpm host --help` and `vtpm vm --help`. */
export const HOST_HELP = `Usage: vtpm host init|boot|status|serve|policy --host-dir DIR [options]

A hypervisor host (@vtpm/hypervisor): a host TPM with an EK certificate, a measured boot with a
TCG event log, and the VMs whose keys that TPM seals to the boot measurements.

  init --host-dir DIR [--ca CADIR] [--seed HEX]
                               a new host TPM, EK (L-2) certified by the manufacturer CA in CADIR
                               (created there on first use; default a CA kept in memory only);
                               its state in DIR/host-tpm.permanent (holds the seeds)
  boot --host-dir DIR [--chain-version V] [--replace COMPONENT=FILE ...]
                               power cycle and measured boot of the example chain (version V,
                               default 1.0: another version changes every component); writes
                               DIR/binary_bios_measurements and prints PCRs 0, 4, 7, 8, 9.
                               --replace: COMPONENT measured with FILE's bytes instead, which
                               changes its PCR only: firmware (PCR 0), bootLoader (4),
                               securityPolicy (7), hypervisorConfig (8), hypervisorKernel (9)
  status --host-dir DIR [--json]
                               booted?, the measured-boot PCRs, event count, VMs defined
  serve --host-dir DIR --listen HOST:PORT [--advertise HOST:PORT] [--max-staged-mib N] AUTH
        [--broker URL --host-id ID] [--require-source-attestation POLICY.json]
        [--pid-file F] [--daemon]
                               the host daemon: runs the host's VMs (durably: they survive a
                               restart), accepts attested migrations on HOST:PORT, and answers
                               vtpm vm ... on DIR/run/host.sock; until SIGINT/SIGTERM, which stop
                               it in order (no new migrations; running ones finish or abort;
                               VMs kept on disk, resumed by the next serve)
      AUTH, how daemons prove themselves to each other (exactly one):
        --psk-file F [--identity NAME]
                               a pre-shared key of at least 32 bytes (raw, or hex text)
        --cert F --key F --ca F [--identity NAME]
                               this host's certificate and private key (PEM or DER) from the
                               operator CA whose certificate is F
        --no-auth              none, for tests and demos: the peer must say --no-auth too
      --advertise HOST:PORT    the address peer daemons dial back to settle an interrupted
                               migration (required when --listen is 0.0.0.0 or ::)
      --max-staged-mib N       memory all incoming migrations may stage at once (default half
                               of RAM); a migration that would exceed it is refused before the
                               quote (insufficient-memory)
      --broker URL --host-id ID
                               VM keys of incoming migrations in broker mode (vm migrate
                               --key-release broker) come from this key broker, which releases
                               them only to this host (enrolled as ID: vtpm broker host enrol)
                               on a good attestation
      --require-source-attestation POLICY.json
                               mutual attestation: an incoming migration's source host must
                               quote PCRs that meet POLICY.json (vtpm host policy), or it is
                               refused naming the PCRs, before anything is sent
      --pid-file F, -d/--daemon
                               write the process id to F; run detached once listening
  policy --host-dir DIR --id ID [--out FILE] [--pin-ak]
                               the migration policy a VM's destination must meet: this host's
                               measured-boot PCRs as reference values (and, with --pin-ak, its AK
                               Name: only this host's TPM qualifies); JSON for vm migrate --policy
  -h, --help                   this help
`;

export const VM_HELP = `Usage: vtpm vm create|start|stop|dump|write|read|hash|list|workload|migrate --host-dir DIR [VM] [options]

VMs whose memory, vCPU registers and vTPM state the host holds only encrypted, under a per-VM key
the host TPM releases only while the host's boot measurements are the sealed ones.

  create --host-dir DIR VM --pages N [--mode xts|gcm] [--vcpus N] [--operator-key PUB.pem]
                               a VM of N 4 KiB pages; its key is generated (LocalVmKeySource),
                               sealed to PCRs 0, 4, 7, 8, 9 (or, with an operator key,
                               PolicyAuthorize by it) and scrubbed; record in DIR/vms/VM.json
  start --host-dir DIR VM [--guest-write GPA=FILE ...]
                               unseal the key (refused, naming the PCRs, after a changed boot) and
                               run the VM in this process until vm stop, SIGINT or SIGTERM;
                               --guest-write: the guest writes FILE's bytes at address GPA
  stop --host-dir DIR VM       stop the running VM: vTPM state saved encrypted, secrets scrubbed
  dump --host-dir DIR VM --out FILE [--page N]
                               the administrator's snapshot of the running VM: ciphertext only
                               (memory, vCPU save areas, vTPM envelope); prints page N's first
                               ciphertext bytes

When a host daemon serves DIR (vtpm host serve), these go through it (DIR/run/host.sock) and the
VMs run in the daemon, durably (xts memory only): create (--operator-key not supported; add
--key-source broker for a key from the daemon's key broker), start, stop, dump, and:

  write --host-dir DIR VM --gpa N --data-file F
                               the guest writes F's bytes at guest-physical address N
  read --host-dir DIR VM --gpa N --length N
                               what the guest reads there, in hex
  hash --host-dir DIR VM       SHA-256 of the guest's whole memory as the guest reads it
  list --host-dir DIR [--json] the VMs on this host and their state
  workload --host-dir DIR VM --pages-per-tick N --interval-ms MS | --stop
                               a guest that keeps writing N random pages every MS milliseconds
  migrate --host-dir DIR VM --to HOST:PORT --policy POLICY.json
          [--key-release stream|broker] [--max-downtime MS] [--no-auto-converge] [--json]
                               live migration to the daemon at HOST:PORT, once its quote meets
                               POLICY.json (vtpm host policy); progress on stderr, the report on
                               stdout (--json: as JSON). Refused (exit 1, the failing PCRs named):
                               the VM keeps running here. --key-release broker: the destination
                               gets the key from its key broker, not from this host
                               --no-auto-converge: never throttle a guest that dirties pages
                               faster than the link sends them (default: throttle it 20%, +10%
                               per such round, at most 99%, released when the migration ends)
  -h, --help                   this help

Without a daemon, vm start runs the VM in its own process; vm stop and vm dump reach it through
DIR/run/VM.sock; the other actions need a daemon.
`;
