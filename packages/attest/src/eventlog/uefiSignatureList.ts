import { EventLogFormatError } from './eventLogFormatError.js';
import { decodeLe, type LeCodec } from './leCodec.js';
import { EFI_GUID } from './uefiGuid.js';

/** EFI_SIGNATURE_DATA: one entry of a signature list (an image hash, a key, a certificate) and who enrolled it. */
export interface EfiSignatureData {
  owner: string;
  data: Buffer;
}

/** Reads to the end of its buffer: the enclosing list's SignatureSize bounds it. */
export const EFI_SIGNATURE_DATA: LeCodec<EfiSignatureData> = {
  name: 'EFI_SIGNATURE_DATA',
  read: (r) => ({ owner: EFI_GUID.read(r), data: r.bytes(r.remaining, 'SignatureData') }),
  write(w, v) {
    EFI_GUID.write(w, v.owner);
    w.bytes(v.data);
  },
};

/** EFI_SIGNATURE_LIST: one list of a signature database (PK, KEK, db, dbx); all entries of one size. */
export interface EfiSignatureList {
  signatureType: string;
  signatureHeader: Buffer;
  signatures: EfiSignatureData[];
}

/** EFI_SIGNATURE_LIST's fixed part: SignatureType, SignatureListSize, SignatureHeaderSize, SignatureSize. */
const LIST_HEADER_SIZE = 28;

export const EFI_SIGNATURE_LIST: LeCodec<EfiSignatureList> = {
  name: 'EFI_SIGNATURE_LIST',
  read(r) {
    const start = r.offset;
    const signatureType = EFI_GUID.read(r);
    const [listSize, headerSize, signatureSize] = [r.u32(), r.u32(), r.u32()];
    const bodySize = listSize - LIST_HEADER_SIZE - headerSize;
    // Checked before anything is read or allocated: the sizes are untrusted.
    if (listSize - LIST_HEADER_SIZE > r.remaining || bodySize < 0 || signatureSize < 16 || bodySize % signatureSize !== 0) {
      throw new EventLogFormatError(`EFI_SIGNATURE_LIST: inconsistent sizes (list ${listSize}, header ${headerSize}, signature ${signatureSize})`, start);
    }
    const signatureHeader = r.bytes(headerSize, 'SignatureHeader');
    const signatures: EfiSignatureData[] = [];
    for (let i = 0; i < bodySize / signatureSize; i++) signatures.push(decodeLe(EFI_SIGNATURE_DATA, r.view(signatureSize, 'EFI_SIGNATURE_DATA')));
    return { signatureType, signatureHeader, signatures };
  },
  write(w, v) {
    const signatureSize = 16 + (v.signatures[0]?.data.length ?? 0);
    if (v.signatures.some((s) => s.data.length + 16 !== signatureSize)) throw new EventLogFormatError('EFI_SIGNATURE_LIST: entries must have one size');
    EFI_GUID.write(w, v.signatureType);
    w.u32(LIST_HEADER_SIZE + v.signatureHeader.length + signatureSize * v.signatures.length).u32(v.signatureHeader.length).u32(signatureSize).bytes(v.signatureHeader);
    for (const s of v.signatures) EFI_SIGNATURE_DATA.write(w, s);
  },
};

/** A signature database variable's value (PK, KEK, db, dbx): signature lists back to back. */
export const EFI_SIGNATURE_DATABASE: LeCodec<EfiSignatureList[]> = {
  name: 'EFI_SIGNATURE_DATABASE',
  read(r) {
    const lists: EfiSignatureList[] = [];
    while (r.remaining > 0) lists.push(EFI_SIGNATURE_LIST.read(r));
    return lists;
  },
  write: (w, lists) => lists.forEach((l) => EFI_SIGNATURE_LIST.write(w, l)),
};
