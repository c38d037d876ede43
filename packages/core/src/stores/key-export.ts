import { VectorcacheAuthError } from '../errors';
import { isUsableRecord } from '../keys/records';
import type { StoredKeyRecord } from '../types';

/**
 * The JSON form of key records that `vectorcache-keys export` prints and `import` reads, and that
 * the JSON key file of earlier versions (`.vectorcache/keys.json`) already has:
 * `{ "version": 1, "keys": [record, ...] }`, records with hashes only, never a key.
 */
export interface KeyExport {
  version: 1;
  keys: StoredKeyRecord[];
}

const nullableText = (v: unknown): v is string | null => v === null || typeof v === 'string';

/**
 * A stored record made of exactly the record fields of `value` (a derived `status` or unknown
 * fields are dropped), or `null` when `value` is not a complete key record.
 */
export function exactRecord(value: unknown): StoredKeyRecord | null {
  if (!isUsableRecord(value)) return null;
  const r = value as unknown as Record<string, unknown>;
  const lastUsedAt = r.lastUsedAt ?? null;
  const revokedAt = r.revokedAt ?? null;
  const expiresAt = r.expiresAt ?? null;
  const requestCount = r.requestCount ?? 0;
  if (
    typeof r.name !== 'string' ||
    typeof r.prefix !== 'string' ||
    typeof r.createdAt !== 'string' ||
    !nullableText(lastUsedAt) ||
    !nullableText(revokedAt) ||
    !nullableText(expiresAt) ||
    typeof requestCount !== 'number' ||
    !Number.isSafeInteger(requestCount) ||
    requestCount < 0 ||
    !nullableText(r.rotatedFrom ?? null) ||
    !nullableText(r.rotatedTo ?? null) ||
    !nullableText(r.environment ?? null) ||
    !nullableText(r.ownerId ?? null) ||
    !(r.meta == null || (typeof r.meta === 'object' && !Array.isArray(r.meta)))
  ) {
    return null;
  }
  const record: StoredKeyRecord = {
    id: value.id,
    projectId: value.projectId,
    name: r.name,
    prefix: r.prefix,
    hash: value.hash,
    scopes: [...value.scopes],
    createdAt: r.createdAt,
    lastUsedAt,
    requestCount,
    revokedAt,
    expiresAt,
  };
  if (typeof r.rotatedFrom === 'string') record.rotatedFrom = r.rotatedFrom;
  if (typeof r.rotatedTo === 'string') record.rotatedTo = r.rotatedTo;
  if (typeof r.environment === 'string') record.environment = r.environment;
  if (typeof r.ownerId === 'string') record.ownerId = r.ownerId;
  if (r.meta != null) record.meta = { ...(r.meta as StoredKeyRecord['meta']) };
  return record;
}

/**
 * The export text of `records`: `{ "version": 1, "keys": [...] }`, pretty-printed, one trailing
 * newline.
 * @example process.stdout.write(formatKeyExport(await store.list()));
 */
export function formatKeyExport(records: readonly StoredKeyRecord[]): string {
  const body: KeyExport = { version: 1, keys: records.map((r) => exactRecord(r) ?? r) };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Reads an export (or an earlier version's `keys.json`, or a bare array of records) and returns
 * its records; `source` names the file in errors. Throws `invalid_input` when the text is not
 * JSON or a record is incomplete, saying which one.
 * @example const records = parseKeyExport(readFileSync('keys.json', 'utf8'), 'keys.json');
 */
export function parseKeyExport(text: string, source: string): StoredKeyRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VectorcacheAuthError(
      'invalid_input',
      `${source} is not valid JSON; give the output of \`vectorcache-keys export\` or a keys.json file.`,
    );
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as Partial<KeyExport> | null)?.keys;
  if (!Array.isArray(list)) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `${source} does not hold key records; expected { "version": 1, "keys": [...] } as \`vectorcache-keys export\` prints it.`,
    );
  }
  return list.map((value: unknown, index) => {
    const record = exactRecord(value);
    if (!record) {
      throw new VectorcacheAuthError(
        'invalid_input',
        `record ${index + 1} of ${source} is not a complete key record (id, projectId, name, prefix, hash, scopes, createdAt, ...); nothing was imported.`,
      );
    }
    return record;
  });
}
