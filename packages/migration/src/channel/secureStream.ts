import type { FramedSocket } from '../wire/framedSocket.js';
import { RecordOpener, RecordSealer, type StreamRecord } from './recordCipher.js';
import { PlaintextRecordCodec, type RecordCodec } from './recordCodec.js';
import { gcmRecordCodec } from './nativeGcmRecordCodec.js';
import { recordTypeName, type RecordType } from './recordTypes.js';
import type { StreamKeys } from './streamKeys.js';
import { ProtocolError } from '../handshake/handshakeMessages.js';

/** The codecs of one side: its sending direction's and its receiving direction's. */
export function streamCodecs(keys: StreamKeys, side: 'source' | 'destination', encrypted: boolean): { send: RecordCodec; receive: RecordCodec } {
  if (!encrypted) return { send: new PlaintextRecordCodec(), receive: new PlaintextRecordCodec() };
  const [send, receive] = side === 'source' ? [keys.sourceToDestination, keys.destinationToSource] : [keys.destinationToSource, keys.sourceToDestination];
  return { send: gcmRecordCodec(send), receive: gcmRecordCodec(receive) };
}

/** Both directions of an established migration stream over one framed socket. */
export class SecureStream {
  private readonly sealer: RecordSealer;
  private readonly opener: RecordOpener;
  /** Whether records are AEAD-protected (false only on the benchmark's baseline stream). */
  readonly encrypted: boolean;
  bytesSent = 0;

  constructor(private readonly socket: FramedSocket, codecs: { send: RecordCodec; receive: RecordCodec }, private readonly timeoutMs: number) {
    this.sealer = new RecordSealer(codecs.send);
    this.opener = new RecordOpener(codecs.receive);
    this.encrypted = codecs.send.encrypted && codecs.receive.encrypted;
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
