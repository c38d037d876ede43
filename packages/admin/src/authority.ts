import { missingScopes } from '@vectorcache/auth-core';
import type { Principal, StoredKeyRecord } from '@vectorcache/auth-core';
import { AdminError } from './answers';

/*
 * What a calling key may do to the keys of its project: revoke any of them (incident response),
 * but edit, rotate or narrow only keys whose scopes its own scopes grant, grant only scopes it
 * has, and never create a key that outlives it.
 */

/** No escalation: a caller grants only scopes its own scopes grant. */
export function grantable(caller: Principal, scopes: readonly string[]): void {
  const missing = missingScopes(caller.scopes, scopes, 'all');
  if (missing.length > 0) {
    throw new AdminError(
      403,
      `Cannot grant scopes the calling key does not have: ${missing.join(', ')}`,
    );
  }
}

/** A caller edits (renames, narrows) only a key whose scopes its own scopes grant. */
export function editable(caller: Principal, target: Pick<StoredKeyRecord, 'scopes'>): void {
  const missing = missingScopes(caller.scopes, target.scopes, 'all');
  if (missing.length > 0) {
    throw new AdminError(
      403,
      `Cannot change a key with scopes the calling key does not have: ${missing.join(', ')}; it may only revoke it`,
    );
  }
}

/**
 * A key created (or issued by rotation) expires no later than the calling key: `expiresAt` is the
 * new key's expiry (`null`: never), `callerExpiresAt` the caller's own, read from the store.
 */
export function withinCallerExpiry(callerExpiresAt: string | null, expiresAt: string | null): void {
  if (callerExpiresAt === null) return;
  if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(callerExpiresAt)) return;
  throw new AdminError(
    403,
    `Cannot create a key that outlives the calling key: give an expiry no later than ${callerExpiresAt}`,
  );
}
