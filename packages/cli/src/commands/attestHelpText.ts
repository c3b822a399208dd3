/** `vtpm attest --help` and its subcommands' help. */
export const ATTEST_HELP = `Usage: vtpm attest <subcommand> [options]

Remote attestation with a TPM: the attester's quote and the verifier's judgement.

Subcommands:
  eventlog FILE [--json]       a TCG event log's records and the PCR values it replays to
  quote --tcti T --out FILE    quote PCRs of a TPM over TCP into an evidence file
  verify --evidence FILE --nonce HEX
                               verify the evidence (or tpm2_quote's files); reason code on refusal

vtpm attest <subcommand> --help: the subcommand's options.
`;

export const EVENTLOG_HELP = `Usage: vtpm attest eventlog FILE [--json]

Parses a TCG PC Client event log (crypto-agile or SHA-1, e.g.
/sys/kernel/security/tpm0/binary_bios_measurements) and prints each record (number, PCR, type,
digests per bank) and the PCR values the log replays to, per bank, in hex. A malformed log is
refused with the record and byte offset where it breaks (exit code 1).

  --json                       everything as JSON: header, events with decoded event data, pcrs
  -h, --help                   this help
`;

export const QUOTE_HELP = `Usage: vtpm attest quote --tcti TCTI --out FILE [options]

The attester's side: connects to a TPM (vtpm, swtpm, ibmswtpm2) over TCP, makes an attestation key,
quotes PCRs with a nonce, reads the PCR values and writes the evidence (the CBOR bundle of
docs/attest.md) to FILE, after checking the quote verifies. Sends Startup(CLEAR) when the TPM
needs it; flushes the AK it made.

  --tcti mssim:host=A,port=N | swtpm:host=A,port=N
                               the TPM (default host 127.0.0.1, port 2321); default $TPM2TOOLS_TCTI
  --pcrs SELECTION             PCRs to quote, tpm2-tools syntax (default sha256:0,1,2,3,4,5,6,7;
                               e.g. sha256:0,7+sha1:all)
  --nonce HEX                  the verifier's nonce (default: 32 random octets, printed)
  --parent e|o|HANDLE          where the AK is made: the endorsement (default) or owner hierarchy's
                               primary key (ECC P-256, ECDSA/SHA-256, restricted signing: the same
                               key each time for a TPM), or a new key under a persistent parent
                               such as an SRK at 0x81000001
  --ak-handle HANDLE           quote with a persistent AK instead (tpm2_createak + tpm2_evictcontrol)
  --ak-public-out FILE         write the AK's public area (TPM2B_PUBLIC) for verify --ak-public
  --eventlog FILE              include this event log in the evidence
  --out FILE                   the evidence file
  -h, --help                   this help

tpm2-tools context files (-c ak.ctx) are not read: persist the AK and pass --ak-handle.
`;

export const VERIFY_HELP = `Usage: vtpm attest verify --evidence FILE --nonce HEX [options]
       vtpm attest verify --tpm2-quote MSG --tpm2-sig SIG --tpm2-pcrs PCRS --ak-public AK.pub --nonce HEX [options]

The verifier's side: judges the quote (restricted AK, signature, TPM-generated, this nonce, the
requested PCRs, PCR values matching the quoted digest) and, with --reference, appraises the PCRs.
Prints the quote's PCR values and the trust claims. Exit code 0: verified and no reference value
violated; 1: refused (reason code and message on stderr, e.g. nonce-mismatch) or a claim
contraindicated by the reference values.

  --evidence FILE              evidence from vtpm attest quote (CBOR, docs/attest.md)
  --tpm2-quote MSG --tpm2-sig SIG --tpm2-pcrs PCRS [--tpm2-pcrs-format serialized|marshaled|values]
                               tpm2_quote's -m, -s and -o files instead
  --nonce HEX                  the nonce this verifier issued (the quote's qualifying data)
  --ak-public FILE             the AK the verifier trusts (TPM2B_PUBLIC, e.g. tpm2_createak -u, or
                               TPMT_PUBLIC): the quote must be signed by it; instance-identity is
                               then affirmed. Without it, the evidence's own AK is used and
                               instance-identity is contraindicated. (A PEM key, --ak-pem, is
                               refused: it lacks the TPM attributes that make an AK trustworthy.)
  --reference FILE.json        reference values: {"pcrs": "sha256:0,...", "pcrValues": {"sha256":
                               {"0": ["hex", ...]}}, "eventDigests": {...}} (docs/cli.md)
  --pcrs SELECTION             the PCRs the verifier asked for (default: the reference's, else
                               the evidence's own selection)
  --allow-sha1                 accept SHA-1 PCR banks and signatures (refused by default)
  --result-key PEM             the verifier's P-256 private key: sign the attestation result
  --out FILE                   write the signed result (EAR in COSE_Sign1, ES256); needs --result-key;
                               written for refused quotes too, not for evidence that does not parse
  -h, --help                   this help
`;
