import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ChannelAuth } from './channelAuth.js';
import { MIN_PSK_BYTES } from './pskAuthMethod.js';

export interface ChannelAuthFiles {
  /** A PSK file: hex text (whitespace ignored) or raw octets, at least 32 octets either way. */
  pskFile?: string;
  /** Host certificate, its private key (PKCS#8 or SEC1), and the operator CA certificate: PEM or DER each. */
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  /** This daemon's name (PSK mode; default the machine's host name). */
  identity?: string;
  /** The name the peer must have. */
  expectedPeer?: string;
  /** Explicitly no authentication (tests, demos); the peer must say the same. */
  none?: boolean;
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A certificate file's DER, whether the file holds PEM or DER. */
function certificateDer(file: string, what: string): Buffer {
  const bytes = read(file, what);
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN')) return bytes;
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  if (!m) throw new Error(`the ${what} ${file} is PEM but holds no CERTIFICATE block`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

/** A PSK file's octets: hex text is decoded, anything else taken as raw octets. */
export function readPsk(file: string): Buffer {
  const bytes = read(file, 'pre-shared key file');
  const text = bytes.toString('latin1').replace(/\s+/g, '');
  const psk = /^([0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : bytes;
  if (psk.length < MIN_PSK_BYTES) throw new Error(`the pre-shared key in ${file} has ${psk.length} octets, fewer than ${MIN_PSK_BYTES}: generate one with \`openssl rand -hex 32 > ${file}\``);
  return psk;
}

/** The ChannelAuth the CLI's options describe: exactly one of none, a PSK file, or certificate + key + CA files. */
export function loadChannelAuth(files: ChannelAuthFiles): ChannelAuth {
  const certificateFiles = [files.certFile, files.keyFile, files.caFile];
  const modes = [files.none === true, files.pskFile !== undefined, certificateFiles.some((f) => f !== undefined)].filter(Boolean).length;
  if (modes === 0) throw new Error('no channel authentication configured: give a PSK file, or a host certificate, its key and the operator CA (or explicitly none, for tests)');
  if (modes > 1) throw new Error('give exactly one kind of channel authentication: none, a PSK file, or certificate/key/CA files');
  if (files.none) return { none: true };
  if (files.pskFile !== undefined) return { psk: readPsk(files.pskFile), identity: files.identity ?? hostname(), ...(files.expectedPeer ? { expectedPeer: files.expectedPeer } : {}) };
  if (!files.certFile || !files.keyFile || !files.caFile) throw new Error('certificate authentication needs all three files: the host certificate, its private key and the operator CA certificate');
  const keyBytes = read(files.keyFile, 'host private key');
  let privateKey;
  try {
    privateKey = keyBytes.toString('latin1').includes('-----BEGIN') ? createPrivateKey(keyBytes) : createPrivateKey({ key: keyBytes, format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new Error(`the host private key ${files.keyFile} is not a PEM or PKCS#8 DER private key: ${(e as Error).message}`);
  }
  return {
    certificate: certificateDer(files.certFile, 'host certificate'),
    privateKey,
    trustedCa: certificateDer(files.caFile, 'operator CA certificate'),
    ...(files.identity ? { identity: files.identity } : {}),
    ...(files.expectedPeer ? { expectedPeer: files.expectedPeer } : {}),
  };
}
