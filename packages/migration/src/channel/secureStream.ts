import type { FramedSocket } from '../wire/framedSocket.js';
import { RecordOpener, RecordSealer, type StreamRecord } from './recordCipher.js';
import { recordTypeName, type RecordType } from './recordTypes.js';
import { ProtocolError } from '../handshake/handshakeMessages.js';

/** Both directions of an established migration stream over one framed socket. */
export class SecureStream {
  private readonly sealer: RecordSealer;
  private readonly opener: RecordOpener;
  bytesSent = 0;

  constructor(private readonly socket: FramedSocket, sendKey: Buffer, receiveKey: Buffer, private readonly timeoutMs: number) {
    this.sealer = new RecordSealer(sendKey);
    this.opener = new RecordOpener(receiveKey);
  }

  async send(type: RecordType, body: Buffer, round = 0, gpa = 0): Promise<void> {
    const frame = this.sealer.seal(type, round, gpa, body);
    this.bytesSent += frame.length + 4;
    await this.socket.send(frame);
  }

  async receive(): Promise<StreamRecord> {
    return this.opener.open(await this.socket.next(this.timeoutMs));
  }

  async expect(type: RecordType): Promise<StreamRecord> {
    const r = await this.receive();
    if (r.type !== type) throw new ProtocolError(`expected a ${recordTypeName(type)} record, got ${recordTypeName(r.type)}`);
    return r;
  }
}
