import { createKeyManager } from '../src/keys/key-manager';
import { MemoryKeyStore } from '../src/stores/memory-store';
import type { AuthEvent, Verifier, VerifyRequirements } from '../src/types';
import { createVerifier } from '../src/verify/verifier';
import { FaultyStore, PLAINTEXT_KEY, manualClock } from './fixtures';

const INVALID = '{"detail":"Invalid or missing API key"}';
const REALM = 'Bearer realm="vectorcache"';

interface Row {
  name: string;
  header: string | string[] | undefined;
  requirements?: VerifyRequirements;
  status: number;
  body: string;
  challenge?: string;
  reason: string;
}

describe('the answers table, on the core alone', () => {
  const clock = manualClock();
  const store = new MemoryKeyStore();
  const keys = createKeyManager({ store, now: clock.now });
  const events: AuthEvent[] = [];
  let verifier: Verifier;
  let valid: string;
  let readOnly: string;
  let revoked: string;
  let expired: string;
  let rows: Row[];

  beforeAll(async () => {
    verifier = createVerifier({ store, now: clock.now, onEvent: (e) => events.push(e) });
    valid = (await keys.create({ projectId: 'proj_a', name: 'valid' })).key;
    readOnly = (await keys.create({ projectId: 'proj_a', name: 'ro', scopes: ['cache:read'] })).key;
    const r = await keys.create({ projectId: 'proj_a', name: 'revoked' });
    await keys.revoke(r.record.id);
    revoked = r.key;
    expired = (
      await keys.create({ projectId: 'proj_a', name: 'exp', expiresAt: clock.now() + 1000 })
    ).key;
    clock.advance(1000);
    const unknown = 'vc_' + 'ab'.repeat(16);
    const invalidRequest = `${REALM}, error="invalid_request"`;
    const invalidToken = `${REALM}, error="invalid_token"`;
    const malformed = (name: string, header: string | string[]): Row => ({
      name,
      header,
      status: 401,
      body: INVALID,
      challenge: invalidRequest,
      reason: 'malformed',
    });
    const badToken = (name: string, header: string, reason = 'invalid_format'): Row => ({
      name,
      header,
      status: 401,
      body: INVALID,
      challenge: invalidToken,
      reason,
    });
    rows = [
      {
        name: 'no header',
        header: undefined,
        status: 401,
        body: INVALID,
        challenge: REALM,
        reason: 'missing',
      },
      {
        name: 'empty header',
        header: '',
        status: 401,
        body: INVALID,
        challenge: REALM,
        reason: 'missing',
      },
      {
        name: 'whitespace-only',
        header: ' \t ',
        status: 401,
        body: INVALID,
        challenge: REALM,
        reason: 'missing',
      },
      malformed('Basic scheme', 'Basic dXNlcjpwYXNz'),
      malformed('Token scheme', `Token ${valid}`),
      malformed('Bearerx', `Bearerx ${valid}`),
      malformed('reraeB', `reraeB ${valid}`),
      malformed('Bearer without token', 'Bearer'),
      malformed('Bearer and spaces only', 'Bearer    '),
      malformed('tab separator', `Bearer\t${valid}`),
      malformed('trailing junk', `Bearer ${valid} junk`),
      malformed('comma list', `Bearer ${valid}, Basic abc`),
      malformed('comma inside token', `Bearer ${valid},${valid}`),
      malformed('two headers', [`Bearer ${valid}`, `Bearer ${valid}`]),
      malformed('an 8 KB value', `Bearer ${'a'.repeat(8192)}`),
      badToken('31 hex', `Bearer vc_${'a'.repeat(31)}`),
      badToken('33 hex', `Bearer vc_${'a'.repeat(33)}`),
      badToken('uppercase hex', `Bearer ${valid.toUpperCase().replace('VC_', 'vc_')}`),
      badToken('non-hex', `Bearer vc_${'g'.repeat(32)}`),
      badToken('non-ASCII', `Bearer vc_${'é'.repeat(32)}`),
      badToken('placeholder key of the docs', 'Bearer vc_dev_key123...'),
      badToken('unknown key', `Bearer ${unknown}`, 'unknown'),
      badToken('revoked key', `Bearer ${revoked}`, 'revoked'),
      badToken('expired key', `Bearer ${expired}`, 'expired'),
      {
        name: 'key of another project',
        header: `Bearer ${valid}`,
        requirements: { projectId: 'proj_b', scopes: ['keys:manage'] },
        status: 403,
        body: '{"detail":"API key does not have permission to access this project"}',
        challenge: `${REALM}, error="insufficient_scope"`,
        reason: 'wrong_project',
      },
      {
        name: 'missing scope',
        header: `Bearer ${readOnly}`,
        requirements: { scopes: ['cache:write'] },
        status: 403,
        body: '{"detail":"API key does not have the required scope: cache:write"}',
        challenge: `${REALM}, error="insufficient_scope", scope="cache:write"`,
        reason: 'insufficient_scope',
      },
      {
        name: 'several missing scopes',
        header: `Bearer ${readOnly}`,
        requirements: { scopes: ['cache:read', 'cache:write', 'keys:manage'] },
        status: 403,
        body: '{"detail":"API key does not have the required scope: cache:write, keys:manage"}',
        challenge: `${REALM}, error="insufficient_scope", scope="cache:write keys:manage"`,
        reason: 'insufficient_scope',
      },
    ];
  });

  afterAll(() => verifier.close());

  it('answers every row exactly', async () => {
    for (const row of rows) {
      const result = await verifier.verify(row.header, row.requirements);
      expect({ name: row.name, ok: result.ok }).toEqual({ name: row.name, ok: false });
      if (result.ok) continue;
      expect({
        name: row.name,
        status: result.status,
        body: result.body,
        reason: result.reason,
      }).toEqual({
        name: row.name,
        status: row.status,
        body: row.body,
        reason: row.reason,
      });
      expect(result.headers['www-authenticate']).toBe(row.challenge);
      expect(result.headers['content-type']).toBe('application/json');
    }
  });

  it('unknown, revoked and expired keys get byte-identical answers', async () => {
    const answers = await Promise.all(
      rows
        .filter((r) => ['unknown', 'revoked', 'expired'].includes(r.reason))
        .map((r) => verifier.verify(r.header)),
    );
    expect(answers).toHaveLength(3);
    const seen = answers.map((a) =>
      a.ok ? 'ok' : `${a.status}|${a.body}|${JSON.stringify(a.headers)}`,
    );
    expect(new Set(seen).size).toBe(1);
  });

  it.each([
    ['Bearer', 'Bearer'],
    ['bearer', 'bearer'],
    ['BEARER', 'BEARER'],
    ['two spaces', 'Bearer  '],
    ['several spaces', 'Bearer     '],
  ])('accepts the scheme as %s', async (_name, scheme) => {
    const result = await verifier.verify(`${scheme} ${valid}`);
    expect(result.ok).toBe(true);
  });

  it('trims whitespace at both ends', async () => {
    expect((await verifier.verify(`  Bearer ${valid}  `)).ok).toBe(true);
    expect((await verifier.verify(`\tBearer ${valid}\t`)).ok).toBe(true);
  });

  it('a single-element header list is read as the header', async () => {
    expect((await verifier.verify([`Bearer ${valid}`])).ok).toBe(true);
  });

  it('checks the project before the scopes', async () => {
    const result = await verifier.verify(`Bearer ${readOnly}`, {
      projectId: 'proj_b',
      scopes: ['cache:write'],
    });
    expect(!result.ok && result.reason).toBe('wrong_project');
  });

  it('a valid key with the right project and scopes gets the principal', async () => {
    const result = await verifier.verify(`Bearer ${valid}`, {
      projectId: 'proj_a',
      scopes: ['cache:read', 'analytics:read'],
    });
    expect(result.ok && result.principal).toEqual({
      keyId: expect.stringMatching(/^key_[0-9a-f]{24}$/),
      projectId: 'proj_a',
      name: 'valid',
      prefix: valid.slice(0, 7),
      scopes: ['cache:*', 'analytics:read'],
      environment: null,
      ownerId: null,
      meta: null,
    });
  });

  it('any mode passes with one of the scopes', async () => {
    const result = await verifier.verify(`Bearer ${readOnly}`, {
      scopes: ['cache:write', 'cache:read'],
      scopeMode: 'any',
    });
    expect(result.ok).toBe(true);
  });

  it('a store that is down answers 503 with Retry-After', async () => {
    const faulty = new FaultyStore();
    const k = await createKeyManager({ store: faulty }).create({ projectId: 'p', name: 'n' });
    faulty.mode = 'throw';
    const v = createVerifier({ store: faulty });
    const result = await v.verify(`Bearer ${k.key}`);
    expect(result).toEqual({
      ok: false,
      status: 503,
      body: '{"detail":"Authentication service unavailable"}',
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      reason: 'store_unavailable',
    });
    await v.close();
  });

  it('a corrupt record answers 503', async () => {
    const faulty = new FaultyStore();
    faulty.mode = 'corrupt';
    const v = createVerifier({ store: faulty });
    const result = await v.verify(`Bearer vc_${'1'.repeat(32)}`);
    expect(!result.ok && result.status).toBe(503);
    await v.close();
  });

  it('a token that fails the format check never reaches the store', async () => {
    const faulty = new FaultyStore();
    const v = createVerifier({ store: faulty });
    await v.verify('Bearer vc_short');
    await v.verify(`Bearer ${'x'.repeat(5000)}`);
    await v.verify('Basic abc');
    expect(faulty.reads).toBe(0);
    await v.close();
  });

  it('a scope refusal is reported as a rejected event naming the key, from the store and from the cache', async () => {
    const own = new MemoryKeyStore();
    const seen: AuthEvent[] = [];
    const v = createVerifier({ store: own, onEvent: (e) => seen.push(e) });
    const { key, record } = await createKeyManager({ store: own }).create({
      projectId: 'proj_e',
      name: 'ro',
      scopes: ['cache:read'],
    });
    const expected = {
      type: 'rejected',
      reason: 'insufficient_scope',
      prefix: record.prefix,
      keyId: record.id,
      projectId: 'proj_e',
    };
    for (let i = 0; i < 2; i++) {
      seen.length = 0;
      const result = await v.verify(`Bearer ${key}`, { scopes: ['cache:write'] });
      expect(result).toMatchObject({ ok: false, reason: 'insufficient_scope' });
      expect(seen.filter((e) => e.type === 'rejected' || e.type === 'verified')).toEqual([
        expected,
      ]);
    }
    await v.close();
  });

  it('events carry reason codes and prefixes, never the key', () => {
    expect(events.length).toBeGreaterThan(rows.length);
    const reasons = new Set(events.map((e) => e.reason).filter(Boolean));
    for (const reason of [
      'missing',
      'malformed',
      'invalid_format',
      'unknown',
      'revoked',
      'expired',
      'wrong_project',
      'insufficient_scope',
    ]) {
      expect(reasons).toContain(reason);
    }
    expect(JSON.stringify(events)).not.toMatch(PLAINTEXT_KEY);
  });
});
