import { VectorcacheAuthError } from '../errors';
import { looksLikeApiKey, redactApiKeys } from './key-format';
import type { AuditActor, KeyActionOptions, KeyStore } from '../types';

/** Longest key name accepted. */
export const MAX_NAME_LENGTH = 100;

/**
 * Refuses a value shaped like an API key where an id, a project or a name is expected, without
 * quoting it: a key pasted there by mistake must reach neither a store nor a message.
 */
export function refuseKeyShaped(value: unknown, what: string): void {
  if (!looksLikeApiKey(value)) return;
  throw new VectorcacheAuthError(
    'invalid_input',
    `The ${what} given looks like an API key (vc_...); it was not used or stored. Give the ${what} itself.`,
  );
}

/** An id as messages quote it: key-like text redacted, at most 64 characters. */
export function quoteId(id: unknown): string {
  const text = String(id);
  return JSON.stringify(redactApiKeys(text.length > 64 ? `${text.slice(0, 64)}...` : text));
}

/** A key name: 1 to 100 characters, not only whitespace; the error quotes the bad value. */
export function validateKeyName(value: unknown): string {
  refuseKeyShaped(value, 'name');
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `Invalid name ${JSON.stringify(value) ?? String(value)}: give 1 to ${MAX_NAME_LENGTH} characters, e.g. "production backend".`,
    );
  }
  return value;
}

/** The audit actor of an action: the key that acted, or `null` (an operator). */
export function actorOf(options: KeyActionOptions | undefined): AuditActor {
  const actor = options?.actor;
  return actor ? { keyId: actor.keyId, prefix: actor.prefix } : null;
}

/** A non-empty string (not key-shaped) for `field`; the error shows an example. */
export function requireText(value: unknown, field: string, example: string): string {
  refuseKeyShaped(value, field);
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `${field} must be a non-empty string, e.g. ${example}.`,
    );
  }
  return value;
}

/** Refuses anything that is not a key store, saying how to pass one. */
export function assertStore(store: unknown): asserts store is KeyStore {
  const s = store as Partial<KeyStore> | undefined;
  if (!s || typeof s.findByHash !== 'function' || typeof s.insert !== 'function') {
    throw new VectorcacheAuthError(
      'invalid_option',
      'A key store is required, e.g. { store: new SqliteKeyStore({ path: ".vectorcache/keys.db" }) }.',
    );
  }
}
