/** `vtpm serve --help` and `vtpm instance --help`. */
export const SERVE_HELP = `Usage: vtpm serve --instances DIR [--key ...] [--migration-key ...] [--host ADDRESS] [--idle SECONDS]

Many vTPMs in one process. Each instance lives in DIR/ID (its swtpm state files and instance.json)
and listens on its own swtpm port pair (data P, control P + 1; TCTI swtpm:host=ADDRESS,port=P).
Instances are managed with vtpm instance ... through DIR/admin.sock (JSON lines). Instances
outlive the process: the next vtpm serve starts those that were not stopped, resuming their TPMs.

  --instances DIR              the instances' directory (created when missing)
  --key file=PATH|pwdfile=PATH[,...]
                               seal every instance's state files with this key (as vtpm socket --key)
  --migration-key ...          seal state blobs leaving over the control channels
  --host ADDRESS               listen address of the instances (default 127.0.0.1)
  --idle SECONDS               an instance unused this long keeps its TPM serialized (default 30; 0: never)
  -h, --help                   this help

SIGINT / SIGTERM stop every instance (volatile states stored); exit code 0.
`;

export const INSTANCE_HELP = `Usage: vtpm instance ACTION --instances DIR [--id ID] [--port N] [--json]

Manages the instances of the vtpm serve running for DIR:

  create [--id ID] [--port N]  a new vTPM (fresh seeds); on port N and N + 1, or a free pair
  list                         every instance: status (running, idle, stopped), ports, generation
  info --id ID                 one instance
  stop --id ID                 stop it (its volatile state stored); it stays stopped across restarts
  start --id ID                start it again, resuming its TPM
  destroy --id ID              stop it and delete its directory, TPM state included
  --json                       print the answer as JSON
  -h, --help                   this help
`;
