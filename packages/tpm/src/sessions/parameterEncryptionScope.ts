import type { CommandSpec } from '../pipeline/commandSpec.js';

/**
 * Whether a command's first parameter (decrypt) or first response parameter (encrypt) is a TPM2B,
 * the only thing session-based encryption covers (Part 1, 21.1; the reference's DecryptSize and
 * EncryptSize). A session with decrypt or encrypt set on a command without one is refused.
 */
export function firstParameterIsTpm2b(area: CommandSpec['params'] | CommandSpec['response']): boolean {
  const first = Object.values(area.fields)[0] as { isTpm2b?: boolean } | undefined;
  return !!first?.isTpm2b;
}
