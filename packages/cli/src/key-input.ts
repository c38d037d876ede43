import {
  hashApiKey,
  keyPrefix,
  KNOWN_SCOPES,
  looksLikeApiKey,
  pepperFromEnv,
  scopesOutside,
  validateScopes,
  type KeyStore,
} from '@vectorcache/auth-core';
import { CliUsageError } from './errors';
import { keyFromPaste } from './pasted-key';
import { displayPrefix } from './format';

/** The key a command acts on: its id, and whether it was found by a key pasted in its place. */
export interface ResolvedKeyId {
  id: string;
  byKey: boolean;
}

/**
 * The key id an argument names. A whole key pasted where an id is expected (the usual mistake
 * when a key has leaked) is hashed and its record looked up by hash, so the plaintext reaches no
 * store; a fragment of a key is refused without being looked up or echoed.
 */
export async function resolveKeyId(
  value: string,
  store: KeyStore,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedKeyId> {
  const key = keyFromPaste(value);
  if (key !== undefined) {
    const record = await store.findByHash(hashApiKey(key, { pepper: pepperFromEnv(env) }));
    if (!record) {
      throw new CliUsageError(
        `no key in this store matches the API key given (${displayPrefix(keyPrefix(key))}); check the store and VECTORCACHE_KEY_PEPPER, or give the key id that list shows`,
      );
    }
    return { id: record.id, byKey: true };
  }
  if (looksLikeApiKey(value)) {
    throw new CliUsageError(
      'the id given looks like part of an API key (vc_...), not a key id (key_...); nothing was looked up. Give the whole key, or the key id that list shows',
    );
  }
  return { id: value, byKey: false };
}

/**
 * A `--project` value: not empty, and never something shaped like an API key (refused before it
 * reaches a store, and not echoed).
 */
export function projectOption(value: string): string {
  if (looksLikeApiKey(value)) {
    throw new CliUsageError(
      '--project looks like an API key (vc_...), not a project id; nothing was sent to the store',
    );
  }
  if (value.trim().length === 0) throw new CliUsageError('--project must not be empty');
  return value;
}

/**
 * Parses `--scopes a,b`: every entry must follow the scope grammar. Without a declared
 * vocabulary (`VECTORCACHE_SCOPES`), a scope outside the known ones is accepted with a warning
 * on stderr (a typo such as `cache:raed` would make a key that fails later); with one, the key
 * manager refuses it.
 */
export function parseScopes(
  text: string,
  vocabulary: readonly string[] | undefined,
  warn: (line: string) => void,
): string[] {
  const scopes = text.split(',').map((scope) => scope.trim());
  if (scopes.some((scope) => scope.length === 0)) {
    throw new CliUsageError(
      `invalid --scopes ${JSON.stringify(text)}: give a comma-separated list such as cache:read,cache:write`,
    );
  }
  const valid = validateScopes(scopes);
  if (vocabulary === undefined) {
    for (const scope of scopesOutside(valid, KNOWN_SCOPES)) {
      warn(
        `warning: scope ${JSON.stringify(scope)} is not one of the known scopes (${KNOWN_SCOPES.join(', ')}); check its spelling, or declare your service's scopes in VECTORCACHE_SCOPES\n`,
      );
    }
  }
  return valid;
}
