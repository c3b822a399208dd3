import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MssimServer, SwtpmServer, SwtpmTransport } from '@vtpm/server';
import { StartAuthSession, TPM_ALG, TPM_RH, TPM_SE, Tpm, TpmClient, TpmResponseError } from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { ReferenceSwtpm } from '../lib/referenceSwtpm.js';
import { runTool, type ToolResult } from '../lib/runTool.js';

/** One TPM under test and the working directory its context files live in (they are TPM-bound). */
interface Side {
  readonly tcti: string;
  readonly dir: string;
  run(args: string[], input?: Buffer | string): Promise<ToolResult>;
  /** Runs a tool that must succeed; its stdout. */
  ok(args: string[], input?: Buffer | string): Promise<string>;
  file(name: string, content?: Buffer | string): string;
  read(name: string): Buffer;
}

function side(tcti: string): Side {
  const dir = mkdtempSync(join(tmpdir(), 'vtpm-sessions-'));
  const run = (args: string[], input?: Buffer | string) => runTool(tcti, args[0]!, args.slice(1), { cwd: dir, input });
  return {
    tcti,
    dir,
    run,
    async ok(args, input) {
      const r = await run(args, input);
      if (r.code !== 0) throw new Error(`${args.join(' ')} (${tcti}) exited ${r.code}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    file(name, content) {
      const p = join(dir, name);
      if (content !== undefined) writeFileSync(p, content);
      return p;
    },
    read: (name) => readFileSync(join(dir, name)),
  };
}

/** The TPM response code a failed tool reported, e.g. "0x99d". */
const rcIn = (r: ToolResult) => (r.code === 0 ? 'success' : /\((0x[0-9a-f]+)\)/i.exec(r.stderr)?.[1]?.toLowerCase() ?? `exit ${r.code}`);
const sha256 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/** Runs the tools of a scenario against one side; leaves no transient object or session loaded. */
async function flushAll(s: Side): Promise<void> {
  await s.run(['tpm2_flushcontext', '-t']);
  await s.run(['tpm2_flushcontext', '-s']);
  await s.run(['tpm2_flushcontext', '-l']);
}

/** A primary key (ECC unless `rsa`), saved to `ctx`, its transient handle flushed. */
async function primary(s: Side, ctx: string, rsa = false): Promise<void> {
  await s.ok(['tpm2_createprimary', '-C', 'o', ...(rsa ? ['-G', 'rsa'] : []), '-c', ctx]);
  await s.run(['tpm2_flushcontext', '-t']);
}

/** A sealed object under prim.ctx with `policy` (a file, or none) and `auth`, loaded and saved to `ctx`. */
async function sealed(s: Side, ctx: string, opts: { policy?: string; auth?: string; data?: string } = {}): Promise<void> {
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
async function trialPolicy(s: Side, out: string, steps: string[][]): Promise<string> {
  await s.ok(['tpm2_startauthsession', '-S', 'trial.ctx']);
  for (const [i, step] of steps.entries()) await s.ok([...step, '-S', 'trial.ctx', ...(i === steps.length - 1 ? ['-L', out] : [])]);
  await s.ok(['tpm2_flushcontext', 'trial.ctx']);
  return s.read(out).toString('hex');
}

/** Unseals `ctx` with a real policy session satisfied by `steps`. */
async function unsealWithPolicy(s: Side, ctx: string, steps: string[][]): Promise<string> {
  await s.ok(['tpm2_startauthsession', '--policy-session', '-S', 'policy.ctx']);
  for (const step of steps) await s.ok([...step, '-S', 'policy.ctx']);
  const r = await s.run(['tpm2_unseal', '-c', ctx, '-p', 'session:policy.ctx']);
  await s.run(['tpm2_flushcontext', 'policy.ctx']);
  await s.run(['tpm2_flushcontext', '-t']);
  return r.code === 0 ? r.stdout : rcIn(r);
}

for (const protocol of ['mssim', 'swtpm'] as const) {
  describe(`sessions and policies: tpm2-tools 5.4 against vtpm over the ${protocol} TCTI, compared with swtpm`, function () {
    this.timeout(180000);
    let server: MssimServer | SwtpmServer;
    let ref: ReferenceSwtpm;
    let ours: Side;
    let theirs: Side;

    before(async function () {
      requireTools(this, ['tpm2_startauthsession', 'tpm2_sessionconfig', 'tpm2_policypcr', 'swtpm', 'openssl'], DEBIAN_TOOLS);
      ref = await ReferenceSwtpm.start();
      if (protocol === 'mssim') {
        server = await MssimServer.start({ port: 0 });
        ours = side(`mssim:host=127.0.0.1,port=${server.port}`);
      } else {
        server = await SwtpmServer.start({ port: 0, ctrlPort: 0 });
        ours = side(`swtpm:host=127.0.0.1,port=${(server as SwtpmServer).port}`);
      }
      theirs = side(ref.tcti);
      for (const s of [ours, theirs]) {
        await s.run(['tpm2_startup', '-c']);
        await primary(s, 'prim.ctx');
      }
    });
    after(async () => {
      await server?.close();
      await ref?.stop();
      for (const s of [ours, theirs]) if (s) rmSync(s.dir, { recursive: true, force: true });
    });
    afterEach(async () => {
      for (const s of [ours, theirs]) if (s) await flushAll(s);
    });

    /** Runs `scenario` against vtpm and swtpm; their observations must be equal. */
    const same = async <T>(scenario: (s: Side) => Promise<T>): Promise<T> => {
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

    it('bound HMAC session (tpm2_startauthsession --bind-context), alone and salted', async () => {
      const seen = await same(async (s) => {
        await sealed(s, 'bind.ctx', { auth: 'bindpw', data: 'bound' });
        const out: string[] = [];
        for (const salt of [[], ['-c', 'prim.ctx']]) {
          await s.ok(['tpm2_startauthsession', '--hmac-session', '-S', 'bs.ctx', '--bind-context', 'bind.ctx', '--bind-auth', 'bindpw', ...salt]);
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
      expect(seen.byOtherCode).to.equal('0x9a4');
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
      const theirsClient = new TpmClient(await SwtpmTransport.connect('127.0.0.1', ref.port));
      const fresh = new Tpm();
      const local = await SwtpmServer.start({ port: 0, ctrlPort: 0, tpm: fresh });
      try {
        const oursClient = new TpmClient(await SwtpmTransport.connect('127.0.0.1', local.port));
        await oursClient.transport.send(Buffer.from('80010000000c000001440000', 'hex'));
        expect(await rcs(oursClient)).to.deep.equal(await rcs(theirsClient));
      } finally {
        await local.close();
        await theirs.run(['tpm2_flushcontext', '-l']);
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
