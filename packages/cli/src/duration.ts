import { CliUsageError } from './errors';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Longest duration accepted anywhere (100 years), so every result is a valid `Date`. */
const MAX_DURATION_MS = 36_500 * UNIT_MS.d;

/**
 * Parses a duration such as `90s`, `15m`, `24h` or `30d` into milliseconds.
 *
 * @param text - the option's value as typed
 * @param option - the option's name, quoted in the error message
 * @param allowZero - whether `0s` (and friends) is accepted
 * @throws CliUsageError when the text is not `<digits><s|m|h|d>`, is zero when zero is refused,
 *   or is longer than 100 years
 * @example
 * parseDuration('24h', '--grace', true); // 86400000
 */
export function parseDuration(text: string, option: string, allowZero: boolean): number {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (match === null) {
    throw new CliUsageError(
      `invalid duration ${JSON.stringify(text)} for ${option}: use a whole number followed by s, m, h or d (e.g. 90s, 15m, 24h, 30d)`,
    );
  }
  const amount = Number(match[1]);
  const ms = amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms === 0 && !allowZero) {
    throw new CliUsageError(
      `invalid duration ${JSON.stringify(text)} for ${option}: it must be longer than 0`,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new CliUsageError(
      `invalid duration ${JSON.stringify(text)} for ${option}: at most 36500d (100 years)`,
    );
  }
  return ms;
}
