/**
 * PostgreSQL failing under a running verifier, through a TCP proxy on loopback that the test
 * freezes (nothing passes, nothing closes: a hung server or a partition) or severs (every
 * connection reset: a server that went down), then restores. Fail closed within the store
 * timeout, the cache not trusted while the feed is lost, and recovery without a restart.
 */
import { createKeyManager, createVerifier, type StoreChange } from '@vectorcache/auth-core';
import { verifyNow } from '@vectorcache/auth-core/adapter';
import { PostgresKeyStore } from '@vectorcache/auth-postgres';
import { freezableLink, type FreezableLink } from '../../../test-utils/frozen-link';
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../../../test-utils/postgres';
import { feedUp, pollUntil } from './helpers';

const TIMEOUT_MS = 500;
/** Slack for a loaded machine on top of every bound below: bounds, not benchmarks. */
const MARGIN_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describePostgres('PostgreSQL frozen or down under a verifier', () => {
  let db: TestDatabase;
  let link: FreezableLink;
  let direct: PostgresKeyStore;
  let through: PostgresKeyStore;
  const changes: StoreChange[] = [];
  let stopWatching: () => void;

  beforeAll(async () => {
    db = await createTestDatabase('faults');
    const target = new URL(db.url);
    link = await freezableLink(target.hostname, Number(target.port || 5432));
    direct = new PostgresKeyStore({ connectionString: db.url });
    through = new PostgresKeyStore(
      { connectionString: db.urlVia('127.0.0.1', link.port) },
      { timeoutMs: TIMEOUT_MS },
    );
    stopWatching = await feedUp(through, changes);
  }, 30000);

  afterAll(async () => {
    stopWatching?.();
    link?.thaw();
    await through?.close();
    await direct?.close();
    await link?.close();
    await db?.drop();
  });

  const since = (from: number, type: StoreChange['type']) =>
    changes.slice(from).some((change) => change.type === type);

  it('frozen: the feed is lost, the cached key is not trusted, every answer is a 503 within the timeout; thawed: the revocation holds', async () => {
    const keys = createKeyManager({ store: direct });
    const { key, record } = await keys.create({ projectId: 'proj_freeze', name: 'frozen' });
    const header = `Bearer ${key}`;
    const verifier = createVerifier({ store: through, timeoutMs: TIMEOUT_MS });
    try {
      await pollUntil(
        () => {
          const now = verifyNow(verifier, header);
          return !(now instanceof Promise) && now.ok;
        },
        5000,
        'the key cached',
        20,
      );
      const mark = changes.length;
      link.freeze();
      const frozenAt = performance.now();
      await keys.revoke(record.id);
      await pollUntil(() => since(mark, 'feed_lost'), 2 * 250 + MARGIN_MS, 'feed_lost');
      const lostAfter = performance.now() - frozenAt;
      // The feed is lost: the cache is not trusted, the store does not answer, so 503.
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const result = await verifier.verify(header);
        const took = performance.now() - started;
        expect(result).toMatchObject({ ok: false, status: 503, reason: 'store_unavailable' });
        expect(took).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      }
      console.log(`frozen link: feed_lost ${lostAfter.toFixed(0)} ms after the freeze`);
      link.thaw();
      await pollUntil(() => since(mark, 'feed_restored'), 5000, 'feed_restored');
      // Cleared on return: the revocation made during the gap is seen, not the cached record.
      expect(await verifier.verify(header)).toMatchObject({ status: 401, reason: 'revoked' });
      const fresh = await keys.create({ projectId: 'proj_freeze', name: 'after' });
      await pollUntil(
        async () => (await verifier.verify(`Bearer ${fresh.key}`)).ok,
        5000,
        'a new key accepted after the thaw',
        20,
      );
    } finally {
      link.thaw();
      await verifier.close();
    }
  });

  it('down (every connection reset): a 503 at once, the feed lost; back: keys verify again without a restart', async () => {
    const keys = createKeyManager({ store: direct });
    const { key } = await keys.create({ projectId: 'proj_down', name: 'down' });
    const verifier = createVerifier({ store: through, timeoutMs: TIMEOUT_MS });
    try {
      await pollUntil(
        () => since(0, 'feed_restored') && changes.at(-1)?.type !== 'feed_lost',
        5000,
        'feed up',
      );
      const mark = changes.length;
      link.sever();
      const started = performance.now();
      expect(await verifier.verify(`Bearer ${key}`)).toMatchObject({
        ok: false,
        status: 503,
        reason: 'store_unavailable',
      });
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      await pollUntil(() => since(mark, 'feed_lost'), 2 * 250 + MARGIN_MS, 'feed_lost');
      await sleep(300);
      link.thaw();
      await pollUntil(() => since(mark, 'feed_restored'), 5000, 'feed_restored');
      await pollUntil(
        async () => (await verifier.verify(`Bearer ${key}`)).ok,
        5000,
        'the key accepted once PostgreSQL is back',
        20,
      );
    } finally {
      link.thaw();
      await verifier.close();
    }
  });

  it('down at start-up: the first calls fail closed at once, and the schema is made once it is back', async () => {
    const schema = `late_${Date.now().toString(36)}`;
    link.sever();
    const late = new PostgresKeyStore(
      { connectionString: db.urlVia('127.0.0.1', link.port) },
      { schema, timeoutMs: TIMEOUT_MS },
    );
    try {
      const started = performance.now();
      await expect(late.findByHash('0'.repeat(64))).rejects.toMatchObject({
        code: 'store_unavailable',
      });
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      link.thaw();
      expect(await late.findByHash('0'.repeat(64))).toBeNull();
      expect(await db.query(`SELECT version FROM ${schema}.migrations ORDER BY version`)).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
    } finally {
      link.thaw();
      await late.close();
    }
  });

  it('feedConnectionString: the feed listens there, the queries go to the connection', async () => {
    const split = new PostgresKeyStore(
      { connectionString: db.url },
      { feedConnectionString: db.urlVia('127.0.0.1', link.port), timeoutMs: TIMEOUT_MS },
    );
    const seen: StoreChange[] = [];
    try {
      await feedUp(split, seen);
      const mark = seen.length;
      link.freeze();
      await pollUntil(
        () => seen.slice(mark).some((c) => c.type === 'feed_lost'),
        2 * 250 + MARGIN_MS,
        'feed_lost',
      );
      expect(await split.findByHash('0'.repeat(64))).toBeNull(); // queries unaffected
      link.thaw();
      await pollUntil(
        () => seen.slice(mark).some((c) => c.type === 'feed_restored'),
        5000,
        'feed_restored',
      );
    } finally {
      link.thaw();
      await split.close();
    }
  });
});
