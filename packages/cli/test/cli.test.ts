import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashApiKey } from '@vectorcache/auth-core';
import type { ApiKeyRecord, IssuedKey } from '@vectorcache/auth-core';
import { VERSION } from '../src/cli';
import {
  PLAINTEXT_KEY,
  expectUsageError,
  makeTempDir,
  readOrNull,
  removeDir,
  runInProcess,
  type CliRun,
} from './helpers';

const NOW = Date.parse('2030-01-02T03:04:05.000Z');
const DAY = 86_400_000;

let dir: string;
let keysFile: string;
let env: NodeJS.ProcessEnv;

const run = (...args: string[]): Promise<CliRun> => runInProcess(args, env, () => NOW);

async function createKey(...extra: string[]): Promise<IssuedKey> {
  const result = await run(
    'create',
    '--project',
    'proj_a',
    '--name',
    'backend',
    '--json',
    ...extra,
  );
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as IssuedKey;
}

async function listJson(...extra: string[]): Promise<ApiKeyRecord[]> {
  const result = await run('list', '--json', ...extra);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as ApiKeyRecord[];
}

/** The table lines of `list`'s output, without the closing `Key store: ...` line. */
const tableOf = (stdout: string): string[] => stdout.split('\n\nKey store: ')[0]!.split('\n');

beforeEach(async () => {
  dir = await makeTempDir('inproc');
  keysFile = join(dir, 'keys.db');
  env = { VECTORCACHE_KEYS_FILE: keysFile };
});

afterEach(async () => {
  await removeDir(dir);
});

describe('create', () => {
  it('prints the key once with a warning, then the record, and stores only its hash', async () => {
    const result = await run('create', '--project', 'proj_a', '--name', 'backend');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const keys = result.stdout.match(PLAINTEXT_KEY) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0] as string;
    expect(result.stdout).toMatch(/will not be shown again/);
    expect(result.stdout).toContain(`${key.slice(0, 7)}...`);
    expect(result.stdout).toMatch(/project\s+proj_a/);
    expect(result.stdout).toMatch(/scopes\s+cache:\*, analytics:read/);
    expect(result.stdout).toMatch(/status\s+active/);
    // The warning comes after the key, the record after the warning.
    expect(result.stdout.indexOf(key)).toBeLessThan(result.stdout.indexOf('will not be shown'));
    expect(result.stdout.indexOf('will not be shown')).toBeLessThan(
      result.stdout.indexOf('status'),
    );

    const stored = (await readOrNull(keysFile)) ?? '';
    expect(stored).toContain(hashApiKey(key));
    expect(stored).not.toContain(key.slice(3));
  });

  it('--json prints { key, record } with the default scopes and no expiry, and no hash', async () => {
    const { key, record, ...rest } = await createKey();
    expect(rest).toEqual({});
    expect(key).toMatch(/^vc_[0-9a-f]{32}$/);
    expect(record).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{24}$/),
      projectId: 'proj_a',
      name: 'backend',
      prefix: key.slice(0, 7),
      scopes: ['cache:*', 'analytics:read'],
      createdAt: new Date(NOW).toISOString(),
      lastUsedAt: null,
      requestCount: 0,
      revokedAt: null,
      expiresAt: null,
      environment: null,
      ownerId: null,
      meta: null,
      status: 'active',
      rotationDue: false,
    });
  });

  it('applies --scopes and --expires-in', async () => {
    const { record } = await createKey(
      '--scopes',
      'cache:read, cache:write',
      '--expires-in',
      '30d',
    );
    expect(record.scopes).toEqual(['cache:read', 'cache:write']);
    expect(record.expiresAt).toBe(new Date(NOW + 30 * DAY).toISOString());
    for (const [text, ms] of [
      ['90s', 90_000],
      ['15m', 900_000],
      ['24h', DAY],
    ] as const) {
      const issued = await createKey('--expires-in', text);
      expect(issued.record.expiresAt).toBe(new Date(NOW + ms).toISOString());
    }
  });

  it('hashes with VECTORCACHE_KEY_PEPPER when it is set', async () => {
    env = { ...env, VECTORCACHE_KEY_PEPPER: 'pepper-1' };
    const { key } = await createKey();
    const stored = (await readOrNull(keysFile)) ?? '';
    expect(stored).toContain(hashApiKey(key, { pepper: 'pepper-1' }));
    expect(stored).not.toContain(hashApiKey(key));
  });
});

describe('list', () => {
  it('prints an aligned table with the display prefix and never the key', async () => {
    const a = await createKey();
    const b = await createKey('--scopes', 'cache:read');
    await run('create', '--project', 'proj_b', '--name', 'a much longer key name', '--json');
    await run('revoke', b.record.id);

    const result = await run('list');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).not.toMatch(PLAINTEXT_KEY);
    expect(result.stdout.endsWith(`\n\nKey store: SQLite key database ${keysFile}\n`)).toBe(true);
    const lines = tableOf(result.stdout);
    expect(lines).toHaveLength(4);
    const header = lines[0] as string;
    const titles = [
      'ID',
      'PREFIX',
      'NAME',
      'PROJECT',
      'ENV',
      'OWNER',
      'SCOPES',
      'CREATED',
      'EXPIRES',
      'LAST USED',
      'REQUESTS',
      'STATUS',
      'ROTATION',
    ];
    const starts = titles.map((title) => header.indexOf(title));
    expect(
      starts.every((start, i) => start >= 0 && (i === 0 || start > (starts[i - 1] ?? 0))),
    ).toBe(true);
    const rowOf = (id: string): string => lines.find((line) => line.startsWith(id)) ?? '';
    const rowA = rowOf(a.record.id);
    const rowB = rowOf(b.record.id);
    // Every left-aligned column starts at the header's position in every row.
    for (const row of [rowA, rowB]) {
      for (const title of titles.slice(1, titles.indexOf('REQUESTS'))) {
        const at = header.indexOf(title);
        expect(row[at - 1]).toBe(' ');
        expect(row[at]).not.toBe(' ');
      }
    }
    expect(rowA.slice(header.indexOf('PREFIX'))).toMatch(
      new RegExp(
        `^${a.key.slice(0, 7)}\\.\\.\\.\\s+backend\\s+proj_a\\s+-\\s+-\\s+cache:\\*,analytics:read\\s`,
      ),
    );
    expect(rowA).toMatch(/2030-01-02T03:04:05Z\s+never\s+never\s+0\s+active\s+-$/);
    expect(header).not.toContain('ROTATED');
    expect(rowB).toMatch(/\s+revoked\s+-$/);
    // Right-aligned request counts end where the header's REQUESTS ends.
    const requestsEnd = header.indexOf('REQUESTS') + 'REQUESTS'.length;
    expect(rowA.slice(requestsEnd - 1, requestsEnd)).toBe('0');
  });

  it('filters by --project and says when there are no keys, and in which store', async () => {
    const store = `\nKey store: SQLite key database ${keysFile}\n`;
    expect(await run('list')).toEqual({ code: 0, stdout: `No keys.\n${store}`, stderr: '' });
    const a = await createKey();
    await run('create', '--project', 'proj_b', '--name', 'other', '--json');
    const table = await run('list', '--project', 'proj_a');
    expect(tableOf(table.stdout)).toHaveLength(2);
    expect(table.stdout).toContain(a.record.id);
    // A project without keys may be a typo: the projects that have keys are named.
    expect(await run('list', '--project', 'proj_aa')).toEqual({
      code: 0,
      stdout: `No keys in project proj_aa.\nProjects with keys: proj_a, proj_b.\n${store}`,
      stderr: '',
    });
    expect(JSON.parse((await run('list', '--project', 'proj_aa', '--json')).stdout)).toEqual([]);
  });

  it('--json prints the array of records, without any plaintext key', async () => {
    expect(await listJson()).toEqual([]);
    const a = await createKey();
    const b = await createKey('--scopes', 'analytics:read');
    const records = await listJson();
    expect(records).toHaveLength(2);
    expect(records).toEqual(expect.arrayContaining([a.record, b.record]));
    expect(JSON.stringify(records)).not.toMatch(PLAINTEXT_KEY);
    expect(await listJson('--project', 'other')).toEqual([]);
  });

  it('neutralises control characters in names', async () => {
    await run('create', '--project', 'proj_a', '--name', 'evil\u001b[2Jname\nline', '--json');
    const result = await run('list');
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).toContain('evil?[2Jname?line');
    expect(tableOf(result.stdout)).toHaveLength(2);
  });
});

describe('revoke', () => {
  it('revokes a key and prints the record; --json prints the record', async () => {
    const a = await createKey();
    const b = await createKey();
    const text = await run('revoke', a.record.id);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(
      new RegExp(`^Revoked key ${a.record.id} \\(vc_[0-9a-f]{4}\\.\\.\\.\\)`),
    );
    expect(text.stdout).toMatch(/status\s+revoked/);

    const json = await run('revoke', b.record.id, '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({
      ...b.record,
      revokedAt: new Date(NOW).toISOString(),
      status: 'revoked',
    });
    const statuses = (await listJson()).map((record) => record.status);
    expect(statuses).toEqual(['revoked', 'revoked']);
  });

  it('says so when the key was already revoked', async () => {
    const a = await createKey();
    await run('revoke', a.record.id);
    const again = await run('revoke', a.record.id);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^Key ${a.record.id} \\(vc_[0-9a-f]{4}\\.\\.\\.\\) was already revoked; nothing changed\\.\n`,
      ),
    );
  });

  it('given the key itself (any case), finds it by hash, revokes it and names its id', async () => {
    const a = await createKey();
    const b = await createKey();
    for (const [issued, given] of [
      [a, a.key],
      [b, ` ${b.key.toUpperCase()} `],
    ] as const) {
      const result = await run('revoke', given);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(
        new RegExp(
          `^Revoked key ${issued.record.id} \\(vc_[0-9a-f]{4}\\.\\.\\.\\)\\.\\nFound by the API key given, through its hash`,
        ),
      );
      expect(result.stdout.toLowerCase()).not.toContain(issued.key.slice(3));
    }
    expect((await listJson()).map((record) => record.status)).toEqual(['revoked', 'revoked']);
    // An unknown key, and a fragment of one: refused, never echoed, nothing changed.
    const unknown = `vc_${'ab'.repeat(16)}`;
    expectUsageError(
      await run('revoke', unknown),
      /no key in this store matches the API key given \(vc_abab\.\.\.\)/,
    );
    const fragment = a.key.slice(0, 25).toUpperCase();
    const refused = await run('revoke', fragment);
    expectUsageError(refused, /looks like part of an API key/);
    expect(refused.stderr.toLowerCase()).not.toContain(fragment.slice(3).toLowerCase());
  });
});

describe('rotate', () => {
  it('prints the new key once and revokes the old one at once without --grace', async () => {
    const old = await createKey('--scopes', 'cache:read');
    const result = await run('rotate', old.record.id);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const printed = result.stdout.match(PLAINTEXT_KEY) ?? [];
    expect(printed).toHaveLength(1);
    expect(printed[0]).not.toBe(old.key);
    expect(result.stdout).toMatch(/will not be shown again/);
    expect(result.stdout).toMatch(/The old key key_[0-9a-f]{24} is revoked at/);

    const records = await listJson();
    const fresh = records.find((record) => record.id !== old.record.id);
    expect(records.find((record) => record.id === old.record.id)?.status).toBe('revoked');
    expect(fresh).toMatchObject({
      projectId: 'proj_a',
      name: 'backend',
      scopes: ['cache:read'],
      status: 'active',
      rotatedFrom: old.record.id,
    });
    expect(records.find((record) => record.id === old.record.id)?.rotatedTo).toBe(fresh?.id);
    expect(await readOrNull(keysFile)).toContain(hashApiKey(printed[0] as string));
  });

  it('--grace keeps the old key until the end of the grace period; --json prints { key, record }', async () => {
    const old = await createKey();
    const result = await run('rotate', old.record.id, '--grace', '24h', '--json');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const issued = JSON.parse(result.stdout) as IssuedKey;
    expect(Object.keys(issued).sort()).toEqual(['key', 'record']);
    expect(issued.record).not.toHaveProperty('hash');
    expect(issued.record.id).not.toBe(old.record.id);
    const oldNow = (await listJson()).find((record) => record.id === old.record.id);
    expect(oldNow).toMatchObject({
      status: 'active',
      revokedAt: null,
      expiresAt: new Date(NOW + DAY).toISOString(),
    });
    const text = await run('rotate', issued.record.id, '--grace', '15m');
    expect(text.stdout).toContain(
      `is valid until ${new Date(NOW + 900_000).toISOString().replace('.000', '')}`,
    );
    // list shows the expiry of the keys in their grace period and links every rotation.
    const newest = (await listJson()).find((r) => r.rotatedFrom === issued.record.id)!;
    const table = tableOf((await run('list')).stdout);
    const header = table[0]!;
    expect(header).toMatch(/EXPIRES .* ROTATED$/);
    const row = (id: string): string => table.find((line) => line.startsWith(id))!;
    expect(row(old.record.id)).toMatch(/2030-01-03T03:04:05Z .*active\s+-\s+to key_/);
    expect(row(old.record.id).endsWith(`to ${issued.record.id}`)).toBe(true);
    expect(row(issued.record.id).endsWith(`from ${old.record.id}, to ${newest.id}`)).toBe(true);
    expect(row(newest.id).endsWith(`from ${issued.record.id}`)).toBe(true);
    expect(row(issued.record.id)).toContain(
      `2030-01-02T03:04:05Z  ${new Date(NOW + 900_000).toISOString().replace('.000', '')}`,
    );
  });
});

describe('help', () => {
  it('--help lists the commands and the environment, exit 0', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    for (const word of [
      'create',
      'list',
      'revoke',
      'rotate',
      'export',
      'import',
      'VECTORCACHE_KEYS_FILE',
      '.vectorcache/keys.db',
    ]) {
      expect(result.stdout).toContain(word);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    expect(await run('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('every command has its own --help', async () => {
    const expected: Record<string, string[]> = {
      create: [
        '--project <id>',
        '--name <name>',
        '--scopes <list>',
        '--expires-in <duration>',
        '--json',
      ],
      list: ['--project <id>', '--json'],
      revoke: ['<id>', '--json'],
      rotate: ['<id>', '--grace <duration>', '--json'],
      export: ['--project <id>'],
      import: ['<file>', '--json'],
    };
    for (const [command, words] of Object.entries(expected)) {
      for (const args of [
        [command, '--help'],
        ['help', command],
      ]) {
        const result = await run(...args);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout).toContain(`Usage: vectorcache-keys ${command}`);
        for (const word of words) expect(result.stdout).toContain(word);
      }
    }
  });
});

describe('bad input: exit 2, one line on stderr, store untouched', () => {
  const ID = 'key_000000000000000000000000';
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /no command given/],
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['unknown command close to a real one', ['lst'], /unknown command 'lst'.*list/],
    ['help for an unknown command', ['help', 'nope'], /unknown command "nope"/],
    ['too many arguments', ['list', 'extra'], /too many arguments/],
    ['unknown global option', ['--verbose'], /unknown option '--verbose'/],
    ['unknown command option', ['list', '--bogus'], /unknown option '--bogus'/],
    ['missing --name', ['create', '--project', 'p'], /--name/],
    ['missing --project', ['create', '--name', 'n'], /--project/],
    ['empty --name', ['create', '--project', 'p', '--name', '  '], /--name must not be empty/],
    [
      'invalid scope',
      ['create', '--project', 'p', '--name', 'n', '--scopes', 'Cache:Read'],
      /Cache:Read/,
    ],
    [
      'invalid scope *:read',
      ['create', '--project', 'p', '--name', 'n', '--scopes', 'cache:read,*:read'],
      /\*:read/,
    ],
    [
      'empty scope entry',
      ['create', '--project', 'p', '--name', 'n', '--scopes', 'cache:read,'],
      /--scopes/,
    ],
    [
      'bad duration',
      ['create', '--project', 'p', '--name', 'n', '--expires-in', '30x'],
      /--expires-in/,
    ],
    [
      'zero duration',
      ['create', '--project', 'p', '--name', 'n', '--expires-in', '0d'],
      /--expires-in/,
    ],
    [
      'duration without unit',
      ['create', '--project', 'p', '--name', 'n', '--expires-in', '30'],
      /--expires-in/,
    ],
    [
      'huge duration',
      ['create', '--project', 'p', '--name', 'n', '--expires-in', '999999999d'],
      /--expires-in/,
    ],
    ['unknown id (revoke)', ['revoke', ID], /key_000000000000000000000000/],
    ['unknown id (rotate)', ['rotate', ID], /key_000000000000000000000000/],
    ['revoke without id', ['revoke'], /missing required argument 'id'/],
    ['revoke with two ids', ['revoke', ID, ID], /too many arguments/],
    ['bad --grace', ['rotate', ID, '--grace', 'soon'], /--grace/],
    ['option value missing', ['list', '--project'], /--project/],
  ];

  it.each(cases)('%s', async (_label, args, pattern) => {
    const existing = await createKey();
    const before = await readOrNull(keysFile);
    const result = await run(...args);
    expectUsageError(result, pattern);
    expect(result.stderr).not.toContain(existing.key);
    expect(await readOrNull(keysFile)).toBe(before);
  });

  it('never echoes a key in any case, wherever it was typed', async () => {
    const existing = await createKey();
    const upper = existing.key.toUpperCase();
    for (const args of [
      ['create', '--project', 'p', '--name', 'n', '--scopes', `cache:read,${upper}`],
      ['create', '--project', 'p', '--name', 'n', '--expires-in', upper],
      ['rotate', existing.record.id, '--grace', existing.key],
      ['list', '--project', upper],
      ['audit', '--limit', upper],
      [upper],
    ]) {
      const result = await run(...args);
      expectUsageError(result);
      expect(result.stderr.toLowerCase()).not.toContain(existing.key.slice(3));
    }
  });

  it('refuses to rotate a revoked key', async () => {
    const a = await createKey();
    await run('revoke', a.record.id);
    const before = await readOrNull(keysFile);
    expectUsageError(await run('rotate', a.record.id), /revoked or expired/);
    expect(await readOrNull(keysFile)).toBe(before);
  });

  it.each([
    ['a JSON key file of an earlier version', '{"version":1,"keys":[]}', /vectorcache-keys import/],
    ['not a database', 'garbage, not SQLite', /is not a SQLite key database/],
  ])('a store file that is %s is reported, and left as it was', async (_label, content, why) => {
    await writeFile(keysFile, content);
    for (const args of [
      ['list'],
      ['list', '--json'],
      ['create', '--project', 'p', '--name', 'n'],
      ['revoke', 'key_000000000000000000000000'],
    ]) {
      const result = await run(...args);
      expectUsageError(result, why);
      expect(result.stderr).toContain(keysFile);
      expect(await readOrNull(keysFile)).toBe(content);
    }
  });

  it('an unreadable store path (a directory) is reported', async () => {
    await mkdir(keysFile);
    expectUsageError(await run('list'), /^error: cannot open the key database/);
    expectUsageError(await run('create', '--project', 'p', '--name', 'n'));
  });

  it('does not create the store file when nothing was written', async () => {
    expectUsageError(await run('create', '--project', 'p', '--name', 'n', '--scopes', 'nope'));
    expect(await run('list')).toMatchObject({ code: 0 });
    expect(await run('revoke', 'key_000000000000000000000000')).toMatchObject({ code: 2 });
    expect(await readOrNull(keysFile)).toBeNull();
  });
});

describe('scope vocabulary', () => {
  it('without VECTORCACHE_SCOPES, warns on stderr about scopes outside the known ones', async () => {
    const result = await run(
      'create',
      '--project',
      'p',
      '--name',
      'n',
      '--scopes',
      'cache:read,cache:raed,analytics:*,*',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'warning: scope "cache:raed" is not one of the known scopes (cache:read, cache:write, cache:*, analytics:read, keys:manage); check its spelling, or declare your service\'s scopes in VECTORCACHE_SCOPES\n',
    );
    // stdout stays pure JSON.
    expect((JSON.parse(result.stdout) as IssuedKey).record.scopes).toContain('cache:raed');
    const updated = await run(
      'update',
      (JSON.parse(result.stdout) as IssuedKey).record.id,
      '--scopes',
      'cache:wirte',
    );
    expect(updated.code).toBe(0);
    expect(updated.stderr).toMatch(/^warning: scope "cache:wirte" is not one of the known scopes/);
  });

  it('with VECTORCACHE_SCOPES, create and update refuse scopes outside it', async () => {
    env = { ...env, VECTORCACHE_SCOPES: 'cache:read,cache:write,billing:read' };
    const ok = await run('create', '--project', 'p', '--name', 'n', '--scopes', 'billing:read');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    const before = await readOrNull(keysFile);
    expectUsageError(
      await run('create', '--project', 'p', '--name', 'n', '--scopes', 'cache:read,cache:raed'),
      /^error: scope "cache:raed" is not one of this service's scopes \(cache:read, cache:write, billing:read\)/,
    );
    const [record] = await listJson();
    expectUsageError(
      await run('update', record!.id, '--scopes', 'keys:manage'),
      /scope "keys:manage" is not one of this service's scopes/,
    );
    expect(await readOrNull(keysFile)).toBe(before);
    env = { ...env, VECTORCACHE_SCOPES: 'cache:read,Cache:Write' };
    expectUsageError(await run('list'), /VECTORCACHE_SCOPES holds an invalid scope "Cache:Write"/);
  });
});

describe('a key database that does not exist', () => {
  it('an id is refused by naming the missing file, not as "no key with id", and nothing is created', async () => {
    keysFile = join(dir, 'elsewhere', 'keys.db');
    env = { VECTORCACHE_KEYS_FILE: keysFile };
    const id = 'key_0123456789abcdef01234567';
    for (const args of [
      ['usage', id],
      ['revoke', id],
      ['update', id, '--name', 'x'],
    ]) {
      const result = await run(...args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({
        args,
        code: 2,
        stdout: '',
      });
      expect(result.stderr).toBe(
        `error: no key database at ${keysFile}: the file does not exist, so it holds no key; run the command in the folder your keys were made in, or set VECTORCACHE_KEYS_FILE to their database\n`,
      );
    }
    expect(await readOrNull(keysFile)).toBeNull();
    // With the database there, an unknown id is just that.
    await run('create', '--project', 'p', '--name', 'n');
    expect((await run('usage', id)).stderr).toMatch(/^error: no key with id/);
  });
});

describe('the key database folder', () => {
  it('says on the store line when a command created the folder, and only then', async () => {
    keysFile = join(dir, 'new', 'folder', 'keys.db');
    env = { VECTORCACHE_KEYS_FILE: keysFile };
    const listed = await run('list');
    expect(listed.stdout).toContain(`Key store: SQLite key database ${keysFile}\n`);
    expect(await readOrNull(keysFile)).toBeNull();
    const created = await run('create', '--project', 'p', '--name', 'n');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain(
      `\nKey store: SQLite key database ${keysFile} (new; its folder ${join(dir, 'new', 'folder')} was created)\n`,
    );
    const again = await run('create', '--project', 'p', '--name', 'n');
    expect(again.stdout).toContain(`\nKey store: SQLite key database ${keysFile}\n`);
    // --json output stays pure JSON.
    keysFile = join(dir, 'other', 'keys.db');
    env = { VECTORCACHE_KEYS_FILE: keysFile };
    const json = await run('create', '--project', 'p', '--name', 'n', '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
  });
});

describe('what a key is for: --environment, --owner, --meta', () => {
  it('create sets them, --json carries them, list filters and shows them', async () => {
    const prod = await createKey(
      '--environment',
      'production',
      '--owner',
      'u_42',
      '--meta',
      'plan=pro',
      '--meta',
      'region=eu=west',
    );
    expect(prod.record).toMatchObject({
      environment: 'production',
      ownerId: 'u_42',
      meta: { plan: 'pro', region: 'eu=west' },
      rotationDue: false,
    });
    const dev = await createKey('--environment', 'dev', '--owner', 'u_7');
    await createKey();
    expect((await listJson('--environment', 'production')).map((r) => r.id)).toEqual([
      prod.record.id,
    ]);
    expect((await listJson('--owner', 'u_7')).map((r) => r.id)).toEqual([dev.record.id]);
    expect(await listJson('--project', 'proj_a', '--environment', 'staging')).toEqual([]);
    const table = tableOf((await run('list', '--owner', 'u_42')).stdout);
    expect(table).toHaveLength(2);
    expect(table[1]).toMatch(/\sproj_a\s+production\s+u_42\s/);
    const human = await run(
      'create',
      ...['--project', 'proj_a', '--name', 'h', '--environment', 'dev', '--meta', 'a=1'],
    );
    expect(human.stdout).toMatch(/environment\s+dev\n/);
    expect(human.stdout).toMatch(/meta\s+\{"a":"1"\}\n/);
  });

  it('update sets and clears them; --meta replaces the metadata whole, --no-meta clears it', async () => {
    const { record } = await createKey('--environment', 'dev', '--meta', 'a=1');
    const updated = await run('update', record.id, '--owner', 'u_9', '--meta', 'b=2', '--json');
    expect(JSON.parse(updated.stdout)).toMatchObject({
      environment: 'dev',
      ownerId: 'u_9',
      meta: { b: '2' },
    });
    const cleared = await run(
      'update',
      record.id,
      ...['--no-environment', '--no-owner', '--no-meta', '--json'],
    );
    expect(JSON.parse(cleared.stdout)).toMatchObject({
      environment: null,
      ownerId: null,
      meta: null,
    });
    expect((await run('update', record.id)).stderr).toContain(
      'give --name, --scopes, --environment, --owner or --meta to change',
    );
  });

  it('refuses bad values with exit 2, quoting them, and never a key', async () => {
    const bad = await run('create', ...['--project', 'p', '--name', 'n', '--environment', 'Prod']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid environment "Prod"');
    const noEquals = await run('create', ...['--project', 'p', '--name', 'n', '--meta', 'plan']);
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr).toContain('invalid --meta "plan": give name=value');
    const key = `vc_${'c'.repeat(32)}`;
    const leaked = await run('create', ...['--project', 'p', '--name', 'n', '--meta', `k=${key}`]);
    expect(leaked.code).toBe(2);
    expect(leaked.stderr).not.toContain(key.slice(3));
    expect(await listJson()).toEqual([]);
  });

  it('marks keys older than VECTORCACHE_ROTATION_PERIOD (default 90 days) as due', async () => {
    const { record } = await createKey();
    const later = (days: number, period?: string) =>
      runInProcess(
        ['list', '--json'],
        period === undefined ? env : { ...env, VECTORCACHE_ROTATION_PERIOD: period },
        () => NOW + days * DAY,
      );
    const dueOf = async (days: number, period?: string) =>
      (JSON.parse((await later(days, period)).stdout) as ApiKeyRecord[])[0]!.rotationDue;
    expect(await dueOf(90)).toBe(false);
    expect(await dueOf(91)).toBe(true);
    expect(await dueOf(8, '7d')).toBe(true);
    const table = await runInProcess(['list'], env, () => NOW + 91 * DAY);
    expect(tableOf(table.stdout)[1]).toMatch(/active\s+due$/);
    const human = await runInProcess(
      ['list'],
      { ...env, VECTORCACHE_ROTATION_PERIOD: '0s' },
      () => NOW,
    );
    expect(human.code).toBe(2);
    expect(record.rotationDue).toBe(false);
  });
});
