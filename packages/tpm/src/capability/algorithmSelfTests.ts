import { TPM_ALG } from '../constants/alg.js';

/**
 * Algorithms that have a self test in the reference implementation (the toDoList swtpm 0.7.1
 * answers right after _TPM_Init, minus TDES and CAMELLIA which vtpm does not implement).
 * Implemented algorithms without a test of their own never appear in a toDoList.
 */
const TESTED_ALGORITHMS: readonly number[] = [
  TPM_ALG.SHA1,
  TPM_ALG.AES,
  TPM_ALG.SHA256,
  TPM_ALG.SHA384,
  TPM_ALG.SHA512,
  TPM_ALG.RSASSA,
  TPM_ALG.RSAES,
  TPM_ALG.RSAPSS,
  TPM_ALG.OAEP,
  TPM_ALG.ECDSA,
  TPM_ALG.ECDH,
  TPM_ALG.ECSCHNORR,
  TPM_ALG.KDF1_SP800_108,
  TPM_ALG.CFB,
];

/**
 * What else one algorithm's self test exercises, so it counts as tested too (observed on swtpm
 * 0.7.1 by IncrementalSelfTest of each algorithm alone after _TPM_Init).
 */
const ALSO_TESTED = new Map<number, readonly number[]>([
  [TPM_ALG.HMAC, [TPM_ALG.SHA512]],
  [TPM_ALG.AES, [TPM_ALG.CFB]],
  [TPM_ALG.CFB, [TPM_ALG.AES]],
  [TPM_ALG.OAEP, [TPM_ALG.SHA512]],
  [TPM_ALG.ECDSA, [TPM_ALG.SHA512, TPM_ALG.ECDH]],
  [TPM_ALG.ECSCHNORR, [TPM_ALG.SHA512, TPM_ALG.ECDH]],
  [TPM_ALG.KDF1_SP800_108, [TPM_ALG.SHA512]],
  [TPM_ALG.ECC, [TPM_ALG.ECDH]],
]);

/** Which algorithms still need their self test (Part 1, 12.3): all of them after _TPM_Init. */
export class AlgorithmSelfTests {
  private untested = new Set(TESTED_ALGORITHMS);

  /** _TPM_Init: nothing has been tested. */
  reset(): void {
    this.untested = new Set(TESTED_ALGORITHMS);
  }

  /** Runs the tests of the given algorithms (those that have one and are still untested). */
  test(algs: Iterable<number>): void {
    for (const alg of algs) {
      this.untested.delete(alg);
      for (const other of ALSO_TESTED.get(alg) ?? []) this.untested.delete(other);
    }
  }

  testAll(): void {
    this.untested.clear();
  }

  /** The algorithms still to be tested, ascending (IncrementalSelfTest's toDoList). */
  toDoList(): number[] {
    return [...this.untested].sort((a, b) => a - b);
  }

  /** State blobs: exactly these algorithms still untested. */
  restoreToDoList(algs: number[]): void {
    this.untested = new Set(algs);
  }

  get complete(): boolean {
    return this.untested.size === 0;
  }
}
