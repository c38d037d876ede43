import * as crypto from 'node:crypto';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Length of a key: `vc_` + 32 hex characters. */
export const API_KEY_LENGTH = 35;

// crypto.hash (Node >= 20.12) hashes in one call, markedly faster than createHash for short input.
const oneShotSha256 = (
  crypto as { hash?: (alg: string, data: string, enc: DigestEncoding) => string }
).hash;

const API_KEY_PATTERN = /^vc_[0-9a-f]{32}$/;

/**
 * Generates a new API key from 16 random bytes.
 * @example generateApiKey() // 'vc_3f9c…' (35 characters)
 */
export function generateApiKey(): string {
  return `vc_${randomBytes(16).toString('hex')}`;
}

/**
 * Tells whether `value` has the key format `vc_` + 32 lowercase hex. The length is checked
 * before the pattern runs, so a huge input costs nothing.
 * @example isApiKeyFormat('vc_0123456789abcdef0123456789abcdef') // true
 */
export function isApiKeyFormat(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length === API_KEY_LENGTH && API_KEY_PATTERN.test(value)
  );
}

/**
 * Hashes a key for storage and lookup: hex SHA-256, or hex HMAC-SHA256 keyed by `pepper`.
 * @example hashApiKey(key, { pepper: process.env.VECTORCACHE_KEY_PEPPER })
 */
export function hashApiKey(key: string, options: { pepper?: string } = {}): string {
  return digest(key, options.pepper, 'hex');
}

/** The digest's text forms: hex for stores, binary (latin1: one character per byte) for the caches. */
type DigestEncoding = 'hex' | 'binary';

/** SHA-256, or HMAC-SHA256 keyed by `pepper`, of `key` in `encoding`. */
function digest(key: string, pepper: string | undefined, encoding: DigestEncoding): string {
  if (pepper) return createHmac('sha256', pepper).update(key).digest(encoding);
  return oneShotSha256
    ? oneShotSha256('sha256', key, encoding)
    : createHash('sha256').update(key).digest(encoding);
}

/**
 * The verifier's cache key for a key: the same digest as {@link hashApiKey}, as its 32 bytes in
 * a latin1 string (one character per byte: cheaper to encode, hash and hold than base64 or hex).
 * Internal and never shown; stores always see the hex hash.
 */
export function cacheKeyOf(key: string, pepper: string | undefined): string {
  return digest(key, pepper, 'binary');
}

/** The hex hash (as stores hold it) of a cache key made by {@link cacheKeyOf}. */
export function hexOfCacheKey(cacheKey: string): string {
  return Buffer.from(cacheKey, 'binary').toString('hex');
}

/** The cache key of a hex hash, for changes published by a store. */
export function cacheKeyOfHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('binary');
}

/**
 * The display prefix of a key: `vc_` + its first 4 hex characters (`vc_1234`). Shown as `vc_1234...`.
 * @example keyPrefix('vc_1234567890abcdef1234567890abcdef') // 'vc_1234'
 */
export function keyPrefix(key: string): string {
  return key.slice(0, 7);
}

/** Key-like text: `vc_` and 16 or more hex characters, in any case (a key, or most of one). */
const KEY_LIKE = /vc_[0-9a-f]{16,}/i;
const KEY_LIKE_ALL = /vc_[0-9a-f]{16,}/gi;

/**
 * Whether `value` holds something shaped like an API key: `vc_` and 16 or more hex characters, in
 * any case. Such text given where an id, a project or a name is expected is treated as a secret:
 * never sent to a store, never echoed.
 * @example looksLikeApiKey('VC_0123456789ABCDEF0123456789ABCDEF') // true
 */
export function looksLikeApiKey(value: unknown): boolean {
  return typeof value === 'string' && KEY_LIKE.test(value);
}

/**
 * `text` with every key-like run (see {@link looksLikeApiKey}) replaced by `vc_[redacted]`, for
 * messages that quote what a user typed.
 * @example redactApiKeys('no key vc_0123456789abcdef0123456789abcdef') // 'no key vc_[redacted]'
 */
export function redactApiKeys(text: string): string {
  return text.replace(KEY_LIKE_ALL, 'vc_[redacted]');
}

/** A new record id: `key_` + 24 hex characters (not secret). */
export function generateKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`;
}

/** Constant-time comparison of two hex hashes of the same length. */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
