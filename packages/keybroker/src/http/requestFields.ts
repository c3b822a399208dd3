/** A request the broker cannot act on: a missing or mistyped field (HTTP 400). */
export class BadRequest extends Error {
  override name = 'BadRequest';
}

/** Typed access to a decoded body, naming the field that is wrong. */
export class RequestFields {
  constructor(private readonly body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body is not an object');
  }

  private get(name: string): unknown {
    return (this.body as Record<string, unknown>)[name];
  }

  string(name: string): string {
    const v = this.get(name);
    if (typeof v !== 'string' || !v) throw new BadRequest(`${name} must be a non-empty string`);
    return v;
  }

  optionalString(name: string): string | undefined {
    return this.get(name) === undefined ? undefined : this.string(name);
  }

  bytes(name: string): Buffer {
    const v = this.get(name);
    if (!(v instanceof Uint8Array)) throw new BadRequest(`${name} must be a byte string (CBOR bstr, or {"$base64": "..."} in JSON)`);
    return Buffer.from(v);
  }

  optionalBytes(name: string): Buffer | undefined {
    return this.get(name) === undefined ? undefined : this.bytes(name);
  }

  optionalBoolean(name: string): boolean | undefined {
    const v = this.get(name);
    if (v !== undefined && typeof v !== 'boolean') throw new BadRequest(`${name} must be true or false`);
    return v;
  }

  object(name: string): unknown {
    const v = this.get(name);
    if (typeof v !== 'object' || v === null) throw new BadRequest(`${name} must be an object`);
    return v;
  }
}
