import { createKeyManager, createVerifier, MemoryKeyStore } from '@vectorcache/auth-core';
import { runCli } from '../src/index';
import { PLAINTEXT_KEY } from './helpers';

const NOW = Date.parse('2030-01-02T03:04:05.000Z');

async function run(store: MemoryKeyStore, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: {},
    now: () => NOW,
    openStore: () => store,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  expect(`${stdout}${stderr}`).not.toMatch(PLAINTEXT_KEY);
  expect(stdout).not.toMatch(/"hash"|[0-9a-f]{64}/);
  return { code, stdout, stderr };
}

async function setup() {
  const store = new MemoryKeyStore({ now: () => NOW });
  const keys = createKeyManager({ store, now: () => NOW });
  const issued = await keys.create({
    projectId: 'proj_a',
    name: 'backend',
    scopes: ['cache:read', 'cache:write'],
  });
  return { store, keys, issued };
}

describe('update', () => {
  it('renames a key and replaces its scopes; audited with actor null', async () => {
    const { store, issued } = await setup();
    const result = await run(
      store,
      'update',
      issued.record.id,
      '--name',
      'renamed',
      '--scopes',
      'cache:read',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      id: issued.record.id,
      name: 'renamed',
      scopes: ['cache:read'],
    });
    expect(JSON.parse(result.stdout)).not.toHaveProperty('hash');
    const human = await run(store, 'update', issued.record.id, '--name', 'again');
    expect(human.stdout).toContain(`Updated key ${issued.record.id} (${issued.record.prefix}...)`);
    const audit = await store.listAudit({ projectId: 'proj_a', limit: 10 });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['key.updated', null],
      ['key.updated', null],
      ['key.created', null],
    ]);
  });

  it('refuses nothing to change, a bad scope and an unknown id with one line and exit 2', async () => {
    const { store, issued } = await setup();
    const nothing = await run(store, 'update', issued.record.id);
    expect(nothing).toMatchObject({ code: 2, stdout: '' });
    expect(nothing.stderr).toBe(
      'error: give --name, --scopes, --environment, --owner or --meta to change\n',
    );
    const scope = await run(store, 'update', issued.record.id, '--scopes', 'Cache:Read');
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/^error: invalid scope "Cache:Read"/);
    const unknown = await run(store, 'update', 'key_000000000000000000000000', '--name', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')).toHaveLength(2);
  });
});

describe('usage', () => {
  it('prints the key usage per hour by outcome, as the API answers it', async () => {
    const { store, issued } = await setup();
    const clock = { t: NOW - 2 * 3_600_000 };
    const verifier = createVerifier({
      store,
      now: () => clock.t,
      usage: { flushIntervalMs: 3_600_000 },
    });
    const header = `Bearer ${issued.key}`;
    for (let i = 0; i < 3; i++) await verifier.verify(header, { scopes: ['cache:read'] });
    await verifier.verify(header, { scopes: ['analytics:read'] });
    clock.t += 3_600_000;
    await verifier.verify(header, { projectId: 'other' });
    await verifier.close();

    const json = await run(store, 'usage', issued.record.id, '--json');
    expect(json.code).toBe(0);
    const usage = JSON.parse(json.stdout) as {
      keyId: string;
      granularity: string;
      points: Array<{ start: string; requests: number; outcomes: Record<string, number> }>;
    };
    expect(usage).toMatchObject({ keyId: issued.record.id, granularity: 'hour' });
    expect(usage.points).toHaveLength(24);
    const busy = usage.points.filter((p) => p.requests > 0);
    expect(busy.map((p) => [p.start, p.requests, p.outcomes.valid])).toEqual([
      ['2030-01-02T01:00:00.000Z', 4, 3],
      ['2030-01-02T02:00:00.000Z', 1, 0],
    ]);
    expect(busy[0]!.outcomes.insufficient_scope).toBe(1);
    expect(busy[1]!.outcomes.wrong_project).toBe(1);

    const human = await run(store, 'usage', issued.record.id, '--granularity', 'day');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Usage of key ${issued.record.id}`);
    expect(human.stdout).toContain(': 5 requests.');
    expect(human.stdout).toMatch(/START\s+REQUESTS\s+VALID\s+REVOKED/);
    // START REQUESTS VALID REVOKED EXPIRED WRONG-PROJECT WRONG-ENV MISSING-SCOPE RATE-LIMITED
    expect(human.stdout).toMatch(/2030-01-02T00:00:00Z\s+5\s+3\s+0\s+0\s+1\s+0\s+1\s+0/);
  });

  it('says "no requests in this range" instead of a table of zeros', async () => {
    const { store, issued } = await setup();
    const human = await run(store, 'usage', issued.record.id);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(
      /^Usage of key key_\w+ \(vc_\w{4}\.\.\.\) per hour, .*: no requests in this range\.\n/,
    );
    expect(human.stdout).not.toMatch(/START\s+REQUESTS/);
    // JSON still has every point, zeros included, as the API answers.
    const json = await run(store, 'usage', issued.record.id, '--json');
    expect((JSON.parse(json.stdout) as { points: unknown[] }).points).toHaveLength(24);
  });

  it('refuses a bad range with a line that quotes it', async () => {
    const { store, issued } = await setup();
    const result = await run(store, 'usage', issued.record.id, '--from', 'yesterday');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error: invalid from "yesterday"/);
    const long = await run(
      store,
      'usage',
      issued.record.id,
      '--from',
      '2029-01-01',
      '--to',
      '2030-01-01',
    );
    expect(long.stderr).toMatch(/longer than 31 days/);
  });
});

describe('audit', () => {
  it('lists the actions of one project or of all, newest first, as a table or JSON', async () => {
    const { store, keys, issued } = await setup();
    await keys.create({ projectId: 'proj_b', name: 'other' });
    await keys.revoke(issued.record.id, {
      actor: { keyId: 'key_aaaaaaaaaaaaaaaaaaaaaaaa', prefix: 'vc_abcd' },
    });
    const one = await run(store, 'audit', '--project', 'proj_a', '--json');
    expect(one.code).toBe(0);
    const entries = JSON.parse(one.stdout) as Array<{ action: string; projectId: string }>;
    expect(entries.map((e) => e.action)).toEqual(['key.revoked', 'key.created']);
    const all = await run(store, 'audit', '--json');
    expect((JSON.parse(all.stdout) as unknown[]).length).toBe(3);
    const human = await run(store, 'audit');
    expect(human.stdout).toMatch(/^AT\s+PROJECT\s+ACTION\s+ACTOR\s+KEY\s+NAME/);
    expect(human.stdout).toContain('key.revoked');
    expect(human.stdout).toContain('key_aaaaaaaaaaaaaaaaaaaaaaaa (vc_abcd...)');
    expect(human.stdout).toContain(' cli ');
    const bad = await run(store, 'audit', '--limit', '0');
    expect(bad).toMatchObject({ code: 2 });
  });
});
