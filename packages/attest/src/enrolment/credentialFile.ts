import { TPM2B_ENCRYPTED_SECRET, TPM2B_ID_OBJECT, marshal, type Credential } from '@vtpm/tpm';

/** tpm2-tools' credential file (tpm2_makecredential -o, tpm2_activatecredential -i): magic, version 1, then the two TPM2Bs. */
const MAGIC = 0xbadcc0de;
const VERSION = 1;

/** A credential as tpm2_activatecredential reads it. */
export function tpm2ToolsCredentialFile(credential: Credential): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(VERSION, 4);
  return Buffer.concat([header, marshal(TPM2B_ID_OBJECT, credential.credentialBlob), marshal(TPM2B_ENCRYPTED_SECRET, credential.secret)]);
}
