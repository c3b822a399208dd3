/** `vtpm --help` and the subcommands' help. */
export const MAIN_HELP = `Usage: vtpm <command> [options]

A TPM 2.0 emulator that real TPM clients (tpm2-tools, tpm2-tss, tpm2-pytss) accept unchanged.

Commands:
  socket       a TPM behind swtpm's socket interface, with swtpm's flags (data port + control port)
  mssim        a TPM behind the Microsoft simulator protocol (command port + platform port)
  manufacture  a TPM with EK certificates from a manufacturer CA, as swtpm_setup --create-ek-cert
  serve        many vTPMs in one process (vtpm serve --instances DIR)
  instance     create, list, stop, start, destroy the instances of a vtpm serve
  ca export    print the manufacturer CA certificate
  host         a hypervisor host: init (host TPM + EK certificate), boot (measured), status,
               serve (the host daemon: VMs and attested live migration), policy
  vm           VMs with encrypted memory on a host: create, start, stop, dump (ciphertext only)
  broker       the key broker: serve, vm add, policy set|show, log, host enrol
  attest       eventlog (replay a TCG event log), quote (evidence from a TPM), verify (judge it)

Options:
  -h, --help     this help (vtpm <command> --help: the command's options)
  --version      the vtpm version

Examples:
  vtpm socket --tpm2 --server type=tcp,port=2321 --ctrl type=tcp,port=2322 \\
       --tpmstate dir=/tmp/vtpm --flags not-need-init,startup-clear
  vtpm mssim --port 2321 --ek-cert /tmp/vtpm-ca
  vtpm attest quote --tcti mssim:host=127.0.0.1,port=2321 --nonce 0011 --out ev.cbor
  vtpm attest verify --evidence ev.cbor --nonce 0011
  TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=2321 tpm2_getrandom --hex 8
`;

export const SOCKET_HELP = `Usage: vtpm socket --tpm2 [options]

swtpm's "swtpm socket" flags, so scripts written for swtpm run vtpm in its place.

  --tpm2                       required: vtpm emulates TPM 2.0 only
  --server type=tcp,port=N[,bindaddr=ADDRESS][,disconnect]
  -p, --port N                 data channel: raw TPM commands (or mssim TPM_SEND_COMMAND framing)
  --ctrl type=tcp,port=N[,bindaddr=ADDRESS]
                               control channel (swtpm's CMD_* protocol); without it, a free
                               loopback port is used and printed
  --tpmstate dir=DIR[,mode=0640]
                               state directory (swtpm's file names): the TPM is loaded from it, or
                               made fresh when it holds none; every change of the permanent state is
                               written (crash-safely) before its response; the volatile state at
                               CMD_SHUTDOWN, CMD_STORE_VOLATILE, TPM2_Shutdown and a clean exit.
                               A state that cannot be read or decrypted: exit code 1, never a blank TPM
  --key file=PATH|fd=N[,format=hex|binary][,mode=aes-256-gcm][,remove=true|false]
  --key pwdfile=PATH|pwdfd=N[,kdf=pbkdf2|sha512][,mode=aes-256-gcm][,remove=true|false]
                               encrypt and authenticate the state files (AES-256-GCM; a passphrase
                               is stretched with PBKDF2-SHA512)
  --migration-key (as --key)   seal state blobs that leave over the control channel (GET_STATEBLOB);
                               only blobs sealed with it are taken (SET_STATEBLOB)
  --rollback-anchor file=PATH | nv=INDEX[,password=PW] --rollback-tcti mssim:host=A,port=N
                               record each state generation outside the directory (a file, or an NV
                               counter in another TPM): an older state put back is refused
  --flags [not-need-init][,startup-clear|startup-state|startup-none][,disable-auto-shutdown]
                               without not-need-init (or a startup-* flag) the TPM waits for
                               CMD_INIT on the control channel; startup-clear sends TPM2_Startup(CLEAR)
  --locality [reject-locality-4][,allow-set-locality]
  --pid file=PATH|fd=N         write the process id
  --log file=PATH|fd=N[,level=N][,prefix=TEXT][,truncate]
                               lifecycle log (file=- for none)
  -d, --daemon                 run in the background once listening
  --seccomp action=none|kill|log
                               accepted; vtpm installs no seccomp profile
  --print-capabilities         print the supported features as JSON
  --print-states               print the state files present in --tpmstate as JSON
  --ek-cert CA_DIR             vtpm only: before listening, manufacture the TPM with EK
                               certificates (L-1 at 0x01c00002, L-2 at 0x01c0000a) from the CA in
                               CA_DIR (created there on first use) when the TPM is new
  -h, --help                   this help

Addresses default to 127.0.0.1. Not supported: unixio channels, --fd, --runas, --terminate,
--vtpm-proxy.
SIGINT / SIGTERM (or CMD_SHUTDOWN on the control channel) stop the server; exit code 0.
`;

export const MSSIM_HELP = `Usage: vtpm mssim [--port N] [--host ADDRESS] [--tpmstate dir=DIR [--key ...]] [--ek-cert CA_DIR]

The Microsoft TPM 2.0 simulator protocol (as ibmswtpm2): TPM commands on port N (default 2321),
platform signals (POWER_ON, NV_ON, ...) on N + 1. The TPM starts powered and waits for
TPM2_Startup, as ibmswtpm2 does. Use with TCTI mssim:host=ADDRESS,port=N.

  -p, --port N                 command port (platform port: N + 1); 0 picks free ports
  --host ADDRESS               listen address (default 127.0.0.1)
  --tpmstate dir=DIR[,mode=0640]
                               state directory: loaded, or a new TPM written there; every change of
                               the permanent state is written before its response (the platform
                               powers the TPM on: no volatile state is kept)
  --key ..., --rollback-anchor ...
                               as vtpm socket: encrypt the state files; anchor their generations
  --ek-cert CA_DIR             before listening, manufacture a new TPM with EK certificates (L-1 at
                               0x01c00002, L-2 at 0x01c0000a) from the CA in CA_DIR (created there
                               on first use)
  -h, --help                   this help

SIGINT / SIGTERM (or TPM_STOP from a client) stop the server; exit code 0.
`;
