import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { isImplementedAlgorithm } from '../capability/algorithms.js';
import { implement } from '../pipeline/handler.js';
import { GetTestResult, IncrementalSelfTest, SelfTest } from '../spec/startup.js';

// Self tests run synchronously and always pass, so no command ever sees TPM_RC_TESTING.

/** Part 3, 10.2: a full test retests everything; otherwise only what is untested. Either way nothing is left. */
export const selfTest = implement(SelfTest, (tpm) => {
  tpm.selfTests.testAll();
  tpm.selfTested = true;
  return {};
});

/** Part 3, 10.3: tests the listed algorithms and answers what remains untested. */
export const incrementalSelfTest = implement(IncrementalSelfTest, (tpm, { params }) => {
  // Every entry is checked before any test runs: one unimplemented algorithm fails the whole list.
  if (!params.toTest.every(isImplementedAlgorithm)) throw new TpmError(TPM_RC.VALUE, 'algorithm not implemented').forParameter(1);
  tpm.selfTests.test(params.toTest);
  tpm.selfTested = tpm.selfTests.complete;
  return { toDoList: tpm.selfTests.toDoList() };
});

/**
 * Part 3, 10.4. Like libtpms, the result is TPM_RC_SUCCESS even before any test has run (the
 * reference tests an algorithm on first use), with no manufacturer data.
 */
export const getTestResult = implement(GetTestResult, () => ({ outData: Buffer.alloc(0), testResult: TPM_RC.SUCCESS }));
