import { isDecisionEvent, type AuthEvent, type Verifier } from '@vectorcache/auth-core';
import pino, { type DestinationStream, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the example wires to the middleware's events: a logger, the metrics and their listener. */
export interface Observability {
  logger: Logger;
  registry: Registry;
  /** Pass as `vectorcacheAuth({ onEvent })`: logs refusals, counts decisions, times store reads. */
  onEvent(event: AuthEvent): void;
  /** Reads cache sizes and the change feed's state from `verifier` on every scrape. */
  watch(verifier: Verifier): void;
}

/** Store-read buckets, in seconds: a local SQLite read takes well under 1 ms, Redis a few. */
const STORE_READ_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Events to pino and prom-client: one JSON log line per refusal (reason, key id, prefix and
 * project, never the key), counters of decisions by outcome, reason and stage and of cache
 * lookups, a histogram of store-read latency, and gauges of the verifier's caches and change feed.
 * @example
 * const obs = createObservability();
 * const auth = vectorcacheAuth({ onEvent: obs.onEvent });
 * obs.watch(auth.verifier);
 */
export function createObservability(
  destination: DestinationStream = pino.destination(1),
  registry: Registry = new Registry(),
): Observability {
  const logger = pino({ base: { service: 'vectorcache-example' } }, destination);

  const decisions = new Counter({
    name: 'vectorcache_auth_decisions_total',
    help: 'Authentication decisions by outcome (verified, rejected), reason and stage (middleware, route guard).',
    labelNames: ['outcome', 'reason', 'stage'] as const,
    registers: [registry],
  });
  const cacheLookups = new Counter({
    name: 'vectorcache_auth_cache_lookups_total',
    help: "API keys decided from the verifier's caches (hit) or with a key-store read (miss).",
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const storeReads = new Histogram({
    name: 'vectorcache_auth_store_read_seconds',
    help: 'Latency of key-store reads on the verify path, by result (found, not_found, error).',
    labelNames: ['result'] as const,
    buckets: STORE_READ_BUCKETS,
    registers: [registry],
  });
  const feedChanges = new Counter({
    name: 'vectorcache_auth_feed_changes_total',
    help: "Changes of the key store's change feed: lost, restored.",
    labelNames: ['change'] as const,
    registers: [registry],
  });
  let watched: Verifier | undefined;
  new Gauge({
    name: 'vectorcache_auth_cache_entries',
    help: "Entries in the verifier's caches: verified keys, refused (revoked, expired) and unknown keys.",
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      if (!watched) return;
      const stats = watched.stats();
      this.set({ cache: 'verified' }, stats.verifiedKeys);
      this.set({ cache: 'refused' }, stats.refusedKeys);
      this.set({ cache: 'unknown' }, stats.unknownKeys);
    },
  });
  new Gauge({
    name: 'vectorcache_auth_change_feed_up',
    help: "1 while the key store's change feed is up, 0 while it is down (cached keys then read again); absent without a feed.",
    registers: [registry],
    collect() {
      const feed = watched?.stats().feed;
      if (feed === 'up' || feed === 'down') this.set(feed === 'up' ? 1 : 0);
    },
  });

  function onEvent(event: AuthEvent): void {
    if (isDecisionEvent(event)) {
      const stage = event.stage ?? 'middleware';
      decisions.inc({ outcome: event.type, reason: event.reason ?? 'none', stage });
      if (event.type === 'rejected') {
        // Never the key: events carry its id and display prefix only.
        logger.warn(
          {
            reason: event.reason,
            keyId: event.keyId,
            prefix: event.prefix,
            projectId: event.projectId,
            stage,
          },
          'request refused',
        );
      }
    } else if (event.type === 'cache_hit' || event.type === 'cache_miss') {
      cacheLookups.inc({ result: event.type === 'cache_hit' ? 'hit' : 'miss' });
    } else if (event.type === 'store_read') {
      storeReads.observe({ result: event.result ?? 'error' }, (event.durationMs ?? 0) / 1000);
    } else {
      feedChanges.inc({ change: event.type === 'feed_lost' ? 'lost' : 'restored' });
      logger.warn({ change: event.type }, 'key store change feed');
    }
  }

  return {
    logger,
    registry,
    onEvent,
    watch(verifier) {
      watched = verifier;
    },
  };
}
