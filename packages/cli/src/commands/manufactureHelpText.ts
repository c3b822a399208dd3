/** `vtpm manufacture --help` and `vtpm ca --help`. */
export const MANUFACTURE_HELP = `Usage: vtpm manufacture --tpmstate dir=DIR [--key ...] [--ca-dir DIR] [--templates L-1,L-2,...] [--overwrite]

What swtpm_setup --tpm2 --create-ek-cert does, with vtpm's own manufacturer CA: creates the CA in
--ca-dir (or loads the one there), creates the TPM's endorsement keys from the TCG templates, has
the CA certify them, and stores each certificate in NV at its template's index (L-1: 0x01c00002,
L-2: 0x01c0000a), where tpm2_nvread and tpm2_getekcertificate find them. The TPM, shut down
orderly, is written to --tpmstate, from where vtpm socket / vtpm mssim serve it. Prints the CA's
directory, each EK's Name and the NV indices.

  --tpmstate dir=DIR[,mode=0640]
                               where the TPM state is written (created when missing)
  --key ...                    encrypt the state files (as vtpm socket --key)
  --ca-dir DIR                 the CA's directory: ca.pem (the certificate verifiers trust) and
                               ca-key.pem (mode 0600); created on first use; default DIR/ca
  --templates L-1,L-2,...      EK templates to certify (default L-1,L-2, what tpm2_createek uses;
                               swtpm_setup certifies L-1,H-3); all but H-5 and H-7
  --overwrite                  replace a TPM state already in DIR (without it: exit code 1)
  -h, --help                   this help

The CA certificate: vtpm ca export --ca-dir DIR.
`;

export const CA_HELP = `Usage: vtpm ca export|host-cert --ca-dir DIR [options]

  export --ca-dir DIR          prints the CA certificate (PEM) in DIR: for the manufacturer CA,
                               the root verifiers trust for vtpm EK certificates (vtpm manufacture,
                               vtpm socket --ek-cert create it)
  host-cert --ca-dir DIR --name HOST --cert F --key F [--days N]
                               a host daemon's certificate (P-256, CN and dNSName HOST, server and
                               client auth, N days, default 365) from the operator CA in DIR
                               (created there on first use), for vtpm host serve --cert F --key F
                               --ca DIR/ca.pem; the key is written 0600
  --ca-dir DIR                 the CA's directory (ca.pem, ca-key.pem)
  -h, --help                   this help
`;
