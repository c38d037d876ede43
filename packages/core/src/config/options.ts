import { inspect } from 'node:util';
import { VectorcacheAuthError } from '../errors';

// The one option validator of every package: a bad option is an `invalid_option` error whose
// message names the option, shows what was given and says what to give instead.

/** An `invalid_option` error; `message` says what was wrong and what to pass instead. */
export function invalidOption(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('invalid_option', message);
}

/**
 * A number option checked against a lower bound, or its default when left out.
 *
 * @param value - what the caller passed
 * @param fallback - the default, used when `value` is `undefined`
 * @param name - the option's name as the caller spells it, e.g. `"attemptLimit.max"`
 * @param kind - `integer` (>= 1), `positive` (> 0, finite) or `nonNegative` (>= 0, finite)
 * @param unit - what the number counts, e.g. `milliseconds`, shown in the message
 * @throws VectorcacheAuthError `invalid_option` when `value` is out of bounds or not a number
 */
export function numberOption(
  value: unknown,
  fallback: number,
  name: string,
  kind: 'integer' | 'positive' | 'nonNegative',
  unit?: string,
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (kind === 'integer'
      ? Number.isInteger(value) && value >= 1
      : kind === 'positive'
        ? value > 0
        : value >= 0);
  if (ok) return value;
  const wanted =
    kind === 'integer'
      ? 'a whole number >= 1'
      : kind === 'positive'
        ? 'a number > 0'
        : 'a number >= 0';
  throw invalidOption(
    `${name} must be ${wanted}${unit ? ` of ${unit}` : ''} (got ${inspect(value)}); leave it out for the default ${fallback}.`,
  );
}

/** A whole-number option >= 1, or its default when left out (see `numberOption`). */
export function positiveInteger(
  value: unknown,
  fallback: number,
  name: string,
  unit?: string,
): number {
  return numberOption(value, fallback, name, 'integer', unit);
}

/** A finite number option > 0, or its default when left out (see `numberOption`). */
export function positiveNumber(
  value: unknown,
  fallback: number,
  name: string,
  unit?: string,
): number {
  return numberOption(value, fallback, name, 'positive', unit);
}
