import { redactApiKeys } from '../keys/key-format';
import type { AuthEvent, StoreFaultCause } from '../verify/verifier-types';

export type { StoreFaultCause };

/** Most specific first: a message can name a path and say why opening it failed. */
const CAUSES: ReadonlyArray<[StoreFaultCause, RegExp]> = [
  ['lock', /database is locked|SQLITE_BUSY|write lock/i],
  ['corruption', /corrupt|malformed|not a database|file is not a database|not a key database/i],
  ['permission', /EACCES|EPERM|permission denied|readonly|read-only/i],
  ['timeout', /timed out|did not answer within|timeout/i],
  [
    'path',
    /ENOENT|ENOTDIR|EISDIR|no such file|unable to open|was removed|was replaced|cannot open|not found at/i,
  ],
  ['connection', /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|connect|connection|closed/i],
];

/** The cause of a store failure, from its code and message (never from anything a request sent). */
export function storeFaultCause(err: unknown): StoreFaultCause {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'store_timeout') return 'timeout';
  const text = messageOf(err);
  if (CAUSES[0]![1].test(text)) return 'lock';
  if (code === 'corrupt_record' || code === 'store_unreadable') {
    if (/EACCES|EPERM|permission|readonly/i.test(text)) return 'permission';
    if (/ENOENT|ENOTDIR|EISDIR|no such file|unable to open/i.test(text)) return 'path';
    return 'corruption';
  }
  for (const [cause, pattern] of CAUSES) if (pattern.test(text)) return cause;
  return 'unknown';
}

function messageOf(err: unknown): string {
  const own = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${own}${cause}`;
}

/** The two kinds of store call a verifier makes: key reads, usage writes. */
export type StoreCall = 'read' | 'write';

/** Where the default warning lines go. */
export type WarningSink = (line: string) => void;

const stderrSink: WarningSink = (line) => {
  process.stderr.write(line);
};

/**
 * The availability of one verifier's key store, told once per transition: available to
 * unavailable (with its cause and the store's own message: path, permission, corruption, lock,
 * timeout, connection) and back, as a `store_unavailable` / `store_available` event and one
 * warning line on stderr. Never per request, never with a key (messages are redacted).
 */
export class StoreHealth {
  /**
   * What failed while unavailable: only that kind of call succeeding again makes the store
   * available (reads may go on through a lock that fails every write; no flapping per request).
   */
  private failing: StoreCall | null = null;

  constructor(
    private readonly emit: (event: AuthEvent) => void,
    private readonly warn: WarningSink | null = process.env.VECTORCACHE_STORE_WARNINGS === 'off'
      ? null
      : stderrSink,
  ) {}

  /** A store call of this kind succeeded. */
  ok(call: StoreCall = 'read'): void {
    if (this.failing !== call) return;
    this.failing = null;
    this.emit({ type: 'store_available' });
    this.warn?.('vectorcache auth: the key store is available again\n');
  }

  /** A store call of this kind failed with `err`. */
  failed(err: unknown, call: StoreCall = 'read'): void {
    if (this.failing !== null) return;
    this.failing = call;
    const cause = storeFaultCause(err);
    // One line; no key, no credentials of a connection URL.
    const detail = redactApiKeys(messageOf(err))
      .replace(/[\r\n]+/g, ' ')
      .replace(/\/\/[^/@\s]*@/g, '//')
      .slice(0, 500);
    this.emit({ type: 'store_unavailable', cause, detail });
    this.warn?.(`vectorcache auth: the key store is unavailable (${cause}): ${detail}\n`);
  }

  /** Reports how `work` (a call of this kind) ends, and passes its result or error on. */
  track<T>(work: Promise<T>, call: StoreCall): Promise<T> {
    return work.then(
      (value) => {
        this.ok(call);
        return value;
      },
      (err: unknown) => {
        this.failed(err, call);
        throw err;
      },
    );
  }
}
