import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { hashApiKey } from '@vectorcache/auth-core';
import type { ApiKeyRecord, IssuedKey } from '@vectorcache/auth-core';
import { describeRedis, redisUrl, uniquePrefix } from '../../test-utils/redis';
import {
  PLAINTEXT_KEY,
  runCliProcess,
  startServer,
  waitFor,
  type CliRun,
  type ServerProcess,
} from './processes';

// Real processes under a loaded 2-core machine: generous bounds, never relied on for speed.
jest.setTimeout(60_000);

// Real processes end to end: the `vectorcache-keys` CLI and a zero-config `vectorcacheAuth()`
// server share nothing but a working directory and environment variables.
const SERVER_SCRIPT = join(__dirname, 'fixtures', 'zero-config-server.ts');
const REQUESTS = 5;

interface Backend {
  env: NodeJS.ProcessEnv;
  /** Every value the store holds, as text, to look for plaintext keys in. */
  storeContents: () => Promise<string>;
}

function ask(server: ServerProcess, key?: string): Promise<Response> {
  return fetch(`${server.url}/v1/cache/query`, {
    method: 'POST',
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
}

/** Defines the whole flow for one store; `setUp` runs in beforeAll with a fresh temp directory. */
function defineFlow(setUp: (dir: string) => Promise<Backend>, tearDown: () => Promise<void>): void {
  let dir: string;
  let backend: Backend;
  let server: ServerProcess | undefined;
  let issued: IssuedKey;
  const cli = async (...args: string[]): Promise<CliRun> => {
    const result = await runCliProcess(args, dir, backend.env);
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({
      args,
      code: 0,
      stderr: '',
    });
    return result;
  };
  const listJson = async (): Promise<ApiKeyRecord[]> =>
    JSON.parse((await cli('list', '--json')).stdout) as ApiKeyRecord[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vc-e2e-'));
    backend = await setUp(dir);
  });

  afterAll(async () => {
    await server?.stop();
    await tearDown();
    await rm(dir, { recursive: true, force: true });
  });

  it('the CLI creates a key that the running server accepts', async () => {
    const created = await cli(
      'create',
      '--project',
      'e2e',
      '--name',
      'e2e client',
      '--scopes',
      'cache:read',
      '--json',
    );
    issued = JSON.parse(created.stdout) as IssuedKey;
    expect(issued.record).toMatchObject({ projectId: 'e2e', status: 'active', requestCount: 0 });

    server = await startServer(SERVER_SCRIPT, dir, backend.env);
    for (let i = 0; i < REQUESTS; i += 1) {
      const response = await ask(server, issued.key);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ keyId: issued.record.id, projectId: 'e2e' });
    }
    const anonymous = await ask(server);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toBe('{"detail":"Invalid or missing API key"}');
  });

  it(`after the usage flush, list --json shows ${REQUESTS} requests and a last-used time`, async () => {
    const record = await waitFor(
      `requestCount ${REQUESTS}`,
      async () =>
        (await listJson()).find((r) => r.id === issued.record.id && r.requestCount >= REQUESTS),
      15_000,
      200,
    );
    expect(record.requestCount).toBe(REQUESTS);
    expect(record.lastUsedAt).not.toBeNull();
    expect(Date.parse(record.lastUsedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(record.createdAt),
    );
    const table = await cli('list');
    const row = table.stdout.split('\n').find((line) => line.startsWith(issued.record.id)) ?? '';
    expect(row).toMatch(new RegExp(`${issued.key.slice(0, 7)}\\.\\.\\.`));
    expect(row).toMatch(new RegExp(`\\s${REQUESTS}\\s+active\\s+-$`));
    // Created, then expires (never), then last used: a time, not "never".
    expect(row).toMatch(/Z\s+never\s+\d{4}-\d\d-\d\dT[\d:]+Z\s/);
  });

  it('the CLI revokes the key and the running server answers 401 within 1 s', async () => {
    const running = server as ServerProcess;
    const revoked = await cli('revoke', issued.record.id, '--json');
    const revokedAt = Date.now();
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: issued.record.id, status: 'revoked' });
    const response = await waitFor(
      'a 401 for the revoked key',
      async () => {
        const answer = await ask(running, issued.key);
        return answer.status === 401 ? answer : undefined;
      },
      1000,
    );
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(1000);
    expect(await response.text()).toBe('{"detail":"Invalid or missing API key"}');
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="vectorcache", error="invalid_token"',
    );
    expect((await listJson()).find((r) => r.id === issued.record.id)?.status).toBe('revoked');
  });

  it('the plaintext key is in no store file, no list output and no server log', async () => {
    const secret = issued.key.slice(3);
    const contents = await backend.storeContents();
    expect(contents).toContain(hashApiKey(issued.key)); // the store was really read
    expect(contents).not.toContain(secret);
    for (const args of [['list'], ['list', '--json'], ['list', '--project', 'e2e']]) {
      const output = (await cli(...args)).stdout;
      expect(output).toContain(issued.record.id);
      expect(output).not.toContain(secret);
      expect(output).not.toMatch(PLAINTEXT_KEY);
    }
    expect((server as ServerProcess).output()).not.toMatch(PLAINTEXT_KEY);
  });
}

describe('CLI and a zero-config server on the embedded SQLite store', () => {
  defineFlow(
    async (dir) => ({
      env: {},
      storeContents: async () => {
        const storeDir = join(dir, '.vectorcache');
        const names = await readdir(storeDir);
        const texts = await Promise.all(
          names.map((name) => readFile(join(storeDir, name), 'utf8')),
        );
        return texts.join('\n');
      },
    }),
    async () => undefined,
  );
});

describeRedis('CLI and a zero-config server on Redis (VECTORCACHE_REDIS_URL)', () => {
  const prefix = uniquePrefix('e2e-cli');
  let redis: Redis | undefined;
  let workDir = '';

  async function keysUnderPrefix(client: Redis): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  async function valueOf(client: Redis, key: string): Promise<string> {
    switch (await client.type(key)) {
      case 'string':
        return (await client.get(key)) ?? '';
      case 'hash':
        return JSON.stringify(await client.hgetall(key));
      case 'set':
        return (await client.smembers(key)).join('\n');
      case 'zset':
        return (await client.zrange(key, 0, -1, 'WITHSCORES')).join('\n');
      case 'list':
        return (await client.lrange(key, 0, -1)).join('\n');
      default:
        return '';
    }
  }

  defineFlow(
    async (dir) => {
      workDir = dir;
      redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      return {
        env: { VECTORCACHE_REDIS_URL: redisUrl, VECTORCACHE_REDIS_PREFIX: prefix },
        storeContents: async () => {
          const client = redis as Redis;
          const names = await keysUnderPrefix(client);
          const values = await Promise.all(names.map((name) => valueOf(client, name)));
          return [...names, ...values].join('\n');
        },
      };
    },
    async () => {
      if (!redis) return;
      const names = await keysUnderPrefix(redis);
      if (names.length > 0) await redis.del(...names);
      redis.disconnect();
    },
  );

  it('wrote nothing to the working directory: the keys live in Redis only', async () => {
    expect(await stat(join(workDir, '.vectorcache')).catch(() => null)).toBeNull();
  });
});
