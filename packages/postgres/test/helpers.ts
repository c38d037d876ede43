import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { StoreChange, StoredKeyRecord } from '@vectorcache/auth-core';
import type { PostgresKeyStore } from '@vectorcache/auth-postgres';
import { waitFor } from '../../../test-utils/wait';

/** The plaintext-key pattern that must never appear in the database. */
export const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/;

/** A record as the key manager would make it, for a key nobody holds. */
export function makeRecord(overrides: Partial<StoredKeyRecord> = {}): StoredKeyRecord {
  const key = `vc_${randomBytes(16).toString('hex')}`;
  return {
    id: `key_${randomBytes(12).toString('hex')}`,
    projectId: 'proj_a',
    name: 'test key',
    prefix: key.slice(0, 7),
    hash: createHash('sha256').update(key).digest('hex'),
    scopes: ['cache:*', 'analytics:read'],
    createdAt: new Date().toISOString(),
    lastUsedAt: null,
    requestCount: 0,
    revokedAt: null,
    expiresAt: null,
    ...overrides,
  };
}

/**
 * Calls `probe` until it returns true or `deadlineMs` passes; resolves to the elapsed time, or
 * throws with `what` when the deadline passes (polling, never a fixed sleep).
 */
export async function pollUntil(
  probe: () => Promise<boolean> | boolean,
  deadlineMs: number,
  what: string,
  intervalMs = 5,
): Promise<number> {
  const start = performance.now();
  await waitFor(what, async () => ((await probe()) ? true : undefined), deadlineMs, intervalMs);
  return performance.now() - start;
}

/** Waits until a store's change feed reports `feed_restored`; returns the unsubscribe function. */
export async function feedUp(
  store: PostgresKeyStore,
  seen: StoreChange[] = [],
): Promise<() => void> {
  const off = store.subscribe((change) => seen.push(change));
  await pollUntil(() => seen.some((c) => c.type === 'feed_restored'), 5000, 'feed up');
  return off;
}

/** A port nothing listens on (taken from the OS, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}
