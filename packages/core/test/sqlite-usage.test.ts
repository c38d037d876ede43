import { createKeyManager } from '../src/keys/key-manager';
import type { AuditEntry, UsageEntry, UsageRow } from '../src/types';
import { sqliteDriversHere, sqliteSandbox } from './sqlite-fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-10T10:20:00.000Z');

function audit(projectId: string, n: number): AuditEntry {
  return {
    at: new Date(T0 + n * 1000).toISOString(),
    projectId,
    action: 'key.updated',
    actor: null,
    target: { keyId: `key_${String(n).padStart(24, '0')}`, prefix: 'vc_0000', name: `n${n}` },
  };
}

/** Rows in the store's order: by start, then key id, then outcome. */
const ordered = (rows: UsageRow[]): UsageRow[] =>
  [...rows].sort(
    (x, y) =>
      x.start.localeCompare(y.start) ||
      x.keyId.localeCompare(y.keyId) ||
      x.outcome.localeCompare(y.outcome),
  );

describe.each(sqliteDriversHere())('SqliteKeyStore usage, analytics and audit on %s', (driver) => {
  const box = sqliteSandbox(driver);

  async function setup(options: Parameters<typeof box.store>[0] = {}) {
    let now = T0;
    const store = box.store({ now: () => now, ...options });
    const keys = createKeyManager({ store, now: () => now });
    const a = (await keys.create({ projectId: 'p', name: 'a' })).record;
    const b = (await keys.create({ projectId: 'p', name: 'b' })).record;
    const other = (await keys.create({ projectId: 'q', name: 'other' })).record;
    return { store, a, b, other, advance: (ms: number) => void (now += ms), at: () => now };
  }

  const entry = (id: string, count: number, at: number, extra: Partial<UsageEntry> = {}) => ({
    id,
    count,
    lastUsedAt: new Date(at).toISOString(),
    ...extra,
  });

  it('adds counts, keeps the latest last-used time, and ignores unknown ids', async () => {
    const { store, a, b } = await setup();
    await store.recordUsage([entry(a.id, 3, T0 + 5000), entry('key_unknown', 9, T0)]);
    await store.recordUsage([entry(a.id, 2, T0 + 1000), entry(b.id, 1, T0 + 2000)]);
    expect(await store.get(a.id)).toMatchObject({
      requestCount: 5,
      lastUsedAt: new Date(T0 + 5000).toISOString(),
    });
    expect(await store.get(b.id)).toMatchObject({ requestCount: 1 });
    // Requests of a revoked key (no lastUsedAt) count, and leave lastUsedAt alone.
    await store.recordUsage([{ id: b.id, count: 2 }]);
    expect(await store.get(b.id)).toMatchObject({
      requestCount: 3,
      lastUsedAt: new Date(T0 + 2000).toISOString(),
    });
    // An entry of analytics only (count 0) changes neither.
    await store.recordUsage([entry(b.id, 0, T0 + 9000)]);
    expect(await store.get(b.id)).toMatchObject({
      requestCount: 3,
      lastUsedAt: new Date(T0 + 2000).toISOString(),
    });
  });

  it('applies a batch once per flush id, for at least ten minutes, across connections', async () => {
    const { store, a, advance } = await setup();
    const batch = [
      entry(a.id, 4, T0, {
        buckets: [{ hour: new Date(T0).toISOString(), outcome: 'valid', count: 4 }],
      }),
    ];
    await store.recordUsage(batch, 'flush-1');
    await store.recordUsage(batch, 'flush-1'); // a retry of a write that had landed
    advance(10 * 60_000);
    await box.store({ now: () => T0 + 10 * 60_000 }).recordUsage(batch, 'flush-1');
    expect((await store.get(a.id))?.requestCount).toBe(4);
    await store.recordUsage(batch, 'flush-2');
    await store.recordUsage(batch); // no id: always applied
    expect((await store.get(a.id))?.requestCount).toBe(12);
    const rows = await store.readUsage({
      projectId: 'p',
      keyId: a.id,
      from: new Date(T0 - DAY).toISOString(),
      to: new Date(T0 + DAY).toISOString(),
      granularity: 'hour',
    });
    expect(rows).toEqual([
      { keyId: a.id, start: '2026-03-10T10:00:00.000Z', outcome: 'valid', count: 12 },
    ]);
  });

  it('keeps analytics by hour and by UTC day, per key and outcome, and reads them by project or key', async () => {
    const { store, a, b, other } = await setup();
    const hour = (ms: number) => new Date(ms).toISOString();
    await store.recordUsage([
      entry(a.id, 3, T0, {
        buckets: [
          { hour: hour(T0), outcome: 'valid', count: 3 },
          { hour: hour(T0), outcome: 'insufficient_scope', count: 2 },
          { hour: hour(T0 - 11 * HOUR), outcome: 'valid', count: 1 }, // the day before
        ],
      }),
      entry(b.id, 1, T0, { buckets: [{ hour: hour(T0 + HOUR), outcome: 'valid', count: 1 }] }),
      entry(other.id, 1, T0, { buckets: [{ hour: hour(T0), outcome: 'valid', count: 6 }] }),
      // Junk buckets are refused one by one, never stored.
      entry(b.id, 0, T0, {
        buckets: [
          { hour: 'yesterday', outcome: 'valid', count: 1 },
          { hour: hour(T0), outcome: 'bogus' as never, count: 1 },
          { hour: hour(T0), outcome: 'valid', count: -1 },
        ],
      }),
    ]);
    const range = { from: '2026-03-09T00:00:00Z', to: '2026-03-11T00:00:00Z' };
    expect(await store.readUsage({ projectId: 'p', ...range, granularity: 'hour' })).toEqual(
      ordered([
        { keyId: a.id, start: '2026-03-09T23:00:00.000Z', outcome: 'valid', count: 1 },
        { keyId: a.id, start: '2026-03-10T10:00:00.000Z', outcome: 'insufficient_scope', count: 2 },
        { keyId: a.id, start: '2026-03-10T10:00:00.000Z', outcome: 'valid', count: 3 },
        { keyId: b.id, start: '2026-03-10T11:00:00.000Z', outcome: 'valid', count: 1 },
      ]),
    );
    expect(await store.readUsage({ projectId: 'p', ...range, granularity: 'day' })).toEqual(
      ordered([
        { keyId: a.id, start: '2026-03-09T00:00:00.000Z', outcome: 'valid', count: 1 },
        { keyId: a.id, start: '2026-03-10T00:00:00.000Z', outcome: 'insufficient_scope', count: 2 },
        { keyId: a.id, start: '2026-03-10T00:00:00.000Z', outcome: 'valid', count: 3 },
        { keyId: b.id, start: '2026-03-10T00:00:00.000Z', outcome: 'valid', count: 1 },
      ]),
    );
    expect(
      await store.readUsage({ projectId: 'p', keyId: b.id, ...range, granularity: 'day' }),
    ).toEqual([{ keyId: b.id, start: '2026-03-10T00:00:00.000Z', outcome: 'valid', count: 1 }]);
    // Another project's key is not read through this project.
    expect(
      await store.readUsage({ projectId: 'p', keyId: other.id, ...range, granularity: 'hour' }),
    ).toEqual([]);
    await expect(
      store.readUsage({ projectId: 'p', from: 'soon', to: range.to, granularity: 'hour' }),
    ).rejects.toThrow(/from must be an ISO-8601 date/);
  });

  it('drops hourly rows after 35 days and daily rows after 400 days by default, or as configured', async () => {
    const { store, a, advance, at } = await setup();
    const bucket = (ms: number) => [
      { hour: new Date(ms).toISOString(), outcome: 'valid' as const, count: 1 },
    ];
    await store.recordUsage([entry(a.id, 1, T0, { buckets: bucket(T0) })]);
    const read = (granularity: 'hour' | 'day') =>
      store.readUsage({
        projectId: 'p',
        from: new Date(T0 - 2 * DAY).toISOString(),
        to: new Date(at() + DAY).toISOString(),
        granularity,
      });
    advance(34 * DAY);
    await store.recordUsage([entry(a.id, 1, at(), { buckets: bucket(at()) })]);
    expect(await read('hour')).toHaveLength(2);
    advance(2 * DAY); // the first hour is now 36 days old
    await store.recordUsage([entry(a.id, 1, at())]);
    expect((await read('hour')).map((r) => r.start)).toEqual([
      new Date(Math.floor((T0 + 34 * DAY) / HOUR) * HOUR).toISOString(),
    ]);
    expect(await read('day')).toHaveLength(2);
    advance(365 * DAY); // 401 days after the first, 367 after the second
    await store.recordUsage([entry(a.id, 1, at())]);
    expect(await read('day')).toHaveLength(1);

    const short = await setup({ retention: { hourlyDays: 1, dailyDays: 2 } });
    await short.store.recordUsage([entry(short.a.id, 1, T0, { buckets: bucket(T0 - 3 * DAY) })]);
    expect(
      await short.store.readUsage({
        projectId: 'p',
        from: new Date(T0 - 5 * DAY).toISOString(),
        to: new Date(T0 + DAY).toISOString(),
        granularity: 'day',
      }),
    ).toEqual([]);
  });

  it('keeps the newest audit entries per project, newest first', async () => {
    const { store } = await setup({ auditMax: 5 });
    for (let n = 1; n <= 8; n++) await store.appendAudit(audit('p', n));
    await store.appendAudit(audit('q', 100));
    const p = await store.listAudit({ projectId: 'p', limit: 100 });
    expect(p.map((e) => e.target.name)).toEqual(['n8', 'n7', 'n6', 'n5', 'n4']);
    expect(p[0]).toEqual(audit('p', 8));
    expect((await store.listAudit({ projectId: 'p', limit: 2 })).length).toBe(2);
    // Creating the fixture's keys through the key manager audited them too: ours is the newest.
    expect((await store.listAudit({ projectId: 'q', limit: 10 }))[0]).toEqual(audit('q', 100));
    expect(await store.listAudit({ projectId: 'none', limit: 10 })).toEqual([]);
    await expect(store.listAudit({ projectId: 'p', limit: 0 })).rejects.toThrow(/limit >= 1/);
    await expect(store.appendAudit({} as AuditEntry)).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('keeps 10,000 audit entries per project by default', async () => {
    const { store } = await setup();
    const db = await box.raw();
    // Fill quickly with SQL, then append through the store, which trims to the bound.
    db.exec('BEGIN');
    const insert = db.prepare('INSERT INTO audit (project_id, entry) VALUES (?, ?)');
    for (let n = 0; n < 10_005; n++) insert.run('p', JSON.stringify(audit('p', n)));
    db.exec('COMMIT');
    await store.appendAudit(audit('p', 99_999));
    expect(db.prepare("SELECT count(*) AS n FROM audit WHERE project_id = 'p'").get()?.n).toBe(
      10_000,
    );
    expect((await store.listAudit({ projectId: 'p', limit: 1 }))[0]).toEqual(audit('p', 99_999));
  });
});
