import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SIDES, ToolPair } from '../lib/toolPair.js';
import { PROTOCOLS } from '../lib/vtpmServer.js';

/** tpm2_nvreadpublic's YAML as { index: { name, attributes value, size } }. */
function parseNvPublic(out: string): Record<string, { name: string; attributes: string; size: string }> {
  const indices: Record<string, { name: string; attributes: string; size: string }> = {};
  let current = '';
  let inAttributes = false;
  for (const line of out.split('\n')) {
    const head = /^(0x[0-9a-f]+):\s*$/i.exec(line);
    if (head) indices[(current = head[1]!.toLowerCase())] = { name: '', attributes: '', size: '' };
    if (!current) continue;
    const e = indices[current]!;
    if (/^\s+attributes:/.test(line)) inAttributes = true;
    else if (/^\s{2}\S/.test(line)) inAttributes = false;
    const name = /^\s+name:\s*([0-9a-f]+)/i.exec(line);
    if (name) e.name = name[1]!.toLowerCase();
    const value = /^\s+value:\s*(0x[0-9a-f]+)/i.exec(line);
    if (value && inAttributes) e.attributes = value[1]!.toLowerCase();
    const size = /^\s+size:\s*(\d+)/.exec(line);
    if (size) e.size = size[1]!;
  }
  return indices;
}
const sha = (alg: string, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash(alg)).digest();

/** The response code tpm2-tools printed for a failed command (e.g. "0x148"). */
const rcIn = (stderr: string) => /\((0x[0-9a-f]+)\)/i.exec(stderr)?.[1]?.toLowerCase() ?? /0x[0-9a-f]{3,}/i.exec(stderr)?.[0]?.toLowerCase();

// NV index handles used below, one per kind of index.
const ORDINARY = '0x1500016';
const COUNTER = '0x1500017';
const BITS = '0x1500018';
const EXTEND = '0x1500019';
const LOCKABLE = '0x150001a';
const GLOBAL = '0x150001b';

for (const protocol of PROTOCOLS) {
  describe(`tpm2-tools 5.4 NV commands against vtpm over the ${protocol} TCTI, compared with swtpm`, function () {
    this.timeout(120000);
    let tools: ToolPair;
    const both = (args: string[], opts: { input?: Buffer | string } = {}) => tools.okOnBoth(args, opts);
    /** Both must fail the same way. */
    const bothFail = async (args: string[], opts: { input?: Buffer | string } = {}) => {
      const { vtpm: a, swtpm: b } = await tools.runOnBoth(args, opts);
      expect(a.code, `${args.join(' ')}: vtpm should fail`).to.not.equal(0);
      expect(b.code, `${args.join(' ')}: swtpm should fail`).to.not.equal(0);
      expect(rcIn(a.stderr), `${args.join(' ')}: ${a.stderr} / swtpm: ${b.stderr}`).to.equal(rcIn(b.stderr));
      return rcIn(a.stderr);
    };
    /** tpm2_nvread on both (each in its own directory) must give the same bytes. */
    const readBoth = async (index: string, auth: string[], size: number) => {
      for (const s of SIDES) await tools.on(s).ok(['tpm2_nvread', index, ...auth, '-s', String(size), '-o', 'nv.bin']);
      const data = tools.read('vtpm', 'nv.bin');
      expect(data.toString('hex'), `${index} contents`).to.equal(tools.read('swtpm', 'nv.bin').toString('hex'));
      return data;
    };

    before(async function () {
      requireTools(this, ['tpm2_nvdefine', 'swtpm'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-nv-interop-');
      await both(['tpm2_startup', '-c']);
    });
    after(async () => tools?.stop());

    it('tpm2_nvdefine of ordinary, counter, bits and extend indices; tpm2_nvreadpublic Names equal swtpm', async () => {
      await both(['tpm2_nvdefine', ORDINARY, '-C', 'o', '-s', '32', '-a', 'ownerread|ownerwrite|authread|authwrite', '-p', 'pass']);
      await both(['tpm2_nvdefine', COUNTER, '-C', 'o', '-s', '8', '-a', 'ownerread|ownerwrite|nt=counter']);
      await both(['tpm2_nvdefine', BITS, '-C', 'o', '-s', '8', '-a', 'ownerread|ownerwrite|nt=bits']);
      await both(['tpm2_nvdefine', EXTEND, '-C', 'o', '-g', 'sha256', '-s', '32', '-a', 'ownerread|ownerwrite|nt=extend']);
      await both(['tpm2_nvdefine', LOCKABLE, '-C', 'o', '-s', '16', '-a', 'ownerread|ownerwrite|read_stclear|write_stclear']);
      await both(['tpm2_nvdefine', GLOBAL, '-C', 'o', '-s', '4', '-a', 'ownerread|ownerwrite|globallock']);
      const { vtpm: a, swtpm: b } = await both(['tpm2_nvreadpublic']);
      const pub = parseNvPublic(a);
      expect(Object.keys(pub)).to.deep.equal([ORDINARY, COUNTER, BITS, EXTEND, LOCKABLE, GLOBAL]);
      expect(pub[ORDINARY]).to.deep.equal({ name: pub[ORDINARY]!.name, attributes: '0x60006', size: '32' });
      expect(pub[COUNTER]!.attributes).to.equal('0x20012');
      expect(pub).to.deep.equal(parseNvPublic(b));
      // The Name is nameAlg || SHA-256(TPMS_NV_PUBLIC): index, nameAlg, attributes, empty authPolicy, dataSize
      const tpms = Buffer.from('01500016' + '000b' + '00060006' + '0000' + '0020', 'hex');
      expect(pub[ORDINARY]!.name).to.equal('000b' + sha('sha256', tpms).toString('hex'));
    });

    it('tpm2_getcap handles-nv-index lists the same indices', async () => {
      const { vtpm: a, swtpm: b } = await both(['tpm2_getcap', 'handles-nv-index']);
      expect(a).to.equal(b);
      expect(a).to.include('0x1500016').and.include('0x150001B');
    });

    it('tpm2_nvwrite then tpm2_nvread give the same bytes (partial write, index password and owner)', async () => {
      await both(['tpm2_nvwrite', ORDINARY, '-P', 'pass', '-i-', '--offset', '3'], { input: 'hello' });
      const data = await readBoth(ORDINARY, ['-C', 'o'], 32);
      expect(data.subarray(3, 8).toString()).to.equal('hello');
      const part = await readBoth(ORDINARY, ['-P', 'pass', '--offset', '3'], 5);
      expect(part.toString()).to.equal('hello');
      const { vtpm: a, swtpm: b } = await both(['tpm2_nvreadpublic', ORDINARY]);
      expect(parseNvPublic(a)[ORDINARY]!.attributes).to.equal('0x20060006'); // WRITTEN
      expect(parseNvPublic(a)).to.deep.equal(parseNvPublic(b));
    });

    it('a wrong index password and a write past the end fail with the same codes as swtpm', async () => {
      await bothFail(['tpm2_nvwrite', ORDINARY, '-P', 'wrong', '-i-'], { input: 'x' });
      tools.inBoth('big.bin', Buffer.alloc(33, 1));
      await bothFail(['tpm2_nvwrite', ORDINARY, '-C', 'o', '-i', 'big.bin']);
    });

    it('tpm2_nvincrement counts like swtpm', async () => {
      await both(['tpm2_nvincrement', COUNTER, '-C', 'o']);
      await both(['tpm2_nvincrement', COUNTER, '-C', 'o']);
      const v = await readBoth(COUNTER, ['-C', 'o'], 8);
      expect(v.readBigUInt64BE()).to.equal(2n);
    });

    it('tpm2_nvextend: value = SHA-256(old || data), computed here independently', async () => {
      await both(['tpm2_nvextend', EXTEND, '-C', 'o', '-i-'], { input: 'abc' });
      await both(['tpm2_nvextend', EXTEND, '-C', 'o', '-i-'], { input: 'def' });
      const v = await readBoth(EXTEND, ['-C', 'o'], 32);
      expect(v.toString('hex')).to.equal(sha('sha256', sha('sha256', Buffer.alloc(32), Buffer.from('abc')), Buffer.from('def')).toString('hex'));
    });

    it('tpm2_nvsetbits ORs bits in', async () => {
      await both(['tpm2_nvsetbits', BITS, '-C', 'o', '-i', '0x5']);
      await both(['tpm2_nvsetbits', BITS, '-C', 'o', '-i', '0x100']);
      const v = await readBoth(BITS, ['-C', 'o'], 8);
      expect(v.readBigUInt64BE()).to.equal(0x105n);
    });

    it('tpm2_nvwritelock and tpm2_nvreadlock lock a STCLEAR index as in swtpm; --global locks GLOBALLOCK indices', async () => {
      await both(['tpm2_nvwrite', LOCKABLE, '-C', 'o', '-i-'], { input: 'locked data' });
      await both(['tpm2_nvwritelock', LOCKABLE, '-C', 'o']);
      expect(await bothFail(['tpm2_nvwrite', LOCKABLE, '-C', 'o', '-i-'], { input: 'x' })).to.equal('0x148');
      await both(['tpm2_nvreadlock', LOCKABLE, '-C', 'o']);
      expect(await bothFail(['tpm2_nvread', LOCKABLE, '-C', 'o', '-s', '4'])).to.equal('0x148');
      await both(['tpm2_nvwritelock', '--global', '-C', 'o']);
      expect(await bothFail(['tpm2_nvwrite', GLOBAL, '-C', 'o', '-i-'], { input: 'abcd' })).to.equal('0x148');
      const { vtpm: a, swtpm: b } = await both(['tpm2_nvreadpublic', LOCKABLE]);
      expect(parseNvPublic(a)).to.deep.equal(parseNvPublic(b));
    });

    it('tpm2_nvundefine removes the indices', async () => {
      for (const h of [ORDINARY, COUNTER, BITS, EXTEND, LOCKABLE, GLOBAL]) await both(['tpm2_nvundefine', h, '-C', 'o']);
      const { vtpm: a, swtpm: b } = await both(['tpm2_getcap', 'handles-nv-index']);
      expect(a.trim()).to.equal('');
      expect(a).to.equal(b);
      await bothFail(['tpm2_nvundefine', ORDINARY, '-C', 'o']);
    });
  });
}
