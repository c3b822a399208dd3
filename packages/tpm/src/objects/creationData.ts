import { marshal } from '../codec/codec.js';
import { TPM_ST } from '../constants/types.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { TPMS_CREATION_DATA } from '../structures/creation.js';
import { selectedPcrs, type PcrSelection } from '../structures/pcrSelection.js';
import { localityBit } from '../pcr/pcrAttributes.js';
import type { Tpm } from '../tpm.js';

export interface CreationOutput {
  creationData: ReturnType<typeof TPMS_CREATION_DATA.read>;
  creationHash: Buffer;
  creationTicket: { tag: number; hierarchy: number; digest: Buffer };
}

/**
 * TPMS_CREATION_DATA, its hash and the creation ticket (Part 3, 12.1 / 24.1): the PCR digest over
 * the selected PCRs, the locality, the parent's names and the caller's outsideInfo; the ticket is
 * HMAC(proof, TPM_ST_CREATION || name || creationHash).
 */
export function creationData(
  tpm: Tpm,
  nameAlg: number,
  name: Buffer,
  hierarchy: number,
  parent: { nameAlg: number; name: Buffer; qualifiedName: Buffer },
  outsideInfo: Buffer,
  creationPCR: PcrSelection[],
  locality: number,
): CreationOutput {
  const values: Buffer[] = [];
  const pcrSelect = creationPCR.map((sel) => {
    const bitmap = Buffer.from(sel.pcrSelect);
    for (const pcr of selectedPcrs(sel.pcrSelect)) {
      if (tpm.pcrs.isAllocated(sel.hash, pcr)) values.push(tpm.pcrs.read(sel.hash, pcr));
      else bitmap[pcr >> 3]! &= ~(1 << (pcr & 7));
    }
    return { hash: sel.hash, pcrSelect: bitmap };
  });
  const data = {
    pcrSelect,
    pcrDigest: hash(nameAlg, ...values),
    locality: localityBit(locality),
    parentNameAlg: parent.nameAlg,
    parentName: parent.name,
    parentQualifiedName: parent.qualifiedName,
    outsideInfo,
  };
  const creationHash = hash(nameAlg, marshal(TPMS_CREATION_DATA, data));
  return { creationData: data, creationHash, creationTicket: { tag: TPM_ST.CREATION, hierarchy, digest: tpm.ticketHmac(hierarchy, TPM_ST.CREATION, name, creationHash) } };
}
