import {
  allowedScopesFromEnv,
  createKeyManager,
  pepperFromEnv,
  publicRecord,
  rotationPeriodFromEnv,
} from '@vectorcache/auth-core';
import type { ApiKeyRecord, IssuedKey, KeyManager, KeyStore } from '@vectorcache/auth-core';
import { CliUsageError } from '../errors';
import { formatDate } from '../format';
import { parseScopes } from '../key-input';
import { withStore } from '../store-access';
import type { Context } from '../store-access';

/** The command's name, as help and messages spell it. */
export const PROGRAM = 'vectorcache-keys';

// What several commands share: the key manager on the environment's store, option checks, and
// the lines and JSON they print.

/** Opens the store from the environment, runs `work` with a key manager, and always closes it. */
export function withKeys<T>(
  ctx: Context,
  work: (keys: KeyManager, store: KeyStore) => Promise<T>,
): Promise<T> {
  const allowedScopes = allowedScopesFromEnv(ctx.env);
  return withStore(ctx, (store) =>
    work(
      createKeyManager({
        store,
        pepper: pepperFromEnv(ctx.env),
        now: ctx.now,
        allowedScopes,
        rotationPeriod: rotationPeriodFromEnv(ctx.env),
      }),
      store,
    ),
  );
}

/** `--scopes`, checked and warned about against the environment's scope vocabulary. */
export function scopesOption(ctx: Context, text: string): string[] {
  return parseScopes(text, allowedScopesFromEnv(ctx.env), ctx.warn);
}

export function requireText(value: string, option: string): string {
  if (value.trim().length === 0) throw new CliUsageError(`${option} must not be empty`);
  return value;
}

/** `create` and `rotate` print the key once and the record without its hash. */
export function issuedJson(issued: IssuedKey): {
  key: string;
  record: ReturnType<typeof publicRecord>;
} {
  return { key: issued.key, record: publicRecord(issued.record) };
}

/** The line that says a key was found by the key itself rather than its id. */
export function foundByKey(byKey: boolean): string {
  return byKey ? 'Found by the API key given, through its hash: the key was sent nowhere.\n' : '';
}

export function statusLine(record: ApiKeyRecord): string {
  if (record.revokedAt !== null) return `revoked at ${formatDate(record.revokedAt)}`;
  if (record.expiresAt === null) return 'valid until revoked';
  return record.status === 'expired'
    ? `expired at ${formatDate(record.expiresAt)}`
    : `valid until ${formatDate(record.expiresAt)}`;
}
