/** `vc_` and 32 hex characters in any case: a key as an operator may paste it. */
const PASTED_KEY = /^vc_[0-9a-f]{32}$/i;

/**
 * The key an operator meant by a pasted value: `vc_` + 32 hex in any case, surrounding
 * whitespace ignored, returned in key format (lower case); otherwise `undefined`.
 * @example keyFromPaste(' VC_0123456789ABCDEF0123456789ABCDEF ') // 'vc_0123456789abcdef0123456789abcdef'
 */
export function keyFromPaste(value: string): string | undefined {
  const text = value.trim();
  return PASTED_KEY.test(text) ? text.toLowerCase() : undefined;
}
