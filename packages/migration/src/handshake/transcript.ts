import { createHash } from 'node:crypto';

/**
 * SHA-256 over every handshake frame in order (length-prefixed so frame boundaries count). A
 * transcript that continues an earlier one (the migration handshake after channel
 * authentication) starts from that one's hash, so everything later is bound to who authenticated.
 */
export class Transcript {
  private readonly frames: Buffer[] = [];

  constructor(previousHash?: Buffer) {
    if (previousHash) this.add(previousHash);
  }

  add(frame: Buffer): void {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(frame.length);
    this.frames.push(length, frame);
  }

  hash(): Buffer {
    const h = createHash('sha256');
    for (const f of this.frames) h.update(f);
    return h.digest();
  }
}

/** What the destination's quote must carry: binds the source's nonce, the destination's ECDH key and the handshake so far. */
export function attestationBinding(nonce: Buffer, destinationPublicKey: Buffer, transcriptHash: Buffer): Buffer {
  return createHash('sha256').update(nonce).update(destinationPublicKey).update(transcriptHash).digest();
}
