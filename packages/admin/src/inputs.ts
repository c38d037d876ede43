import {
  parseDuration,
  validateKeyName,
  validateScopes,
  VectorcacheAuthError,
  type KeyStatus,
  type UsageGranularity,
} from '@vectorcache/auth-core';
import { AdminError, quote } from './answers';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

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

/** The body of `POST /v1/keys`. */
export interface CreateInput {
  name: string;
  scopes: string[] | undefined;
  expiresAt: string | null;
}

/** Checks the body of `POST /v1/keys`; `now` dates `expiresIn`. */
export function createInput(body: Record<string, unknown>, now: number): CreateInput {
  onlyFields(body, ['name', 'scopes', 'expiresIn', 'expiresAt']);
  if (body.name === undefined) {
    throw new AdminError(400, 'Missing field "name": give 1 to 100 characters, e.g. "backend"');
  }
  const input: CreateInput = {
    name: name(body.name),
    scopes: body.scopes === undefined ? undefined : scopes(body.scopes),
    expiresAt: null,
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
export function updateInput(body: Record<string, unknown>): {
  name?: string;
  scopes?: string[];
} {
  onlyFields(body, ['name', 'scopes']);
  const changes: { name?: string; scopes?: string[] } = {};
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

const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms of an ISO-8601 date or date-time, or NaN. */
function isoDate(text: string): number {
  return ISO_DATE.test(text) ? Date.parse(text) : NaN;
}

/** A range of usage points. */
export interface UsageRange {
  granularity: UsageGranularity;
  /** Start of the first point (floored to the hour or UTC day), epoch ms. */
  from: number;
  /** End, exclusive, epoch ms. */
  to: number;
}

const MAX_RANGE_DAYS = { hour: 31, day: 400 } as const;

/**
 * `?from&to&granularity` of the usage endpoints. Defaults: hourly points over the last 24 hours,
 * daily points over the last 30 days, both up to the end of the current hour or day.
 */
export function usageRange(query: URLSearchParams, now: number): UsageRange {
  const granularityText = param(query, 'granularity') ?? 'hour';
  if (granularityText !== 'hour' && granularityText !== 'day') {
    throw new AdminError(400, `Invalid granularity ${quote(granularityText)}: use hour or day`);
  }
  const granularity: UsageGranularity = granularityText;
  const unit = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const date = (key: 'from' | 'to'): number | undefined => {
    const text = param(query, key);
    if (text === undefined) return undefined;
    const ms = isoDate(text);
    if (Number.isNaN(ms)) {
      throw new AdminError(
        400,
        `Invalid ${key} ${quote(text)}: give an ISO-8601 date such as 2026-12-01 or 2026-12-01T10:00:00Z`,
      );
    }
    return ms;
  };
  const fromGiven = date('from');
  const toGiven = date('to');
  const to = toGiven ?? Math.floor(now / unit) * unit + unit;
  const from = fromGiven ?? to - (granularity === 'hour' ? 24 * HOUR_MS : 30 * DAY_MS);
  const label = (ms: number, given: string | undefined): string =>
    quote(given ?? new Date(ms).toISOString());
  if (from > to) {
    throw new AdminError(
      400,
      `from ${label(from, param(query, 'from'))} is after to ${label(to, param(query, 'to'))}`,
    );
  }
  const maxDays = MAX_RANGE_DAYS[granularity];
  if (to - from > maxDays * DAY_MS) {
    throw new AdminError(
      400,
      `The range from ${label(from, param(query, 'from'))} to ${label(to, param(query, 'to'))} is longer than ${maxDays} days, the most for ${granularity === 'hour' ? 'hourly' : 'daily'} points` +
        (granularity === 'hour' ? '; use granularity=day' : ''),
    );
  }
  return { granularity, from: Math.floor(from / unit) * unit, to };
}
