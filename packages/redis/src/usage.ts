import type { UsageEntry, UsageQuery, UsageRow } from '@vectorcache/auth-core';
import {
  FLUSH_ID_TTL_MS,
  analyticsCommand,
  usageReadPlan,
  usageRows,
  type AnalyticsEntry,
  type Retention,
} from './analytics';
import type { Client } from './connection';
import type { IdCache } from './id-cache';
import type { KeyLayout } from './key-layout';
import type { ScriptCommands } from './scripts';

/** What the usage writes and reads need of a store. */
export interface UsageContext {
  client: Client;
  keys: KeyLayout;
  ids: IdCache;
  retention: Retention;
}

/** Learns the hash (and, for analytics, the project) of every id of a batch it does not know. */
async function learnIds({ client, keys, ids }: UsageContext, batch: UsageEntry[]): Promise<void> {
  const unknownIds = [...new Set(batch.map((e) => e.id))].filter((id) => !ids.has(id));
  if (unknownIds.length > 0) {
    const hashes = await client.hmget(keys.ids, ...unknownIds);
    unknownIds.forEach((id, index) => {
      const hash = hashes[index];
      if (typeof hash === 'string') ids.remember({ id, hash });
    });
  }
  const projectless = batch.flatMap((entry) => {
    const known = ids.get(entry.id);
    const needed =
      (entry.buckets?.length ?? 0) > 0 &&
      entry.projectId === undefined &&
      known?.projectId === undefined;
    return needed && known !== undefined ? [{ id: entry.id, hash: known.hash }] : [];
  });
  if (projectless.length === 0) return;
  const pipeline = client.pipeline();
  for (const { hash } of projectless) pipeline.hget(keys.record(hash), 'projectId');
  const replies = (await pipeline.exec()) ?? [];
  projectless.forEach(({ id, hash }, index) => {
    const projectId = replies[index]?.[1];
    if (typeof projectId === 'string') ids.remember({ id, hash, projectId });
  });
}

/**
 * Writes a usage flush in one script call, atomically: for each key, adds the count and keeps the
 * later `lastUsedAt`, and adds every analytics bucket of the batch. With a `flushId` the whole
 * flush is applied once, however often it is sent (a write that timed out but landed, then its
 * retry). Entries of ids the store does not hold are dropped.
 */
export async function writeUsage(
  context: UsageContext,
  batch: UsageEntry[],
  flushId: string | undefined,
): Promise<void> {
  await learnIds(context, batch);
  const { client, keys, ids, retention } = context;
  const recordKeys: string[] = [];
  const recordArgs: string[] = [];
  const analytics: AnalyticsEntry[] = [];
  for (const entry of batch) {
    const known = ids.get(entry.id);
    if (known === undefined) continue;
    if (entry.count > 0) {
      const lastUsed = Date.parse(entry.lastUsedAt ?? '');
      recordKeys.push(keys.record(known.hash));
      recordArgs.push(
        entry.id,
        String(Math.floor(entry.count)),
        Number.isNaN(lastUsed) ? '' : new Date(lastUsed).toISOString(),
      );
    }
    const projectId = known.projectId ?? entry.projectId;
    if (entry.buckets && entry.buckets.length > 0 && projectId !== undefined) {
      analytics.push({ keyId: entry.id, projectId, buckets: entry.buckets });
    }
  }
  const buckets = analyticsCommand(keys, analytics, retention);
  if (recordKeys.length === 0 && buckets.keys.length === 0) return;
  const scriptKeys = [keys.flush(flushId ?? 'none'), ...recordKeys, ...buckets.keys];
  // Arrays, not spread arguments: ioredis flattens them, and a large flush stays off the stack.
  await (client as unknown as ScriptCommands).vectorcacheFlushV2(
    scriptKeys.length,
    scriptKeys,
    [flushId ?? '', String(FLUSH_ID_TTL_MS), String(recordKeys.length)],
    recordArgs,
    buckets.args,
  );
}

/** The analytics rows of a query, read in one pipeline (one HGETALL per hour or day). */
export async function readUsageRows(
  { client, keys, retention }: UsageContext,
  query: UsageQuery,
  ready: () => Promise<void>,
): Promise<UsageRow[]> {
  const plan = usageReadPlan(keys, query, retention, Date.now());
  await ready();
  if (plan.length === 0) return [];
  const pipeline = client.pipeline();
  for (const { key } of plan) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  const rows: UsageRow[] = [];
  replies.forEach(([error, fields], index) => {
    if (error) throw error;
    rows.push(...usageRows(fields as Record<string, string>, plan[index]!.start, query.keyId));
  });
  return rows;
}
