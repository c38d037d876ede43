/**
 * Parsing of the `Authorization` header (RFC 6750 section 2.1, RFC 9110 `1*SP`), without any
 * regular expression on unbounded input.
 */

/** Values longer than this are refused as malformed before anything else looks at them. */
export const MAX_AUTHORIZATION_LENGTH = 4096;

/** What the header holds: nothing, something that is not `Bearer <token>`, or a token. */
export type ParsedAuthorization =
  { kind: 'missing' } | { kind: 'malformed' } | { kind: 'token'; token: string };

const MISSING: ParsedAuthorization = Object.freeze({ kind: 'missing' });
const MALFORMED: ParsedAuthorization = Object.freeze({ kind: 'malformed' });

const SPACE = 0x20;
const TAB = 0x09;

function isWhitespace(code: number): boolean {
  return code === SPACE || code === TAB || code === 0x0a || code === 0x0d;
}

/**
 * Splits an `Authorization` value into scheme and token. The scheme is case-insensitive, one or
 * more spaces separate it from the token, whitespace at both ends is ignored, and a token holding
 * whitespace or a comma (trailing junk, a list) is malformed. Two values (the header sent twice)
 * are malformed.
 * @example parseAuthorization('Bearer vc_…') // { kind: 'token', token: 'vc_…' }
 */
export function parseAuthorization(
  header: string | readonly string[] | undefined | null,
): ParsedAuthorization {
  let value: unknown;
  if (typeof header === 'string') value = header;
  else if (Array.isArray(header)) {
    const values: readonly unknown[] = header;
    if (values.length > 1) return MALFORMED;
    value = values[0];
  }
  if (typeof value !== 'string') return MISSING;
  if (value.length > MAX_AUTHORIZATION_LENGTH) return MALFORMED;

  let start = 0;
  let end = value.length;
  while (start < end && isWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isWhitespace(value.charCodeAt(end - 1))) end--;
  if (start === end) return MISSING;

  // "bearer" + at least one space.
  if (end - start < 8) return MALFORMED;
  if (value.slice(start, start + 6).toLowerCase() !== 'bearer') return MALFORMED;
  let at = start + 6;
  if (value.charCodeAt(at) !== SPACE) return MALFORMED;
  while (at < end && value.charCodeAt(at) === SPACE) at++;

  for (let i = at; i < end; i++) {
    const code = value.charCodeAt(i);
    if (isWhitespace(code) || code === 0x2c /* , */) return MALFORMED;
  }
  return { kind: 'token', token: value.slice(at, end) };
}

/** `Bearer ` and a key: the one header form the hot path takes without parsing. */
const FAST_HEADER_LENGTH = 'Bearer '.length + 35;

/**
 * The token of an `Authorization` value in the exact common form (`Bearer ` and 35 characters,
 * one header), else `undefined` and the value needs {@link parseAuthorization}. The token's format
 * is not checked: a verified key's hash comes only from a key checked when it was cached.
 */
export function exactBearerToken(
  authorization: string | readonly string[] | undefined,
): string | undefined {
  return typeof authorization === 'string' &&
    authorization.length === FAST_HEADER_LENGTH &&
    authorization.startsWith('Bearer ')
    ? authorization.slice(7)
    : undefined;
}
