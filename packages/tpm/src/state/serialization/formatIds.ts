import type { FormatVersions } from './blobFormat.js';

/** What identifies a state blob: its magic (one per kind) and the layout version both kinds share. */
export const PERMANENT_MAGIC = 'VTPP';
export const VOLATILE_MAGIC = 'VTPV';
/**
 * Bumped with every change to any section's layout; save writes this version. History:
 *   1: the first format
 *   2: permanent section 'keyDerivation' (the RSA prime search of seed-derived keys)
 */
export const STATE_FORMAT_VERSION = 2;
/** The oldest version restore still reads (older blobs have their missing sections' old meaning). */
export const OLDEST_STATE_FORMAT_VERSION = 1;
export const STATE_FORMAT_VERSIONS: FormatVersions = { current: STATE_FORMAT_VERSION, oldest: OLDEST_STATE_FORMAT_VERSION };
