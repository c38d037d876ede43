import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { KeyMeta, KeyRecordPatch, StoredKeyRecord } from '@vectorcache/auth-core';

/** The columns of a key row, in the order of {@link recordValues}. */
export const KEY_COLUMNS =
  'id, hash, project_id, name, prefix, scopes, created_at, last_used_at, request_count, revoked_at, expires_at, rotated_from, rotated_to, environment, owner_id, meta';

/** A key row as `pg` returns it (`request_count`, a bigint, as text). */
export type KeyRow = Record<string, unknown>;

/** A stored record that cannot be trusted; the verifier answers 503 rather than guess. */
export function corruptRecord(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('corrupt_record', message);
}

/**
 * Rotation links round-trip exactly: SQL `NULL` is a record without the field (one from before
 * rotation links), `''` is `null`, anything else the id.
 */
function linkValue(value: string | null | undefined): string | null {
  if (value === undefined) return null;
  return value ?? '';
}

/** The parameters of an INSERT of `record`, in the order of {@link KEY_COLUMNS}. */
export function recordValues(record: StoredKeyRecord): unknown[] {
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
    linkValue(record.rotatedFrom),
    linkValue(record.rotatedTo),
    record.environment ?? null,
    record.ownerId ?? null,
    record.meta ? JSON.stringify(record.meta) : null,
  ];
}

const PATCHABLE: ReadonlyArray<[keyof KeyRecordPatch, string]> = [
  ['name', 'name'],
  ['scopes', 'scopes'],
  ['revokedAt', 'revoked_at'],
  ['expiresAt', 'expires_at'],
  ['rotatedTo', 'rotated_to'],
  ['environment', 'environment'],
  ['ownerId', 'owner_id'],
  ['meta', 'meta'],
];

/**
 * `SET` assignments of a patch (column names from a fixed list, values as parameters numbered
 * from `first`); empty for a patch that changes nothing.
 */
export function patchAssignments(
  patch: KeyRecordPatch,
  first: number,
): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [field, column] of PATCHABLE) {
    const value = patch[field];
    if (value === undefined) continue;
    let stored: unknown = value;
    if (field === 'scopes') stored = JSON.stringify(value);
    else if (field === 'rotatedTo') stored = value ?? '';
    // `null` clears metadata; an object replaces it whole.
    else if (field === 'meta') stored = value === null ? null : JSON.stringify(value);
    values.push(stored);
    parts.push(`${column} = $${first + values.length - 1}`);
  }
  return { sql: parts.join(', '), values };
}

/** Stored metadata: a flat JSON object of strings, numbers and booleans, or the row is corrupt. */
function metaOf(value: unknown, fail: (problem: string) => never): KeyMeta {
  let meta: unknown;
  try {
    meta = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    return fail('"meta" is not JSON');
  }
  const flat =
    typeof meta === 'object' &&
    meta !== null &&
    !Array.isArray(meta) &&
    Object.values(meta).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
  return flat ? (meta as KeyMeta) : fail('"meta" is not a flat object');
}

function text(row: KeyRow, column: string, where: string): string {
  const value = row[column];
  if (typeof value !== 'string') {
    throw corruptRecord(`Corrupt key record ${where}: column "${column}" is not text.`);
  }
  return value;
}

/**
 * A key row -> `StoredKeyRecord`, exactly shaped. Anything that does not parse rejects with a
 * `corrupt_record` error instead of returning junk.
 */
export function recordFromRow(row: KeyRow): StoredKeyRecord {
  const id = text(row, 'id', 'in PostgreSQL');
  const where = `"${id.slice(0, 40)}"`;
  const fail = (problem: string): never => {
    throw corruptRecord(`Corrupt key record ${where}: ${problem}.`);
  };
  const projectId = text(row, 'project_id', where);
  if (id === '' || projectId === '') fail('"id" or "projectId" is empty');
  let scopes: unknown;
  try {
    scopes = JSON.parse(text(row, 'scopes', where));
  } catch {
    fail('"scopes" is not JSON');
  }
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    fail('"scopes" is not an array of strings');
  }
  const count = Number(row.request_count);
  if (!Number.isSafeInteger(count) || count < 0) fail('"requestCount" is not a count');
  const date = (column: string, nullable: boolean): string | null => {
    const value = row[column];
    if (value === null && nullable) return null;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      fail(`"${column}" is not a date`);
    }
    return value as string;
  };
  const record: StoredKeyRecord = {
    id,
    projectId,
    name: text(row, 'name', where),
    prefix: text(row, 'prefix', where),
    hash: text(row, 'hash', where),
    scopes: scopes as string[],
    createdAt: date('created_at', false)!,
    lastUsedAt: date('last_used_at', true),
    requestCount: count,
    revokedAt: date('revoked_at', true),
    expiresAt: date('expires_at', true),
  };
  for (const column of ['environment', 'owner_id'] as const) {
    const value = row[column];
    if (value !== null && value !== undefined && typeof value !== 'string') {
      fail(`"${column}" is not text`);
    }
  }
  if (typeof row.environment === 'string') record.environment = row.environment;
  if (typeof row.owner_id === 'string') record.ownerId = row.owner_id;
  if (row.meta !== null && row.meta !== undefined) record.meta = metaOf(row.meta, fail);
  for (const [field, column] of [
    ['rotatedFrom', 'rotated_from'],
    ['rotatedTo', 'rotated_to'],
  ] as const) {
    const value = row[column];
    if (typeof value === 'string') record[field] = value === '' ? null : value;
  }
  return record;
}
