/** Guest pages are 4 KiB, as x86 base pages and the granule AMD SEV / Intel TME-MK encrypt with one tweak. */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export const pageOf = (gpa: number): number => Math.floor(gpa / PAGE_SIZE);
export const gpaOf = (page: number): number => page * PAGE_SIZE;
