import type { UsageRow } from '@vectorcache/auth-core';

/**
 * Requests per key over the rows, most used first (ties by id).
 * @example rankUsageKeys(rows)[0] // { id: 'key_...', requests: 1200 }
 */
export function rankUsageKeys(rows: readonly UsageRow[]): Array<{ id: string; requests: number }> {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (row.count > 0) totals.set(row.keyId, (totals.get(row.keyId) ?? 0) + row.count);
  }
  return [...totals]
    .map(([id, requests]) => ({ id, requests }))
    .sort((a, b) => b.requests - a.requests || a.id.localeCompare(b.id));
}
