import { createKeyManager, generateApiKey, type KeyStore } from '@vectorcache/auth-core';

/** The keys every admin test starts from: project A and project B. */
export interface Seed {
  /** A: keys:manage, cache:*, analytics:read. */
  manager: string;
  managerId: string;
  /** A: keys:manage and cache:read only (for escalation). */
  narrow: string;
  /** A: analytics:read only. */
  analyst: string;
  /** A: cache:* only. */
  cacheOnly: string;
  /** A: a revoked keys:manage key. */
  revoked: string;
  /** A: a cache:read key to act on. */
  targetId: string;
  /** A: another cache:read key, rotated by the table. */
  spareId: string;
  /** B: keys:manage, cache:*, analytics:read. */
  bManager: string;
  /** B: a key that A must never see. */
  bKeyId: string;
  /** Key format, never issued. */
  unknown: string;
}

export const PROJECT_A = 'proj_a';
export const PROJECT_B = 'proj_b';

/** Fills a store with the seed keys. */
export async function seed(store: KeyStore, pepper?: string): Promise<Seed> {
  // Distinct creation times (a second apart, a day ago), so "newest first" has one order.
  let at = Math.floor(Date.now() / 1000) * 1000 - 86_400_000;
  const keys = createKeyManager({ store, pepper, now: () => (at += 1000) });
  const make = (projectId: string, name: string, scopes: string[]) =>
    keys.create({ projectId, name, scopes });
  const manager = await make(PROJECT_A, 'manager', ['keys:manage', 'cache:*', 'analytics:read']);
  const narrow = await make(PROJECT_A, 'narrow', ['keys:manage', 'cache:read']);
  const analyst = await make(PROJECT_A, 'analyst', ['analytics:read']);
  const cacheOnly = await make(PROJECT_A, 'cache only', ['cache:*']);
  const revoked = await make(PROJECT_A, 'revoked manager', ['keys:manage']);
  await keys.revoke(revoked.record.id);
  const target = await make(PROJECT_A, 'target', ['cache:read']);
  const spare = await make(PROJECT_A, 'spare', ['cache:read']);
  const bManager = await make(PROJECT_B, 'b manager', ['keys:manage', 'cache:*', 'analytics:read']);
  const bKey = await make(PROJECT_B, 'b key', ['cache:read']);
  return {
    manager: manager.key,
    managerId: manager.record.id,
    narrow: narrow.key,
    analyst: analyst.key,
    cacheOnly: cacheOnly.key,
    revoked: revoked.key,
    targetId: target.record.id,
    spareId: spare.record.id,
    bManager: bManager.key,
    bKeyId: bKey.record.id,
    unknown: generateApiKey(),
  };
}
