import { expect } from 'chai';
import { createCipheriv, randomBytes } from 'node:crypto';
import { GuestMemory, NodePageCrypto, PAGE_SIZE, PageIntegrityError, loadNativePageCrypto, type PageCryptoBackend } from '../src/index.js';

const native = loadNativePageCrypto();
const backends: PageCryptoBackend[] = [new NodePageCrypto(), ...(native ? [native] : [])];

describe('GuestMemory', () => {
  it('the native addon is built (otherwise benchmarks measure the node:crypto fallback; required under CI, where both backends are compared)', function () {
    if (!native && !process.env.CI) {
      console.warn('  !!! native page cipher not built: run `node packages/hypervisor/native/build.mjs`');
      this.skip();
    }
    expect(native, 'packages/hypervisor/native/build/pageCipher.node').to.not.equal(undefined);
  });

  for (const backend of backends) {
    for (const mode of ['xts', 'gcm'] as const) {
      it(`${mode} / ${backend.name}: guest reads what it wrote, across page boundaries, and the host holds none of it`, () => {
        const mem = new GuestMemory({ pageCount: 8, mode, key: randomBytes(mode === 'xts' ? 64 : 32), backend });
        const data = randomBytes(3 * PAGE_SIZE + 123);
        mem.write(PAGE_SIZE - 50, data);
        expect(mem.read(PAGE_SIZE - 50, data.length).equals(data)).to.equal(true);
        expect(mem.read(0, PAGE_SIZE - 50).equals(Buffer.alloc(PAGE_SIZE - 50))).to.equal(true); // untouched bytes stay zero
        expect(mem.hostView().ciphertext.indexOf(data.subarray(0, 16))).to.equal(-1);
        expect(mem.dirty.takeDirty()).to.deep.equal([0, 1, 2, 3, 4]);
        mem.writePages(6, Buffer.alloc(2 * PAGE_SIZE, 0x41));
        expect(mem.readPages(6, 2).equals(Buffer.alloc(2 * PAGE_SIZE, 0x41))).to.equal(true);
        expect(mem.dirty.takeDirty()).to.deep.equal([6, 7]);
      });
    }
  }

  it('XTS: the tweak is the guest page number (LE), one data unit per page; both backends agree', () => {
    const key = randomBytes(64);
    const page = Buffer.alloc(PAGE_SIZE, 0x5a);
    const views = backends.map((backend) => {
      const mem = new GuestMemory({ pageCount: 4, key, backend });
      mem.writePages(2, page);
      mem.writePages(3, page);
      return mem.hostView().ciphertext;
    });
    const tweak = Buffer.alloc(16);
    tweak.writeUInt8(2);
    const expected = createCipheriv('aes-256-xts', key, tweak).update(page);
    for (const v of views) expect(v.subarray(2 * PAGE_SIZE, 3 * PAGE_SIZE).equals(expected)).to.equal(true);
    // equal plaintext in two pages is not equal ciphertext
    expect(views[0]!.subarray(2 * PAGE_SIZE, 3 * PAGE_SIZE).equals(views[0]!.subarray(3 * PAGE_SIZE, 4 * PAGE_SIZE))).to.equal(false);
    if (views[1]) expect(views[1].equals(views[0]!)).to.equal(true);
  });

  for (const backend of backends) {
    describe(`integrity mode (gcm / ${backend.name}) detects on the next read`, () => {
      const fresh = () => {
        const mem = new GuestMemory({ pageCount: 4, mode: 'gcm', key: randomBytes(32), backend });
        mem.write(1 * PAGE_SIZE, Buffer.from('page one secret'));
        mem.write(2 * PAGE_SIZE, Buffer.from('page two secret'));
        return { mem, host: mem.hostView() };
      };
      const page = (b: Buffer, p: number, size = PAGE_SIZE) => b.subarray(p * size, (p + 1) * size);
      const expectDetected = (mem: GuestMemory, p: number) => {
        expect(() => mem.read(p * PAGE_SIZE, 4)).to.throw(PageIntegrityError, new RegExp(`guest page ${p} \\(gpa 0x${(p * PAGE_SIZE).toString(16)}\\)`));
      };

      it('a page swapped with another (ciphertext and tag)', () => {
        const { mem, host } = fresh();
        const [c1, t1] = [Buffer.from(page(host.ciphertext, 1)), Buffer.from(page(host.tags, 1, 16))];
        page(host.ciphertext, 2).copy(page(host.ciphertext, 1));
        page(host.tags, 2, 16).copy(page(host.tags, 1, 16));
        c1.copy(page(host.ciphertext, 2));
        t1.copy(page(host.tags, 2, 16));
        expectDetected(mem, 1);
        expectDetected(mem, 2);
      });

      it('a page replaced by its older ciphertext (replay)', () => {
        const { mem, host } = fresh();
        const [oldC, oldT] = [Buffer.from(page(host.ciphertext, 1)), Buffer.from(page(host.tags, 1, 16))];
        mem.write(1 * PAGE_SIZE, Buffer.from('page one, newer'));
        oldC.copy(page(host.ciphertext, 1));
        oldT.copy(page(host.tags, 1, 16));
        expectDetected(mem, 1);
      });

      it('a flipped bit', () => {
        const { mem, host } = fresh();
        host.ciphertext[2 * PAGE_SIZE + 100]! ^= 0x01;
        expectDetected(mem, 2);
        expect(mem.read(1 * PAGE_SIZE, 15).toString()).to.equal('page one secret'); // other pages unaffected
      });
    });
  }

  it('XTS mode does not detect tampering: a swapped, replayed or flipped page reads as garbage, without error', () => {
    const mem = new GuestMemory({ pageCount: 4, key: randomBytes(64) });
    const secret = Buffer.from('page one secret');
    mem.write(1 * PAGE_SIZE, secret);
    const host = mem.hostView();
    host.ciphertext[PAGE_SIZE + 3]! ^= 0x80;
    const read = mem.read(PAGE_SIZE, secret.length);
    expect(read.equals(secret)).to.equal(false); // a different 16-byte block, no error raised
    host.ciphertext.copy(host.ciphertext, 2 * PAGE_SIZE, PAGE_SIZE, 2 * PAGE_SIZE); // page 1 moved to page 2
    expect(() => mem.read(2 * PAGE_SIZE, 16)).not.to.throw();
  });

  it('scrub() zeroes ciphertext and makes the memory unusable', () => {
    const mem = new GuestMemory({ pageCount: 2, key: randomBytes(64) });
    mem.write(0, Buffer.from('x'));
    mem.scrub();
    expect(mem.hostView().ciphertext.every((b) => b === 0)).to.equal(true);
    expect(() => mem.read(0, 1)).to.throw(/scrubbed/);
  });
});
