import type { NodemendError } from './errors.js';

/** What a load pass collects: every error (reported together at the end) and warnings (printed, not fatal). */
export interface Diag {
  errors: NodemendError[];
  warnings: string[];
}

export const newDiag = (): Diag => ({ errors: [], warnings: [] });
