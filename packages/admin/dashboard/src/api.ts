/**
 * The management API as the page calls it: relative URLs under the mount path, the key the user
 * entered as a Bearer token, and every refusal turned into words a person can act on.
 */

export type KeyStatus = 'active' | 'revoked' | 'expired';

/** A key record as the API returns it (never a hash, never the key). */
export interface KeyRecord {
  id: string;
  projectId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  requestCount: number;
  revokedAt: string | null;
  expiresAt: string | null;
  status: KeyStatus;
  /** The environment the key is for (`production`), or null for any. */
  environment: string | null;
  /** The application's own user or customer id the key belongs to, or null. */
  ownerId: string | null;
  /** Flat metadata, or null. */
  meta: Record<string, string | number | boolean> | null;
  /** Active and older than the server's rotation period (default 90 days). */
  rotationDue: boolean;
  /** The id of the key this one replaced by rotation, when it did. */
  rotatedFrom?: string | null;
  /** The id of the key that replaced this one by rotation, when one did. */
  rotatedTo?: string | null;
}

/** What a key is for, as create and edit send it (`null` clears). */
export type KeyLabels = Partial<Pick<KeyRecord, 'environment' | 'ownerId' | 'meta'>>;

/** What create sends: a name, scopes, an expiry (in a duration or on a date) and the labels. */
export type NewKey = {
  name: string;
  scopes: string[];
  expiresIn?: string;
  expiresAt?: string;
} & KeyLabels;

/** The list's filters beside the status: an environment, an owner (empty: any). */
export interface KeyFilter {
  environment?: string;
  ownerId?: string;
}

/** A key as issued by create or rotate: shown once, then forgotten. */
export interface IssuedKey {
  key: string;
  record: KeyRecord;
}

export type Granularity = 'hour' | 'day';

/** One point of a usage series: its start and the counts by outcome. */
export interface UsagePoint {
  start: string;
  requests: number;
  outcomes: Record<string, number>;
}

/** A key in the project's ranking, most used first. */
export interface RankedKey {
  id: string;
  prefix: string;
  name: string;
  requests: number;
}

export interface UsageAnswer {
  granularity: Granularity;
  points: UsagePoint[];
  keys?: RankedKey[];
  projectId?: string;
}

export interface AuditEvent {
  at: string;
  action: string;
  actor: { keyId: string; prefix: string } | null;
  target: { keyId: string; prefix: string; name: string };
}

/** A refusal or failure of an API call, with a message for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** The API's own `detail`, when it sent one. */
    readonly detail: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Words for an API answer that was not a success. */
export function describeFailure(status: number, detail: string | null): string {
  const said = detail ? ` The server said: “${detail}”.` : '';
  switch (status) {
    case 0:
      return 'Could not reach the server. Check your connection and try again.';
    case 400:
      return `The request was refused because some input is invalid.${said}`;
    case 401:
      return `The key was refused: it is unknown, revoked or expired, or it was not sent.${said} Sign out and sign in again with a valid key.`;
    case 403:
      return `Your key is not allowed to do this.${said}`;
    case 404:
      return `Not found: the key does not exist in your project (it may have been removed).${said}`;
    case 405:
      return `The server does not allow this action here.${said}`;
    case 409:
      return `This cannot be done in the key's current state.${said}`;
    case 413:
      return `The request was too large.${said}`;
    case 415:
      return `The server did not accept the request's format.${said}`;
    case 429:
      return `Too many failed attempts; wait a moment before trying again.${said}`;
    case 501:
      return `This server's key store does not keep usage analytics or the audit list.${said}`;
    case 503:
      return `The key service is unavailable right now.${said} Try again in a moment.`;
    default:
      return `The server answered with an unexpected error (HTTP ${status}).${said}`;
  }
}

/** The mount path's `/`, derived from where this script was loaded (`<mount>/assets/app-*.js`). */
export function apiBase(scriptUrl: string): URL {
  return new URL('../', scriptUrl);
}

type Method = 'GET' | 'POST' | 'PATCH';

/** A client bound to one key; the key lives only in this closure and in the caller's state. */
export interface Api {
  listKeys(status?: KeyStatus, labels?: KeyFilter): Promise<KeyRecord[]>;
  createKey(input: NewKey): Promise<IssuedKey>;
  updateKey(
    id: string,
    patch: { name?: string; scopes?: string[] } & KeyLabels,
  ): Promise<KeyRecord>;
  revokeKey(id: string): Promise<KeyRecord>;
  rotateKey(id: string, grace?: string): Promise<IssuedKey & { previous: KeyRecord }>;
  projectUsage(from: string, to: string, granularity: Granularity): Promise<UsageAnswer>;
  keyUsage(id: string, from: string, to: string, granularity: Granularity): Promise<UsageAnswer>;
  audit(limit?: number): Promise<AuditEvent[]>;
}

/** Builds a client that sends `key` as a Bearer token to the API under `base`. */
export function createApi(base: URL, key: string): Api {
  async function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${key}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
    } catch {
      throw new ApiError(0, null, describeFailure(0, null));
    }
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const detail =
        parsed &&
        typeof parsed === 'object' &&
        typeof (parsed as { detail?: unknown }).detail === 'string'
          ? (parsed as { detail: string }).detail
          : null;
      throw new ApiError(response.status, detail, describeFailure(response.status, detail));
    }
    if (parsed === null || typeof parsed !== 'object') {
      throw new ApiError(
        response.status,
        null,
        `The server sent an answer the page cannot read (HTTP ${response.status}).`,
      );
    }
    return parsed as T;
  }

  const range = (from: string, to: string, granularity: Granularity) =>
    new URLSearchParams({ from, to, granularity }).toString();

  return {
    listKeys: async (status, labels = {}) => {
      const query = new URLSearchParams();
      if (status) query.set('status', status);
      if (labels.environment) query.set('environment', labels.environment);
      if (labels.ownerId) query.set('ownerId', labels.ownerId);
      const search = query.toString();
      return (await call<{ keys: KeyRecord[] }>('GET', search ? `v1/keys?${search}` : 'v1/keys'))
        .keys;
    },
    createKey: (input) => call('POST', 'v1/keys', input),
    updateKey: (id, patch) => call('PATCH', `v1/keys/${encodeURIComponent(id)}`, patch),
    revokeKey: (id) => call('POST', `v1/keys/${encodeURIComponent(id)}/revoke`),
    rotateKey: (id, grace) =>
      call('POST', `v1/keys/${encodeURIComponent(id)}/rotate`, grace ? { grace } : {}),
    projectUsage: (from, to, granularity) =>
      call('GET', `v1/analytics/usage?${range(from, to, granularity)}`),
    keyUsage: (id, from, to, granularity) =>
      call('GET', `v1/keys/${encodeURIComponent(id)}/usage?${range(from, to, granularity)}`),
    audit: async (limit = 100) =>
      (await call<{ events: AuditEvent[] }>('GET', `v1/audit?limit=${limit}`)).events,
  };
}

/** The message to show for anything a call threw. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : 'Something unexpected went wrong.';
}
