import { expect } from 'chai';
import { FlushContext, InProcessTransport, Startup, Tpm, TpmClient, TpmResponseError, TPM_SU, describeRc } from '@vtpm/tpm';
import { ReferenceSwtpm, pinnedPort } from './referenceSwtpm.js';
import { rawSocketClient } from './rawSocket.js';

/**
 * swtpm (the reference) and an in-process vtpm driven by the same typed client code, for
 * differential tests: each step runs on both and must end with the same response code. The two
 * TPMs have different seeds, so keys differ; a step gets the side index to pick that side's keys.
 */
export class SideBySide {
  private constructor(
    readonly ref: ReferenceSwtpm,
    readonly tpm: Tpm,
    /** [swtpm, vtpm] */
    readonly clients: readonly [TpmClient, TpmClient],
  ) {}

  /** Both TPMs, waiting for Startup; `port` pins swtpm's port pair (by default VTPM_REF_SWTPM_PORT does). */
  static async connect(seed: string, port = pinnedPort('VTPM_REF_SWTPM_PORT')): Promise<SideBySide> {
    const ref = await ReferenceSwtpm.start('not-need-init', port);
    const tpm = new Tpm({ seed: Buffer.from(seed) });
    return new SideBySide(ref, tpm, [rawSocketClient(ref.port, 30000), new TpmClient(new InProcessTransport(tpm))]);
  }

  /** Both TPMs, started (CLEAR). */
  static async start(seed: string, port?: number): Promise<SideBySide> {
    const sides = await SideBySide.connect(seed, port);
    await sides.ok('Startup', (c) => c.run(Startup, { params: { startupType: TPM_SU.CLEAR } }));
    return sides;
  }

  /** _TPM_Init on both (swtpm's through its control channel), as between Shutdown and Startup. */
  async init(): Promise<void> {
    await this.ref.init();
    this.tpm.init();
  }

  /** Flushes every transient object slot on both sides (after a failed test left objects loaded). */
  async flushTransients(): Promise<void> {
    for (const client of this.clients) {
      for (let h = 0x80000000; h < 0x80000003; h++) await client.run(FlushContext, { params: { flushHandle: h } }).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await this.ref.stop();
  }

  /** Runs `step` on both sides; the response codes must be equal. Returns that code (0: success) and both results. */
  async rc<T>(label: string, step: (client: TpmClient, side: 0 | 1) => Promise<T>): Promise<{ rc: number; results: [T | undefined, T | undefined] }> {
    const [a, b] = [await outcome(() => step(this.clients[0], 0)), await outcome(() => step(this.clients[1], 1))];
    const show = (rc: number) => `0x${rc.toString(16)} ${rc ? describeRc(rc) : 'SUCCESS'}`;
    if (process.env.VTPM_SHOW_RCS) console.log(`      ${label}: ${show(a.rc)}`);
    expect(show(b.rc), `${label} (vtpm vs swtpm)`).to.equal(show(a.rc));
    return { rc: a.rc, results: [a.value, b.value] };
  }

  /** Like rc(), and both must answer `expected` (0 = success). */
  async expectRc(label: string, expected: number, step: (client: TpmClient, side: 0 | 1) => Promise<unknown>): Promise<void> {
    const { rc } = await this.rc(label, step);
    expect(`0x${rc.toString(16)}`, `${label}: swtpm's code`).to.equal(`0x${expected.toString(16)}`);
  }

  /** Both sides must succeed; returns [swtpm's result, vtpm's result]. */
  async ok<T>(label: string, step: (client: TpmClient, side: 0 | 1) => Promise<T>): Promise<[T, T]> {
    const { rc, results } = await this.rc(label, step);
    expect(rc, `${label} failed on both sides`).to.equal(0);
    return results as [T, T];
  }
}

async function outcome<T>(run: () => Promise<T>): Promise<{ rc: number; value?: T }> {
  try {
    return { rc: 0, value: await run() };
  } catch (e) {
    if (e instanceof TpmResponseError) return { rc: e.rc };
    throw e;
  }
}
