import { hash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { MemoryKeyStore, createKeyManager, createVerifier } from '@vectorcache/auth-core';
import { createAuthHandler, readAuthorizationHeader } from '@vectorcache/auth-core/adapter';
import { BEARER, handCheck } from './http/apps';
import { median, type BenchRow } from './stats';

/** A step of a request, run on its own in a tight loop. */
interface Step {
  name: string;
  run: () => unknown;
}

// Written by every step, so no call can be optimised away.
let sink: unknown;

/** Nanoseconds per call of `run`, over `calls` calls. */
function timeCalls(run: () => unknown, calls: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink = run();
  return Number(process.hrtime.bigint() - started) / calls;
}

/**
 * Median nanoseconds per call of each step, less an empty step's: every step runs `calls` calls
 * per round, in a rotating order, `rounds` times after a warm-up, so the machine's noise hits
 * every step alike.
 */
function timeSteps(steps: readonly Step[], rounds = 40, calls = 20_000): Map<string, number> {
  const all: Step[] = [{ name: 'empty', run: () => undefined }, ...steps];
  const samples = new Map<string, number[]>(all.map((s) => [s.name, []]));
  for (let r = -10; r < rounds; r++) {
    for (let i = 0; i < all.length; i++) {
      const step = all[(i + r + 10) % all.length]!;
      const ns = timeCalls(step.run, calls);
      if (r >= 0) samples.get(step.name)!.push(ns);
    }
  }
  const empty = median(samples.get('empty')!);
  return new Map(steps.map((s) => [s.name, Math.max(0, median(samples.get(s.name)!) - empty)]));
}

/**
 * Where a cached request's time goes, outside any framework: the middleware's hot path
 * (`handler.allowCached` on the header read from a request, as every adapter calls it) and the
 * same primitive calls one at a time (the header read, the exact-form check, the hash to the
 * cache key, the LRU hit, the clock), the rest being its checks (feed, ttl, expiry, project,
 * scopes), the usage count and the calls between its parts. Beside it, the hand-written check's
 * steps and the synchronous work of @fastify/bearer-auth with one key. Informative: the HTTP rows
 * measure what a request costs in a server.
 */
export async function benchHitParts(): Promise<BenchRow[]> {
  const store = new MemoryKeyStore();
  const { key, record } = await createKeyManager({ store }).create({
    projectId: 'bench',
    name: 'parts',
  });
  const verifier = createVerifier({ store, usage: { flushIntervalMs: 1000 } });
  const handler = createAuthHandler({ verifier });
  const header = `Bearer ${key}`;
  // The headers autocannon sends, as Node gives them to a server.
  const req = {
    headers: { host: '127.0.0.1:3000', authorization: header, connection: 'keep-alive' },
    rawHeaders: ['host', '127.0.0.1:3000', 'authorization', header, 'connection', 'keep-alive'],
  };
  if (!(await verifier.verify(header)).ok || handler.allowCached(header) === undefined) {
    throw new Error('bench setup: the key must be verified and cached');
  }
  const lru = new LRUCache<string, object>({ max: 10_000 });
  lru.set(hash('sha256', key, 'binary'), record);
  // The HTTP benchmark's hand-written check and its table (sha256 hex -> user).
  const table = new Map([[record.hash, { id: record.id }]]);
  const configured = Buffer.from(key);
  // cached-hit.ts's exactBearerToken (internal to core, so written out here).
  const exact = (h: string | undefined): string | undefined =>
    typeof h === 'string' && h.length === 42 && h.startsWith('Bearer ') ? h.slice(7) : undefined;

  const steps: Step[] = [
    { name: 'header read', run: () => readAuthorizationHeader(req) },
    { name: 'exact form', run: () => exact(header) },
    { name: 'sha256', run: () => hash('sha256', key, 'binary') },
    { name: 'sha256 + LRU hit', run: () => lru.get(hash('sha256', key, 'binary')) },
    { name: 'clock', run: () => Date.now() },
    { name: 'hit', run: () => handler.allowCached(header) },
    { name: 'hit + header read', run: () => handler.allowCached(readAuthorizationHeader(req)) },
    { name: 'hw header read', run: () => req.headers.authorization },
    { name: 'hw pattern', run: () => BEARER.exec(header) },
    { name: 'hw sha256 hex', run: () => hash('sha256', key) },
    { name: 'hw sha256 hex + Map hit', run: () => table.get(hash('sha256', key)) },
    { name: 'hw whole', run: () => handCheck(table, req.headers.authorization) },
    {
      name: 'bearer-auth sync',
      run: () => {
        const h = req.headers.authorization;
        if (h.substring(0, 7) !== 'Bearer ') return false;
        const given = Buffer.from(h.substring(7).trim());
        return given.length === configured.length && timingSafeEqual(configured, given);
      },
    },
  ];
  const ns = timeSteps(steps);
  await verifier.close();
  void sink;
  const at = (name: string): number => ns.get(name)!;
  const fmt = (n: number): string => `${Math.round(n)} ns`;
  const lruHit = Math.max(0, at('sha256 + LRU hit') - at('sha256'));
  const rest = Math.max(0, at('hit') - at('exact form') - at('sha256 + LRU hit') - at('clock'));
  const mapHit = Math.max(0, at('hw sha256 hex + Map hit') - at('hw sha256 hex'));
  const ours =
    `vectorcacheAuth's cached hit ${fmt(at('hit + header read'))}: header read ` +
    `${fmt(at('hit + header read') - at('hit'))} (${fmt(at('header read'))} alone), exact ` +
    `\`Bearer vc_…\` form ${fmt(at('exact form'))}, sha256 to the cache key (32-byte latin1) ` +
    `${fmt(at('sha256'))}, LRU hit (key hashing included) ${fmt(lruHit)}, clock ` +
    `${fmt(at('clock'))}, the rest (feed, ttl, expiry, project and scope checks, usage count, ` +
    `calls) ${fmt(rest)}`;
  const theirs =
    `hand-written ${fmt(at('hw whole'))}: header ${fmt(at('hw header read'))}, header pattern ` +
    `${fmt(at('hw pattern'))}, sha256 hex ${fmt(at('hw sha256 hex'))}, Map hit ${fmt(mapHit)}; ` +
    `@fastify/bearer-auth 1 key, synchronous part ${fmt(at('bearer-auth sync'))} (then a ` +
    `promise hop before the route)`;
  console.log(`cached hit by part: ${ours}; ${theirs}`);
  return [
    {
      name: "Where a cached hit's time goes, by part (ns per request, same process, no HTTP)",
      figure: `${ours}; ${theirs}`,
      target: 'informative (no target)',
    },
  ];
}
