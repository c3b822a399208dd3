import { TPM_RC } from '@vtpm/tpm';

/** A small deterministic PRNG (xorshift32), so a failing case can be replayed from its index. */
export class Prng {
  constructor(private s: number) {
    if (this.s === 0) this.s = 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  below(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

export interface Mutant {
  kind: string;
  bytes: Buffer;
  /** The class of response code the TPM must answer with (null: any well-formed answer, success included). */
  expect: ((rc: number) => boolean) | null;
}

const base = (rc: number) => (rc & 0x80 ? rc & 0xbf : rc);
const isFormatOne = (rc: number) => (rc & 0x80) !== 0 && (rc & 0x900) !== 0x900;
const numberedAsHandle = (rc: number) => isFormatOne(rc) && !(rc & 0x40) && !(rc & 0x800) && (rc & 0x700) !== 0;
// authorization is checked before the parameters are parsed, so a wrong secret may answer first
const isAuthFailure = (rc: number) => (rc & 0x800) !== 0 && ([TPM_RC.BAD_AUTH, TPM_RC.AUTH_FAIL] as number[]).includes(rc & 0xbf);
const isReferenceH = (rc: number) => rc >= TPM_RC.REFERENCE_H0 && rc <= TPM_RC.REFERENCE_H0 + 6;
const withSize = (b: Buffer) => {
  if (b.length >= 6) b.writeUInt32BE(b.length, 2);
  return b;
};

/** Handle count of a seed, from its command code (enough for the seeds used here). */
const HANDLES: Record<number, number> = { 0x182: 1, 0x13c: 1, 0x13d: 1, 0x15c: 1, 0x13e: 1, 0x185: 2, 0x176: 2 };
/** Seeds whose first parameter is a TPML count (PCR_Read's selection, PCR_Extend's digests after auth). */
const FIRST_PARAM_IS_LIST: Record<number, boolean> = { 0x17e: true };

/** One mutant of a seed command. Categories follow the acceptance list of the TPM-core issue. */
export function mutate(seed: Buffer, prng: Prng): Mutant {
  const cmd = Buffer.from(seed);
  const cc = cmd.readUInt32BE(6);
  switch (prng.below(10)) {
    case 0: {
      if (cmd.length <= 10) return garbage(prng);
      // truncated, with an honest size field: a parameter or header runs short
      const cut = 10 + prng.below(Math.max(1, cmd.length - 10));
      // handles are checked before the rest is parsed, so a handle the target does not hold may answer first
      return { kind: 'truncated', bytes: withSize(cmd.subarray(0, cut)), expect: (rc) => rc !== 0 && (([TPM_RC.INSUFFICIENT, TPM_RC.SIZE] as number[]).includes(base(rc)) || rc === TPM_RC.AUTH_MISSING || rc === TPM_RC.COMMAND_SIZE || isReferenceH(rc) || numberedAsHandle(rc) || isAuthFailure(rc)) };
    }
    case 1: {
      let tag = prng.next() & 0xffff;
      if (tag === 0x8001 || tag === 0x8002) tag = 0x00c1;
      cmd.writeUInt16BE(tag, 0);
      return { kind: 'wrong tag', bytes: cmd, expect: (rc) => rc === TPM_RC.BAD_TAG };
    }
    case 2: {
      const delta = 1 + prng.below(5000);
      cmd.writeUInt32BE(prng.below(2) ? cmd.length + delta : Math.max(0, cmd.length - delta), 2);
      return { kind: 'size lies', bytes: cmd, expect: (rc) => rc === TPM_RC.COMMAND_SIZE };
    }
    case 3: {
      const unknown = [0x0, 0x11e, 0x15a, 0x166, 0x175, 0x1a0 + prng.below(0x1000), 0x20000000 | prng.below(0x1000), prng.next()];
      cmd.writeUInt32BE(unknown[prng.below(unknown.length)]! >>> 0, 6);
      return { kind: 'unknown command', bytes: cmd, expect: (rc) => rc === TPM_RC.COMMAND_CODE };
    }
    case 4: {
      const n = HANDLES[cc];
      if (!n) return garbage(prng);
      const which = prng.below(n);
      const bad = [0x00000018, 0x00ffffff, 0x80ffffff, 0x81000099, 0x02ffffff, 0x40000099, 0x01000000 + prng.below(0xffffff), 0xdeadbeef][prng.below(8)]!;
      cmd.writeUInt32BE(bad >>> 0, 10 + 4 * which);
      // a persistent handle needs a free object slot before it is looked up (the reference's ObjectLoadEvict)
      return { kind: 'bad handle', bytes: cmd, expect: (rc) => numberedAsHandle(rc) || isReferenceH(rc) || rc === TPM_RC.OBJECT_MEMORY };
    }
    case 5: {
      if (!FIRST_PARAM_IS_LIST[cc]) return garbage(prng);
      cmd.writeUInt32BE(5 + prng.below(0xfffffff0), 10);
      return { kind: 'oversized list', bytes: cmd, expect: (rc) => rc === (TPM_RC.SIZE | 0x140) };
    }
    case 6:
    case 7: {
      // random bit flips anywhere after the header: anything well-formed goes
      const n = 1 + prng.below(4);
      for (let i = 0; i < n; i++) cmd[10 + prng.below(Math.max(1, cmd.length - 10))]! ^= 1 << prng.below(8);
      return { kind: 'bit flips', bytes: withSize(cmd), expect: null };
    }
    case 8: {
      // trailing junk after the last parameter
      return { kind: 'trailing bytes', bytes: withSize(Buffer.concat([cmd, prng.bytes(1 + prng.below(8))])), expect: (rc) => rc !== 0 };
    }
    default:
      return garbage(prng);
  }
}

function garbage(prng: Prng): Mutant {
  const b = prng.bytes(prng.below(64));
  return { kind: 'random bytes', bytes: b, expect: (rc) => rc !== 0 };
}

/** A response is well-formed: tag, size = length, and errors carry no body (Part 1, 18.2). */
export function checkWellFormed(rsp: Buffer, cmd: Buffer): string | null {
  if (rsp.length < 10) return `response of ${rsp.length} octets`;
  if (rsp.readUInt32BE(2) !== rsp.length) return 'size field does not match the response length';
  const tag = rsp.readUInt16BE(0);
  const rc = rsp.readUInt32BE(6);
  if (rc !== 0) return tag === 0x8001 && rsp.length === 10 ? null : 'error response with a body or a session tag';
  if (cmd.length >= 2 && tag !== cmd.readUInt16BE(0)) return 'success with a tag other than the command tag';
  return null;
}
