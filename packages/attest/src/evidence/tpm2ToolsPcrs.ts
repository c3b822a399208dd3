import { Reader, TPML_DIGEST, TPML_PCR_SELECTION, digestSize, selectedPcrs, u32, type PcrSelection } from '@vtpm/tpm';
import { RefusalError, refuse } from '../refusal.js';
import { pcrValuesFromDigests, type PcrValues } from '../quote/pcrValues.js';

/**
 * The PCR output of tpm2_quote / tpm2_pcrread (`-o FILE`, format by `-F`):
 * - serialized (the default): the C structures in host (little-endian) order, as
 *   tpm2-tools' pcr_fwrite_serialized writes them: TPML_PCR_SELECTION (u32 count, 16 entries of
 *   {u16 hash, u8 sizeofSelect, u8 pcrSelect[4], pad}), u32 n, then n TPML_DIGEST
 *   (u32 count, 8 entries of {u16 size, u8 buffer[64]}), one per PCR_Read round trip;
 * - marshaled (tpm2-tools 5.5+): TPML_PCR_SELECTION, UINT32 n, n TPML_DIGEST, in TPM wire format;
 * - values: the selected PCR values back to back, no selection (it comes from the quote).
 */
export type Tpm2ToolsPcrsFormat = 'serialized' | 'marshaled' | 'values';

export interface Tpm2ToolsPcrs {
  pcrSelection: PcrSelection[];
  pcrValues: PcrValues;
}

const SERIALIZED = { banks: 16, selectionEntry: 8, selectMax: 4, listDigests: 8, digestEntry: 2 + 64 } as const;
const SELECTION_SIZE = 4 + SERIALIZED.banks * SERIALIZED.selectionEntry;
const DIGEST_LIST_SIZE = 4 + SERIALIZED.listDigests * SERIALIZED.digestEntry;

function malformed(detail: string): never {
  return refuse('malformed-evidence', `tpm2-tools PCR file: ${detail}`);
}

function readSerialized(file: Buffer): Tpm2ToolsPcrs {
  if (file.length < SELECTION_SIZE + 4) malformed(`${file.length} octets, shorter than a serialized TPML_PCR_SELECTION and count`);
  const count = file.readUInt32LE(0);
  if (count > SERIALIZED.banks) malformed(`selection count ${count} > ${SERIALIZED.banks}`);
  const pcrSelection: PcrSelection[] = [];
  for (let i = 0; i < count; i++) {
    const at = 4 + i * SERIALIZED.selectionEntry;
    const sizeofSelect = file[at + 2]!;
    if (sizeofSelect > SERIALIZED.selectMax) malformed(`sizeofSelect ${sizeofSelect} > ${SERIALIZED.selectMax}`);
    pcrSelection.push({ hash: file.readUInt16LE(at), pcrSelect: Buffer.from(file.subarray(at + 3, at + 3 + sizeofSelect)) });
  }
  const lists = file.readUInt32LE(SELECTION_SIZE);
  if (file.length !== SELECTION_SIZE + 4 + lists * DIGEST_LIST_SIZE) malformed(`${file.length} octets do not hold ${lists} serialized TPML_DIGEST`);
  const digests: Buffer[] = [];
  for (let l = 0; l < lists; l++) {
    const at = SELECTION_SIZE + 4 + l * DIGEST_LIST_SIZE;
    const n = file.readUInt32LE(at);
    if (n > SERIALIZED.listDigests) malformed(`digest count ${n} > ${SERIALIZED.listDigests}`);
    for (let d = 0; d < n; d++) {
      const e = at + 4 + d * SERIALIZED.digestEntry;
      const size = file.readUInt16LE(e);
      if (size > 64) malformed(`digest size ${size} > 64`);
      digests.push(Buffer.from(file.subarray(e + 2, e + 2 + size)));
    }
  }
  return { pcrSelection, pcrValues: pcrValuesFromDigests(pcrSelection, digests) };
}

function readMarshaled(file: Buffer): Tpm2ToolsPcrs {
  try {
    const r = new Reader(file);
    const pcrSelection = TPML_PCR_SELECTION.read(r);
    const lists = u32.read(r);
    const digests: Buffer[] = [];
    for (let l = 0; l < lists; l++) digests.push(...TPML_DIGEST.read(r));
    if (r.remaining) malformed(`${r.remaining} octets after the last TPML_DIGEST`);
    return { pcrSelection, pcrValues: pcrValuesFromDigests(pcrSelection, digests) };
  } catch (e) {
    if (e instanceof RefusalError) throw e;
    return malformed(`not TPML_PCR_SELECTION, UINT32, TPML_DIGEST... (${e instanceof Error ? e.message : String(e)})`);
  }
}

function readValues(file: Buffer, selection: readonly PcrSelection[]): Tpm2ToolsPcrs {
  const digests: Buffer[] = [];
  let at = 0;
  for (const { hash, pcrSelect } of selection) {
    for (let n = selectedPcrs(pcrSelect).length; n > 0; n--) {
      const size = digestSize(hash);
      if (at + size > file.length) malformed(`values end at octet ${file.length}, before the selection is covered`);
      digests.push(Buffer.from(file.subarray(at, (at += size))));
    }
  }
  if (at !== file.length) malformed(`${file.length - at} octets after the last selected PCR value`);
  return { pcrSelection: [...selection], pcrValues: pcrValuesFromDigests(selection, digests) };
}

/** Reads a tpm2-tools PCR file; the `values` format needs the selection (the quote's). */
export function parseTpm2ToolsPcrs(file: Uint8Array, format: Tpm2ToolsPcrsFormat = 'serialized', selection?: readonly PcrSelection[]): Tpm2ToolsPcrs {
  const bytes = Buffer.from(file);
  if (format === 'serialized') return readSerialized(bytes);
  if (format === 'marshaled') return readMarshaled(bytes);
  return readValues(bytes, selection ?? malformed("the 'values' format holds no selection; pass the quote's"));
}
