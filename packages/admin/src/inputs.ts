import {
  parseDuration,
  validateEnvironment,
  validateKeyName,
  validateMeta,
  validateOwnerId,
  validateScopes,
  VectorcacheAuthError,
  type KeyListFilter,
  type KeyMeta,
  type KeyStatus,
} from '@vectorcache/auth-core';
import { resolveUsageRange, type UsageRange } from '@vectorcache/auth-core/adapter';
import { AdminError, quote } from './answers';

/** An ISO-8601 date or date-time (a zone required with a time), as `expiresAt` must be. */
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms of an ISO-8601 date or date-time, or NaN. */
function isoDate(text: string): number {
  return ISO_DATE.test(text) ? Date.parse(text) : NaN;
}

/** Runs a core validator; its error (which quotes the bad value) becomes a 400. */
function valid<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof VectorcacheAuthError) throw new AdminError(400, err.message);
    throw err;
  }
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) {
      throw new AdminError(
        400,
        `Unknown field ${quote(field)}; the fields are ${allowed.join(', ')}`,
      );
    }
  }
}

function name(value: unknown): string {
  return valid(() => validateKeyName(value));
}

function scopes(value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new AdminError(
      400,
      `Invalid scopes ${quote(value)}: give an array of scopes such as ["cache:read"]`,
    );
  }
  return valid(() => validateScopes(value));
}

/** What a key is for: `environment`, `ownerId`, `meta`, as a body gives them (`null` clears). */
export interface KeyLabels {
  environment?: string | null;
  ownerId?: string | null;
  meta?: KeyMeta | null;
}

/** The labels a body gives, each checked by core (its error quotes the bad value). */
function labels(body: Record<string, unknown>): KeyLabels {
  const out: KeyLabels = {};
  if (body.environment !== undefined) {
    out.environment = valid(() => validateEnvironment(body.environment));
  }
  if (body.ownerId !== undefined) out.ownerId = valid(() => validateOwnerId(body.ownerId));
  if (body.meta !== undefined) out.meta = valid(() => validateMeta(body.meta));
  return out;
}

const LABELS = ['environment', 'ownerId', 'meta'] as const;

/** The body of `POST /v1/keys`. */
export interface CreateInput extends KeyLabels {
  name: string;
  scopes: string[] | undefined;
  expiresAt: string | null;
}

/** Checks the body of `POST /v1/keys`; `now` dates `expiresIn`. */
export function createInput(body: Record<string, unknown>, now: number): CreateInput {
  onlyFields(body, ['name', 'scopes', 'expiresIn', 'expiresAt', ...LABELS]);
  if (body.name === undefined) {
    throw new AdminError(400, 'Missing field "name": give 1 to 100 characters, e.g. "backend"');
  }
  const input: CreateInput = {
    name: name(body.name),
    scopes: body.scopes === undefined ? undefined : scopes(body.scopes),
    expiresAt: null,
    ...labels(body),
  };
  if (body.expiresIn !== undefined && body.expiresAt !== undefined) {
    throw new AdminError(400, 'Give expiresIn or expiresAt, not both');
  }
  if (body.expiresIn !== undefined) {
    const ms = valid(() => parseDuration(body.expiresIn, 'expiresIn', false));
    input.expiresAt = new Date(now + ms).toISOString();
  } else if (body.expiresAt !== undefined && body.expiresAt !== null) {
    const at = typeof body.expiresAt === 'string' ? isoDate(body.expiresAt) : NaN;
    if (!(at > now)) {
      throw new AdminError(
        400,
        `Invalid expiresAt ${quote(body.expiresAt)}: give an ISO-8601 date in the future, e.g. "2030-01-01T00:00:00Z"`,
      );
    }
    input.expiresAt = new Date(at).toISOString();
  }
  return input;
}

/** The body of `PATCH /v1/keys/{id}`. */
export function updateInput(
  body: Record<string, unknown>,
): { name?: string; scopes?: string[] } & KeyLabels {
  onlyFields(body, ['name', 'scopes', ...LABELS]);
  const changes: { name?: string; scopes?: string[] } & KeyLabels = labels(body);
  if (body.name !== undefined) changes.name = name(body.name);
  if (body.scopes !== undefined) changes.scopes = scopes(body.scopes);
  return changes;
}

/** The body of `POST /v1/keys/{id}/rotate`: the grace period in ms (0: revoke at once). */
export function rotateInput(body: Record<string, unknown>): number {
  onlyFields(body, ['grace']);
  if (body.grace === undefined) return 0;
  return valid(() => parseDuration(body.grace, 'grace', true));
}

/** One query parameter: absent, or given exactly once. */
function param(query: URLSearchParams, key: string): string | undefined {
  const values = query.getAll(key);
  if (values.length > 1)
    throw new AdminError(400, `Invalid ${key} ${quote(values.join(','))}: give it once`);
  return values[0];
}

/** `?status=` of `GET /v1/keys`. */
export function statusFilter(query: URLSearchParams): KeyStatus | undefined {
  const status = param(query, 'status');
  if (status === undefined) return undefined;
  if (status !== 'active' && status !== 'revoked' && status !== 'expired') {
    throw new AdminError(400, `Invalid status ${quote(status)}: use active, revoked or expired`);
  }
  return status;
}

/** `?environment=&ownerId=` of `GET /v1/keys`: a bad value is a 400 quoting it. */
export function labelFilter(
  query: URLSearchParams,
): Pick<KeyListFilter, 'environment' | 'ownerId'> {
  const filter: Pick<KeyListFilter, 'environment' | 'ownerId'> = {};
  const environment = param(query, 'environment');
  const ownerId = param(query, 'ownerId');
  if (environment !== undefined) {
    filter.environment = valid(() => validateEnvironment(environment)) ?? undefined;
  }
  if (ownerId !== undefined) filter.ownerId = valid(() => validateOwnerId(ownerId)) ?? undefined;
  return filter;
}

/** `?limit=` of `GET /v1/audit`: 1 to 1000, default 100. */
export function auditLimit(query: URLSearchParams): number {
  const limit = param(query, 'limit');
  if (limit === undefined) return 100;
  const n = /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
  if (!(n >= 1 && n <= 1000)) {
    throw new AdminError(400, `Invalid limit ${quote(limit)}: give a whole number from 1 to 1000`);
  }
  return n;
}

/**
 * `?from&to&granularity` of the usage endpoints (core's rules, shared with the CLI's `usage`).
 */
export function usageRange(query: URLSearchParams, now: number): UsageRange {
  const input = {
    from: param(query, 'from'),
    to: param(query, 'to'),
    granularity: param(query, 'granularity'),
  };
  return valid(() => resolveUsageRange(input, now));
}
