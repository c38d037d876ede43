/** One measured result, ready for the results table. */
export interface BenchRow {
  name: string;
  figure: string;
  target: string;
  /** `undefined` for rows reported without a target. */
  met?: boolean;
  /** Why a target was missed and what would close it (shown under the table). */
  note?: string;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) of a non-empty list, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank]!;
}

/** `1.02 (0.98-1.05)`: median and range. */
export function medianRange(xs: readonly number[], digits = 2): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
}

/** `+1.2 µs (-0.3..+2.0)`: signed median and range. */
export function signedMedianRange(xs: readonly number[], digits = 1, unit = 'µs'): string {
  const f = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
  return `${f(median(xs))} ${unit} (${f(Math.min(...xs))}..${f(Math.max(...xs))})`;
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
