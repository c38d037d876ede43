import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { redactApiKeys, VectorcacheAuthError, type KeyStore } from '@vectorcache/auth-core';
import { addAudit } from './commands/audit';
import { addCreate } from './commands/create';
import { addList } from './commands/list';
import { addRevoke } from './commands/revoke';
import { addRotate } from './commands/rotate';
import { addUpdate } from './commands/update';
import { addUsage } from './commands/usage';
import { PROGRAM } from './commands/shared';
import { CliUsageError } from './errors';
import type { Context } from './store-access';
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
  VECTORCACHE_ROTATION_PERIOD  age after which list marks a key due for rotation (default 90d)
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
