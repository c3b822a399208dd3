import { expect } from 'chai';
import { TpmResponseError } from '../../src/index.js';

/** The response code of a command: 0 when it succeeds. */
export async function rcOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof TpmResponseError) return e.rc;
    throw e;
  }
}

/** The response code of a command that must fail. */
export async function mustFail(p: Promise<unknown>): Promise<number> {
  const rc = await rcOf(p);
  if (rc === 0) expect.fail('the command succeeded');
  return rc;
}
