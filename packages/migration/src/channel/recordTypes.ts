/** What a stream record carries. Control records (prepared, commit, ...) are encrypted like pages. */
export const RECORD = {
  page: 1,
  roundEnd: 2,
  vcpu: 3,
  vtpmState: 4,
  vmKey: 5,
  stopCopyDone: 6,
  prepared: 7,
  commit: 8,
  committed: 9,
  abort: 10,
  /** Up to 64 pages in one record; their page numbers inside the authenticated body (see pageBatch.ts). */
  pageBatch: 11,
} as const;

export type RecordType = (typeof RECORD)[keyof typeof RECORD];

export const recordTypeName = (t: number) => Object.entries(RECORD).find(([, v]) => v === t)?.[0] ?? `unknown(${t})`;
