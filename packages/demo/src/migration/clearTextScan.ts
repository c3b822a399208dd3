/** Something that must never be visible in clear: its name for the output, its bytes for the search. */
export interface Needle {
  name: string;
  bytes: Buffer;
}

/** The names of the needles that occur in `haystack`, whole. */
export function findClearText(haystack: Buffer, needles: readonly Needle[]): string[] {
  return needles.filter((n) => n.bytes.length > 0 && haystack.indexOf(n.bytes) >= 0).map((n) => n.name);
}
