import { UsageError } from './usageError.js';

/**
 * swtpm's option values: comma-separated `key=value` pairs and bare words
 * (`type=tcp,port=2321,bindaddr=127.0.0.1`, `not-need-init,startup-clear`). Keys and words
 * outside the allowed ones, and keys given twice, are usage errors.
 */
export function parseKeyValueList(option: string, text: string, allowedKeys: readonly string[], allowedWords: readonly string[] = []): { values: Map<string, string>; words: Set<string> } {
  const values = new Map<string, string>();
  const words = new Set<string>();
  for (const token of text.split(',')) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      if (!allowedWords.includes(token)) throw unknown(option, token, allowedKeys, allowedWords);
      words.add(token);
      continue;
    }
    const key = token.slice(0, eq);
    if (!allowedKeys.includes(key)) throw unknown(option, token, allowedKeys, allowedWords);
    if (values.has(key)) throw new UsageError(`${option}: '${key}' given twice`);
    values.set(key, token.slice(eq + 1));
  }
  return { values, words };
}

function unknown(option: string, token: string, keys: readonly string[], words: readonly string[]): UsageError {
  const known = [...keys.map((k) => `${k}=`), ...words].join(', ');
  return new UsageError(`${option}: unknown parameter '${token}' (known: ${known})`);
}
