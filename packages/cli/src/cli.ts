import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { createKeyManager, VectorcacheAuthError } from '@vectorcache/auth-core';
import {
  allowedScopesFromEnv,
  pepperFromEnv,
  publicRecord,
  redactApiKeys,
} from '@vectorcache/auth-core';
import { resolveUsageRange, toUsagePoints } from '@vectorcache/auth-core/adapter';
import type {
  ApiKeyRecord,
  AuditEntry,
  IssuedKey,
  KeyManager,
  KeyStore,
} from '@vectorcache/auth-core';
import { parseDuration } from './duration';
import { CliUsageError } from './errors';
import {
  displayPrefix,
  formatAuditTable,
  formatDate,
  formatIssuedKey,
  formatRecord,
  formatTable,
  formatUsageTable,
} from './format';
import { parseScopes, projectOption, resolveKeyId } from './key-input';
import { printJson, storeLine, withStore, type Context } from './store-access';
import { addExport, addImport } from './transfer';

/** Anything with a `write(text)` method: `process.stdout`, or a collector in tests. */
export interface CliWritable {
  write(chunk: string): unknown;
}

/** Where the CLI reads its environment and writes its output; every field defaults to `process`. */
export interface CliIo {
  /** Environment read for the store (`VECTORCACHE_KEYS_FILE`, `VECTORCACHE_REDIS_URL`, ...). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.stdout */
  stdout?: CliWritable;
  /** @default process.stderr */
  stderr?: CliWritable;
  /** Clock in epoch milliseconds, used for `--expires-in`. @default Date.now */
  now?: () => number;
  /** Longest wait for the key store, per command and again for closing it. @default 10000 */
  storeTimeoutMs?: number;
  /**
   * Opens the store to use instead of the environment's (embedding the CLI, tests); the CLI
   * closes it after each command. @default the store of `VECTORCACHE_REDIS_URL` / `VECTORCACHE_KEYS_FILE`
   */
  openStore?: () => KeyStore;
}

/** Exit code of a successful command. */
export const EXIT_OK = 0;
/** Exit code of an unexpected internal failure (a bug): one line on stderr. */
export const EXIT_FAILURE = 1;
/** Exit code of bad input: unknown command or option, invalid scope, unknown id, unreadable store. */
export const EXIT_USAGE = 2;

const PROGRAM = 'vectorcache-keys';
/**
 * The version in the package's own package.json, one folder above both `src/` and `dist/`
 * (`__filename` is shimmed from import.meta.url in the ESM build).
 */
export const VERSION: string = (createRequire(__filename)('../package.json') as { version: string })
  .version;
const COMMANDS = 'create, list, revoke, rotate, update, usage, audit, export, import';

const ENVIRONMENT_HELP = `
Environment (the same variables as the middleware):
  VECTORCACHE_KEYS_FILE     the embedded SQLite key database (default: .vectorcache/keys.db)
  VECTORCACHE_REDIS_URL     use Redis instead of the database (e.g. redis://127.0.0.1:6379)
  VECTORCACHE_REDIS_CLUSTER use a Redis Cluster instead (seed nodes host:port,host:port)
  VECTORCACHE_REDIS_PREFIX  key-name prefix in Redis (default: vc:)
  VECTORCACHE_KEY_PEPPER    HMAC pepper for key hashes; must match the servers'
  VECTORCACHE_SCOPES        your service's scopes (e.g. cache:read,cache:write,analytics:read):
                            create and update refuse others; without it, scopes other than the
                            five known ones are accepted with a warning

The embedded database's folder is created when a command first writes to it; human output then
says so on its "Key store:" line.
A whole API key given where a key id is expected (revoke vc_...) is hashed and its key found by
hash: the key itself is sent nowhere and never printed.
No output carries a record's hash, except export, whose purpose is to move records (hashes
only, never keys) to another store.

Exit codes: 0 success, 2 bad input or unusable store, 1 internal error.`;

/** One line, no control characters, and never a key (any case), whatever the message was. */
function oneLine(message: string): string {
  return redactApiKeys(message)
    .replace(/^error:\s*/i, '')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
}

/**
 * An error message in the CLI's one style (`error: no key with id ...`, as commander's own):
 * a lower-case start unless the first word is a name (`Redis`, `SQLite`, `VECTORCACHE_...`),
 * no closing period.
 */
function errorLine(message: string): string {
  const text = oneLine(message).replace(/\.$/, '');
  const name = /^(?:Redis|Node)\b/.test(text) || !/^[A-Z][a-z]/.test(text);
  return `error: ${name ? text : text.charAt(0).toLowerCase() + text.slice(1)}\n`;
}

/** Opens the store from the environment, runs `work` with a key manager, and always closes it. */
function withKeys<T>(
  ctx: Context,
  work: (keys: KeyManager, store: KeyStore) => Promise<T>,
): Promise<T> {
  const allowedScopes = allowedScopesFromEnv(ctx.env);
  return withStore(ctx, (store) =>
    work(
      createKeyManager({ store, pepper: pepperFromEnv(ctx.env), now: ctx.now, allowedScopes }),
      store,
    ),
  );
}

/** `--scopes`, checked and warned about against the environment's scope vocabulary. */
function scopesOption(ctx: Context, text: string): string[] {
  return parseScopes(text, allowedScopesFromEnv(ctx.env), ctx.warn);
}

function requireText(value: string, option: string): string {
  if (value.trim().length === 0) throw new CliUsageError(`${option} must not be empty`);
  return value;
}

/** `create` and `rotate` print the key once and the record without its hash. */
function issuedJson(issued: IssuedKey): { key: string; record: ReturnType<typeof publicRecord> } {
  return { key: issued.key, record: publicRecord(issued.record) };
}

/** The line that says a key was found by the key itself rather than its id. */
function foundByKey(byKey: boolean): string {
  return byKey ? 'Found by the API key given, through its hash: the key was sent nowhere.\n' : '';
}

function statusLine(record: ApiKeyRecord): string {
  if (record.revokedAt !== null) return `revoked at ${formatDate(record.revokedAt)}`;
  if (record.expiresAt === null) return 'valid until revoked';
  return record.status === 'expired'
    ? `expired at ${formatDate(record.expiresAt)}`
    : `valid until ${formatDate(record.expiresAt)}`;
}

function addCreate(program: Command, ctx: Context): void {
  program
    .command('create')
    .description('Create a key (printed once, never stored).')
    .requiredOption('--project <id>', 'project the key belongs to')
    .requiredOption('--name <name>', 'a name to recognise the key by (e.g. "ci", "backend")')
    .option('--scopes <list>', 'comma-separated scopes (default: cache:*,analytics:read)')
    .option('--expires-in <duration>', 'expire after a duration such as 90s, 15m, 24h or 30d')
    .option('--json', 'print { "key", "record" } as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ${PROGRAM} create --project proj_1 --name backend --scopes cache:read,cache:write --expires-in 90d`,
    )
    .action(
      async (options: {
        project: string;
        name: string;
        scopes?: string;
        expiresIn?: string;
        json?: boolean;
      }) => {
        const projectId = projectOption(options.project);
        const name = requireText(options.name, '--name');
        const scopes = options.scopes === undefined ? undefined : scopesOption(ctx, options.scopes);
        const expiresAt =
          options.expiresIn === undefined
            ? null
            : new Date(ctx.now() + parseDuration(options.expiresIn, '--expires-in', false));
        const issued = await withKeys(ctx, (keys) =>
          keys.create({ projectId, name, scopes, expiresAt }),
        );
        if (options.json === true) return printJson(ctx, issuedJson(issued));
        ctx.out(
          `Created key ${issued.record.id} (${displayPrefix(issued.record.prefix)}) in project ${issued.record.projectId}.\n` +
            formatIssuedKey(issued.key) +
            formatRecord(issued.record) +
            storeLine(ctx),
        );
      },
    );
}

function addList(program: Command, ctx: Context): void {
  program
    .command('list')
    .description('List keys with their status and usage.')
    .option('--project <id>', 'only the keys of this project')
    .option('--json', 'print an array of records as JSON')
    .action(async (options: { project?: string; json?: boolean }) => {
      const filter =
        options.project === undefined ? undefined : { projectId: projectOption(options.project) };
      const { records, projects } = await withKeys(ctx, async (keys) => {
        const found = await keys.list(filter);
        // A project with no key may be a typo: name the projects there are (human output only).
        const others =
          found.length === 0 && filter && options.json !== true ? await keys.list() : [];
        return { records: found, projects: [...new Set(others.map((r) => r.projectId))].sort() };
      });
      if (options.json === true) return printJson(ctx, records.map(publicRecord));
      if (records.length === 0) {
        ctx.out(
          (filter ? `No keys in project ${filter.projectId}.\n` : 'No keys.\n') +
            projectsLine(projects) +
            storeLine(ctx),
        );
        return;
      }
      ctx.out(formatTable(records) + storeLine(ctx));
    });
}

/** `Projects with keys: a, b.` (at most 20 named), or nothing when there are none. */
function projectsLine(projects: string[]): string {
  if (projects.length === 0) return '';
  const shown = projects.slice(0, 20).join(', ');
  const more = projects.length > 20 ? ` and ${projects.length - 20} more` : '';
  return `Projects with keys: ${shown}${more}.\n`;
}

function addRevoke(program: Command, ctx: Context): void {
  program
    .command('revoke')
    .description('Revoke a key; running servers refuse it at once.')
    .argument('<id>', 'id of the key (key_...) as shown by list, or the leaked key itself (vc_...)')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      `\nGiven the key itself, ${PROGRAM} hashes it, finds its record by hash and revokes that; the\nkey is sent nowhere and never printed.`,
    )
    .action(async (value: string, options: { json?: boolean }) => {
      const { before, record, byKey } = await withKeys(ctx, async (keys, store) => {
        const { id, byKey: found } = await resolveKeyId(value, store, ctx.env);
        const current = await keys.get(id);
        return { before: current, record: await keys.revoke(id), byKey: found };
      });
      if (options.json === true) return printJson(ctx, publicRecord(record));
      const already = before !== null && before.revokedAt !== null;
      ctx.out(
        (already
          ? `Key ${record.id} (${displayPrefix(record.prefix)}) was already revoked; nothing changed.\n`
          : `Revoked key ${record.id} (${displayPrefix(record.prefix)}).\n`) +
          foundByKey(byKey) +
          formatRecord(record) +
          storeLine(ctx),
      );
    });
}

function addRotate(program: Command, ctx: Context): void {
  program
    .command('rotate')
    .description('Replace a key by a new one (same project, name, scopes).')
    .argument('<id>', 'id of the key to rotate (key_...) as shown by list, or the key itself')
    .option(
      '--grace <duration>',
      'keep the old key valid for a duration such as 15m or 24h (default: revoke it at once)',
    )
    .option('--json', 'print { "key", "record" } (the new key) as JSON')
    .action(async (value: string, options: { grace?: string; json?: boolean }) => {
      const gracePeriodMs =
        options.grace === undefined ? 0 : parseDuration(options.grace, '--grace', true);
      const { issued, old, id } = await withKeys(ctx, async (keys, store) => {
        const resolved = await resolveKeyId(value, store, ctx.env);
        const rotated = await keys.rotate(resolved.id, { gracePeriodMs });
        return { issued: rotated, old: await keys.get(resolved.id), id: resolved.id };
      });
      if (options.json === true) return printJson(ctx, issuedJson(issued));
      ctx.out(
        `Rotated key ${id}: the new key is ${issued.record.id} (${displayPrefix(issued.record.prefix)}).\n` +
          formatIssuedKey(issued.key) +
          formatRecord(issued.record) +
          (old ? `\nThe old key ${old.id} is ${statusLine(old)}.\n` : '') +
          storeLine(ctx),
      );
    });
}

function addUpdate(program: Command, ctx: Context): void {
  program
    .command('update')
    .description('Rename a key or replace its scopes; running servers drop wider scopes at once.')
    .argument('<id>', 'id of the key (key_...), as shown by list')
    .option('--name <name>', 'the new name')
    .option('--scopes <list>', 'the new comma-separated scopes (replace the old ones)')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ${PROGRAM} update key_0123456789abcdef01234567 --scopes cache:read`,
    )
    .action(async (value: string, options: { name?: string; scopes?: string; json?: boolean }) => {
      if (options.name === undefined && options.scopes === undefined) {
        throw new CliUsageError('give --name and/or --scopes to change');
      }
      const changes = {
        name: options.name,
        scopes: options.scopes === undefined ? undefined : scopesOption(ctx, options.scopes),
      };
      const record = await withKeys(ctx, async (keys, store) =>
        keys.update((await resolveKeyId(value, store, ctx.env)).id, changes),
      );
      if (options.json === true) return printJson(ctx, publicRecord(record));
      ctx.out(
        `Updated key ${record.id} (${displayPrefix(record.prefix)}).\n` + formatRecord(record),
      );
    });
}

function addUsage(program: Command, ctx: Context): void {
  program
    .command('usage')
    .description("Show a key's requests per hour or day, by outcome.")
    .argument('<id>', 'id of the key (key_...), as shown by list')
    .option('--from <date>', 'start, ISO-8601 (default: 24 hours or 30 days before --to)')
    .option('--to <date>', 'end, exclusive, ISO-8601 (default: the end of this hour or day)')
    .option('--granularity <unit>', 'hour (at most 31 days) or day (at most 400 days)', 'hour')
    .option('--json', 'print { keyId, granularity, from, to, points } as JSON')
    .action(
      async (
        value: string,
        options: { from?: string; to?: string; granularity: string; json?: boolean },
      ) => {
        const range = resolveUsageRange(options, ctx.now());
        const usage = await withKeys(ctx, async (keys, store) => {
          const { id } = await resolveKeyId(value, store, ctx.env);
          const record = await keys.get(id);
          if (!record) {
            throw new CliUsageError(
              `no key with id ${JSON.stringify(id)}; list the keys to find its id`,
            );
          }
          if (!store.readUsage) throw new CliUsageError('this key store keeps no usage analytics');
          const rows = await store.readUsage({
            projectId: record.projectId,
            keyId: record.id,
            from: new Date(range.from).toISOString(),
            to: new Date(range.to).toISOString(),
            granularity: range.granularity,
          });
          return { record, points: toUsagePoints(rows, range) };
        });
        const from = new Date(range.from).toISOString();
        const to = new Date(range.to).toISOString();
        if (options.json === true) {
          return printJson(ctx, {
            keyId: usage.record.id,
            granularity: range.granularity,
            from,
            to,
            points: usage.points,
          });
        }
        const total = usage.points.reduce((sum, point) => sum + point.requests, 0);
        const heading =
          `Usage of key ${usage.record.id} (${displayPrefix(usage.record.prefix)}) per ${range.granularity}, ` +
          `${formatDate(from)} to ${formatDate(to)}: `;
        // A table of zeros says nothing a sentence does not.
        ctx.out(
          total === 0
            ? `${heading}no requests in this range.\n`
            : `${heading}${total} requests.\n${formatUsageTable(usage.points)}`,
        );
      },
    );
}

function addAudit(program: Command, ctx: Context): void {
  program
    .command('audit')
    .description('Show management actions (create, update, revoke, rotate), newest first.')
    .option('--project <id>', 'only the actions of this project')
    .option('--limit <n>', 'at most this many entries per project (1 to 10000)', '100')
    .option('--json', 'print an array of entries as JSON')
    .action(async (options: { project?: string; limit: string; json?: boolean }) => {
      const limit = /^\d{1,5}$/.test(options.limit) ? Number(options.limit) : NaN;
      if (!(limit >= 1 && limit <= 10_000)) {
        throw new CliUsageError(
          `invalid --limit ${JSON.stringify(options.limit)}: give a whole number from 1 to 10000`,
        );
      }
      const project = options.project === undefined ? undefined : projectOption(options.project);
      const entries = await withKeys(ctx, async (_keys, store) => {
        if (!store.listAudit) throw new CliUsageError('this key store keeps no audit list');
        const projects =
          project !== undefined
            ? [project]
            : [...new Set((await store.list()).map((record) => record.projectId))];
        const lists = await Promise.all(
          projects.map((projectId) => store.listAudit!({ projectId, limit })),
        );
        return lists
          .flat()
          .sort((a: AuditEntry, b: AuditEntry) => b.at.localeCompare(a.at))
          .slice(0, project === undefined ? limit : undefined);
      });
      if (options.json === true) return printJson(ctx, entries);
      if (entries.length === 0) {
        ctx.out(project ? `No audit entries in project ${project}.\n` : 'No audit entries.\n');
        return;
      }
      ctx.out(formatAuditTable(entries));
    });
}

function buildProgram(ctx: Context): Command {
  const program = new Command(PROGRAM)
    .description(
      'Create, list, update, revoke and rotate API keys; read usage and audit; export and import.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.out(text),
      // Help printed because of an error (no command) is replaced by one line in `reportError`.
      writeErr: () => undefined,
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', ENVIRONMENT_HELP);
  addCreate(program, ctx);
  addList(program, ctx);
  addRevoke(program, ctx);
  addRotate(program, ctx);
  addUpdate(program, ctx);
  addUsage(program, ctx);
  addAudit(program, ctx);
  addExport(program, ctx);
  addImport(program, ctx);
  return program;
}

function reportError(err: unknown, argv: readonly string[], stderr: CliWritable): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
    if (err.code === 'commander.help') {
      if (err.exitCode === 0) return EXIT_OK;
      // `help <unknown>` lands here too, as does a bare `vectorcache-keys`.
      const asked = argv[0] === 'help' ? argv[1] : undefined;
      stderr.write(
        asked === undefined
          ? `error: no command given; use one of ${COMMANDS} (see ${PROGRAM} --help)\n`
          : `error: unknown command ${JSON.stringify(oneLine(asked))}; the commands are ${COMMANDS}\n`,
      );
      return EXIT_USAGE;
    }
    stderr.write(errorLine(err.message));
    return EXIT_USAGE;
  }
  if (err instanceof CliUsageError || err instanceof VectorcacheAuthError) {
    stderr.write(errorLine(err.message));
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(errorLine(`unexpected failure: ${message}`));
  return EXIT_FAILURE;
}

/**
 * Runs `vectorcache-keys` with `argv` (the arguments after the program name) and resolves to its
 * exit code, without ever calling `process.exit`: usable in-process (tests, scripts) as well as
 * from the `vectorcache-keys` binary. Output goes to `io.stdout`; a failure is one line on
 * `io.stderr` (exit 2 for bad input or an unusable store, 1 for an internal error).
 *
 * @example
 * const code = await runCli(['list', '--json'], { env: { VECTORCACHE_KEYS_FILE: '/tmp/keys.db' } });
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const ctx: Context = {
    env,
    openStore: io.openStore,
    out: (text) => {
      stdout.write(text);
    },
    warn: (text) => {
      stderr.write(oneLine(text) + '\n');
    },
    now: io.now ?? Date.now,
    storeTimeoutMs: io.storeTimeoutMs ?? 10_000,
  };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return reportError(err, argv, stderr);
  }
}

/**
 * The `vectorcache-keys` binary: runs {@link runCli} on the process's arguments and environment
 * and sets `process.exitCode`.
 *
 * @example
 * await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const code = await runCli(argv);
  process.exitCode = code;
  return code;
}
