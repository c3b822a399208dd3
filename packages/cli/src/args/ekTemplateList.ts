import { EK_TEMPLATES, type EkTemplateId } from '@vtpm/tpm';
import { UsageError } from './usageError.js';

/** Templates the TCG profile defines but vtpm's TPM cannot create (docs/ek.md). */
const NOT_IMPLEMENTED: Partial<Record<EkTemplateId, string>> = {
  'H-5': 'vtpm has no SM2/SM4',
  'H-7': 'vtpm has no RSA 4096',
};

/** `L-1,L-2,H-3`: EK templates to certify. */
export function parseEkTemplates(what: string, text: string): EkTemplateId[] {
  const ids: EkTemplateId[] = [];
  for (const id of text.split(',')) {
    const template = EK_TEMPLATES.find((t) => t.id === id);
    if (!template) throw new UsageError(`${what}: unknown EK template '${id}' (${EK_TEMPLATES.map((t) => t.id).join(', ')})`);
    const missing = NOT_IMPLEMENTED[template.id];
    if (missing) throw new UsageError(`${what}: EK template ${id} is not supported: ${missing}`);
    if (ids.includes(template.id)) throw new UsageError(`${what}: EK template ${id} given twice`);
    ids.push(template.id);
  }
  return ids;
}
