import { TPM_ALG } from '../constants/alg.js';
import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_CAP } from '../constants/types.js';
import { TpmError } from '../errors.js';
import { IMPLEMENTED_ALGORITHMS, IMPLEMENTED_CURVES } from '../capability/algorithms.js';
import { PP_REQUIRED, commandAttributes } from '../capability/commandAttributes.js';
import { handlesFrom } from '../capability/handleLists.js';
import { page, takePage, type Page } from '../capability/paging.js';
import { pcrPropertiesPage } from '../capability/pcrProperties.js';
import { tpmPropertiesFrom } from '../capability/tpmProperties.js';
import { implement } from '../pipeline/handler.js';
import { IMPLEMENTED_COMMANDS } from '../pipeline/execute.js';
import type { CommandSpec } from '../pipeline/commandSpec.js';
import { GetCapability } from '../spec/capability.js';
import {
  MAX_CAP_ALGS,
  MAX_CAP_CC,
  MAX_CAP_HANDLES,
  MAX_ECC_CURVES,
  MAX_TAGGED_POLICIES,
  MAX_TPM_PROPERTIES,
  MAX_PCR_PROPERTIES,
} from '../structures/capability.js';
import type { Tpm } from '../tpm.js';

const valueOfProperty = (detail: string) => new TpmError(TPM_RC.VALUE, detail).forParameter(2);

/**
 * Implemented commands from command code `start` on (the reference's GetClosestCommandIndex):
 * a start with bits above the 16-bit command index, the vendor bit included, finds nothing, as
 * vtpm has no vendor commands. IMPLEMENTED_COMMANDS is read here, at call time, because the
 * command list imports this module.
 */
function commandsFrom(start: number): CommandSpec[] {
  if (start > 0xffff) return [];
  return IMPLEMENTED_COMMANDS.map((c) => c.spec).filter((s) => s.code >= start);
}

/** The permanent handles that have an authPolicy (TPM_ALG_NULL and an empty digest until SetPrimaryPolicy), ascending. */
const POLICY_HANDLES = [TPM_RH.OWNER, TPM_RH.LOCKOUT, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM];

/** The data for one TPM_CAP; property and count are GetCapability's, unchanged. */
function capabilityPage(tpm: Tpm, capability: number, property: number, count: number): Page<unknown> {
  switch (capability) {
    case TPM_CAP.ALGS:
      // The reference takes the starting algorithm as a TPM_ALG_ID: only the low 16 bits count.
      return page(
        IMPLEMENTED_ALGORITHMS.map((a) => ({ alg: a.alg, algProperties: a.attributes })),
        (a) => a.alg,
        property & 0xffff,
        count,
        MAX_CAP_ALGS,
      );
    case TPM_CAP.HANDLES:
      return takePage(handlesFrom(tpm, property), count, MAX_CAP_HANDLES);
    case TPM_CAP.COMMANDS:
      return takePage(commandsFrom(property).map(commandAttributes), count, MAX_CAP_CC);
    case TPM_CAP.PP_COMMANDS:
      return takePage(
        commandsFrom(property).flatMap((s) => (PP_REQUIRED.has(s.name) ? [s.code] : [])),
        count,
        MAX_CAP_CC,
      );
    case TPM_CAP.AUDIT_COMMANDS:
      return takePage(
        commandsFrom(property).flatMap((s) => (tpm.commandAudit.isAudited(s.code) ? [s.code] : [])),
        count,
        MAX_CAP_CC,
      );
    case TPM_CAP.PCRS: {
      if (property !== 0) throw valueOfProperty('TPM_CAP_PCRS takes property 0');
      // Never paged: a count of zero gets nothing and moreData, any other count every bank.
      if (count === 0) return { items: [], more: true };
      return { items: [...tpm.pcrs.allocated].map(([hash, bitmap]) => ({ hash, pcrSelect: Buffer.from(bitmap) })), more: false };
    }
    case TPM_CAP.TPM_PROPERTIES:
      return takePage(tpmPropertiesFrom(tpm, property, IMPLEMENTED_COMMANDS.length), count, MAX_TPM_PROPERTIES);
    case TPM_CAP.PCR_PROPERTIES:
      return pcrPropertiesPage(property, Math.min(count, MAX_PCR_PROPERTIES));
    case TPM_CAP.ECC_CURVES:
      return page(IMPLEMENTED_CURVES, (c) => c, property & 0xffff, count, MAX_ECC_CURVES);
    case TPM_CAP.AUTH_POLICIES:
      if (handleTypeOf(property) !== TPM_HT.PERMANENT) throw valueOfProperty('TPM_CAP_AUTH_POLICIES starts at a permanent handle');
      return page(
        POLICY_HANDLES.map((handle) => ({
          handle,
          policyHash: tpm.hierarchies.policy.get(handle) ?? { hashAlg: TPM_ALG.NULL, digest: Buffer.alloc(0) },
        })),
        (p) => p.handle,
        property,
        count,
        MAX_TAGGED_POLICIES,
      );
    case TPM_CAP.ACT:
      // No ACTs, and TPMU_CAPABILITIES has no TPML_ACT_DATA member yet: answered as the reference built
      // without ACT support (swtpm 0.7.1 answers an empty list for 0x40000110..0x4000011F instead).
      throw valueOfProperty('no ACTs');
    default:
      // TPM_CAP_VENDOR_PROPERTY: no vendor properties.
      throw new TpmError(TPM_RC.VALUE, 'capability not supported').forParameter(1);
  }
}

export const getCapability = implement(GetCapability, (tpm, { params }) => {
  const { capability, property, propertyCount } = params;
  const { items, more } = capabilityPage(tpm, capability, property, propertyCount);
  return { moreData: more, capabilityData: { capability, data: items } };
});
