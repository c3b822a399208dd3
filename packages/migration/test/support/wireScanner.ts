/** Where a secret shows up in a capture, for a failure message that says what leaked and where. */
export interface Finding {
  what: string;
  offset: number;
}

/**
 * Looks for secrets in captured bytes: keys raw, hex and base64 encoded and every 16-octet window
 * at 8-octet steps (a partial leak is found too); plaintext and ciphertext as given.
 */
export class WireScanner {
  private readonly needles: { what: string; bytes: Buffer }[] = [];

  /** A key: raw, hex, base64 and its 16-octet windows. */
  addKey(what: string, key: Buffer): this {
    this.addExact(what, key);
    this.needles.push({ what: `${what} (hex)`, bytes: Buffer.from(key.toString('hex')) }, { what: `${what} (base64)`, bytes: Buffer.from(key.toString('base64')) });
    for (let i = 0; i + 16 <= key.length; i += 8) this.needles.push({ what: `${what} [${i}..${i + 16})`, bytes: key.subarray(i, i + 16) });
    return this;
  }

  /** Bytes looked for exactly as given (plaintext patterns, ciphertext pages). */
  addExact(what: string, bytes: Buffer): this {
    this.needles.push({ what, bytes });
    return this;
  }

  scan(capture: Buffer): Finding[] {
    const found: Finding[] = [];
    for (const n of this.needles) {
      const offset = capture.indexOf(n.bytes);
      if (offset >= 0) found.push({ what: n.what, offset });
    }
    return found;
  }
}
