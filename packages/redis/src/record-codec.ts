import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { KeyRecordPatch, StoredKeyRecord } from '@vectorcache/auth-core';

/** A stored record that cannot be trusted; the verifier answers 503 rather than guess. */
export function corruptRecord(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('corrupt_record', message);
}

const NULLABLE = ['lastUsedAt', 'revokedAt', 'expiresAt'] as const;
/**
 * Rotation links are optional in a record: absent (a record from before rotation links), `null`
 * (stored as an empty field) or a key id. All three round-trip exactly.
 */
const LINKS = ['rotatedFrom', 'rotatedTo'] as const;
/** What a key is for: absent when unset (an empty field never stands for a value). */
const LABELS = ['environment', 'ownerId'] as const;

/** Record -> flat `field, value, ...` list for HSET; a null field is simply absent. */
export function encodeRecord(record: StoredKeyRecord): string[] {
  const fields = [
    'id',
    record.id,
    'projectId',
    record.projectId,
    'name',
    record.name,
    'prefix',
    record.prefix,
    'hash',
    record.hash,
    'scopes',
    JSON.stringify(record.scopes),
    'createdAt',
    record.createdAt,
    'requestCount',
    String(record.requestCount),
  ];
  for (const field of NULLABLE) {
    const value = record[field];
    if (value !== null) fields.push(field, value);
  }
  for (const field of LINKS) {
    const value = record[field];
    if (value !== undefined) fields.push(field, value ?? '');
  }
  for (const field of LABELS) {
    const value = record[field];
    if (typeof value === 'string') fields.push(field, value);
  }
  if (record.meta) fields.push('meta', JSON.stringify(record.meta));
  return fields;
}

/** Patch -> fields to set and fields to delete (a null value deletes). */
export function encodePatch(patch: KeyRecordPatch): { set: string[]; del: string[] } {
  const set: string[] = [];
  const del: string[] = [];
  if (patch.name !== undefined) set.push('name', patch.name);
  if (patch.scopes !== undefined) set.push('scopes', JSON.stringify(patch.scopes));
  for (const field of ['revokedAt', 'expiresAt'] as const) {
    const value = patch[field];
    if (value === null) del.push(field);
    else if (value !== undefined) set.push(field, value);
  }
  if (patch.rotatedTo !== undefined) set.push('rotatedTo', patch.rotatedTo ?? '');
  for (const field of LABELS) {
    const value = patch[field];
    if (value === null) del.push(field);
    else if (value !== undefined) set.push(field, value);
  }
  if (patch.meta === null) del.push('meta');
  else if (patch.meta !== undefined) set.push('meta', JSON.stringify(patch.meta));
  return { set, del };
}

/** HGETALL reply as an object; Lua scripts return the flat `[field, value, ...]` form. */
export function fieldsFromArray(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply)) throw corruptRecord('Unexpected reply shape from Redis.');
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

function text(fields: Record<string, string>, name: string, where: string): string {
  const value = fields[name];
  if (typeof value !== 'string') {
    throw corruptRecord(`Corrupt key record ${where}: field "${name}" is missing.`);
  }
  return value;
}

/**
 * Fields of a record HASH -> `StoredKeyRecord`, exactly shaped; `null` for an absent record.
 * Anything that does not parse rejects with a `corrupt_record` VectorcacheAuthError instead of returning junk.
 */
export function decodeRecord(
  fields: Record<string, string>,
  expect: { hash?: string; id?: string } = {},
): StoredKeyRecord | null {
  if (Object.keys(fields).length === 0) return null;
  const id = text(fields, 'id', 'in Redis');
  const where = `"${id.slice(0, 40)}"`;
  const fail = (problem: string): never => {
    throw corruptRecord(`Corrupt key record ${where}: ${problem}.`);
  };
  if (id === '') fail('"id" is empty');
  const projectId = text(fields, 'projectId', where);
  if (projectId === '') fail('"projectId" is empty');
  const hash = text(fields, 'hash', where);
  if (expect.hash !== undefined && hash !== expect.hash) fail('"hash" does not match its key');
  if (expect.id !== undefined && id !== expect.id) fail('"id" does not match its index');
  let scopes: unknown;
  try {
    scopes = JSON.parse(text(fields, 'scopes', where));
  } catch {
    fail('"scopes" is not JSON');
  }
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    fail('"scopes" is not an array of strings');
  }
  const count = text(fields, 'requestCount', where);
  if (!/^\d{1,15}$/.test(count)) fail('"requestCount" is not a count');
  const nullable = (name: string): string | null => {
    const value = fields[name];
    if (value === undefined) return null;
    if (Number.isNaN(Date.parse(value))) fail(`"${name}" is not a date`);
    return value;
  };
  const createdAt = text(fields, 'createdAt', where);
  if (Number.isNaN(Date.parse(createdAt))) fail('"createdAt" is not a date');
  const links: Pick<StoredKeyRecord, 'rotatedFrom' | 'rotatedTo'> = {};
  for (const field of LINKS) {
    const value = fields[field];
    if (value !== undefined) links[field] = value === '' ? null : value;
  }
  const labels: Pick<StoredKeyRecord, 'environment' | 'ownerId' | 'meta'> = {};
  for (const field of LABELS) {
    const value = fields[field];
    if (value !== undefined) labels[field] = value;
  }
  if (fields.meta !== undefined) {
    let meta: unknown;
    try {
      meta = JSON.parse(fields.meta);
    } catch {
      fail('"meta" is not JSON');
    }
    const flat =
      typeof meta === 'object' &&
      meta !== null &&
      !Array.isArray(meta) &&
      Object.values(meta).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (!flat) fail('"meta" is not a flat object');
    labels.meta = meta as StoredKeyRecord['meta'];
  }
  return {
    id,
    projectId,
    name: text(fields, 'name', where),
    prefix: text(fields, 'prefix', where),
    hash,
    scopes: scopes as string[],
    createdAt,
    lastUsedAt: nullable('lastUsedAt'),
    requestCount: Number(count),
    revokedAt: nullable('revokedAt'),
    expiresAt: nullable('expiresAt'),
    ...links,
    ...labels,
  };
}
