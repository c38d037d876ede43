import { Redis } from 'ioredis';
import { createVerifier, type AuthEvent } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedisServer } from '../../../test-utils/redis';
import { startPrivateRedis, type PrivateRedis } from '../../../test-utils/redis-server';
import { waitFor } from '../../../test-utils/wait';

// A normal start subscribes to the change feed: until the subscription is confirmed the verifier
// distrusts its cache, but that is a feed still connecting, not a lost one, so it is no
// `feed_lost` event (with VECTORCACHE_DEBUG, no `feed_lost` line at every start). A loss after
// that is reported, and its return.
describeRedisServer('the change feed at start', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(() => redis.stop());

  it('is connecting, not lost, until first up; a later loss is reported, and its return', async () => {
    const events: AuthEvent[] = [];
    const store = new RedisKeyStore({ url: redis.url });
    const verifier = createVerifier({ store, onEvent: (event) => events.push(event) });
    const feed = (): string[] => events.map((e) => e.type).filter((t) => t.startsWith('feed_'));
    try {
      // The subscription is made asynchronously: distrusted until confirmed, silently.
      await waitFor(
        'the feed to be up',
        () => (verifier.stats().feed === 'up' ? true : undefined),
        10_000,
      );
      expect(feed()).toEqual([]);

      const admin = new Redis(redis.url);
      try {
        await admin.client('KILL', 'TYPE', 'pubsub');
      } finally {
        admin.disconnect();
      }
      await waitFor('the feed to come back', () => (feed().length >= 2 ? true : undefined), 10_000);
      expect(feed()).toEqual(['feed_lost', 'feed_restored']);
    } finally {
      await verifier.close();
      await store.close();
    }
  });
});
