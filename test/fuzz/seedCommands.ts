import {
  InProcessTransport, Tpm, TpmClient, TPM_ALG, TPM_CAP, TPM_RH, TPM_SE, TPM_SU, pcrBitmap,
  Startup, GetRandom, PCR_Read, PCR_Extend, PCR_Event, PCR_Reset, Hash, HashSequenceStart, SequenceUpdate, GetCapability,
  ReadClock, SelfTest, StartAuthSession, FlushContext, StirRandom, TestParms, GetTestResult, type Transport,
} from '@vtpm/tpm';

/** Records every command a client sends, while a real TPM answers it (so later commands see real handles). */
class RecordingTransport implements Transport {
  readonly sent: Buffer[] = [];
  private readonly inner: InProcessTransport;
  constructor(tpm: Tpm) {
    this.inner = new InProcessTransport(tpm);
  }
  async send(command: Buffer, locality?: number): Promise<Buffer> {
    this.sent.push(Buffer.from(command));
    return this.inner.send(command, locality);
  }
}

/** Valid commands of every shape this TPM knows (with and without handles, sessions, lists, unions): the fuzzer's seeds. */
export async function seedCommands(): Promise<Buffer[]> {
  const rec = new RecordingTransport(new Tpm({ seed: Buffer.from('fuzz seeds') }));
  const c = new TpmClient(rec);
  const pw = [{ password: '' }];
  const sha256 = (fill: number) => ({ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, fill) });
  await c.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  await c.run(GetRandom, { params: { bytesRequested: 32 } });
  await c.run(StirRandom, { params: { inData: Buffer.alloc(16, 3) } });
  await c.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 1, 16]) }, { hash: TPM_ALG.SHA1, pcrSelect: pcrBitmap([23]) }] } });
  await c.run(PCR_Extend, { handles: { pcrHandle: 16 }, params: { digests: [sha256(1), { hashAlg: TPM_ALG.SHA1, digest: Buffer.alloc(20, 2) }] }, auth: pw });
  await c.run(PCR_Event, { handles: { pcrHandle: 23 }, params: { eventData: Buffer.from('event data') }, auth: pw });
  await c.run(PCR_Reset, { handles: { pcrHandle: 16 }, params: {}, auth: pw });
  await c.run(Hash, { params: { data: Buffer.from('hash me'), hashAlg: TPM_ALG.SHA384, hierarchy: TPM_RH.OWNER } });
  const seq = await c.run(HashSequenceStart, { params: { auth: Buffer.from('pw'), hashAlg: TPM_ALG.SHA256 } });
  await c.run(SequenceUpdate, { handles: { sequenceHandle: seq.handle }, params: { buffer: Buffer.alloc(100, 9) }, auth: [{ password: 'pw' }] });
  await c.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: 0x100, propertyCount: 10 } }).catch(() => undefined);
  await c.run(ReadClock, { params: {} }).catch(() => undefined);
  await c.run(SelfTest, { params: { fullTest: true } }).catch(() => undefined);
  await c.run(GetTestResult, { params: {} }).catch(() => undefined);
  await c.run(TestParms, { params: { parameters: { type: TPM_ALG.ECC, parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: null, mode: null }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: { scheme: TPM_ALG.NULL, details: null } } } } }).catch(() => undefined);
  const s = await c.run(StartAuthSession, {
    handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
    params: { nonceCaller: Buffer.alloc(32, 4), encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
  });
  await c.run(FlushContext, { params: { flushHandle: s.handle } });
  return rec.sent.slice(1); // Startup is not a useful seed once started
}
