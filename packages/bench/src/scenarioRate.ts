import type { Transport } from '@vtpm/tpm';
import { RawTpmSocket } from './rawTpmSocket.js';
import type { Scenario } from './scenario.js';
import { measureAsync, type Budget, type Rate } from './timing.js';
import { ensureStartup } from './tpmStartup.js';

/** One round of a scenario on a started TPM: setup, warm-up and measured iterations, cleanup. */
export async function scenarioRate(tpm: Transport, scenario: Scenario, budget: Budget): Promise<Rate> {
  const run = await scenario.open(tpm);
  try {
    return await measureAsync(() => run.iterate(), { ...budget, minOps: scenario.minOps });
  } finally {
    await run.close();
  }
}

/** One round over a fresh mssim-framed connection (Startup first; already started is fine). */
export async function socketScenarioRate(host: string, port: number, scenario: Scenario, budget: Budget): Promise<Rate> {
  const tpm = await RawTpmSocket.connect(host, port, 'mssim');
  try {
    await ensureStartup(tpm);
    return await scenarioRate(tpm, scenario, budget);
  } finally {
    await tpm.close();
  }
}
