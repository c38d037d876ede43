import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import type { AuditEntry, StoreChange, StoredKeyRecord, UsageEntry } from '@vectorcache/auth-core';
import {
  createKeyManager,
  createVerifier,
  storeFromEnv,
  VectorcacheAuthError,
} from '@vectorcache/auth-core';
import { runCli } from '@vectorcache/auth-cli';
import { RedisKeyStore, type RedisKeyStoreOptions } from '@vectorcache/auth-redis';
import { keyLayout } from '../src/key-layout';
import {
  findPlaintextKeys,
  PLAINTEXT_KEY,
  pollUntil,
  startMonitor,
  type MonitorCapture,
} from './helpers';
import { REDIS_TARGETS, type StartedTarget } from './targets';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function makeRecord(overrides: Partial<StoredKeyRecord> = {}): StoredKeyRecord {
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

/** A port nothing listens on (taken from the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

/** The start of the UTC hour `hoursAgo` hours before now, ISO-8601. */
function hourAgo(hoursAgo: number): string {
  return new Date((Math.floor(Date.now() / HOUR) - hoursAgo) * HOUR).toISOString();
}

function dayOf(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / DAY) * DAY).toISOString();
}

/** Waits until a store's change feed reports `feed_restored`; returns the unsubscribe function. */
async function feedUp(store: RedisKeyStore, seen: StoreChange[] = []): Promise<() => void> {
  const off = store.subscribe((change) => seen.push(change));
  await pollUntil(() => seen.some((c) => c.type === 'feed_restored'), 5000, 'feed up');
  return off;
}

for (const target of REDIS_TARGETS) {
  target.describe(`RedisKeyStore on ${target.name}`, () => {
    let t: StartedTarget;
    let store: RedisKeyStore;
    let node: Redis;
    let monitor: MonitorCapture;
    const extra: RedisKeyStore[] = [];
    /** Another store on the same deployment and prefix (another instance), closed after the suite. */
    const another = (options: RedisKeyStoreOptions = {}): RedisKeyStore => {
      const other = new RedisKeyStore(t.connection, { keyPrefix: t.prefix, ...options });
      extra.push(other);
      return other;
    };

    beforeAll(async () => {
      t = await target.start('redis-store');
      node = await t.storeNode();
      monitor = await startMonitor(node, t.layout.base);
      store = new RedisKeyStore(t.connection, { keyPrefix: t.prefix });
    }, 60000);

    afterAll(async () => {
      await monitor?.stop();
      await Promise.all(extra.map((s) => s.close()));
      await store?.close();
      await t?.stop();
    });

    describe('store contract', () => {
      it('inserts a record and finds it by hash and by id, exactly shaped', async () => {
        const record = makeRecord({ expiresAt: '2099-01-01T00:00:00.000Z' });
        await store.insert(record);
        expect(await store.findByHash(record.hash)).toStrictEqual(record);
        expect(await store.get(record.id)).toStrictEqual(record);
        expect(await store.findByHash('0'.repeat(64))).toBeNull();
        expect(await store.get('key_000000000000000000000000')).toBeNull();
      });

      it('works right after construction, before the connection is up', async () => {
        const fresh = another();
        const record = makeRecord();
        await fresh.insert(record);
        expect(await fresh.findByHash(record.hash)).toStrictEqual(record);
      });

      it('rejects a duplicate id or hash with duplicate_key and leaves the first intact', async () => {
        const record = makeRecord();
        await store.insert(record);
        await expect(store.insert({ ...makeRecord(), id: record.id })).rejects.toMatchObject({
          code: 'duplicate_key',
        });
        await expect(
          store.insert({ ...makeRecord(), hash: record.hash, projectId: 'other' }),
        ).rejects.toBeInstanceOf(VectorcacheAuthError);
        expect(await store.get(record.id)).toStrictEqual(record);
        expect(await store.list({ projectId: 'other' })).toEqual([]);
      });

      it('lists every record or one project, oldest first', async () => {
        const project = `proj_${randomBytes(4).toString('hex')}`;
        const first = makeRecord({ projectId: project, createdAt: '2024-01-01T00:00:00.000Z' });
        const second = makeRecord({ projectId: project, createdAt: '2024-02-01T00:00:00.000Z' });
        const elsewhere = makeRecord({ projectId: `${project}_b` });
        await store.insert(second);
        await store.insert(first);
        await store.insert(elsewhere);
        expect(await store.list({ projectId: project })).toStrictEqual([first, second]);
        const all = await store.list();
        expect(all.map((r) => r.id)).toEqual(
          expect.arrayContaining([first.id, second.id, elsewhere.id]),
        );
        expect(await store.list({ projectId: 'nobody' })).toEqual([]);
      });

      it('updates atomically, deletes null fields, and answers null for an unknown id', async () => {
        const record = makeRecord({ expiresAt: '2099-01-01T00:00:00.000Z' });
        await store.insert(record);
        const revokedAt = new Date().toISOString();
        const updated = await store.update(record.id, {
          revokedAt,
          expiresAt: null,
          name: 'renamed',
          scopes: ['cache:read'],
        });
        const expected = {
          ...record,
          revokedAt,
          expiresAt: null,
          name: 'renamed',
          scopes: ['cache:read'],
        };
        expect(updated).toStrictEqual(expected);
        expect(await store.findByHash(record.hash)).toStrictEqual(expected);
        expect(await store.update('key_ffffffffffffffffffffffff', { revokedAt })).toBeNull();
      });

      it('keeps rotation links: absent, null or an id, each exactly as written', async () => {
        const plain = makeRecord();
        const unlinked = makeRecord({ rotatedFrom: null, rotatedTo: null });
        const linked = makeRecord({ rotatedFrom: plain.id });
        for (const record of [plain, unlinked, linked]) {
          await store.insert(record);
          expect(await store.get(record.id)).toStrictEqual(record);
        }
        expect(await store.update(linked.id, { rotatedTo: unlinked.id })).toStrictEqual({
          ...linked,
          rotatedTo: unlinked.id,
        });
        expect(await store.update(linked.id, { rotatedTo: null })).toStrictEqual({
          ...linked,
          rotatedTo: null,
        });
      });

      it.each([
        ['a field that is not JSON', { scopes: 'not json' }],
        ['scopes that are not an array', { scopes: '{"a":1}' }],
        ['a missing projectId', { projectId: null }],
        ['a non-numeric request count', { requestCount: 'many' }],
        ['a hash that does not match its key', { hash: 'f'.repeat(64) }],
        ['an unparseable date', { revokedAt: 'yesterday' }],
      ])('rejects findByHash on a corrupt record: %s', async (_label, damage) => {
        const record = makeRecord();
        await store.insert(record);
        for (const [field, value] of Object.entries(damage)) {
          if (value === null) await t.admin.hdel(t.layout.record(record.hash), field);
          else await t.admin.hset(t.layout.record(record.hash), field, value);
        }
        await expect(store.findByHash(record.hash)).rejects.toMatchObject({
          code: 'corrupt_record',
        });
        await expect(store.get(record.id)).rejects.toMatchObject({ code: 'corrupt_record' });
      });

      it('rejects findByHash when the key holds another type', async () => {
        const hash = 'e'.repeat(64);
        await t.admin.set(t.layout.record(hash), 'junk');
        await expect(store.findByHash(hash)).rejects.toThrow(/WRONGTYPE/);
      });

      it('puts every key of a store under one hash tag: one Redis Cluster slot', async () => {
        await store.insert(makeRecord());
        const keys = await node.keys(`${t.prefix}*`);
        expect(keys.length).toBeGreaterThan(3);
        const tags = new Set(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]));
        expect([...tags]).toEqual([t.prefix.replace(/:+$/, '')]);
        expect(keyLayout('vc:').record('abc')).toBe('vc:{vc}:rec:abc');
        if (target.cluster) {
          // The slot the store computes is the server's, for every key name and the channel.
          const slots = new Set<number>();
          for (const key of [...keys, t.layout.channel]) {
            slots.add(Number(await t.admin.cluster('KEYSLOT', key)));
          }
          expect([...slots]).toEqual([t.layout.slot]);
        }
      });
    });

    describe('atomic rotation: insert with the replaced record patched', () => {
      it('writes the new record and patches the replaced one in one step', async () => {
        const old = makeRecord();
        await store.insert(old);
        const next = makeRecord({ rotatedFrom: old.id });
        const expiresAt = new Date(Date.now() + DAY).toISOString();
        await store.insert(next, { id: old.id, patch: { rotatedTo: next.id, expiresAt } });
        expect(await store.get(next.id)).toStrictEqual(next);
        expect(await store.get(old.id)).toStrictEqual({ ...old, rotatedTo: next.id, expiresAt });
      });

      it('writes neither when the new record is a duplicate, or the replaced one is gone', async () => {
        const old = makeRecord();
        await store.insert(old);
        const taken = makeRecord();
        await store.insert(taken);
        const revokedAt = new Date().toISOString();
        await expect(
          store.insert({ ...makeRecord(), hash: taken.hash }, { id: old.id, patch: { revokedAt } }),
        ).rejects.toMatchObject({ code: 'duplicate_key' });
        expect(await store.get(old.id)).toStrictEqual(old);

        const orphan = makeRecord();
        await expect(
          store.insert(orphan, { id: 'key_ffffffffffffffffffffffff', patch: { revokedAt } }),
        ).rejects.toMatchObject({ code: 'key_not_found' });
        expect(await store.get(orphan.id)).toBeNull();
        expect(await store.findByHash(orphan.hash)).toBeNull();

        // The replaced record deleted behind the store's back (its id still cached): the script
        // itself refuses, and nothing is written.
        const doomed = makeRecord();
        await store.insert(doomed);
        await t.admin.del(t.layout.record(doomed.hash));
        const late = makeRecord();
        await expect(
          store.insert(late, { id: doomed.id, patch: { revokedAt } }),
        ).rejects.toMatchObject({ code: 'key_not_found' });
        expect(await store.findByHash(late.hash)).toBeNull();
        expect(await t.admin.exists(t.layout.record(doomed.hash))).toBe(0);
      });

      it('announces both records on the change feed', async () => {
        const listener = another();
        const seen: StoreChange[] = [];
        await feedUp(listener, seen);
        const old = makeRecord();
        await store.insert(old);
        const next = makeRecord();
        await store.insert(next, { id: old.id, patch: { revokedAt: new Date().toISOString() } });
        await pollUntil(
          () =>
            [old.id, next.id].every((id) => seen.some((c) => c.type === 'changed' && c.id === id)),
          2000,
          'both changes published',
        );
      });
    });

    describe('usage and analytics', () => {
      it('records usage in batches: adds counts and keeps the latest lastUsedAt', async () => {
        const a = makeRecord();
        const b = makeRecord();
        await store.insert(a);
        await store.insert(b);
        await store.recordUsage([
          { id: a.id, count: 3, lastUsedAt: '2025-05-01T10:00:00.000Z' },
          { id: b.id, count: 1, lastUsedAt: '2025-05-01T09:00:00.000Z' },
          { id: 'key_aaaaaaaaaaaaaaaaaaaaaaaa', count: 5, lastUsedAt: '2025-05-01T09:00:00.000Z' },
        ]);
        // An older lastUsedAt (another instance's late flush) must not move it back.
        await store.recordUsage([{ id: a.id, count: 2, lastUsedAt: '2025-04-01T00:00:00.000Z' }]);
        expect(await store.get(a.id)).toMatchObject({
          requestCount: 5,
          lastUsedAt: '2025-05-01T10:00:00.000Z',
        });
        expect(await store.get(b.id)).toMatchObject({
          requestCount: 1,
          lastUsedAt: '2025-05-01T09:00:00.000Z',
        });
        // Usage for an unknown id does not create a partial record.
        expect(await store.get('key_aaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull();
        // A second store (another instance, empty id cache) adds to the same counters.
        await another().recordUsage([
          { id: a.id, count: 10, lastUsedAt: '2025-06-01T00:00:00.000Z' },
        ]);
        expect(await store.get(a.id)).toMatchObject({
          requestCount: 15,
          lastUsedAt: '2025-06-01T00:00:00.000Z',
        });
      });

      it('counts analytics per key, hour and outcome, and sums them per UTC day', async () => {
        const project = `proj_${randomBytes(4).toString('hex')}`;
        const a = makeRecord({ projectId: project });
        const b = makeRecord({ projectId: project });
        await store.insert(a);
        await store.insert(b);
        const h1 = hourAgo(30);
        const h2 = hourAgo(2);
        const batch: UsageEntry[] = [
          {
            id: a.id,
            count: 4,
            lastUsedAt: h2,
            projectId: project,
            buckets: [
              { hour: h1, outcome: 'valid', count: 3 },
              { hour: h2, outcome: 'valid', count: 1 },
              { hour: h2, outcome: 'insufficient_scope', count: 2 },
            ],
          },
          // A key refused only (revoked): no request count, analytics still counted.
          {
            id: b.id,
            count: 0,
            lastUsedAt: h2,
            projectId: project,
            buckets: [
              { hour: h2, outcome: 'revoked', count: 5 },
              { hour: h2, outcome: 'not_an_outcome' as 'valid', count: 9 },
            ],
          },
        ];
        await store.recordUsage(batch);
        // Another instance's flush adds up; this one leaves projectId out (read from the record).
        await another().recordUsage([
          {
            id: a.id,
            count: 1,
            lastUsedAt: h2,
            buckets: [{ hour: h2, outcome: 'valid', count: 1 }],
          },
        ]);
        expect((await store.get(a.id))?.requestCount).toBe(5);
        expect((await store.get(b.id))?.requestCount).toBe(0);

        const from = hourAgo(48);
        const to = hourAgo(-1);
        const hourly = await store.readUsage({ projectId: project, from, to, granularity: 'hour' });
        expect(hourly).toEqual(
          expect.arrayContaining([
            { keyId: a.id, start: h1, outcome: 'valid', count: 3 },
            { keyId: a.id, start: h2, outcome: 'valid', count: 2 },
            { keyId: a.id, start: h2, outcome: 'insufficient_scope', count: 2 },
            { keyId: b.id, start: h2, outcome: 'revoked', count: 5 },
          ]),
        );
        expect(hourly).toHaveLength(4);
        expect(hourly.map((row) => row.start)).toEqual([...hourly.map((r) => r.start)].sort());

        const onlyB = await store.readUsage({
          projectId: project,
          keyId: b.id,
          from,
          to,
          granularity: 'hour',
        });
        expect(onlyB).toEqual([{ keyId: b.id, start: h2, outcome: 'revoked', count: 5 }]);

        const daily = await store.readUsage({
          projectId: project,
          keyId: a.id,
          from: dayOf(from),
          to,
          granularity: 'day',
        });
        const total = (rows: typeof daily): number => rows.reduce((sum, r) => sum + r.count, 0);
        expect(total(daily)).toBe(7);
        expect(new Set(daily.map((row) => row.start))).toEqual(new Set([dayOf(h1), dayOf(h2)]));
        // [from, to) is half-open: a range that ends at h2 leaves h2 out.
        const before = await store.readUsage({
          projectId: project,
          from: h1,
          to: h2,
          granularity: 'hour',
        });
        expect(before).toEqual([{ keyId: a.id, start: h1, outcome: 'valid', count: 3 }]);
        expect(
          await store.readUsage({ projectId: 'nobody', from, to, granularity: 'hour' }),
        ).toEqual([]);
      });

      it('applies analytics of one flush id once, however often the flush is retried', async () => {
        const record = makeRecord({ projectId: `proj_${randomBytes(4).toString('hex')}` });
        await store.insert(record);
        const hour = hourAgo(1);
        const batch: UsageEntry[] = [
          {
            id: record.id,
            count: 0,
            lastUsedAt: hour,
            projectId: record.projectId,
            buckets: [{ hour, outcome: 'expired', count: 2 }],
          },
        ];
        const flushId = `flush-${randomBytes(6).toString('hex')}`;
        await store.recordUsage(batch, flushId);
        await another().recordUsage(batch, flushId);
        await store.recordUsage(batch, `${flushId}-next`);
        const rows = await store.readUsage({
          projectId: record.projectId,
          from: hour,
          to: hourAgo(-1),
          granularity: 'hour',
        });
        expect(rows).toEqual([{ keyId: record.id, start: hour, outcome: 'expired', count: 4 }]);
      });

      it('keeps hourly points 35 days and daily points 400 days (key expiry), or as configured', async () => {
        const project = `proj_${randomBytes(4).toString('hex')}`;
        const record = makeRecord({ projectId: project });
        await store.insert(record);
        const hour = hourAgo(1);
        const entry = (at: string): UsageEntry => ({
          id: record.id,
          count: 0,
          lastUsedAt: at,
          projectId: project,
          buckets: [{ hour: at, outcome: 'valid', count: 1 }],
        });
        await store.recordUsage([entry(hour)]);
        const hourKey = t.layout.usage('hour', project, hour.slice(0, 13));
        const dayKey = t.layout.usage('day', project, hour.slice(0, 10));
        const expiresIn = (start: string, ms: number): number =>
          Date.parse(start) + ms - Date.now();
        const slack = 60_000;
        const hourTtl = await t.admin.pttl(hourKey);
        expect(Math.abs(hourTtl - expiresIn(hour, HOUR + 35 * DAY))).toBeLessThan(slack);
        const dayTtl = await t.admin.pttl(dayKey);
        expect(Math.abs(dayTtl - expiresIn(dayOf(hour), DAY + 400 * DAY))).toBeLessThan(slack);

        const short = another({ retention: { hourlyDays: 1, dailyDays: 2 } });
        const old = hourAgo(30); // older than one day: expired on arrival, never read back
        await short.recordUsage([entry(hour), entry(old)]);
        expect(await t.admin.exists(t.layout.usage('hour', project, old.slice(0, 13)))).toBe(0);
        expect(
          await short.readUsage({ projectId: project, from: old, to: hour, granularity: 'hour' }),
        ).toEqual([]);
        const shortTtl = await t.admin.pttl(hourKey);
        expect(Math.abs(shortTtl - expiresIn(hour, HOUR + DAY))).toBeLessThan(slack);
        expect(() => another({ retention: { hourlyDays: 0 } })).toThrow(/retention.hourlyDays/);
      });

      it.each([
        ['no project', { projectId: '', from: hourAgo(2), to: hourAgo(0), granularity: 'hour' }],
        ['a bad date', { projectId: 'p', from: 'yesterday', to: hourAgo(0), granularity: 'hour' }],
        [
          'a bad granularity',
          { projectId: 'p', from: hourAgo(2), to: hourAgo(0), granularity: 'week' },
        ],
      ])('refuses a usage query with %s (invalid_input)', async (_label, query) => {
        await expect(store.readUsage(query as never)).rejects.toMatchObject({
          code: 'invalid_input',
        });
      });
    });

    describe('audit list', () => {
      const entry = (projectId: string, n: number): AuditEntry => ({
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
        projectId,
        action: n % 2 === 0 ? 'key.created' : 'key.revoked',
        actor: n % 3 === 0 ? null : { keyId: `key_${'a'.repeat(24)}`, prefix: 'vc_aaaa' },
        target: {
          keyId: `key_${n.toString(16).padStart(24, '0')}`,
          prefix: 'vc_bbbb',
          name: `k${n}`,
        },
      });

      it('lists a project’s entries newest first, keeping the newest auditLimit', async () => {
        const project = `proj_${randomBytes(4).toString('hex')}`;
        const small = another({ auditLimit: 5 });
        for (let n = 1; n <= 7; n++) await small.appendAudit(entry(project, n));
        await small.appendAudit(entry(`${project}_other`, 99));
        const listed = await small.listAudit({ projectId: project, limit: 100 });
        expect(listed).toStrictEqual([7, 6, 5, 4, 3].map((n) => entry(project, n)));
        expect(await small.listAudit({ projectId: project, limit: 2 })).toStrictEqual([
          entry(project, 7),
          entry(project, 6),
        ]);
        expect(await store.listAudit({ projectId: 'nobody', limit: 10 })).toEqual([]);
      });

      it('stores only the entry’s own fields, and refuses what is not an entry', async () => {
        const project = `proj_${randomBytes(4).toString('hex')}`;
        const withExtra = { ...entry(project, 1), hash: 'f'.repeat(64), key: 'secret' };
        await store.appendAudit(withExtra as AuditEntry);
        expect(await store.listAudit({ projectId: project, limit: 1 })).toStrictEqual([
          entry(project, 1),
        ]);
        const raw = await t.admin.lrange(t.layout.audit(project), 0, -1);
        expect(raw.join('')).not.toMatch(/secret|f{64}/);
        await expect(
          store.appendAudit({ ...entry(project, 2), action: 'key.deleted' as 'key.created' }),
        ).rejects.toMatchObject({ code: 'invalid_input' });
        await expect(store.listAudit({ projectId: project, limit: 0 })).rejects.toMatchObject({
          code: 'invalid_input',
        });
      });
    });

    describe('change feed', () => {
      it('publishes inserts and every update to other stores, and nothing on a no-op', async () => {
        const other = another();
        const changes: StoreChange[] = [];
        await feedUp(other, changes);
        expect(changes).toEqual([
          { type: 'feed_lost', connecting: true },
          { type: 'feed_restored' },
        ]);
        const record = makeRecord();
        await store.insert(record);
        await store.update(record.id, { expiresAt: '2030-01-01T00:00:00.000Z' });
        await store.update(record.id, {});
        await store.update(record.id, { revokedAt: new Date().toISOString() });
        const expected = { type: 'changed', id: record.id, hash: record.hash };
        await pollUntil(() => changes.length >= 5, 2000, 'three changes');
        // Give a stray fourth message the chance to arrive before checking there is none.
        await store.findByHash(record.hash);
        expect(changes.slice(2)).toEqual([expected, expected, expected]);
      });

      it(`subscribes with ${target.cluster ? 'SSUBSCRIBE on the shard of the store’s slot' : 'SUBSCRIBE'}`, async () => {
        const other = another();
        const off = await feedUp(other);
        const count = async (): Promise<number> => {
          const reply = (await node.call(
            'PUBSUB',
            target.cluster ? 'SHARDNUMSUB' : 'NUMSUB',
            t.layout.channel,
          )) as [string, number];
          return Number(reply[1]);
        };
        const subscribed = await count();
        expect(subscribed).toBeGreaterThanOrEqual(1);
        off();
        await pollUntil(async () => (await count()) === subscribed - 1, 2000, 'unsubscribed');
      });

      it("tells the writing store's own listeners before the write resolves", async () => {
        const changes: StoreChange[] = [];
        const unsubscribe = store.subscribe((change) => changes.push(change));
        try {
          const record = makeRecord();
          await store.insert(record);
          expect(changes).toContainEqual({ type: 'changed', id: record.id, hash: record.hash });
          changes.length = 0;
          await store.update(record.id, { revokedAt: new Date().toISOString() });
          expect(changes).toContainEqual({ type: 'changed', id: record.id, hash: record.hash });
        } finally {
          unsubscribe();
        }
      });
    });

    describe('with core', () => {
      it('counts exactly 200 requests after 200 verifies and a graceful close', async () => {
        const keys = createKeyManager({ store });
        const { key, record } = await keys.create({ projectId: 'proj_usage', name: 'usage' });
        const verifierStore = another();
        const verifier = createVerifier({ store: verifierStore });
        let ok = 0;
        for (let i = 0; i < 200; i++) {
          if ((await verifier.verify(`Bearer ${key}`)).ok) ok += 1;
        }
        await verifier.close();
        expect(ok).toBe(200);
        expect(await t.admin.hget(t.layout.record(record.hash), 'requestCount')).toBe('200');
        expect((await keys.get(record.id))?.lastUsedAt).not.toBeNull();
      });

      it('rejects a key at once on the instance that revoked it', async () => {
        const keys = createKeyManager({ store });
        // With the feed up, the verifier trusts its cache: only the store's own notice evicts.
        const probe = await feedUp(store);
        const verifier = createVerifier({ store });
        try {
          const { key, record } = await keys.create({ projectId: 'proj_self', name: 'self' });
          expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
          await keys.revoke(record.id);
          expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
            status: 401,
            reason: 'revoked',
          });
        } finally {
          await verifier.close();
          probe();
        }
      });

      it('rejects a key revoked through another store at once, through the feed', async () => {
        const keys = createKeyManager({ store });
        const { key, record } = await keys.create({ projectId: 'proj_feed', name: 'feed' });
        const otherStore = another();
        await feedUp(otherStore);
        const verifier = createVerifier({ store: otherStore });
        try {
          expect((await verifier.verify(`Bearer ${key}`)).ok).toBe(true);
          await keys.revoke(record.id);
          const elapsed = await pollUntil(
            async () => (await verifier.verify(`Bearer ${key}`)).ok === false,
            1000,
            'revocation seen by the other store',
          );
          expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
            status: 401,
            reason: 'revoked',
          });
          console.log(`${target.name}: in-process revocation propagation ${elapsed.toFixed(1)} ms`);
        } finally {
          await verifier.close();
        }
      });

      it('is what storeFromEnv builds from the zero-configuration environment', async () => {
        const fromEnv = storeFromEnv(t.env);
        try {
          expect(fromEnv).toBeInstanceOf(RedisKeyStore);
          expect((fromEnv as RedisKeyStore).description).toMatch(
            target.cluster ? /^Redis Cluster 127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){5}$/ : /^Redis /,
          );
          const { key, record } = await createKeyManager({ store }).create({
            projectId: 'proj_env',
            name: 'env',
          });
          expect(await fromEnv.get(record.id)).toStrictEqual(await store.get(record.id));
          const verifier = createVerifier({ store: fromEnv });
          expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({ ok: true });
          await verifier.close();
        } finally {
          await fromEnv.close();
        }
      });

      it('is the store of the vectorcache-keys CLI run with the same environment', async () => {
        const out: string[] = [];
        const err: string[] = [];
        const cli = (args: string[]): Promise<number> =>
          runCli(args, {
            env: t.env,
            stdout: { write: (text: string) => out.push(text) },
            stderr: { write: (text: string) => err.push(text) },
          });
        expect(await cli(['create', '--project', 'proj_cli', '--name', 'from-cli', '--json'])).toBe(
          0,
        );
        const issued = JSON.parse(out.join('')) as { key: string; record: { id: string } };
        const verifier = createVerifier({ store });
        try {
          expect(await verifier.verify(`Bearer ${issued.key}`)).toMatchObject({ ok: true });
          out.length = 0;
          expect(await cli(['revoke', issued.record.id, '--json'])).toBe(0);
          await pollUntil(
            async () => !(await verifier.verify(`Bearer ${issued.key}`)).ok,
            1000,
            'the key revoked by the CLI refused',
          );
        } finally {
          await verifier.close();
        }
        expect(err).toEqual([]);
      });

      it('makes the verifier answer 503 for a corrupt record', async () => {
        const keys = createKeyManager({ store });
        const { key, record } = await keys.create({ projectId: 'proj_corrupt', name: 'corrupt' });
        await t.admin.hset(t.layout.record(record.hash), 'scopes', '{{{');
        const verifier = createVerifier({ store });
        try {
          expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
            ok: false,
            status: 503,
            reason: 'store_unavailable',
          });
        } finally {
          await verifier.close();
        }
      });
    });

    describe('connections', () => {
      it('uses a caller client as is and leaves it open on close()', async () => {
        const client = t.newClient();
        const own = new RedisKeyStore({ client }, { keyPrefix: t.prefix });
        const record = makeRecord();
        await own.insert(record);
        await own.close();
        expect(await client.ping()).toBe('PONG');
        expect(await own.findByHash(record.hash).catch((e: VectorcacheAuthError) => e.code)).toBe(
          'store_unavailable',
        );
        const closing = new RedisKeyStore({ client }, { keyPrefix: t.prefix, closeClient: true });
        await closing.close();
        expect(client.status).toBe('end');
      });

      it('fails fast when unreachable at start-up, naming host:port and no credentials', async () => {
        const errors: Error[] = [];
        const port = await closedPort();
        const down = new RedisKeyStore(
          target.cluster
            ? {
                cluster: [{ host: '127.0.0.1', port }],
                clusterOptions: { redisOptions: { password: 'hunter2-secret' } },
              }
            : { url: `redis://admin:hunter2-secret@127.0.0.1:${port}` },
          { keyPrefix: t.prefix, onError: (e) => errors.push(e) },
        );
        try {
          const start = performance.now();
          const error = await down.findByHash('a'.repeat(64)).then(
            () => null,
            (e: VectorcacheAuthError) => e,
          );
          expect(performance.now() - start).toBeLessThan(1500);
          expect(error).toMatchObject({ code: 'store_unavailable' });
          expect(error?.message).toContain(`127.0.0.1:${port}`);
          expect(error?.message).not.toContain('hunter2');
          expect(down.description).not.toContain('hunter2');
          expect(errors.length).toBeGreaterThan(0);
        } finally {
          await down.close();
        }
      });
    });

    describe('failed-attempt counts shared across instances', () => {
      it('counts per client in one window shared by every store, and expires with it', async () => {
        const other = another();
        expect(await store.countFailedAttempt('203.0.113.1', 60_000)).toBe(1);
        expect(await other.countFailedAttempt('203.0.113.1', 60_000)).toBe(2);
        expect(await store.countFailedAttempt('203.0.113.2', 60_000)).toBe(1);
        const ttl = await t.admin.pttl(t.layout.attempts('203.0.113.1'));
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      });

      it('two verifiers on two connections stop a client that spreads its guesses', async () => {
        const a = createVerifier({ store, attemptLimit: { max: 4, windowMs: 60_000 } });
        const b = createVerifier({ store: another(), attemptLimit: { max: 4, windowMs: 60_000 } });
        const client = { client: '198.51.100.77' };
        const guess = (i: number): string => `Bearer vc_${i.toString(16).padStart(32, 'a')}`;
        for (let i = 0; i < 3; i++) await a.verify(guess(i), client);
        await b.verify(guess(3), client);
        const deadline = Date.now() + 2000;
        let status = 0;
        while (Date.now() < deadline) {
          const result = await b.verify(guess(4), client);
          status = result.ok ? 200 : result.status;
          if (status === 429) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(status).toBe(429);
        await a.close();
        await b.close();
      });
    });

    describe('no plaintext key in Redis', () => {
      const decoyName = (): string => `${t.layout.base}decoy`;

      it('detects a plaintext key when one is there, in the keys and in MONITOR', async () => {
        await t.admin.set(decoyName(), `vc_${randomBytes(16).toString('hex')}`);
        expect(await findPlaintextKeys(node, `${t.prefix}*`)).toEqual([decoyName()]);
        await t.admin.del(decoyName());
        await pollUntil(
          () => monitor.lines().some((line) => line.startsWith(`del ${decoyName()}`)),
          2000,
          'MONITOR to show the decoy removal',
        );
        expect(monitor.lines().filter((line) => PLAINTEXT_KEY.test(line))).toHaveLength(1);
      });

      it('finds none among every key, value and command this suite sent', async () => {
        const keys = await node.keys(`${t.prefix}*`);
        expect(keys.length).toBeGreaterThan(10);
        expect(await findPlaintextKeys(node, `${t.prefix}*`)).toEqual([]);
        // Scripts, hashes, channels: thousands of commands went by, none with a key but the decoy.
        expect(monitor.lines().length).toBeGreaterThan(100);
        const leaks = monitor
          .lines()
          .filter((line) => PLAINTEXT_KEY.test(line) && !line.includes(decoyName()));
        expect(leaks).toEqual([]);
      });
    });
  });
}

describe('RedisKeyStore options', () => {
  it.each([
    [{}, {}, /exactly one of/],
    [{ url: 'http://x' }, {}, /redis:\/\//],
    [{ url: 'redis://127.0.0.1:1', cluster: [] }, {}, /exactly one of/],
    [{ cluster: [] }, {}, /non-empty array/],
    [{ cluster: [{ host: '127.0.0.1', port: 70000 }] }, {}, /127\.0\.0\.1:70000/],
    [{ url: 'redis://127.0.0.1:1' }, { commandTimeoutMs: 0 }, /commandTimeoutMs/],
    [{ url: 'redis://127.0.0.1:1' }, { idCacheMax: 1.5 }, /idCacheMax/],
    [{ url: 'redis://127.0.0.1:1' }, { auditLimit: -1 }, /auditLimit/],
  ])('refuses bad options with invalid_option (%j %j)', (connection, options, message) => {
    expect(() => new RedisKeyStore(connection as never, options as never)).toThrow(message);
    expect(() => new RedisKeyStore(connection as never, options as never)).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });

  it('describes a connection by host and port only', () => {
    const url = new RedisKeyStore({
      url: 'redis://user:s3cret@10.1.2.3:6380/2',
      redisOptions: { lazyConnect: true },
    });
    expect(url.description).toBe('Redis 10.1.2.3:6380');
    void url.close();
    const seeds = new Cluster(
      ['redis://user:s3cret@10.1.2.3:7000', { host: '10.1.2.4', port: 7001 }],
      {
        lazyConnect: true,
      },
    );
    const cluster = new RedisKeyStore({ client: seeds });
    expect(cluster.description).toBe('Redis Cluster 10.1.2.3:7000,10.1.2.4:7001');
    seeds.disconnect();
  });
});
