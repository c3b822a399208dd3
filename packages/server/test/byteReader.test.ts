import { expect } from 'chai';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ByteReader, FrameTimeout, StreamEnded } from '../src/stream/byteReader.js';

/** A connected socket pair over loopback: `near` is read, `far` writes. */
async function socketPair(): Promise<{ near: Socket; far: Socket; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const near = connect(port, '127.0.0.1');
  near.setNoDelay(true);
  const far = await accepted;
  far.setNoDelay(true);
  return { near, far, server };
}

describe('ByteReader', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;
  beforeEach(async () => (pair = await socketPair()));
  afterEach(() => {
    pair.near.destroy();
    pair.far.destroy();
    pair.server.close();
  });

  it('reads exact counts across and within writes', async () => {
    const r = new ByteReader(pair.near);
    pair.far.write(Buffer.from([1, 2]));
    setTimeout(() => pair.far.write(Buffer.from([3, 4, 5, 6, 7])), 20);
    expect([...(await r.read(3))]).to.deep.equal([1, 2, 3]);
    expect(await r.u32()).to.equal(0x04050607);
  });

  it('peek leaves the bytes for the next read', async () => {
    const r = new ByteReader(pair.near);
    pair.far.write(Buffer.from([9, 8, 7]));
    expect([...(await r.peek(2))]).to.deep.equal([9, 8]);
    expect([...(await r.read(3))]).to.deep.equal([9, 8, 7]);
  });

  it('a read waiting when the peer closes fails with StreamEnded; buffered bytes are still readable', async () => {
    const r = new ByteReader(pair.near);
    pair.far.end(Buffer.from([1]));
    await new Promise((resolve) => pair.near.once('end', resolve));
    expect([...(await r.read(1))]).to.deep.equal([1]);
    let error: unknown;
    await r.read(1).catch((e) => (error = e));
    expect(error).to.be.instanceOf(StreamEnded);
  });

  it('a frame that stalls fails with FrameTimeout; an idle connection does not', async () => {
    const r = new ByteReader(pair.near, 100);
    const idle = r.read(4);
    await new Promise((resolve) => setTimeout(resolve, 200)); // no byte yet: no clock running
    pair.far.write(Buffer.from([1, 2, 3, 4]));
    expect(await idle).to.have.length(4);
    r.frameDone();
    pair.far.write(Buffer.from([5]));
    let error: unknown;
    await r.read(4).catch((e) => (error = e));
    expect(error).to.be.instanceOf(FrameTimeout);
  });
});
