import { gpaOf } from './pageGeometry.js';

/** A guest page whose GCM tag does not verify: the host changed, moved or replayed its ciphertext. */
export class PageIntegrityError extends Error {
  constructor(readonly page: number) {
    super(`guest page ${page} (gpa 0x${gpaOf(page).toString(16)}) failed its integrity check: its ciphertext was modified, moved from another page or replayed from an older version; the page is not returned`);
    this.name = 'PageIntegrityError';
  }
}
