/** What identifies a state blob: its magic (one per kind) and the layout version both kinds share. */
export const PERMANENT_MAGIC = 'VTPP';
export const VOLATILE_MAGIC = 'VTPV';
/** Bumped with every change to any section's layout; restore reads exactly this version. */
export const STATE_FORMAT_VERSION = 1;
