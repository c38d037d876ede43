import { VectorcacheAuthError } from '../errors';
import type { AuditEntry, KeyMeta, KeyRecordPatch, StoredKeyRecord } from '../types';
import type { SqliteRow, SqliteValue } from './sqlite-driver';

/** The columns of the `keys` table, in the order {@link recordValues} gives them. */
export const KEY_COLUMNS =
  'id, hash, project_id, name, prefix, scopes, created_at, last_used_at, request_count, revoked_at, expires_at, rotated_from, rotated_to, environment, owner_id, meta';

/** One `?` per column of {@link KEY_COLUMNS}. */
export const KEY_PLACEHOLDERS = KEY_COLUMNS.split(',')
  .map(() => '?')
  .join(', ');

/** A record as the values of {@link KEY_COLUMNS}. */
export function recordValues(record: StoredKeyRecord): SqliteValue[] {
  return [
    record.id,
    record.hash,
    record.projectId,
    record.name,
    record.prefix,
    JSON.stringify(record.scopes),
    record.createdAt,
    record.lastUsedAt,
    record.requestCount,
    record.revokedAt,
    record.expiresAt,
    record.rotatedFrom ?? null,
    record.rotatedTo ?? null,
    record.environment ?? null,
    record.ownerId ?? null,
    record.meta ? JSON.stringify(record.meta) : null,
  ];
}

/** The `SET` clause and values of a patch; empty when the patch changes nothing. */
export function patchAssignments(patch: KeyRecordPatch): { sql: string; values: SqliteValue[] } {
  const columns: string[] = [];
  const values: SqliteValue[] = [];
  const set = (column: string, value: SqliteValue): void => {
    columns.push(`${column} = ?`);
    values.push(value);
  };
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.scopes !== undefined) set('scopes', JSON.stringify(patch.scopes));
  if (patch.revokedAt !== undefined) set('revoked_at', patch.revokedAt);
  if (patch.expiresAt !== undefined) set('expires_at', patch.expiresAt);
  if (patch.rotatedTo !== undefined) set('rotated_to', patch.rotatedTo);
  if (patch.environment !== undefined) set('environment', patch.environment);
  if (patch.ownerId !== undefined) set('owner_id', patch.ownerId);
  if (patch.meta !== undefined) set('meta', patch.meta ? JSON.stringify(patch.meta) : null);
  return { sql: columns.join(', '), values };
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isNullableText = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isDate = (v: unknown): v is string => isText(v) && !Number.isNaN(Date.parse(v));
const isNullableDate = (v: unknown): v is string | null => v === null || isDate(v);

function parseScopes(text: unknown): string[] | null {
  if (!isText(text)) return null;
  try {
    const scopes: unknown = JSON.parse(text);
    return Array.isArray(scopes) && scopes.every(isText) ? scopes : null;
  } catch {
    return null;
  }
}

/** Stored metadata: a flat JSON object of strings, numbers and booleans; `undefined` if not. */
function parseMeta(text: unknown): KeyMeta | null | undefined {
  if (text === null || text === undefined) return null;
  if (!isText(text)) return undefined;
  try {
    const meta: unknown = JSON.parse(text);
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
    const flat = Object.values(meta).every((v) =>
      ['string', 'number', 'boolean'].includes(typeof v),
    );
    return flat ? (meta as KeyMeta) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A row of the `keys` table as a record, checked field by field. A row that does not hold a
 * usable record rejects with `corrupt_record`, so only that key answers 503.
 */
export function recordFromRow(row: SqliteRow): StoredKeyRecord {
  const scopes = parseScopes(row.scopes);
  const meta = parseMeta(row.meta);
  const count = row.request_count;
  if (
    !isText(row.id) ||
    !isText(row.hash) ||
    !isText(row.project_id) ||
    row.project_id.length === 0 ||
    !isText(row.name) ||
    !isText(row.prefix) ||
    scopes === null ||
    !isText(row.created_at) ||
    !isNullableText(row.last_used_at) ||
    typeof count !== 'number' ||
    !Number.isSafeInteger(count) ||
    count < 0 ||
    !isNullableDate(row.revoked_at) ||
    !isNullableDate(row.expires_at) ||
    !isNullableText(row.rotated_from) ||
    !isNullableText(row.rotated_to) ||
    !isNullableText(row.environment ?? null) ||
    !isNullableText(row.owner_id ?? null) ||
    meta === undefined
  ) {
    const id = isText(row.id) ? row.id.slice(0, 40) : 'with no id';
    throw new VectorcacheAuthError(
      'corrupt_record',
      `The stored record of key ${id} is corrupt; revoke the key and create a new one, or restore the database from a backup.`,
    );
  }
  const record: StoredKeyRecord = {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    scopes,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    requestCount: count,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
  };
  if (row.rotated_from !== null) record.rotatedFrom = row.rotated_from;
  if (row.rotated_to !== null) record.rotatedTo = row.rotated_to;
  if (typeof row.environment === 'string') record.environment = row.environment;
  if (typeof row.owner_id === 'string') record.ownerId = row.owner_id;
  if (meta !== null) record.meta = meta;
  return record;
}

/** An audit row's JSON as an entry, or `null` when it is not one. */
export function auditFromJson(text: unknown): AuditEntry | null {
  if (!isText(text)) return null;
  try {
    const entry = JSON.parse(text) as Partial<AuditEntry> | null;
    if (
      !entry ||
      !isText(entry.at) ||
      !isText(entry.projectId) ||
      !isText(entry.action) ||
      typeof entry.target !== 'object' ||
      entry.target === null
    ) {
      return null;
    }
    return entry as AuditEntry;
  } catch {
    return null;
  }
}
