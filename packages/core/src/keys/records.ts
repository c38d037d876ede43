import { VectorcacheAuthError } from '../errors';
import type { ApiKeyRecord, KeyStatus, PublicKeyRecord, StoredKeyRecord } from '../types';
import { DEFAULT_ROTATION_PERIOD_MS, isRotationDue } from './key-metadata';

/** Parses an ISO date string to epoch ms; `null` stays `null`, garbage becomes NaN. */
function toMs(value: string | null): number | null {
  return value === null ? null : Date.parse(value);
}

/**
 * The derived status of a record at `nowMs`: revoked wins over expired; a key whose
 * `expiresAt` is at or before now is expired.
 */
export function keyStatus(record: StoredKeyRecord, nowMs: number): KeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  const expires = toMs(record.expiresAt);
  if (expires !== null && !(expires > nowMs)) return 'expired';
  return 'active';
}

/**
 * A copy of a stored record with its derived `status` and `rotationDue` (older than
 * `rotationPeriodMs` and active), environment, owner and metadata (`null` when unset), rotation
 * links included when set.
 */
export function withStatus(
  record: StoredKeyRecord,
  nowMs: number,
  rotationPeriodMs = DEFAULT_ROTATION_PERIOD_MS,
): ApiKeyRecord {
  const status = keyStatus(record, nowMs);
  const out: ApiKeyRecord = {
    id: record.id,
    projectId: record.projectId,
    name: record.name,
    prefix: record.prefix,
    hash: record.hash,
    scopes: [...record.scopes],
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    requestCount: record.requestCount,
    revokedAt: record.revokedAt,
    expiresAt: record.expiresAt,
    environment: record.environment ?? null,
    ownerId: record.ownerId ?? null,
    meta: record.meta ? { ...record.meta } : null,
    status,
    rotationDue: isRotationDue(record.createdAt, status === 'active', nowMs, rotationPeriodMs),
  };
  // The rotation links, when the record has them.
  if (typeof record.rotatedFrom === 'string') out.rotatedFrom = record.rotatedFrom;
  if (typeof record.rotatedTo === 'string') out.rotatedTo = record.rotatedTo;
  return out;
}

/**
 * A record as it may leave the service (management API answers, CLI output): every field but
 * the `hash`, with its status.
 * @example res.json(publicRecord(await keys.get(id)))
 */
export function publicRecord(record: ApiKeyRecord): PublicKeyRecord {
  const { hash: _hash, ...rest } = record;
  return { ...rest, scopes: [...record.scopes], meta: record.meta ? { ...record.meta } : null };
}

/**
 * Whether a value read from a store is usable as a record: an object with string `id`, `hash`,
 * `projectId`, an array of string `scopes`, and `revokedAt` and `expiresAt` each present, `null` or a
 * string (a record that cannot say whether it was revoked is corrupt).
 */
export function isUsableRecord(value: unknown): value is StoredKeyRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const nullableString = (v: unknown): boolean => v === null || typeof v === 'string';
  return (
    typeof r.id === 'string' &&
    typeof r.hash === 'string' &&
    typeof r.projectId === 'string' &&
    r.projectId.length > 0 &&
    Array.isArray(r.scopes) &&
    r.scopes.every((s) => typeof s === 'string') &&
    nullableString(r.revokedAt) &&
    nullableString(r.expiresAt)
  );
}

/**
 * Normalises an expiry given as a `Date`, an ISO-8601 string or epoch milliseconds to an ISO
 * string; `null`/`undefined` mean never. Throws `invalid_input` on anything else.
 */
export function normaliseExpiry(value: Date | string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : NaN;
  if (!Number.isFinite(ms)) {
    throw new VectorcacheAuthError(
      'invalid_input',
      'expiresAt must be a Date, an ISO-8601 string or epoch milliseconds (e.g. "2027-01-01T00:00:00Z").',
    );
  }
  return new Date(ms).toISOString();
}
