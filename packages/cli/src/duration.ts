import { VectorcacheAuthError, parseDuration as parseAnyDuration } from '@vectorcache/auth-core';
import { CliUsageError } from './errors';

/**
 * Parses a duration option such as `90s`, `15m`, `24h` or `30d` into milliseconds (the rules of
 * core's `parseDuration`, shared with the management API).
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
  try {
    return parseAnyDuration(text, option, allowZero);
  } catch (err) {
    if (!(err instanceof VectorcacheAuthError)) throw err;
    throw new CliUsageError(err.message.replace(/^Invalid/, 'invalid'));
  }
}
