import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  ContextSave, CreatePrimary, FlushContext, GetRandom, NV_DefineSpace, NV_Read, NV_ReadPublic, NV_UndefineSpace, NV_Write, PCR_Extend, PolicyAuthorize, PolicyAuthorizeNV, PolicyNV, PolicyPassword, PolicyCommandCode, PolicyCounterTimer, PolicyCpHash, PolicyDuplicationSelect,
  PolicyGetDigest, PolicyLocality, PolicyNameHash, PolicyNvWritten, PolicyOR, PolicyPCR, PolicyRestart, PolicySecret, PolicyTicket, StartAuthSession,
  TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPMA_NV, TPMA_OBJECT, Tpm, TpmClient, TpmResponseError, startSession, type ClientAuth, type SymDef, type TpmtPublic,
} from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm, freePortPair } from '../lib/referenceSwtpm.js';
import { rawSocketClient, sendRaw } from '../lib/rawSocket.js';
import type { ToolResult } from '../lib/runTool.js';
import type { ToolDir } from '../lib/toolDir.js';
import { ToolPair } from '../lib/toolPair.js';
import { PROTOCOLS, startVtpmServer } from '../lib/vtpmServer.js';

/** The TPM response code a failed tool reported, e.g. "0x99d". */
const rcIn = (r: ToolResult) => (r.code === 0 ? 'success' : /\((0x[0-9a-f]+)\)/i.exec(r.stderr)?.[1]?.toLowerCase() ?? `exit ${r.code}`);
const sha256 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/** Runs the tools of a scenario against one side; leaves no transient object or session loaded. */
async function flushAll(s: ToolDir): Promise<void> {
  await s.run(['tpm2_flushcontext', '-t']);
  await s.run(['tpm2_flushcontext', '-s']);
  await s.run(['tpm2_flushcontext', '-l']);
}

/** A primary key (ECC unless `rsa`), saved to `ctx`, its transient handle flushed. */
async function primary(s: ToolDir, ctx: string, rsa = false): Promise<void> {
  await s.ok(['tpm2_createprimary', '-C', 'o', ...(rsa ? ['-G', 'rsa'] : []), '-c', ctx]);
  await s.run(['tpm2_flushcontext', '-t']);
}

/** A sealed object under prim.ctx with `policy` (a file, or none) and `auth`, loaded and saved to `ctx`. */
async function sealed(s: ToolDir, ctx: string, opts: { policy?: string; auth?: string; data?: string } = {}): Promise<void> {
  s.file('secret.txt', opts.data ?? 'sealed secret');
  const args = ['tpm2_create', '-C', 'prim.ctx', '-i', 'secret.txt', '-u', `${ctx}.pub`, '-r', `${ctx}.priv`];
  if (opts.policy) args.push('-L', opts.policy);
  if (opts.auth) args.push('-p', opts.auth);
  await s.ok(args);
  await s.run(['tpm2_flushcontext', '-t']);
  await s.ok(['tpm2_load', '-C', 'prim.ctx', '-u', `${ctx}.pub`, '-r', `${ctx}.priv`, '-c', ctx]);
  await s.run(['tpm2_flushcontext', '-t']);
}

/** A trial-session policy: `steps` run with -S trial.ctx, the last one writes the digest to `out`. */
async function trialPolicy(s: ToolDir, out: string, steps: string[][]): Promise<string> {
  await s.ok(['tpm2_startauthsession', '-S', 'trial.ctx']);
  for (const [i, step] of steps.entries()) await s.ok([...step, '-S', 'trial.ctx', ...(i === steps.length - 1 ? ['-L', out] : [])]);
  await s.ok(['tpm2_flushcontext', 'trial.ctx']);
  return s.read(out).toString('hex');
}

/** Unseals `ctx` with a real policy session satisfied by `steps`. */
async function unsealWithPolicy(s: ToolDir, ctx: string, steps: string[][]): Promise<string> {
  await s.ok(['tpm2_startauthsession', '--policy-session', '-S', 'policy.ctx']);
  for (const step of steps) await s.ok([...step, '-S', 'policy.ctx']);
  const r = await s.run(['tpm2_unseal', '-c', ctx, '-p', 'session:policy.ctx']);
  await s.run(['tpm2_flushcontext', 'policy.ctx']);
  await s.run(['tpm2_flushcontext', '-t']);
  return r.code === 0 ? r.stdout : rcIn(r);
}

for (const protocol of PROTOCOLS) {
  describe(`sessions and policies: tpm2-tools 5.4 against vtpm over the ${protocol} TCTI, compared with swtpm`, function () {
    this.timeout(180000);
    let tools: ToolPair;
    let ours: ToolDir;
    let theirs: ToolDir;

    before(async function () {
      requireTools(this, ['tpm2_startauthsession', 'tpm2_sessionconfig', 'tpm2_policypcr', 'swtpm', 'openssl'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-sessions-');
      [ours, theirs] = [tools.on('vtpm'), tools.on('swtpm')];
      for (const s of [ours, theirs]) {
        await s.run(['tpm2_startup', '-c']);
        await primary(s, 'prim.ctx');
      }
    });
    after(async () => tools?.stop());
    afterEach(async () => {
      for (const s of [ours, theirs]) if (s) await flushAll(s);
    });

    /** Runs `scenario` against vtpm and swtpm; their observations must be equal. */
    const same = async <T>(scenario: (s: ToolDir) => Promise<T>): Promise<T> => {
      const a = await scenario(ours);
      const b = await scenario(theirs);
      expect(a).to.deep.equal(b);
      return a;
    };

    it('trial sessions: every tpm2_policy* digest equals swtpm\'s', async () => {
      await same(async (s) => {
        s.file('pcrs.bin', Buffer.concat([Buffer.alloc(32, 0xaa), Buffer.alloc(32, 0xbb)]));
        s.file('cphash.bin', Buffer.concat([Buffer.from('0020', 'hex'), sha256('cphash')]));
        s.file('namehash.bin', sha256('namehash'));
        s.file('template.bin', sha256('template'));
        s.file('obj.name', Buffer.concat([Buffer.from('000b', 'hex'), sha256('object')]));
        s.file('parent.name', Buffer.concat([Buffer.from('000b', 'hex'), sha256('parent')]));
        s.file('key.name', Buffer.concat([Buffer.from('000b', 'hex'), sha256('signing key')]));
        s.file('ref.bin', 'policy ref');
        const digests: Record<string, string> = {};
        const cases: [string, string[]][] = [
          ['pcr', ['tpm2_policypcr', '-l', 'sha256:0,16', '-f', 'pcrs.bin']],
          ['pcrLive', ['tpm2_policypcr', '-l', 'sha1:0+sha256:16,23']],
          ['authValue', ['tpm2_policyauthvalue']],
          ['password', ['tpm2_policypassword']],
          ['commandCode', ['tpm2_policycommandcode', 'TPM2_CC_Unseal']],
          ['locality', ['tpm2_policylocality', 'three']],
          ['localityExtended', ['tpm2_policylocality', '200']],
          ['cpHash', ['tpm2_policycphash', '--cphash-input', 'cphash.bin']],
          ['nameHash', ['tpm2_policynamehash', '-n', 'namehash.bin']],
          ['nvWritten', ['tpm2_policynvwritten', 's']],
          ['counterTimer', ['tpm2_policycountertimer', '--ult', 'clock=60000']],
          ['duplicationSelect', ['tpm2_policyduplicationselect', '-n', 'obj.name', '-N', 'parent.name', '--include-object']],
          ['template', ['tpm2_policytemplate', '--template-hash', 'template.bin']],
          ['secretOwner', ['tpm2_policysecret', '-c', 'o']],
          ['secretEndorsementRef', ['tpm2_policysecret', '-c', 'e', '-q', 'ref.bin']],
          ['authorize', ['tpm2_policyauthorize', '-i', 'pcr.dat', '-q', 'ref.bin', '-n', 'key.name']],
          ['or', ['tpm2_policyor', '-l', 'sha256:pcr.dat,authValue.dat,commandCode.dat']],
        ];
        for (const [name, step] of cases) digests[name] = await trialPolicy(s, `${name}.dat`, [step]);
        return digests;
      });
    });

    it('PCR-sealed object: tpm2_createpolicy --policy-pcr, tpm2_unseal -p pcr:sha256:23, refused with 0x99d after an extend', async () => {
      const seen = await same(async (s) => {
        await s.ok(['tpm2_pcrreset', '23']);
        await s.ok(['tpm2_pcrread', '-o', 'pcr.bin', 'sha256:23']);
        await s.ok(['tpm2_createpolicy', '--policy-pcr', '-l', 'sha256:23', '-f', 'pcr.bin', '-L', 'pcr.policy']);
        await sealed(s, 'pcrseal.ctx', { policy: 'pcr.policy' });
        const first = await s.ok(['tpm2_unseal', '-c', 'pcrseal.ctx', '-p', 'pcr:sha256:23']);
        await s.run(['tpm2_flushcontext', '-t']);
        await s.ok(['tpm2_pcrextend', `23:sha256=${sha256('change').toString('hex')}`]);
        const after = await s.run(['tpm2_unseal', '-c', 'pcrseal.ctx', '-p', 'pcr:sha256:23']);
        return { policy: s.read('pcr.policy').toString('hex'), first, after: rcIn(after) };
      });
      expect(seen.first).to.equal('sealed secret');
      expect(seen.after).to.equal('0x99d');
    });

    it('salted HMAC sessions (ECC and RSA tpmKey) with tpm2_sessionconfig encrypt/decrypt: getrandom and unseal', async () => {
      const seen = await same(async (s) => {
        await primary(s, 'rsa.ctx', true);
        await sealed(s, 'pw.ctx', { auth: 'objpw', data: 'salted and encrypted' });
        const out: Record<string, unknown> = {};
        for (const key of ['prim.ctx', 'rsa.ctx']) {
          await s.ok(['tpm2_startauthsession', '--hmac-session', '-S', 'hs.ctx', '-c', key]);
          await s.ok(['tpm2_sessionconfig', 'hs.ctx', '--enable-encrypt', '--enable-decrypt']);
          out[`${key} attributes`] = (await s.ok(['tpm2_sessionconfig', 'hs.ctx'])).split('\n').find((l) => l.startsWith('Session-Attributes'));
          out[`${key} random`] = (await s.ok(['tpm2_getrandom', '-S', 'hs.ctx', '--hex', '16'])).trim().length;
          out[`${key} unseal`] = await s.ok(['tpm2_unseal', '-c', 'pw.ctx', '-p', 'session:hs.ctx+objpw']);
          out[`${key} wrong auth`] = rcIn(await s.run(['tpm2_unseal', '-c', 'pw.ctx', '-p', 'session:hs.ctx+nope']));
          await s.run(['tpm2_flushcontext', 'hs.ctx']);
          await s.run(['tpm2_flushcontext', '-t']);
        }
        return out;
      });
      expect(seen['prim.ctx unseal']).to.equal('salted and encrypted');
      expect(seen['rsa.ctx unseal']).to.equal('salted and encrypted');
    });

    it('bound HMAC session (tpm2_startauthsession --bind-context), with and without response encryption', async () => {
      const seen = await same(async (s) => {
        await sealed(s, 'bind.ctx', { auth: 'bindpw', data: 'bound' });
        const out: string[] = [];
        // tpm2-tools takes either --bind-context or a salt key (-c), not both
        for (const encrypt of [false, true]) {
          await s.ok(['tpm2_startauthsession', '--hmac-session', '-S', 'bs.ctx', '--bind-context', 'bind.ctx', '--bind-auth', 'bindpw']);
          if (encrypt) await s.ok(['tpm2_sessionconfig', 'bs.ctx', '--enable-encrypt']);
          out.push(await s.ok(['tpm2_unseal', '-c', 'bind.ctx', '-p', 'session:bs.ctx+bindpw']));
          await s.run(['tpm2_flushcontext', 'bs.ctx']);
          await s.run(['tpm2_flushcontext', '-t']);
        }
        return out;
      });
      expect(seen).to.deep.equal(['bound', 'bound']);
    });

    it('tpm2_policyor, tpm2_policysecret and tpm2_policycommandcode open sealed objects; a wrong branch does not', async () => {
      const seen = await same(async (s) => {
        await s.ok(['tpm2_pcrreset', '23']);
        const pcr = await trialPolicy(s, 'pcr23.policy', [['tpm2_policypcr', '-l', 'sha256:23']]);
        const cc = await trialPolicy(s, 'cc.policy', [['tpm2_policycommandcode', 'TPM2_CC_Unseal']]);
        const or = await trialPolicy(s, 'or.policy', [['tpm2_policyor', '-l', 'sha256:pcr23.policy,cc.policy']]);
        await sealed(s, 'or.ctx', { policy: 'or.policy', data: 'or' });
        const byPcr = await unsealWithPolicy(s, 'or.ctx', [['tpm2_policypcr', '-l', 'sha256:23'], ['tpm2_policyor', '-l', 'sha256:pcr23.policy,cc.policy']]);
        const byCc = await unsealWithPolicy(s, 'or.ctx', [['tpm2_policycommandcode', 'TPM2_CC_Unseal'], ['tpm2_policyor', '-l', 'sha256:pcr23.policy,cc.policy']]);
        const byNothing = await unsealWithPolicy(s, 'or.ctx', [['tpm2_policyauthvalue']]);
        const secret = await trialPolicy(s, 'secret.policy', [['tpm2_policysecret', '-c', 'o']]);
        await sealed(s, 'secret.ctx', { policy: 'secret.policy', data: 'secret' });
        const bySecret = await unsealWithPolicy(s, 'secret.ctx', [['tpm2_policysecret', '-c', 'o']]);
        await sealed(s, 'cc.ctx', { policy: 'cc.policy', data: 'command code' });
        const byCommandCode = await unsealWithPolicy(s, 'cc.ctx', [['tpm2_policycommandcode', 'TPM2_CC_Unseal']]);
        const byOtherCode = await unsealWithPolicy(s, 'cc.ctx', [['tpm2_policycommandcode', 'TPM2_CC_Sign']]);
        return { pcr, cc, or, secret, byPcr, byCc, byNothing, bySecret, byCommandCode, byOtherCode };
      });
      expect(seen.byPcr).to.equal('or');
      expect(seen.byCc).to.equal('or');
      expect(seen.byNothing).to.equal('0x99d');
      expect(seen.bySecret).to.equal('secret');
      expect(seen.byCommandCode).to.equal('command code');
      expect(seen.byOtherCode).to.equal('0x99d'); // the digest differs before the command code is looked at
    });

    it('session limits: a fourth loaded session is TPM_RC_SESSION_MEMORY, as on swtpm', async () => {
      const start = (c: TpmClient) =>
        c.run(StartAuthSession, {
          handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
          params: { nonceCaller: Buffer.alloc(16, 1), encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
        });
      const rcs = async (c: TpmClient) => {
        const out: string[] = [];
        for (let i = 0; i < 4; i++) out.push(await start(c).then(() => 'ok', (e) => (e instanceof TpmResponseError ? `0x${e.rc.toString(16)}` : String(e))));
        return out;
      };
      // one connection per command, as the swtpm TCTI does (swtpm serves one connection at a time)
      const local = await startVtpmServer('swtpm', { port: await freePortPair(), tpm: new Tpm() }); // not the pinned port the suite's server may hold
      try {
        await rawSocketClient(local.port).transport.send(Buffer.from('80010000000c000001440000', 'hex')); // Startup(CLEAR)
        await theirs.run(['tpm2_flushcontext', '-l']);
        const ours = await rcs(rawSocketClient(local.port));
        expect(ours).to.deep.equal(['ok', 'ok', 'ok', '0x903']);
        expect(ours).to.deep.equal(await rcs(rawSocketClient(tools.ref.port)));
      } finally {
        await local.stop();
      }
    });

    it('tpm2_policyauthorize with an OpenSSL-signed policy and a tpm2_verifysignature ticket', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const seen = await same(async (s) => {
        s.file('signing.pub.pem', publicKey.export({ type: 'spki', format: 'pem' }));
        s.file('signing.priv.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }));
        await s.ok(['tpm2_pcrreset', '23']);
        await s.ok(['tpm2_loadexternal', '-G', 'rsa', '-C', 'o', '-u', 'signing.pub.pem', '-c', 'signing.ctx', '-n', 'signing.name']);
        const pcr = await trialPolicy(s, 'pcr23.policy', [['tpm2_policypcr', '-l', 'sha256:23']]);
        const authorized = await trialPolicy(s, 'authorized.policy', [['tpm2_policyauthorize', '-i', 'pcr23.policy', '-n', 'signing.name']]);
        await s.run(['tpm2_flushcontext', '-t']);
        await sealed(s, 'auth.ctx', { policy: 'authorized.policy', data: 'authorized' });
        const sig = await new Promise<Buffer>((resolve) => {
          import('node:crypto').then(({ sign }) => resolve(sign('sha256', s.read('pcr23.policy'), privateKey)));
        });
        s.file('pcr.signature', sig);
        await s.ok(['tpm2_verifysignature', '-c', 'signing.ctx', '-g', 'sha256', '-m', 'pcr23.policy', '-s', 'pcr.signature', '-f', 'rsassa', '-t', 'verified.ticket']);
        await s.run(['tpm2_flushcontext', '-t']);
        const unsealed = await unsealWithPolicy(s, 'auth.ctx', [['tpm2_policypcr', '-l', 'sha256:23'], ['tpm2_policyauthorize', '-i', 'pcr23.policy', '-n', 'signing.name', '-t', 'verified.ticket']]);
        return { pcr, authorized, unsealed };
      });
      expect(seen.unsealed).to.equal('authorized');
    });
  });
}

/**
 * The same typed command sequences, sent by the vtpm client to swtpm (one connection per command)
 * and to an in-process vtpm: every response code along the way must be equal.
 */
describe('session and policy response codes: vtpm equals swtpm command for command', function () {
  this.timeout(60000);
  let ref: ReferenceSwtpm;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    ref = await ReferenceSwtpm.start();
  });
  after(async () => ref?.stop());

  /** Runs `scenario` on a fresh vtpm and on swtpm (started, sessions flushed); returns both lists of outcomes. */
  type Note = (p: Promise<unknown>) => Promise<void>;
  async function both(scenario: (c: TpmClient, note: Note, record: (value: string) => void) => Promise<void>): Promise<[string[], string[]]> {
    const run = async (c: TpmClient) => {
      const seen: string[] = [];
      const note = (p: Promise<unknown>) =>
        p.then(
          () => void seen.push('ok'),
          (e) => void seen.push(e instanceof TpmResponseError ? `0x${e.rc.toString(16)}` : String(e)),
        );
      await scenario(c, note, (v) => void seen.push(v));
      return seen;
    };
    const local = new Tpm();
    local.execute(Buffer.from('80010000000c000001440000', 'hex')); // Startup(CLEAR)
    const theirs = rawSocketClient(ref.port);
    await theirs.transport.send(Buffer.from('80010000000c000001440000', 'hex'));
    const ours = await run(new TpmClient({ send: async (cmd: Buffer) => local.execute(cmd) }));
    const reference = await run(theirs);
    if (process.env.VTPM_SHOW_RCS) console.log(ours.join(' '));
    // leave swtpm clean for the next scenario
    const sessions = Array.from({ length: 64 }, (_, i) => [0x02000000 + i, 0x03000000 + i]).flat();
    for (const h of [...sessions, 0x80000000, 0x80000001, 0x80000002]) {
      const cmd = Buffer.from('80010000000e00000165' + h.toString(16).padStart(8, '0'), 'hex');
      await sendRaw(ref.port, cmd);
    }
    return [ours, reference];
  }

  it('policy commands: sizes, ranges, conflicting choices, trial-only and real-only checks', async () => {
    const [ours, theirs] = await both(async (c, note) => {
      const t = await startSession(c, { type: TPM_SE.TRIAL });
      const p = await startSession(c, { type: TPM_SE.POLICY });
      const d = (n: number) => Buffer.alloc(32, n);
      await note(c.run(PolicyOR, { handles: { policySession: t.handle }, params: { pHashList: [d(1)] } }));
      await note(c.run(PolicyOR, { handles: { policySession: p.handle }, params: { pHashList: [d(1), d(2)] } }));
      await note(c.run(PolicyCommandCode, { handles: { policySession: t.handle }, params: { code: 0x9999 } }));
      await note(c.run(PolicyCommandCode, { handles: { policySession: t.handle }, params: { code: TPM_CC.Unseal } }));
      await note(c.run(PolicyCommandCode, { handles: { policySession: t.handle }, params: { code: TPM_CC.Sign } }));
      await note(c.run(PolicyLocality, { handles: { policySession: t.handle }, params: { locality: 0 } }));
      await note(c.run(PolicyLocality, { handles: { policySession: t.handle }, params: { locality: 0x08 } }));
      await note(c.run(PolicyLocality, { handles: { policySession: t.handle }, params: { locality: 0x04 } }));
      await note(c.run(PolicyLocality, { handles: { policySession: t.handle }, params: { locality: 0x40 } }));
      await note(c.run(PolicyCpHash, { handles: { policySession: t.handle }, params: { cpHashA: Buffer.alloc(20) } }));
      await note(c.run(PolicyCpHash, { handles: { policySession: t.handle }, params: { cpHashA: d(3) } }));
      await note(c.run(PolicyNameHash, { handles: { policySession: t.handle }, params: { nameHash: d(4) } }));
      await note(c.run(PolicyCpHash, { handles: { policySession: t.handle }, params: { cpHashA: d(5) } }));
      await note(c.run(PolicyTicket, { handles: { policySession: t.handle }, params: { timeout: Buffer.alloc(8), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), authName: Buffer.alloc(4), ticket: { tag: 0x8023, hierarchy: TPM_RH.OWNER, digest: Buffer.alloc(0) } } }));
      await note(c.run(PolicyTicket, { handles: { policySession: p.handle }, params: { timeout: Buffer.alloc(4), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), authName: Buffer.alloc(4), ticket: { tag: 0x8023, hierarchy: TPM_RH.OWNER, digest: Buffer.alloc(0) } } }));
      await note(c.run(PolicyTicket, { handles: { policySession: p.handle }, params: { timeout: Buffer.alloc(8), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), authName: Buffer.alloc(4), ticket: { tag: 0x8023, hierarchy: TPM_RH.OWNER, digest: Buffer.alloc(64) } } }));
      const secret = (nonceTPM: Buffer, cpHashA: Buffer, expiration: number) =>
        c.run(PolicySecret, { handles: { authHandle: TPM_RH.OWNER, policySession: p.handle }, auth: [{ password: '' }], params: { nonceTPM, cpHashA, policyRef: Buffer.alloc(0), expiration } });
      await note(secret(Buffer.alloc(32, 7), Buffer.alloc(0), 0));
      await note(secret(Buffer.alloc(0), Buffer.alloc(5), 0));
      await note(secret(p.nonceTPM, Buffer.alloc(0), -100));
      await note(c.run(PolicyRestart, { handles: { sessionHandle: p.handle }, params: {} }));
      const keySign = (n: number) => Buffer.concat([Buffer.from('000b', 'hex'), Buffer.alloc(n, 1)]);
      const authorize = (h: number, approvedPolicy: Buffer, key: Buffer) =>
        c.run(PolicyAuthorize, { handles: { policySession: h }, params: { approvedPolicy, policyRef: Buffer.alloc(0), keySign: key, checkTicket: { tag: 0x8022, hierarchy: TPM_RH.OWNER, digest: Buffer.alloc(0) } } });
      await note(authorize(p.handle, d(0), keySign(3)));
      await note(authorize(p.handle, d(9), keySign(32)));
      await note(authorize(p.handle, Buffer.alloc(32), keySign(32)));
      await note(authorize(t.handle, d(9), keySign(32)));
      await note(c.run(PolicyPCR, { handles: { policySession: p.handle }, params: { pcrDigest: d(1), pcrs: [{ hash: TPM_ALG.SHA256, pcrSelect: Buffer.from([0, 0, 0x80]) }] } }));
      await note(c.run(PolicyPCR, { handles: { policySession: t.handle }, params: { pcrDigest: d(1), pcrs: [{ hash: TPM_ALG.SHA256, pcrSelect: Buffer.from([0, 0, 0x80]) }] } }));
      await note(c.run(PolicyNvWritten, { handles: { policySession: t.handle }, params: { writtenSet: true } }));
      await note(c.run(PolicyNvWritten, { handles: { policySession: t.handle }, params: { writtenSet: false } }));
      await note(c.run(PolicyGetDigest, { handles: { policySession: t.handle & 0x00ffffff | 0x02000000 }, params: {} }));
      await note(c.run(PolicyCounterTimer, { handles: { policySession: t.handle }, params: { operandB: Buffer.alloc(8), offset: 30, operation: 0 } }));
      await note(c.run(PolicyCounterTimer, { handles: { policySession: t.handle }, params: { operandB: Buffer.alloc(8), offset: 20, operation: 0 } }));
      await note(c.run(PolicyCounterTimer, { handles: { policySession: p.handle }, params: { operandB: Buffer.alloc(8, 0xff), offset: 0, operation: 3 } }));
      await note(c.run(PolicyDuplicationSelect, { handles: { policySession: t.handle }, params: { objectName: keySign(32), newParentName: keySign(32), includeObject: false } }));
    });
    expect(ours).to.deep.equal(theirs);
  });

  it('StartAuthSession and the authorization area: salts, binds, attributes, trial and unassigned sessions', async () => {
    const [ours, theirs] = await both(async (c, note) => {
      const primary = await c.run(CreatePrimary, {
        handles: { primaryHandle: TPM_RH.OWNER },
        auth: [{ password: '' }],
        params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: eccTemplate(true), outsideInfo: Buffer.alloc(0), creationPCR: [] },
      });
      const signer = await c.run(CreatePrimary, {
        handles: { primaryHandle: TPM_RH.OWNER },
        auth: [{ password: '' }],
        params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: eccTemplate(false), outsideInfo: Buffer.alloc(0), creationPCR: [] },
      });
      const start = (tpmKey: number, encryptedSalt: Buffer, bind: number = TPM_RH.NULL, symmetric: SymDef = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }) =>
        c.run(StartAuthSession, { handles: { tpmKey, bind }, params: { nonceCaller: Buffer.alloc(32, 1), encryptedSalt, sessionType: TPM_SE.HMAC, symmetric, authHash: TPM_ALG.SHA256 } });
      await note(start(signer.handle, Buffer.alloc(68, 1)));
      await note(start(primary.handle, Buffer.alloc(0)));
      await note(start(primary.handle, Buffer.from('00020101000201010000', 'hex')));
      await note(start(primary.handle, Buffer.alloc(3)));
      await note(start(TPM_RH.NULL, Buffer.alloc(0), TPM_RH.NULL, { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CTR }));
      await note(c.run(FlushContext, { params: { flushHandle: signer.handle } }));
      const s = await startSession(c, { tpmKey: { handle: primary.handle, public: primary.outPublic }, symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB } });
      const t = await startSession(c, { type: TPM_SE.TRIAL });
      const extend = (auth: ClientAuth[]) => c.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth, params: { digests: [] } });
      s.attributes = 0x01 | 0x20;
      await note(extend([{ session: s }]));
      s.attributes = 0x01;
      await note(extend([{ session: t }]));
      await note(extend([{ password: '' }, { session: s }]));
      s.attributes = 0x01 | 0x40;
      await note(extend([{ password: '' }, { session: s }]));
      await note(c.run(GetRandom, { auth: [{ session: s }], params: { bytesRequested: 4 } }));
      s.attributes = 0x01 | 0x80;
      await note(c.run(GetRandom, { auth: [{ session: s }], params: { bytesRequested: 4 } }));
      s.attributes = 0x01 | 0x20 | 0x40;
      await note(c.run(GetRandom, { auth: [{ session: s }], params: { bytesRequested: 4 } }));
      const p = await startSession(c, { type: TPM_SE.POLICY });
      p.attributes = 0x01 | 0x80;
      await note(c.run(GetRandom, { auth: [{ session: p }], params: { bytesRequested: 4 } }));
    });
    expect(ours).to.deep.equal(theirs);
  });

  it('active sessions: 64 at most, loaded or context-saved; the 65th is TPM_RC_SESSION_HANDLES', async () => {
    const [ours, theirs] = await both(async (c, note) => {
      for (let i = 0; i < 65; i++) {
        const s = await startSession(c, { nonceSize: 16 }).catch((e) => e as Error);
        if (s instanceof Error) {
          await note(Promise.reject(s));
          continue;
        }
        await note(c.run(ContextSave, { handles: { saveHandle: s.handle }, params: {} }));
      }
    });
    expect(ours.filter((x) => x !== 'ok')).to.deep.equal(['0x905']);
    expect(ours).to.deep.equal(theirs);
  });

  it('NV-based policies: PolicyNV conditions, PolicyAuthorizeNV, PolicyNvWritten, PolicyPassword on an index', async () => {
    const [ours, theirs] = await both(async (c, note, record) => {
      const index = 0x01500030;
      const nvName = async () => (await c.run(NV_ReadPublic, { handles: { nvIndex: index }, params: {} })).nvName;
      const attrs = TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD | TPMA_NV.AUTHWRITE | TPMA_NV.AUTHREAD | TPMA_NV.NO_DA;
      await c.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: [{ password: '' }], params: { auth: Buffer.from('nvpw'), publicInfo: { nvIndex: index, nameAlg: TPM_ALG.SHA256, attributes: attrs, authPolicy: Buffer.alloc(0), dataSize: 34 } } });
      const t = await startSession(c, { type: TPM_SE.TRIAL });
      const p = await startSession(c, { type: TPM_SE.POLICY });
      const policyNv = (h: number, operandB: Buffer, offset: number, operation: number) =>
        c.run(PolicyNV, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index, policySession: h }, auth: [{ password: '' }], params: { operandB, offset, operation } });
      await note(policyNv(p.handle, Buffer.from([1]), 0, 0));
      await note(policyNv(t.handle, Buffer.from([1]), 0, 0));
      record((await c.run(PolicyGetDigest, { handles: { policySession: t.handle }, params: {} })).policyDigest.toString('hex'));
      // the index holds TPMT_HA(SHA-256, digest of PolicyCommandCode(Unseal))
      const cc = await startSession(c, { type: TPM_SE.TRIAL });
      await c.run(PolicyCommandCode, { handles: { policySession: cc.handle }, params: { code: TPM_CC.Unseal } });
      const ccDigest = (await c.run(PolicyGetDigest, { handles: { policySession: cc.handle }, params: {} })).policyDigest;
      await c.run(FlushContext, { params: { flushHandle: cc.handle } });
      await note(c.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: [{ password: '' }], params: { data: Buffer.concat([Buffer.from('000b', 'hex'), ccDigest]), offset: 0 } }));
      for (const [operandB, offset, op] of [[Buffer.from('000b', 'hex'), 0, 0], [Buffer.from('000c', 'hex'), 0, 0], [Buffer.from('0001', 'hex'), 0, 3], [Buffer.alloc(2), 0, 4], [Buffer.from('ff', 'hex'), 0, 2], [Buffer.from('0b', 'hex'), 1, 10], [Buffer.from('f0', 'hex'), 1, 11], [Buffer.alloc(4), 33, 0], [Buffer.alloc(1), 35, 0]] as const) {
        await note(policyNv(p.handle, operandB, offset, op));
      }
      await note(c.run(PolicyRestart, { handles: { sessionHandle: p.handle }, params: {} }));
      const authorizeNv = (h: number) => c.run(PolicyAuthorizeNV, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index, policySession: h }, auth: [{ password: '' }], params: {} });
      await note(authorizeNv(p.handle));
      await note(c.run(PolicyCommandCode, { handles: { policySession: p.handle }, params: { code: TPM_CC.Unseal } }));
      await note(authorizeNv(p.handle));
      record((await c.run(PolicyGetDigest, { handles: { policySession: p.handle }, params: {} })).policyDigest.toString('hex'));
      // PolicyNvWritten and PolicyPassword authorizing the index itself (no authPolicy: AUTH_UNAVAILABLE)
      await note(c.run(PolicyNvWritten, { handles: { policySession: p.handle }, params: { writtenSet: true } }));
      await note(c.run(PolicyPassword, { handles: { policySession: p.handle }, params: {} }));
      p.policyAuth = 'password';
      await note(c.run(NV_Read, { handles: { authHandle: index, nvIndex: index }, names: [await nvName(), await nvName()], auth: [{ session: p, authValue: 'nvpw' }], params: { size: 2, offset: 0 } }));
      await c.run(NV_UndefineSpace, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: [{ password: '' }], params: {} });
    });
    expect(ours).to.deep.equal(theirs);
  });
});

/** An ECC P-256 primary: a storage key (restricted decrypt) or an ECDSA signing key. */
function eccTemplate(storage: boolean): TpmtPublic {
  const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;
  const base = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | noDA;
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: storage ? base | restricted | decrypt : base | sign,
    authPolicy: Buffer.alloc(0),
    parameters: {
      symmetric: storage ? { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB } : { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 },
      scheme: storage ? { scheme: TPM_ALG.NULL, details: null } : { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } },
      curveID: 0x0003,
      kdf: { scheme: TPM_ALG.NULL, details: null },
    },
    unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
  };
}
