import { createServer } from 'node:http';
import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import request from 'supertest';
import { served } from '../../../test-utils/adapter-apps';
import { exampleSuite } from '../../shared/example-suite';
import { createMetricsExample, type MetricsExample } from '../src/app';
import { createObservability } from '../src/observability';

// The wiring changes nothing the API answers: the shared suite, on the same database as the others.
exampleSuite('production-metrics', async () => {
  const example = createMetricsExample(createObservability({ write: () => undefined }));
  return served(createServer(example.app), () => example.close());
});

describe('metrics and logs after known traffic', () => {
  let store: MemoryKeyStore;
  let example: MetricsExample;
  let lines: string[];
  let reader: string;
  let readerId: string;
  let other: string;
  let otherId: string;

  beforeEach(async () => {
    store = new MemoryKeyStore();
    const keys = createKeyManager({ store });
    const created = await keys.create({
      projectId: 'acme',
      name: 'reader',
      scopes: ['cache:read'],
    });
    reader = created.key;
    readerId = created.record.id;
    const elsewhere = await keys.create({ projectId: 'globex', name: 'other' });
    other = elsewhere.key;
    otherId = elsewhere.record.id;
    lines = [];
    const observability = createObservability({ write: (line: string) => void lines.push(line) });
    example = createMetricsExample(observability, { store, projectId: 'acme' });
  });

  afterEach(async () => {
    await example.close();
    await store.close();
  });

  const query = (key?: string) => {
    const call = request(example.app).post('/v1/cache/query').send({ prompt: 'hello' });
    return key === undefined ? call : call.set('Authorization', `Bearer ${key}`);
  };

  it('/metrics counts every decision, cache lookup and store read, and the logs every refusal', async () => {
    const unknown = `vc_${'0'.repeat(32)}`;
    for (let i = 0; i < 3; i++) expect((await query(reader)).status).toBe(200);
    expect((await query()).status).toBe(401);
    expect((await query(unknown)).status).toBe(401);
    expect((await query(unknown)).status).toBe(401);
    expect((await query(other)).status).toBe(403);
    const write = await request(example.app)
      .post('/v1/cache/write')
      .set('Authorization', `Bearer ${reader}`)
      .send({ prompt: 'hello', response: 'world' });
    expect(write.status).toBe(403);

    const scrape = await request(example.metricsApp).get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = new Map(
      scrape.text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => {
          const at = line.lastIndexOf(' ');
          return [line.slice(0, at), Number(line.slice(at + 1))] as const;
        }),
    );
    const decisions = (outcome: string, reason: string, stage: string) =>
      samples.get(
        `vectorcache_auth_decisions_total{outcome="${outcome}",reason="${reason}",stage="${stage}"}`,
      );
    // Three queries and the write the route guard then refuses passed the middleware.
    expect(decisions('verified', 'none', 'middleware')).toBe(4);
    expect(decisions('rejected', 'missing', 'middleware')).toBe(1);
    expect(decisions('rejected', 'unknown', 'middleware')).toBe(2);
    expect(decisions('rejected', 'wrong_project', 'middleware')).toBe(1);
    expect(decisions('rejected', 'insufficient_scope', 'route')).toBe(1);
    expect(
      [...samples.keys()].filter((name) => name.startsWith('vectorcache_auth_decisions_total')),
    ).toHaveLength(5);

    // Misses: the reader's first query, the unknown key's first, the other project's key.
    expect(samples.get('vectorcache_auth_cache_lookups_total{result="miss"}')).toBe(3);
    expect(samples.get('vectorcache_auth_cache_lookups_total{result="hit"}')).toBe(4);
    expect(samples.get('vectorcache_auth_store_read_seconds_count{result="found"}')).toBe(2);
    expect(samples.get('vectorcache_auth_store_read_seconds_count{result="not_found"}')).toBe(1);
    expect(
      samples.get('vectorcache_auth_store_read_seconds_bucket{le="+Inf",result="found"}'),
    ).toBe(2);
    expect(
      samples.get('vectorcache_auth_store_read_seconds_sum{result="found"}'),
    ).toBeGreaterThanOrEqual(0);

    expect(samples.get('vectorcache_auth_cache_entries{cache="verified"}')).toBe(2);
    expect(samples.get('vectorcache_auth_cache_entries{cache="unknown"}')).toBe(1);
    expect(samples.get('vectorcache_auth_cache_entries{cache="refused"}')).toBe(0);
    expect(samples.get('vectorcache_auth_change_feed_up')).toBe(1);

    // One JSON line per refusal: reason, key id and prefix when known, never a key.
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((l) => [l.msg, l.reason, l.keyId, l.prefix, l.stage])).toEqual([
      ['request refused', 'missing', undefined, undefined, 'middleware'],
      ['request refused', 'unknown', undefined, unknown.slice(0, 7), 'middleware'],
      ['request refused', 'unknown', undefined, unknown.slice(0, 7), 'middleware'],
      ['request refused', 'wrong_project', otherId, other.slice(0, 7), 'middleware'],
      ['request refused', 'insufficient_scope', readerId, reader.slice(0, 7), 'route'],
    ]);
    for (const line of lines) expect(line).not.toMatch(/vc_[0-9a-f]{32}/);
    expect(logged.every((l) => l.level === 40 && typeof l.time === 'number')).toBe(true);
  });

  it('a revoked key is counted in the refused-key cache once the store says so', async () => {
    const keys = createKeyManager({ store });
    const { key, record } = await keys.create({ projectId: 'acme', name: 'temp' });
    await keys.revoke(record.id);
    expect((await query(key)).status).toBe(401);
    expect((await query(key)).status).toBe(401);
    const scrape = await request(example.metricsApp).get('/metrics');
    expect(scrape.text).toContain('vectorcache_auth_cache_entries{cache="refused"} 1\n');
    expect(scrape.text).toContain(
      'vectorcache_auth_decisions_total{outcome="rejected",reason="revoked",stage="middleware"} 2\n',
    );
  });
});
