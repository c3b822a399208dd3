import { expect } from 'chai';
import { Tpm, TpmClient, InProcessTransport, GetRandom, Startup, TPM_SU } from '@vtpm/tpm';
import { seedCommands } from './seedCommands.js';
import { Prng, mutate, checkWellFormed } from './mutations.js';

export const FUZZ_CASES = Number(process.env.VTPM_FUZZ_CASES ?? 100_000);

describe('malformed commands, in-process', function () {
  this.timeout(300000);

  it(`${FUZZ_CASES} random and mutated command buffers each get a well-formed answer of the right class`, async () => {
    const seeds = await seedCommands();
    const tpm = new Tpm({ seed: Buffer.from('fuzz target') });
    const client = new TpmClient(new InProcessTransport(tpm));
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    const prng = new Prng(0x5eed1234);
    const byKind = new Map<string, number>();
    for (let i = 0; i < FUZZ_CASES; i++) {
      const m = mutate(seeds[prng.below(seeds.length)]!, prng);
      const rsp = tpm.execute(m.bytes, prng.below(5));
      const bad = checkWellFormed(rsp, m.bytes);
      if (bad) expect.fail(`case ${i} (${m.kind}) ${m.bytes.toString('hex')}: ${bad}`);
      const rc = rsp.readUInt32BE(6);
      if (m.expect && !m.expect(rc)) expect.fail(`case ${i} (${m.kind}) ${m.bytes.toString('hex')}: rc 0x${rc.toString(16)} is not of the expected class`);
      byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
    }
    expect([...byKind.keys()]).to.include.members(['truncated', 'wrong tag', 'size lies', 'unknown command', 'bad handle', 'oversized list', 'bit flips', 'random bytes']);
    const after = await client.run(GetRandom, { params: { bytesRequested: 16 } }).catch((e) => e);
    expect(after).to.not.be.instanceOf(Error, 'a valid command still works after the fuzzing');
  });
});
