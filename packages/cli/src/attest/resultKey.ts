import { createPrivateKey } from 'node:crypto';
import { CommandFailure } from '../runtime/commandFailure.js';

/**
 * `--result-key PEM`: the verifier's ES256 key (`openssl ecparam -name prime256v1 -genkey -noout`,
 * or `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) as the 32-octet scalar
 * signResult takes. Relying parties check results with its public half (`openssl ec -pubout`).
 */
export function resultSigningKey(what: string, pem: Buffer): Uint8Array {
  let jwk;
  try {
    jwk = createPrivateKey(pem).export({ format: 'jwk' });
  } catch (e) {
    throw new CommandFailure(`${what}: not a PEM private key (${(e as Error).message})`);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new CommandFailure(`${what}: not a P-256 EC private key: results are signed with ES256`);
  return Buffer.from(jwk.d, 'base64url');
}
