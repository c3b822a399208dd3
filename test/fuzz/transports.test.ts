import { expect } from 'chai';
import net from 'node:net';
import { GetRandom, Startup, TpmClient, TPM_SU } from '@vtpm/tpm';
import { MssimServer, MssimTransport, SwtpmServer, SwtpmTransport } from '@vtpm/server';
import { seedCommands } from './seedCommands.js';
import { Prng, mutate, checkWellFormed, type Mutant } from './mutations.js';
import { FUZZ_CASES } from './inProcess.test.js';

/** One command on its own connection, then half-close (the swtpm TCTI's way): the server answers what arrived. */
function sendOnce(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
    let acc = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer within 5 s to ${bytes.toString('hex')}`));
    }, 5000);
    s.on('data', (d) => (acc = Buffer.concat([acc, d])));
    s.on('close', () => {
      clearTimeout(timer);
      // the first response only: bytes beyond a size field that lies small frame a second command
      resolve(acc.length >= 6 ? acc.subarray(0, acc.readUInt32BE(2)) : acc);
    });
    s.on('error', reject);
  });
}

/** Mutants whose size field frames them honestly can share a connection; the others would desynchronise a stream. */
const framesHonestly = (m: Mutant) => m.bytes.length >= 10 && m.bytes.readUInt32BE(2) === m.bytes.length;

async function fuzz(send: (m: Mutant) => Promise<Buffer>, cases: number, streamed: boolean): Promise<Map<string, number>> {
  const seeds = await seedCommands();
  const prng = new Prng(0x7a11);
  const kinds = new Map<string, number>();
  for (let i = 0; i < cases; i++) {
    const m = mutate(seeds[prng.below(seeds.length)]!, prng);
    if (m.bytes.length === 0) continue; // nothing sent is no command: a stream has nothing to answer
    const rsp = await send(m);
    const bad = checkWellFormed(rsp, m.bytes);
    if (bad) expect.fail(`case ${i} (${m.kind}) ${m.bytes.toString('hex')}: ${bad}`);
    const rc = rsp.readUInt32BE(6);
    // On a byte stream a size field that lies small frames a shorter command (then another one): any error will do.
    const liesSmall = m.kind === 'size lies' && m.bytes.readUInt32BE(2) < m.bytes.length;
    if (liesSmall && streamed) {
      if (rc === 0) expect.fail(`case ${i} (${m.kind}) ${m.bytes.toString('hex')}: accepted`);
    } else if (m.expect && !m.expect(rc)) expect.fail(`case ${i} (${m.kind}) ${m.bytes.toString('hex')}: rc 0x${rc.toString(16)} is not of the expected class`);
    kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  }
  return kinds;
}

describe('malformed commands over the transports', function () {
  this.timeout(600000);

  it(`mssim: ${FUZZ_CASES} mutated commands on one connection, each answered well-formed; the server stays up`, async () => {
    const server = await MssimServer.start({ port: 0 });
    try {
      const t = await MssimTransport.connect('127.0.0.1', server.port);
      const client = new TpmClient(t);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } }).catch(() => undefined);
      const kinds = await fuzz((m) => t.send(m.bytes), FUZZ_CASES, false);
      expect(kinds.get('size lies')).to.be.greaterThan(0);
      const r = await client.run(GetRandom, { params: { bytesRequested: 8 } });
      expect(r.randomBytes.length).to.equal(8);
      await t.close();
    } finally {
      await server.close();
    }
  });

  it(`swtpm: ${FUZZ_CASES} mutated commands, honest frames on one connection and lying ones each on its own; the server stays up`, async () => {
    const server = await SwtpmServer.start({ port: 0, ctrlPort: 0 });
    try {
      const t = await SwtpmTransport.connect('127.0.0.1', server.port);
      const client = new TpmClient(t);
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } }).catch(() => undefined);
      const kinds = await fuzz((m) => (framesHonestly(m) ? t.send(m.bytes) : sendOnce(server.port, m.bytes)), FUZZ_CASES, true);
      expect(kinds.get('random bytes')).to.be.greaterThan(0);
      const r = await client.run(GetRandom, { params: { bytesRequested: 8 } });
      expect(r.randomBytes.length).to.equal(8);
      await t.close();
    } finally {
      await server.close();
    }
  });
});
