/**
 * The store-level contract of usage analytics and the audit list, as ONE table of cases that runs
 * against any `KeyStore` (memory, file/SQLite, Redis): pass a factory, get one Jest test per
 * case. A case that needs a method the store does not have fails with a message saying so.
 */
import { randomBytes } from 'node:crypto';
import type {
  AuditEntry,
  KeyStore,
  StoredKeyRecord,
  UsageBucket,
  UsageEntry,
  UsageRow,
} from '@vectorcache/auth-core';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A store under test, and how to release it. */
export interface StoreUnderTest {
  store: KeyStore;
  close(): Promise<void>;
}

/** What a case gets: a fresh store and a few helpers. */
interface CaseContext {
  store: KeyStore;
  /** Inserts a record of `projectId` and returns it. */
  record(projectId: string): Promise<StoredKeyRecord>;
}

interface StoreCase {
  name: string;
  needs: Array<'readUsage' | 'appendAudit' | 'listAudit'>;
  run(ctx: CaseContext): Promise<void>;
  /** A case that writes thousands of entries: its own bound, for a full run on a loaded machine. */
  timeoutMs?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const hourOf = (ms: number): number => ms - (ms % HOUR);
const dayOf = (ms: number): number => ms - (ms % DAY);

function entry(
  record: StoredKeyRecord,
  count: number,
  buckets: UsageBucket[],
  at = Date.now(),
): UsageEntry {
  return { id: record.id, projectId: record.projectId, count, lastUsedAt: iso(at), buckets };
}

/** Rows summed by `start|keyId|outcome`, so stores may split or merge rows as they like. */
function totals(rows: readonly UsageRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) {
    const key = `${row.start}|${row.keyId}|${row.outcome}`;
    out[key] = (out[key] ?? 0) + row.count;
  }
  return out;
}

function auditEntry(projectId: string, i: number, at: number): AuditEntry {
  return {
    at: iso(at + i),
    projectId,
    action: i % 2 === 0 ? 'key.created' : 'key.revoked',
    actor: i % 3 === 0 ? null : { keyId: `key_${String(i).padStart(24, '0')}`, prefix: 'vc_abcd' },
    target: { keyId: `key_${String(i).padStart(24, '1')}`, prefix: 'vc_1234', name: `key ${i}` },
  };
}

const CASES: StoreCase[] = [
  {
    name: 'environment, ownerId and meta round-trip; a patch sets, replaces and clears them',
    needs: [],
    async run({ store, record }) {
      const plain = await record('proj_labels');
      const meta = { plan: 'pro', seats: 3, beta: true, note: 'é ✓' };
      const labelled: StoredKeyRecord = {
        ...plain,
        id: `key_${randomBytes(12).toString('hex')}`,
        hash: randomBytes(32).toString('hex'),
        environment: 'production',
        ownerId: 'u_42 (ACME)',
        meta,
      };
      await store.insert(labelled);
      expect(await store.get(labelled.id)).toEqual(labelled);
      expect(await store.findByHash(labelled.hash)).toEqual(labelled);
      const listed = await store.list({ projectId: 'proj_labels' });
      expect(listed.find((r) => r.id === labelled.id)).toEqual(labelled);
      // A record without them reads without them (or with null).
      const none = await store.get(plain.id);
      for (const field of ['environment', 'ownerId', 'meta'] as const) {
        expect(none![field] ?? null).toBeNull();
      }
      const replaced = await store.update(labelled.id, { meta: { tier: 'gold' }, ownerId: null });
      expect(replaced).toMatchObject({ environment: 'production', meta: { tier: 'gold' } });
      expect(replaced!.ownerId ?? null).toBeNull();
      await store.update(labelled.id, { environment: null, meta: null });
      const cleared = await store.findByHash(labelled.hash);
      expect(cleared!.environment ?? null).toBeNull();
      expect(cleared!.meta ?? null).toBeNull();
      await store.update(plain.id, { environment: 'dev', ownerId: 'u_7', meta: { a: 1 } });
      expect(await store.get(plain.id)).toMatchObject({
        environment: 'dev',
        ownerId: 'u_7',
        meta: { a: 1 },
      });
    },
  },
  {
    name: 'buckets add up per key, UTC hour and outcome, hourly and daily',
    needs: ['readUsage'],
    async run({ store, record }) {
      const a = await record('proj_contract');
      const b = await record('proj_contract');
      const h = hourOf(Date.now()) - 2 * HOUR;
      await store.recordUsage([
        entry(a, 3, [
          { hour: iso(h), outcome: 'valid', count: 3 },
          { hour: iso(h), outcome: 'insufficient_scope', count: 2 },
        ]),
        entry(b, 1, [{ hour: iso(h + HOUR), outcome: 'valid', count: 1 }]),
      ]);
      await store.recordUsage([
        entry(a, 1, [
          { hour: iso(h), outcome: 'valid', count: 1 },
          { hour: iso(h + HOUR), outcome: 'revoked', count: 4 },
        ]),
      ]);
      const range = { projectId: 'proj_contract', from: iso(h - DAY), to: iso(h + DAY) };
      const hourly = await store.readUsage!({ ...range, granularity: 'hour' });
      expect(totals(hourly)).toEqual({
        [`${iso(h)}|${a.id}|valid`]: 4,
        [`${iso(h)}|${a.id}|insufficient_scope`]: 2,
        [`${iso(h + HOUR)}|${a.id}|revoked`]: 4,
        [`${iso(h + HOUR)}|${b.id}|valid`]: 1,
      });
      const daily = await store.readUsage!({
        projectId: 'proj_contract',
        from: iso(dayOf(h) - DAY),
        to: iso(dayOf(h) + 2 * DAY),
        granularity: 'day',
      });
      const expected: Record<string, number> = {};
      for (const [key, n] of Object.entries(totals(hourly))) {
        const [start, id, outcome] = key.split('|') as [string, string, string];
        const day = `${iso(dayOf(Date.parse(start)))}|${id}|${outcome}`;
        expected[day] = (expected[day] ?? 0) + n;
      }
      expect(totals(daily)).toEqual(expected);
    },
  },
  {
    name: 'a read is confined to its project, its key and [from, to)',
    needs: ['readUsage'],
    async run({ store, record }) {
      const a = await record('proj_one');
      const other = await record('proj_two');
      const h = hourOf(Date.now()) - 5 * HOUR;
      await store.recordUsage([
        entry(a, 2, [
          { hour: iso(h), outcome: 'valid', count: 1 },
          { hour: iso(h + HOUR), outcome: 'valid', count: 1 },
        ]),
        entry(other, 7, [{ hour: iso(h), outcome: 'valid', count: 7 }]),
      ]);
      const read = (from: number, to: number, keyId?: string) =>
        store.readUsage!({
          projectId: 'proj_one',
          keyId,
          from: iso(from),
          to: iso(to),
          granularity: 'hour',
        });
      expect(totals(await read(h, h + HOUR))).toEqual({ [`${iso(h)}|${a.id}|valid`]: 1 });
      expect(totals(await read(h, h + 2 * HOUR, a.id))).toEqual({
        [`${iso(h)}|${a.id}|valid`]: 1,
        [`${iso(h + HOUR)}|${a.id}|valid`]: 1,
      });
      expect(await read(h, h + 2 * HOUR, other.id)).toEqual([]);
      expect(await read(h + 2 * HOUR, h + 3 * HOUR)).toEqual([]);
    },
  },
  {
    name: 'hourly points are kept 35 days and daily points 400 days',
    needs: ['readUsage'],
    async run({ store, record }) {
      const a = await record('proj_retention');
      const now = Date.now();
      const old = hourOf(now - 36 * DAY);
      const older = hourOf(now - 401 * DAY);
      const recent = hourOf(now - 34 * DAY);
      await store.recordUsage([
        entry(a, 0, [
          { hour: iso(old), outcome: 'valid', count: 5 },
          { hour: iso(older), outcome: 'valid', count: 9 },
          { hour: iso(recent), outcome: 'expired', count: 2 },
        ]),
      ]);
      const hourly = await store.readUsage!({
        projectId: 'proj_retention',
        from: iso(dayOf(now - 37 * DAY)),
        to: iso(now),
        granularity: 'hour',
      });
      expect(totals(hourly)).toEqual({ [`${iso(recent)}|${a.id}|expired`]: 2 });
      const daily = await store.readUsage!({
        projectId: 'proj_retention',
        from: iso(dayOf(now) - 399 * DAY),
        to: iso(dayOf(now) + DAY),
        granularity: 'day',
      });
      expect(totals(daily)).toEqual({
        [`${iso(dayOf(old))}|${a.id}|valid`]: 5,
        [`${iso(dayOf(recent))}|${a.id}|expired`]: 2,
      });
      const beyond = await store.readUsage!({
        projectId: 'proj_retention',
        from: iso(dayOf(now) - 405 * DAY),
        to: iso(dayOf(now) - 399 * DAY),
        granularity: 'day',
      });
      expect(beyond).toEqual([]);
    },
  },
  {
    name: 'requestCount and lastUsedAt keep their meaning; an entry of count 0 changes neither',
    needs: [],
    async run({ store, record }) {
      const a = await record('proj_meaning');
      const h = hourOf(Date.now());
      await store.recordUsage([
        entry(a, 3, [{ hour: iso(h), outcome: 'valid', count: 3 }], h + 1000),
      ]);
      await store.recordUsage([
        entry(a, 0, [{ hour: iso(h), outcome: 'revoked', count: 6 }], h + 5000),
      ]);
      const after = await store.get(a.id);
      expect(after).toMatchObject({ requestCount: 3, lastUsedAt: iso(h + 1000) });
    },
  },
  {
    name: 'a flush sent twice under one flush id counts once (counts, last use, analytics)',
    needs: ['readUsage'],
    async run({ store, record }) {
      const a = await record('proj_flush_once');
      const h = hourOf(Date.now());
      const batch = [
        entry(
          a,
          5,
          [
            { hour: iso(h), outcome: 'valid', count: 4 },
            { hour: iso(h), outcome: 'wrong_project', count: 1 },
          ],
          h + 1000,
        ),
      ];
      const flushId = `flush-${randomBytes(8).toString('hex')}`;
      await store.recordUsage(batch, flushId);
      // The same batch again, as the retry of a write that timed out but landed.
      await store.recordUsage(batch, flushId);
      expect(await store.get(a.id)).toMatchObject({ requestCount: 5, lastUsedAt: iso(h + 1000) });
      const read = async (): Promise<Record<string, number>> =>
        totals(
          await store.readUsage!({
            projectId: 'proj_flush_once',
            from: iso(h),
            to: iso(h + HOUR),
            granularity: 'hour',
          }),
        );
      expect(await read()).toEqual({
        [`${iso(h)}|${a.id}|valid`]: 4,
        [`${iso(h)}|${a.id}|wrong_project`]: 1,
      });
      // Another flush id is another flush: counted again.
      await store.recordUsage(batch, `${flushId}-next`);
      expect(await store.get(a.id)).toMatchObject({ requestCount: 10 });
      expect(await read()).toEqual({
        [`${iso(h)}|${a.id}|valid`]: 8,
        [`${iso(h)}|${a.id}|wrong_project`]: 2,
      });
    },
  },
  {
    name: 'the audit list: newest first, by project, limited, copies',
    needs: ['appendAudit', 'listAudit'],
    async run({ store }) {
      const at = Date.now();
      const audit = (projectId: string, i: number): AuditEntry => auditEntry(projectId, i, at);
      for (let i = 0; i < 5; i++) await store.appendAudit!(audit('proj_audit', i));
      await store.appendAudit!(audit('proj_elsewhere', 9));
      const all = await store.listAudit!({ projectId: 'proj_audit', limit: 100 });
      expect(all.map((e) => e.target.name)).toEqual(['key 4', 'key 3', 'key 2', 'key 1', 'key 0']);
      expect(all[0]).toEqual(audit('proj_audit', 4));
      expect(all[4]!.actor).toBeNull(); // key 0: from the CLI
      expect(await store.listAudit!({ projectId: 'proj_audit', limit: 2 })).toEqual([
        audit('proj_audit', 4),
        audit('proj_audit', 3),
      ]);
      expect(await store.listAudit!({ projectId: 'proj_none', limit: 10 })).toEqual([]);
      all[0]!.target.name = 'changed by the caller';
      expect((await store.listAudit!({ projectId: 'proj_audit', limit: 1 }))[0]!.target.name).toBe(
        'key 4',
      );
    },
  },
  {
    name: 'the audit list keeps the newest 10,000 entries of a project',
    needs: ['appendAudit', 'listAudit'],
    // 10,003 appends: 6.7 s alone on Redis, past 20 s once in a full run at load 8.
    timeoutMs: 180_000,
    async run({ store }) {
      const at = Date.now();
      // In batches of 100 at a time, as a busy management API might append them.
      for (let start = 0; start < 10_003; start += 100) {
        const batch: Array<Promise<void>> = [];
        for (let i = start; i < Math.min(start + 100, 10_003); i++) {
          batch.push(store.appendAudit!(auditEntry('proj_bound', i, at)));
        }
        await Promise.all(batch);
      }
      const kept = await store.listAudit!({ projectId: 'proj_bound', limit: 20_000 });
      expect(kept).toHaveLength(10_000);
      expect(kept[0]!.target.name).toBe('key 10002');
      expect(kept.at(-1)!.target.name).toBe('key 3');
    },
  },
];

/**
 * Declares one test per case for the store `make` builds (a fresh one per case). `label` names
 * the store in the test titles. With `implemented` (e.g. a check of the store class's prototype),
 * a case needing a method the store does not have yet is declared skipped, with the reason in its
 * title; without it, such a case fails. `timeoutMs` bounds each case (a store whose every write is a
 * durable commit needs longer for the 10,000 audit appends on a loaded machine).
 */
export function analyticsStoreContract(
  label: string,
  make: () => Promise<StoreUnderTest>,
  implemented?: (method: 'readUsage' | 'appendAudit' | 'listAudit') => boolean,
  timeoutMs?: number,
): void {
  describe(`analytics and audit store contract: ${label}`, () => {
    for (const c of CASES) {
      const absent = implemented ? c.needs.filter((method) => !implemented(method)) : [];
      if (absent.length > 0) {
        it.skip(`${c.name} [SKIPPED: ${label} has no ${absent.join(', ')} yet]`, () => undefined);
        continue;
      }
      it(
        c.name,
        async () => {
          const { store, close } = await make();
          try {
            const missing = c.needs.filter((method) => typeof store[method] !== 'function');
            if (missing.length > 0) {
              throw new Error(
                `${label} does not implement ${missing.join(', ')} (KeyStore contract)`,
              );
            }
            await c.run({
              store,
              async record(projectId) {
                const record: StoredKeyRecord = {
                  id: `key_${randomBytes(12).toString('hex')}`,
                  projectId,
                  name: 'contract',
                  prefix: 'vc_0000',
                  hash: randomBytes(32).toString('hex'),
                  scopes: ['cache:read'],
                  createdAt: iso(Date.now()),
                  lastUsedAt: null,
                  requestCount: 0,
                  revokedAt: null,
                  expiresAt: null,
                };
                await store.insert(record);
                return record;
              },
            });
          } finally {
            await close();
          }
        },
        // The longer of the case's own bound and the store's.
        Math.max(c.timeoutMs ?? 0, timeoutMs ?? 0) || undefined,
      );
    }
  });
}

/** The names of the cases, for a runner that marks some as pending on a store. */
export const ANALYTICS_CASE_NAMES: readonly string[] = CASES.map((c) => c.name);
