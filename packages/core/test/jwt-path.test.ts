import { SignJWT } from 'jose';
import { failureFor } from '../src/http/answers';
import { createScopeGuard } from '../src/http/auth-handler';
import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { VerifyRequirements, VerifyResult } from '../src/types';
import { manualClock } from './fixtures';
import { CountingStore, usageRowsNear, verifierOver } from './verifier-harness';

// The JWT path at the verifier's surface: the token's signature and claims, then the same rules
// as an API key over the state of the key it was issued for (revoked, expired, its scopes now),
// counted in that key's usage.

const SECRET = 'a-jwt-path-secret-of-at-least-32-bytes';
const secret = new TextEncoder().encode(SECRET);

async function setup(options: { staleMs?: number } = {}) {
  const clock = manualClock();
  const memory = new MemoryKeyStore({ now: clock.now });
  const counting = new CountingStore(memory);
  const keys = createKeyManager({ store: memory, now: clock.now });
  const parts = verifierOver({
    store: counting.store,
    now: clock.now,
    staleMs: options.staleMs,
    usage: true,
    jwt: { key: SECRET, algorithms: ['HS256'] },
  });
  const { events } = parts;
  const verifyJwt = (token: string, requirements: VerifyRequirements | undefined) =>
    parts.verify(`Bearer ${token}`, requirements);
  const { key, record } = await keys.create({
    projectId: 'p',
    name: 'backend',
    scopes: ['cache:read', 'cache:write'],
  });
  /** A token signed with the path's secret, valid for a minute from the clock's now. */
  const sign = (claims: Record<string, unknown> = {}, subject = record.id, lifetimeSec = 60) => {
    const iat = Math.floor(clock.now() / 1000);
    return new SignJWT({
      project_id: 'p',
      scope: 'cache:read cache:write',
      key_prefix: record.prefix,
      ...claims,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetimeSec)
      .sign(secret);
  };
  const usageOf = async (): Promise<Record<string, number>> => {
    await parts.verifier.flush();
    const rows = await usageRowsNear(memory, clock.now());
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.outcome] = (counts[row.outcome] ?? 0) + row.count;
    return counts;
  };
  return {
    clock,
    memory,
    counting,
    keys,
    events,
    verifyJwt,
    key,
    record,
    sign,
    usageOf,
    parts,
  };
}

const reasonOf = (result: VerifyResult): string => (result.ok ? 'ok' : result.reason);

describe('a JWT: the token', () => {
  it('a token of no key: its own claims make the principal, the store is not read', async () => {
    const { verifyJwt, sign, counting } = await setup();
    const result = await verifyJwt(
      await sign({ name: 'a user', key_prefix: undefined }, 'user_1'),
      undefined,
    );
    expect(result).toEqual({
      ok: true,
      principal: {
        keyId: 'user_1',
        projectId: 'p',
        name: 'a user',
        prefix: '',
        scopes: ['cache:read', 'cache:write'],
        environment: null,
        ownerId: null,
        meta: null,
      },
    });
    expect(counting.idReads).toBe(0);
  });

  it('a bad signature is unknown (401), an expired token expired (401), neither reads the store', async () => {
    const { verifyJwt, sign, counting, clock } = await setup();
    const token = await sign();
    const [head, body] = token.split('.');
    const forged = `${head}.${body}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    expect(await verifyJwt(forged, undefined)).toBe(failureFor('unknown'));
    const short = await sign({}, 'user_1', 10);
    clock.advance(16_000); // past exp and the 5 s tolerance
    expect(await verifyJwt(short, undefined)).toBe(failureFor('expired'));
    expect(counting.idReads).toBe(0);
  });

  it('the route requirements apply to a token: project first, then scopes', async () => {
    const { verifyJwt, sign } = await setup();
    const token = await sign({}, 'user_1');
    expect(await verifyJwt(token, { projectId: 'q' })).toBe(failureFor('wrong_project'));
    expect(reasonOf(await verifyJwt(token, { scopes: ['analytics:read'] }))).toBe(
      'insufficient_scope',
    );
    expect(reasonOf(await verifyJwt(token, { projectId: 'p', scopes: ['cache:read'] }))).toBe('ok');
  });
});

describe('a JWT: the key it was issued for', () => {
  it('an active key: accepted, and counted once as valid in its usage', async () => {
    const { verifyJwt, sign, record, usageOf, memory } = await setup();
    const result = await verifyJwt(await sign(), { scopes: ['cache:write'] });
    expect(result.ok && result.principal).toMatchObject({
      keyId: record.id,
      projectId: 'p',
      prefix: record.prefix,
      scopes: ['cache:read', 'cache:write'],
    });
    expect(await usageOf()).toEqual({ valid: 1 });
    expect((await memory.get(record.id))?.requestCount).toBe(1);
  });

  it('a revoked key: its tokens are refused as revoked, counted as such', async () => {
    const { verifyJwt, sign, keys, record, parts, usageOf, events } = await setup();
    const token = await sign();
    await keys.revoke(record.id);
    parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    expect(await verifyJwt(token, undefined)).toBe(failureFor('revoked'));
    expect(await usageOf()).toEqual({ revoked: 1 });
    expect(events.at(-1)).toEqual({
      type: 'rejected',
      reason: 'revoked',
      prefix: record.prefix,
      keyId: record.id,
      projectId: 'p',
    });
  });

  it('a key expiring while its state is cached: the uses before stay valid, the refusal counts as expired', async () => {
    const { verifyJwt, sign, memory, record, clock, usageOf } = await setup();
    await memory.update(record.id, { expiresAt: new Date(clock.now() + 5000).toISOString() });
    const token = await sign();
    expect(reasonOf(await verifyJwt(token, undefined))).toBe('ok');
    clock.advance(5000);
    // The same cached state (and usage counter) answers both requests.
    expect(await verifyJwt(token, undefined)).toBe(failureFor('expired'));
    expect(await usageOf()).toEqual({ valid: 1, expired: 1 });
    expect((await memory.get(record.id))?.requestCount).toBe(2);
  });

  it('an expired key: its tokens are refused from the second it expires', async () => {
    const { verifyJwt, sign, memory, record, clock, parts } = await setup();
    await memory.update(record.id, { expiresAt: new Date(clock.now() + 5000).toISOString() });
    const token = await sign();
    clock.advance(4999);
    expect(reasonOf(await verifyJwt(token, undefined))).toBe('ok');
    clock.advance(1);
    expect(await verifyJwt(token, undefined)).toBe(failureFor('expired'));
    parts.feed({ type: 'feed_lost' });
    parts.feed({ type: 'feed_restored' }); // every cache cleared: the state is read again
    expect(await verifyJwt(token, undefined)).toBe(failureFor('expired'));
  });

  it('a key the store does not hold: unknown, with the token key id in the event', async () => {
    const { verifyJwt, sign, events } = await setup();
    const ghost = 'key_0123456789abcdef01234567';
    expect(await verifyJwt(await sign({ key_prefix: 'vc_dead' }, ghost), undefined)).toBe(
      failureFor('unknown'),
    );
    expect(events.at(-1)).toMatchObject({ reason: 'unknown', keyId: ghost, prefix: 'vc_dead' });
  });

  it('the store failing: store_unavailable (503), fail closed', async () => {
    const { verifyJwt, sign, counting, events, record } = await setup();
    counting.failure = new Error('down');
    expect(await verifyJwt(await sign(), undefined)).toBe(failureFor('store_unavailable'));
    // The event names the key by the token's claims: its prefix and id, never the token.
    expect(events.at(-1)).toEqual({
      type: 'rejected',
      reason: 'store_unavailable',
      prefix: record.prefix,
      keyId: record.id,
    });
  });

  it('a token is never worth more than its key is now: narrowing the key narrows the token', async () => {
    const { verifyJwt, sign, keys, record, parts, usageOf } = await setup();
    const token = await sign();
    expect(reasonOf(await verifyJwt(token, { scopes: ['cache:write'] }))).toBe('ok');
    await keys.update(record.id, { scopes: ['cache:read'] });
    parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    const narrowed = await verifyJwt(token, undefined);
    expect(narrowed.ok && narrowed.principal.scopes).toEqual(['cache:read']);
    const refused = await verifyJwt(token, { scopes: ['cache:write'] });
    expect(refused).toMatchObject({ status: 403, reason: 'insufficient_scope' });
    expect(await usageOf()).toEqual({ valid: 2, insufficient_scope: 1 });
  });

  it('a token for another project than the route: wrong_project, counted once as such', async () => {
    const { verifyJwt, sign, usageOf, memory, record } = await setup();
    expect(await verifyJwt(await sign(), { projectId: 'q' })).toBe(failureFor('wrong_project'));
    expect(await usageOf()).toEqual({ wrong_project: 1 });
    // The key was found active: the request is a use of it.
    expect((await memory.get(record.id))?.requestCount).toBe(1);
  });

  it('the key state is read once and then served from its cache', async () => {
    const { verifyJwt, sign, counting } = await setup();
    const token = await sign();
    for (let i = 0; i < 3; i++) expect(reasonOf(await verifyJwt(token, undefined))).toBe('ok');
    expect(counting.idReads).toBe(1);
  });
});

describe('a JWT: the change feed and the key states kept by id', () => {
  it('a change to its key drops the state kept for its tokens', async () => {
    const { verifyJwt, sign, parts, counting, record } = await setup();
    const token = await sign();
    await verifyJwt(token, undefined);
    await verifyJwt(token, undefined);
    expect(counting.idReads).toBe(1);
    parts.feed({ type: 'changed', id: record.id, hash: record.hash });
    await verifyJwt(token, undefined);
    expect(counting.idReads).toBe(2);
  });

  it('while the feed is lost every token reads its key again; once back, the states are cleared', async () => {
    const { verifyJwt, sign, parts, counting } = await setup();
    const token = await sign();
    await verifyJwt(token, undefined);
    parts.feed({ type: 'feed_lost' });
    await verifyJwt(token, undefined);
    await verifyJwt(token, undefined);
    expect(counting.idReads).toBe(3);
    parts.feed({ type: 'feed_restored' });
    await verifyJwt(token, undefined);
    await verifyJwt(token, undefined);
    expect(counting.idReads).toBe(4);
  });
});

describe('a JWT refused by a route guard (requireScopes)', () => {
  it('is reported and counted as a key would be: a rejected event at the route, insufficient_scope', async () => {
    const { verifyJwt, sign, usageOf, events, record } = await setup();
    const result = await verifyJwt(await sign({ scope: 'cache:read' }), undefined);
    const guard = createScopeGuard<undefined>(['cache:write']);
    expect(guard(undefined, result.ok ? result.principal : undefined)).toMatchObject({
      action: 'deny',
      status: 403,
    });
    expect(events.at(-1)).toEqual({
      type: 'rejected',
      reason: 'insufficient_scope',
      stage: 'route',
      keyId: record.id,
      prefix: record.prefix,
      projectId: 'p',
    });
    expect(await usageOf()).toEqual({ insufficient_scope: 1 });
  });

  it('a token of no key is reported all the same (there is no key to count it for)', async () => {
    const { verifyJwt, sign, usageOf, events, record } = await setup();
    const result = await verifyJwt(await sign({}, 'user_1'), undefined);
    createScopeGuard<undefined>(['analytics:read'])(
      undefined,
      result.ok ? result.principal : undefined,
    );
    expect(events.at(-1)).toEqual({
      type: 'rejected',
      reason: 'insufficient_scope',
      stage: 'route',
      keyId: 'user_1',
      prefix: record.prefix, // the token's claim
      projectId: 'p',
    });
    expect(await usageOf()).toEqual({});
  });
});
