/** `vtpm host --help` and `vtpm vm --help`. */
export const HOST_HELP = `Usage: vtpm host init|boot|status --host-dir DIR [options]

A hypervisor host (@vtpm/hypervisor): a host TPM with an EK certificate, a measured boot with a
TCG event log, and the VMs whose keys that TPM seals to the boot measurements.

  init --host-dir DIR [--ca CADIR] [--seed HEX]
                               a new host TPM, EK (L-2) certified by the manufacturer CA in CADIR
                               (created there on first use; default a CA kept in memory only);
                               its state in DIR/host-tpm.permanent (holds the seeds)
  boot --host-dir DIR [--chain-version V]
                               power cycle and measured boot of the example chain (version V,
                               default 1.0: another version changes every component); writes
                               DIR/binary_bios_measurements and prints PCRs 0, 4, 7, 8, 9
  status --host-dir DIR [--json]
                               booted?, the measured-boot PCRs, event count, VMs defined
  -h, --help                   this help
`;

export const VM_HELP = `Usage: vtpm vm create|start|stop|dump --host-dir DIR VM [options]

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
  -h, --help                   this help

vm stop and vm dump reach the vm start process through DIR/run/VM.sock.
`;
