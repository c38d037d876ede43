/**
 * Leak scan: a service on a private Redis, with VECTORCACHE_DEBUG=1, answers every kind of
 * request (valid, wrong project, missing scope, revoked, rotated then expired, unknown, near
 * misses, malformed, rate-limited, and 503s while Redis is frozen). Then every place a key could
 * leak to is read: the server's stdout and stderr, every response body, the Redis MONITOR stream
 * of the whole run, and every Redis key and value. None may hold a plaintext key. Each source
 * also carries a planted decoy key that the scan must find, so a broken capture cannot pass.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Redis } from 'ioredis';
import {
  createKeyManager,
  generateApiKey,
  hashApiKey,
  keyPrefix,
  type KeyManager,
} from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { startPrivateRedis, type PrivateRedis } from '../../test-utils/redis-server';
import { describeRedis, uniquePrefix } from '../../test-utils/redis';
import {
  AUTH_SERVER,
  DEBUG_LINE,
  perSecondTable,
  plaintextKeysIn,
  sleep,
  startLoad,
  startServer,
  waitFor,
  type Sample,
  type ServerProcess,
  type Shot,
} from './harness';
import { alternates, splitStoreWarnings } from '../../test-utils/store-warnings';

const PROJECT = 'proj_leaks';
const DURATION_MS = 6000;

/** Every key name and value in the (private) Redis, type by type. */
async function dumpKeyspace(client: Redis): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, names] = await client.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const name of names) {
      const type = await client.type(name);
      let value: unknown;
      if (type === 'string') value = await client.get(name);
      else if (type === 'hash') value = await client.hgetall(name);
      else if (type === 'set') value = await client.smembers(name);
      else if (type === 'zset') value = await client.zrange(name, 0, -1, 'WITHSCORES');
      else if (type === 'list') value = await client.lrange(name, 0, -1);
      else if (type === 'stream') value = await client.xrange(name, '-', '+');
      else value = `<unread type ${type}>`;
      parts.push(`${name} ${type} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** `redis-cli monitor` on the private server, resolved once Redis confirmed it (`OK`). */
function startMonitor(
  port: number,
): Promise<{ child: ChildProcessWithoutNullStreams; text: () => string }> {
  const child = spawn('redis-cli', ['-p', String(port), 'monitor'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return waitFor('MONITOR to start', () => (text.startsWith('OK') ? true : undefined), 5000).then(
    () => ({ child, text: () => text }),
  );
}

describeRedis('leak scan: no plaintext key anywhere (private redis-server)', () => {
  let redis: PrivateRedis;
  let store: RedisKeyStore;
  let admin: Redis;
  let server: ServerProcess;
  let monitor: { child: ChildProcessWithoutNullStreams; text: () => string };
  let samples: Sample[] = [];
  /** Every plaintext key this test issued or sent. */
  const issued = new Set<string>();
  let hotKey = '';
  const decoys = { server: generateApiKey(), redis: generateApiKey() };
  let keyspaceWithDecoy = '';
  let keyspaceAfter = '';

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const prefix = uniquePrefix('leaks');
    monitor = await startMonitor(redis.port);
    store = new RedisKeyStore({ url: redis.url }, { keyPrefix: prefix });
    admin = new Redis(redis.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    admin.on('error', () => undefined);
    await admin.connect();
    const keys: KeyManager = createKeyManager({ store });
    const create = async (projectId: string, name: string, scopes?: string[]) => {
      const made = await keys.create({ projectId, name, scopes });
      issued.add(made.key);
      return made;
    };
    const hot = await create(PROJECT, 'hot', ['cache:read']);
    hotKey = hot.key;
    const writer = await create(PROJECT, 'writer', ['cache:read', 'cache:write']);
    const other = await create('proj_other', 'other');
    const doomed = await create(PROJECT, 'doomed');
    const rotating = await create(PROJECT, 'rotating');
    const expiring = await create(PROJECT, 'expiring', undefined);
    const lastHex = (key: string): string => key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');

    server = await startServer(AUTH_SERVER, {
      VC_REDIS_URL: redis.url,
      VC_PREFIX: prefix,
      VC_PROJECT: PROJECT,
      VC_DECOY: decoys.server,
      VC_ATTEMPT_LIMIT: '5',
      VECTORCACHE_DEBUG: '1',
    });

    let rotated = '';
    let n = 0;
    const shots = (): Shot => {
      // Many clients, so only the one below is rate-limited and the others reach the store.
      const client = `10.0.${(n >> 8) % 8}.${n % 256}`;
      const bearer = (key: string): Shot => ({
        kind: 'auth',
        path: '/v1/cache',
        authorization: `Bearer ${key}`,
        forwardedFor: client,
      });
      const unknown = generateApiKey();
      const menu: Shot[] = [
        bearer(hot.key),
        { ...bearer(hot.key), path: '/v1/cache/write' }, // insufficient scope
        { ...bearer(writer.key), path: '/v1/cache/write' },
        bearer(other.key), // wrong project
        bearer(doomed.key),
        bearer(rotating.key),
        bearer(rotated || hot.key),
        bearer(expiring.key),
        bearer(unknown),
        bearer(lastHex(hot.key)), // near miss
        bearer(hot.key.toUpperCase()),
        { ...bearer(hot.key), authorization: `Basic ${hot.key}` },
        { ...bearer(hot.key), authorization: `Bearer ${hot.key}, Bearer ${writer.key}` },
        { ...bearer(hot.key), authorization: `Bearer ${hot.key}x` },
        { kind: 'auth', path: '/v1/cache', forwardedFor: client },
        { ...bearer(hot.key), forwardedFor: '198.51.100.7' }, // one client, rate-limited soon
        { ...bearer(unknown), forwardedFor: '198.51.100.7' },
      ];
      const shot = menu[n++ % menu.length]!;
      for (const key of plaintextKeysIn(shot.authorization ?? '')) issued.add(key);
      return shot;
    };
    const run = startLoad(
      server.port,
      [
        { next: shots },
        { next: shots },
        { next: shots },
        { next: () => ({ kind: 'decoy', path: '/decoy' }), pauseMs: 2000 },
      ],
      { durationMs: DURATION_MS, maxRequests: 200_000 },
    );
    const at = async (ms: number): Promise<void> => {
      if (run.now() < ms) await sleep(ms - run.now());
    };
    const events: Array<{ at: number; what: string }> = [];
    await at(1000);
    await keys.revoke(doomed.record.id);
    rotated = (await keys.rotate(rotating.record.id, { gracePeriodMs: 1000 })).key;
    issued.add(rotated);
    // An earlier expiry on an existing key goes through the store's update path too.
    await store.update(expiring.record.id, { expiresAt: new Date(Date.now() + 500).toISOString() });
    events.push({ at: run.now(), what: 'revoke+rotate+expire' });
    await at(3000);
    redis.freeze();
    events.push({ at: run.now(), what: 'SIGSTOP' });
    await at(4500);
    redis.thaw();
    events.push({ at: run.now(), what: 'SIGCONT' });
    await run.done;
    samples = run.samples;
    await keys.list({ projectId: PROJECT }); // a read of every record, also seen by MONITOR
    console.log(
      `leak scan: ${samples.length} requests, ${issued.size} keys\n${perSecondTable(samples, events)}`,
    );

    // Positive control in Redis: a decoy value, found by the scan and by MONITOR, then removed.
    const decoyName = `${prefix}decoy`;
    await admin.hset(decoyName, 'planted', decoys.redis);
    keyspaceWithDecoy = await dumpKeyspace(admin);
    await admin.del(decoyName);
    keyspaceAfter = await dumpKeyspace(admin);
    await waitFor(
      'MONITOR to show the decoy removal',
      () => (monitor.text().toLowerCase().includes(`"del" "${decoyName}"`) ? true : undefined),
      5000,
    );
    await server.stop();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    monitor?.child.kill('SIGKILL');
    await store?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('exercised every answer (so the scan read real traffic)', () => {
    const statuses = new Set(samples.map((s) => s.status));
    for (const status of [200, 401, 403, 429, 503]) expect(statuses).toContain(status);
    expect(samples.filter((s) => s.status === 0)).toEqual([]);
  });

  it('finds the planted decoys, so each capture works', () => {
    expect(decoys.server).toMatch(/^vc_[0-9a-f]{32}$/);
    expect(plaintextKeysIn(server.stdout())).toEqual([decoys.server]);
    expect(plaintextKeysIn(server.stderr())).toEqual([decoys.server]);
    const bodies = samples.map((s) => s.body).join('\n');
    expect(plaintextKeysIn(bodies)).toEqual([decoys.server]);
    expect(plaintextKeysIn(monitor.text())).toEqual([decoys.redis]);
    expect(plaintextKeysIn(keyspaceWithDecoy)).toEqual([decoys.redis]);
    // MONITOR saw the verify path (lookups by hash) and the writes of the key manager.
    expect(monitor.text()).toContain(hashApiKey(hotKey));
    expect(monitor.text().split('\n').length).toBeGreaterThan(100);
    // stderr holds the debug decisions, with the display prefix only.
    expect(server.stderr()).toContain(`prefix=${keyPrefix(hotKey)}...`);
    expect(keyspaceWithDecoy).toContain(hashApiKey(hotKey));
  });

  it('finds no plaintext key in stdout, stderr, response bodies, MONITOR or the keyspace', () => {
    const leaked = (text: string): string[] =>
      plaintextKeysIn(text).filter((key) => key !== decoys.server && key !== decoys.redis);
    expect(issued.size).toBeGreaterThan(100);
    expect(leaked(server.stdout())).toEqual([]);
    expect(leaked(server.stderr())).toEqual([]);
    expect(leaked(samples.map((s) => s.body).join('\n'))).toEqual([]);
    expect(leaked(monitor.text())).toEqual([]);
    expect(leaked(keyspaceWithDecoy)).toEqual([]);
    expect(plaintextKeysIn(keyspaceAfter)).toEqual([]);
    // Not even a key without its `vc_` (the 32 hex of any key this test issued or sent).
    const everything = [
      server.stdout(),
      server.stderr(),
      samples.map((s) => s.body).join('\n'),
      monitor.text(),
      keyspaceAfter,
    ].join('\n');
    expect([...issued].filter((key) => everything.includes(key.slice(3)))).toEqual([]);
  });

  it('wrote nothing on stderr but debug lines, store transitions (and the decoy)', () => {
    const { rest, transitions } = splitStoreWarnings(server.stderr());
    expect(alternates(transitions)).toBe(true);
    const lines = rest.split('\n').filter(Boolean);
    expect(
      lines.filter((line) => !DEBUG_LINE.test(line) && line !== `decoy ${decoys.server}`),
    ).toEqual([]);
  });
});
