import { VectorcacheAuthError } from '../errors';
import type { AuditEntry, KeyRecordPatch, StoredKeyRecord } from '../types';
import type { SqliteRow, SqliteValue } from './sqlite-driver';

/** The columns of the `keys` table, in the order {@link recordValues} gives them. */
export const KEY_COLUMNS =
  'id, hash, project_id, name, prefix, scopes, created_at, last_used_at, request_count, revoked_at, expires_at, rotated_from, rotated_to';

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

/**
 * A row of the `keys` table as a record, checked field by field. A row that does not hold a
 * usable record rejects with `corrupt_record`, so only that key answers 503.
 */
export function recordFromRow(row: SqliteRow): StoredKeyRecord {
  const scopes = parseScopes(row.scopes);
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
    !isNullableText(row.rotated_to)
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
