import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { PCR_Extend, PCR_Read, Startup, TPM_ALG, TPM_SU, pcrBitmap } from '@vtpm/tpm';
import {
  GuestMemory, Host, LocalVmKeySource, PAGE_SIZE, RunningVm, createVmRecord, exampleBootChain, listVmIds, loadVmEntry, removeLeftoverVmFiles, removeVmEntry, saveVmEntry,
  vmMemoryFileName, vmMemoryFilePath,
} from '../src/index.js';
import { fileContains, printableSecret } from './secretScan.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Resolves once process `pid` no longer runs (no /proc entry, or a zombie waiting to be reaped). */
async function processDead(pid: number): Promise<void> {
  for (;;) {
    let state: string | undefined;
    try {
      state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Independent XTS of one page (node:crypto, tweak = LE64 page number): what the file must hold at that page. */
function xtsPage(key: Buffer, page: number, plain: Buffer): Buffer {
  const tweak = Buffer.alloc(16);
  tweak.writeBigUInt64LE(BigInt(page));
  const c = createCipheriv('aes-256-xts', key, tweak);
  return Buffer.concat([c.update(plain), c.final()]);
}

describe('durable VMs: guest memory written through to a file, checkpoints, restart', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vtpm-durable-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every guest write reaches the file as the page ciphertext at its offset; resume gives the same plaintext; no plaintext on disk', () => {
    const key = randomBytes(64);
    const path = join(dir, 'write-through.memory');
    const mem = new GuestMemory({ pageCount: 16, key, backingFile: { path, resume: false } });
    const model = Buffer.alloc(16 * PAGE_SIZE);
    const secret = printableSecret();
    for (const [gpa, data] of [[0x1234, secret], [3 * PAGE_SIZE - 7, randomBytes(PAGE_SIZE + 20)], [8 * PAGE_SIZE, randomBytes(2 * PAGE_SIZE)]] as const) {
      mem.write(gpa, data);
      data.copy(model, gpa);
    }
    const file = readFileSync(path);
    expect(file.length).to.equal(16 * PAGE_SIZE);
    for (const page of [0, 1, 2, 3, 8, 9, 15]) {
      expect(file.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).equals(xtsPage(key, page, model.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE))), `page ${page}`).to.equal(true);
    }
    expect(fileContains(path, secret.subarray(0, 16))).to.equal(false);

    const resumed = new GuestMemory({ pageCount: 16, key, backingFile: { path, resume: true } });
    expect(sha(resumed.read(0, resumed.sizeBytes))).to.equal(sha(model));
    expect(resumed.dirty.count()).to.equal(0);
    mem.release();
    expect(existsSync(path)).to.equal(true); // release keeps the file
    resumed.scrub();
    expect(existsSync(path)).to.equal(false); // scrub drops it
  });

  it('starts from given ciphertext (a migration\'s staged pages) and writes it through', () => {
    const key = randomBytes(64);
    const source = new GuestMemory({ pageCount: 4, key });
    source.write(100, Buffer.from('staged'));
    const path = join(dir, 'staged.memory');
    const mem = new GuestMemory({ pageCount: 4, key, ciphertext: source.hostView().ciphertext, backingFile: { path, resume: false } });
    expect(mem.read(100, 6).toString()).to.equal('staged');
    expect(readFileSync(path).equals(source.hostView().ciphertext)).to.equal(true);
    mem.scrub();
  });

  it('refuses gcm, a missing file, a file of another size, and resume together with ciphertext, each saying why', () => {
    const path = join(dir, 'refusals.memory');
    expect(() => new GuestMemory({ pageCount: 4, mode: 'gcm', key: randomBytes(32), backingFile: { path, resume: false } })).to.throw(/gcm mode cannot be file-backed/);
    expect(() => new GuestMemory({ pageCount: 4, key: randomBytes(64), backingFile: { path: join(dir, 'absent.memory'), resume: true } })).to.throw(/cannot resume guest memory .*ENOENT/);
    writeFileSync(path, Buffer.alloc(3 * PAGE_SIZE));
    expect(() => new GuestMemory({ pageCount: 4, key: randomBytes(64), backingFile: { path, resume: true } })).to.throw(/holds 12288 bytes, the VM has 16384/);
    expect(() => new GuestMemory({ pageCount: 3, key: randomBytes(64), backingFile: { path, resume: true }, ciphertext: Buffer.alloc(3 * PAGE_SIZE) })).to.throw(/not both/);
  });

  it('a process SIGKILLed while its guest writes leaves a file that resumes to exactly the writes it made', async function () {
    this.timeout(30_000);
    const key = randomBytes(64);
    const path = join(dir, 'killed.memory');
    const pages = 32;
    // The guest's n-th write (n = 1, 2, ...): 8 bytes holding n at a position that depends on n only.
    const gpaOf = (n: number) => ((n * 7919) % pages) * PAGE_SIZE + ((n * 104729) % (PAGE_SIZE / 8)) * 8;
    const child = `
      const { GuestMemory } = await import(${JSON.stringify(new URL('../src/index.js', import.meta.url).href)});
      const mem = new GuestMemory({ pageCount: ${pages}, key: Buffer.from('${key.toString('hex')}', 'hex'), backingFile: { path: ${JSON.stringify(path)}, resume: false } });
      for (let n = 1; ; n++) {
        const data = Buffer.alloc(8);
        data.writeBigUInt64BE(BigInt(n));
        mem.write(((n * 7919) % ${pages}) * ${PAGE_SIZE} + ((n * 104729) % ${PAGE_SIZE / 8}) * 8, data); // gpaOf(n)
        if (n % 500 === 0) process.stdout.write(n + '\\n');
      }`;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let killed = false;
    const acknowledged = await new Promise<number>((resolve, reject) => {
      let text = '';
      proc.on('error', reject);
      proc.once('exit', (code) => killed || reject(new Error(`the guest process exited (${code}) before it was killed`)));
      proc.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        const lines = text.trim().split('\n');
        if (lines.length >= 4 && !killed) {
          killed = true;
          proc.kill('SIGKILL');
          resolve(Number(lines[lines.length - 1]));
        }
      });
    });
    // Dead once the kernel says so (gone or a zombie): seen hanging on the 'exit' event on a loaded machine.
    await processDead(proc.pid!);

    const resumed = new GuestMemory({ pageCount: pages, key, backingFile: { path, resume: true } });
    const plain = resumed.read(0, resumed.sizeBytes);
    // The last write the file holds is the largest counter in it (no later write can have overwritten it).
    let m = 0;
    for (let off = 0; off < plain.length; off += 8) m = Math.max(m, Number(plain.readBigUInt64BE(off)));
    expect(m, 'the file holds at least every write the child reported done').to.be.at.least(acknowledged);
    // ... and it holds exactly the first m writes: the model of that prefix matches byte for byte.
    const model = Buffer.alloc(pages * PAGE_SIZE);
    for (let n = 1; n <= m; n++) model.writeBigUInt64BE(BigInt(n), gpaOf(n));
    expect(sha(plain), `the file is not the first ${m} writes of the guest`).to.equal(sha(model));
    resumed.scrub();
  });

  describe('a running VM: checkpoint, release, restart from record and memory file', () => {
    let host: Host;
    before(async () => {
      host = await Host.create({ seed: Buffer.from('durable vm host'), ca: await ManufacturerCa.create() });
      await host.boot(exampleBootChain('1.0'));
    });

    it('restart continues with the same memory, vCPU registers and vTPM PCRs; the host directory keeps record and state crash-safely', async () => {
      const record = await createVmRecord(host, { vmId: 'vm-durable', memoryPages: 8 }, new LocalVmKeySource());
      const memoryFile = vmMemoryFileName('vm-durable');
      const backing = { path: vmMemoryFilePath(dir, memoryFile), resume: false };
      await saveVmEntry(dir, { record, state: 'running', memoryFile });
      const vm = await RunningVm.start(host, record, { backingFile: backing });
      await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      await vm.vtpmClient().run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: [{ password: '' }], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 0xcd) }] } });
      const pcr16 = async (v: RunningVm) => (await v.vtpmClient().run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([16]) }] } })).pcrValues[0]!.toString('hex');
      const extended = await pcr16(vm);
      const registers = { rip: 0xfff0n, rsp: 0x7c00n, rflags: 2n, rax: 1n, rbx: 2n, rcx: 3n, rdx: 4n, rsi: 5n, rdi: 6n, cr3: 0x1000n };
      vm.vcpus[0]!.save(registers);
      vm.memory.write(0x2345, Buffer.from('before checkpoint'));
      await saveVmEntry(dir, { record: vm.checkpoint(), state: 'running', memoryFile });
      vm.memory.write(0x5000, Buffer.from('after checkpoint')); // memory is durable at every write, not only at checkpoints
      const before = sha(vm.memory.read(0, vm.memory.sizeBytes));

      // The process "dies": nothing in memory survives but the directory.
      const entry = await loadVmEntry(dir, 'vm-durable');
      expect(entry).to.include({ state: 'running', memoryFile });
      expect(entry.record.registers).to.have.length(1);
      const again = await RunningVm.start(host, entry.record, { backingFile: { ...backing, resume: true } });
      expect(sha(again.memory.read(0, again.memory.sizeBytes))).to.equal(before);
      expect(again.vcpus[0]!.load()).to.deep.equal(registers);
      expect(await pcr16(again)).to.equal(extended);

      // release() keeps the file for the next resume; stop() drops it and powers the record off.
      const released = again.release();
      const third = await RunningVm.start(host, released, { backingFile: { ...backing, resume: true } });
      expect(third.memory.read(0x5000, 16).toString()).to.equal('after checkpoint');
      const stopped = third.stop();
      expect(stopped.registers).to.equal(undefined);
      expect(existsSync(backing.path)).to.equal(false);
      vm.release();

      await removeVmEntry(dir, 'vm-durable', memoryFile);
      expect(await listVmIds(dir)).to.deep.equal([]);
    });

    it('a tampered vCPU save area in a checkpoint is refused at restart; leftover files of a crash are swept', async () => {
      const record = await createVmRecord(host, { vmId: 'vm-tampered', memoryPages: 2 }, new LocalVmKeySource());
      const vm = await RunningVm.start(host, record);
      const checkpoint = vm.checkpoint();
      vm.stop();
      checkpoint.registers![0]!.ciphertext[0]! ^= 1;
      const err = await RunningVm.start(host, checkpoint).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).to.match(/saved state of vCPU 0 of vm-tampered does not authenticate/);

      await saveVmEntry(dir, { record, state: 'prepared-incoming', memoryFile: vmMemoryFileName('vm-tampered', 'incoming-3'), migration: { epoch: 3n, peer: '127.0.0.1:1' } });
      writeFileSync(vmMemoryFilePath(dir, vmMemoryFileName('vm-tampered', 'incoming-3')), Buffer.alloc(2 * PAGE_SIZE));
      writeFileSync(vmMemoryFilePath(dir, vmMemoryFileName('vm-orphan')), Buffer.alloc(PAGE_SIZE));
      writeFileSync(vmMemoryFilePath(dir, '.vm-tampered.json.123.tmp'), 'half a record');
      expect((await removeLeftoverVmFiles(dir)).sort()).to.deep.equal(['.vm-tampered.json.123.tmp', 'vm-orphan.memory']);
      expect((await loadVmEntry(dir, 'vm-tampered')).migration).to.deep.equal({ epoch: 3n, peer: '127.0.0.1:1' });
    });
  });
});
