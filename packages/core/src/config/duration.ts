import { VectorcacheAuthError } from '../errors';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Longest duration accepted anywhere (100 years), so every result is a valid `Date`. */
const MAX_DURATION_MS = 36_500 * UNIT_MS.d;

/**
 * Parses a duration such as `90s`, `15m`, `24h` or `30d` into milliseconds, for the CLI's
 * `--expires-in`/`--grace` and the management API's `expiresIn`/`grace`. The error quotes the
 * text and names the field.
 *
 * @param text - the value as given
 * @param field - its name, quoted in the error message
 * @param allowZero - whether `0s` (and friends) is accepted
 * @throws VectorcacheAuthError (`invalid_input`) when the text is not `<digits><s|m|h|d>`, is
 *   zero when zero is refused, or is longer than 100 years
 * @example
 * parseDuration('24h', 'grace', true); // 86400000
 */
export function parseDuration(text: unknown, field: string, allowZero: boolean): number {
  const match = typeof text === 'string' ? /^(\d{1,9})([smhd])$/.exec(text.trim()) : null;
  const quoted = JSON.stringify(text) ?? String(text);
  if (match === null) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `Invalid duration ${quoted} for ${field}: use a whole number followed by s, m, h or d (e.g. 90s, 15m, 24h, 30d)`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms === 0 && !allowZero) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `Invalid duration ${quoted} for ${field}: it must be longer than 0`,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `Invalid duration ${quoted} for ${field}: at most 36500d (100 years)`,
    );
  }
  return ms;
}
