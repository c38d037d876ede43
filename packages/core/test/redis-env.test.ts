import { storeFromEnv, type RedisKeyStoreConstructor } from '../src/config/env';
import { parseClusterNodes, redisConnectionFromEnv } from '../src/config/redis-env';
import { MemoryKeyStore } from '../src/stores/memory-store';

describe('Redis from the environment', () => {
  it('reads VECTORCACHE_REDIS_CLUSTER as seed nodes, IPv6 in brackets', () => {
    expect(parseClusterNodes(' 10.0.0.1:7000, redis-2.internal:7001,[::1]:7002,')).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it.each([
    ['', /names no node/],
    ['10.0.0.1', /entry "10\.0\.0\.1" is not host:port/],
    ['10.0.0.1:0', /entry "10\.0\.0\.1:0"/],
    ['10.0.0.1:70000', /entry "10\.0\.0\.1:70000"/],
    ['redis://10.0.0.1:7000', /without a scheme/],
  ])('refuses %j with a message that says what to write', (text, message) => {
    expect(() => parseClusterNodes(text)).toThrow(message);
    expect(() => parseClusterNodes(text)).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });

  it('never echoes credentials written into the node list', () => {
    const error = (() => {
      try {
        parseClusterNodes('10.0.0.1:7000,admin:hunter2@10.0.0.2:7001');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message).toMatch(/an entry with credentials in it/);
    expect(error?.message).not.toContain('hunter2');
  });

  it('selects the URL or the cluster, and refuses both at once', () => {
    expect(redisConnectionFromEnv({})).toBeNull();
    expect(redisConnectionFromEnv({ VECTORCACHE_REDIS_URL: ' redis://h:1 ' })).toEqual({
      url: 'redis://h:1',
    });
    expect(redisConnectionFromEnv({ VECTORCACHE_REDIS_CLUSTER: 'h:1,h:2' })).toEqual({
      cluster: [
        { host: 'h', port: 1 },
        { host: 'h', port: 2 },
      ],
    });
    expect(() =>
      redisConnectionFromEnv({
        VECTORCACHE_REDIS_URL: 'redis://h:1',
        VECTORCACHE_REDIS_CLUSTER: 'h:1',
      }),
    ).toThrow(/set only one/);
  });

  it('hands the cluster nodes and the prefix to the Redis store', () => {
    const seen: unknown[] = [];
    class Recording extends MemoryKeyStore {
      constructor(connection: unknown, options: unknown) {
        super();
        seen.push(connection, options);
      }
    }
    const store = storeFromEnv(
      { VECTORCACHE_REDIS_CLUSTER: '127.0.0.1:7000', VECTORCACHE_REDIS_PREFIX: 'vc:prod:' },
      { RedisKeyStore: Recording as unknown as RedisKeyStoreConstructor },
    );
    expect(store).toBeInstanceOf(Recording);
    expect(seen).toEqual([
      { cluster: [{ host: '127.0.0.1', port: 7000 }] },
      { keyPrefix: 'vc:prod:' },
    ]);
  });
});
