import { TPM_CC } from '../constants/cc.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { cpHash } from './sessionHmac.js';

/**
 * The digests of one command that sessions compare against, computed once per hash algorithm:
 * cpHash over the parameters as received (still encrypted, Part 1, 18.7), the nameHash of its
 * handles (PolicyNameHash) and the template hash of Create* (PolicyTemplate).
 */
export class CommandDigests {
  private readonly cpHashes = new Map<number, Buffer>();
  private names: Buffer[] | null = null;

  constructor(
    readonly commandCode: number,
    private readonly handleNames: () => Buffer[],
    /** The parameter area as received, before parameter decryption. */
    readonly rawParams: Buffer,
  ) {}

  /** Names of all handles in the handle area, in order. */
  entityNames(): Buffer[] {
    return (this.names ??= this.handleNames());
  }

  cpHash(alg: number): Buffer {
    let d = this.cpHashes.get(alg);
    if (!d) this.cpHashes.set(alg, (d = cpHash(alg, this.commandCode, this.entityNames(), this.rawParams)));
    return d;
  }

  /** H(name1 || name2 ...) (Part 3, PolicyNameHash). */
  nameHash(alg: number): Buffer {
    return hash(alg, ...this.entityNames());
  }

  /**
   * H(contents of the second parameter) for Create, CreatePrimary and CreateLoaded, whose second
   * parameter is the public template (the reference's CompareTemplateHash); null otherwise.
   */
  templateHash(alg: number): Buffer | null {
    const c = this.commandCode;
    if (c !== TPM_CC.Create && c !== TPM_CC.CreatePrimary && c !== TPM_CC.CreateLoaded) return null;
    const p = this.rawParams;
    if (p.length < 2) return null;
    const at = 2 + p.readUInt16BE(0);
    if (p.length < at + 2) return null;
    const size = p.readUInt16BE(at);
    if (p.length < at + 2 + size) return null;
    return hash(alg, p.subarray(at + 2, at + 2 + size));
  }
}
