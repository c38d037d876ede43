import type { HttpAnswer } from '@vectorcache/auth-core/adapter';
import type { AuthEvent, CacheOptions, KeyStore, Verifier } from '@vectorcache/auth-core';

/** Options of `vectorcacheAdmin(options?)` in every adapter, and of {@link createAdminHandler}. */
export interface AdminOptions {
  /** The key store; default from the environment (Redis or the embedded store), as `vectorcacheAuth()`. */
  store?: KeyStore;
  /**
   * The verifier of `vectorcacheAuth()`, to share its caches and usage counts (excludes `store`):
   * keys are managed in its store, with its pepper.
   */
  verifier?: Verifier;
  /** HMAC pepper of a verifier built here; default `VECTORCACHE_KEY_PEPPER`. */
  pepper?: string;
  /** The project every calling key must belong to; default `VECTORCACHE_PROJECT_ID` (any project when unset). */
  projectId?: string;
  /** Store timeout of a verifier built here. @default 500 */
  timeoutMs?: number;
  /** Longest wait for a management store call (list, create, analytics...). @default 2000 */
  storeTimeoutMs?: number;
  cache?: CacheOptions;
  onEvent?: (event: AuthEvent) => void;
  /** Clock in epoch milliseconds, for default analytics ranges. @default Date.now */
  now?: () => number;
  /**
   * How old an active key may grow before its record says `rotationDue: true` (the dashboard's
   * "rotation due" badge): a duration such as `"90d"`, at least `"1s"`, or milliseconds.
   * Default `VECTORCACHE_ROTATION_PERIOD`, else 90 days.
   */
  rotationPeriod?: string | number;
}

/** Header values as Node gives them: lower-case names, repeated headers as arrays. */
export type AdminHeaders = Record<string, string | string[] | undefined>;

/**
 * The request body as the adapter has it: the raw bytes, a way to read them (bounded), what the
 * app's own body parser made of them, or that parser's failure.
 */
export type AdminBody =
  | { kind: 'bytes'; bytes: Uint8Array | string }
  | {
      kind: 'stream';
      /** Reads the body; resolves to `null` as soon as it is longer than `limit` bytes. */
      read(limit: number): Promise<Uint8Array | null>;
    }
  | { kind: 'parsed'; value: unknown }
  | {
      kind: 'failed';
      /** The body text the parser could not parse, when it kept it. */
      raw?: string;
      /** What went wrong: unparsable, over the parser's own limit, or unreadable. */
      reason: 'invalid' | 'too_large' | 'unreadable';
    };

/** A request as every mount hands it to the admin handler. */
export interface AdminRequest {
  /** `GET`, `POST`... */
  method: string;
  /** The path relative to the mount point, starting with `/` (`/v1/keys`). */
  path: string;
  /**
   * The path as the client sent it, mount point included (`/admin`), when the adapter knows it:
   * the mount point asked without its trailing slash is then redirected to it, so that the
   * dashboard page's relative URLs resolve under the mount point.
   */
  requestPath?: string;
  /** The query string without `?` (`status=active`). */
  query?: string;
  headers: AdminHeaders;
  /**
   * Node's raw header list (names and values alternating), when the adapter has it: a request
   * with two `Authorization` lines is then refused as the middleware refuses it.
   */
  rawHeaders?: readonly string[];
  /** Absent when the request has no body, or when the route does not read one. */
  body?: AdminBody;
}

/** The management API, framework-neutral: one function from request to answer. */
export interface AdminHandler {
  /** Answers one request; never rejects (a failure is a 5xx answer). */
  handle(request: AdminRequest): Promise<HttpAnswer>;
  /** The verifier authenticating the calls: the one passed in options, or the one built. */
  readonly verifier: Verifier;
  /** Flushes usage and releases the store when this handler built them. */
  close(): Promise<void>;
}
