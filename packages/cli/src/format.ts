import type { ApiKeyRecord, AuditEntry } from '@vectorcache/auth-core';
import type { UsagePoint } from '@vectorcache/auth-core/adapter';

/** Control characters (and DEL) are replaced, so a key name cannot drive the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** ISO-8601 without milliseconds (`2025-01-31T12:00:00Z`), or `never` for null. */
export function formatDate(iso: string | null, empty = 'never'): string {
  if (iso === null) return empty;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return clean(iso);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `vc_1234...`: the display form of a key prefix. */
export function displayPrefix(prefix: string): string {
  return `${clean(prefix)}...`;
}

/** A column of a text table: title, cell text, alignment. */
interface Column<Row> {
  title: string;
  cell: (row: Row) => string;
  right?: boolean;
}

const COLUMNS: ReadonlyArray<Column<ApiKeyRecord>> = [
  { title: 'ID', cell: (r) => clean(r.id) },
  { title: 'PREFIX', cell: (r) => displayPrefix(r.prefix) },
  { title: 'NAME', cell: (r) => clean(r.name) },
  { title: 'PROJECT', cell: (r) => clean(r.projectId) },
  { title: 'ENV', cell: (r) => clean(r.environment ?? '-') },
  { title: 'OWNER', cell: (r) => clean(r.ownerId ?? '-') },
  { title: 'SCOPES', cell: (r) => clean(r.scopes.join(',')) },
  { title: 'CREATED', cell: (r) => formatDate(r.createdAt) },
  { title: 'EXPIRES', cell: (r) => formatDate(r.expiresAt) },
  { title: 'LAST USED', cell: (r) => formatDate(r.lastUsedAt) },
  { title: 'REQUESTS', cell: (r) => String(r.requestCount), right: true },
  { title: 'STATUS', cell: (r) => r.status },
  // Older than the rotation period (VECTORCACHE_ROTATION_PERIOD, default 90 days) and active.
  { title: 'ROTATION', cell: (r) => (r.rotationDue ? 'due' : '-') },
];

/** `from key_a, to key_b`: both ends of the rotations a key took part in, or `''`. */
function rotation(record: ApiKeyRecord): string {
  const links: string[] = [];
  if (record.rotatedFrom) links.push(`from ${clean(record.rotatedFrom)}`);
  if (record.rotatedTo) links.push(`to ${clean(record.rotatedTo)}`);
  return links.join(', ');
}

const ROTATION: Column<ApiKeyRecord> = { title: 'ROTATED', cell: rotation };

/**
 * An aligned text table of key records, one per line, with a header line; a `ROTATED` column
 * (`from key_...`, `to key_...`) links the keys of a rotation when there are any.
 *
 * @example
 * formatTable(await manager.list());
 */
export function formatTable(records: readonly ApiKeyRecord[]): string {
  const linked = records.some((record) => rotation(record) !== '');
  return table(linked ? [...COLUMNS, ROTATION] : COLUMNS, records);
}

function table<Row>(columns: ReadonlyArray<Column<Row>>, items: readonly Row[]): string {
  const rows = items.map((item) => columns.map((column) => column.cell(item)));
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.right === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.title)), ...rows.map(line)].join('\n') + '\n';
}

const USAGE_COLUMNS: ReadonlyArray<Column<UsagePoint>> = [
  { title: 'START', cell: (p) => formatDate(p.start) },
  { title: 'REQUESTS', cell: (p) => String(p.requests), right: true },
  { title: 'VALID', cell: (p) => String(p.outcomes.valid), right: true },
  { title: 'REVOKED', cell: (p) => String(p.outcomes.revoked), right: true },
  { title: 'EXPIRED', cell: (p) => String(p.outcomes.expired), right: true },
  { title: 'WRONG PROJECT', cell: (p) => String(p.outcomes.wrong_project), right: true },
  { title: 'WRONG ENV', cell: (p) => String(p.outcomes.wrong_environment), right: true },
  { title: 'MISSING SCOPE', cell: (p) => String(p.outcomes.insufficient_scope), right: true },
  { title: 'RATE LIMITED', cell: (p) => String(p.outcomes.rate_limited), right: true },
];

/**
 * An aligned table of usage points: start, requests and each outcome.
 * @example formatUsageTable(toUsagePoints(rows, range));
 */
export function formatUsageTable(points: readonly UsagePoint[]): string {
  return table(USAGE_COLUMNS, points);
}

const AUDIT_COLUMNS: ReadonlyArray<Column<AuditEntry>> = [
  { title: 'AT', cell: (e) => formatDate(e.at) },
  { title: 'PROJECT', cell: (e) => clean(e.projectId) },
  { title: 'ACTION', cell: (e) => clean(e.action) },
  {
    title: 'ACTOR',
    cell: (e) =>
      e.actor === null ? 'cli' : `${clean(e.actor.keyId)} (${displayPrefix(e.actor.prefix)})`,
  },
  { title: 'KEY', cell: (e) => `${clean(e.target.keyId)} (${displayPrefix(e.target.prefix)})` },
  { title: 'NAME', cell: (e) => clean(e.target.name) },
];

/**
 * An aligned table of audit entries, newest first as given.
 * @example formatAuditTable(await store.listAudit({ projectId, limit: 100 }));
 */
export function formatAuditTable(entries: readonly AuditEntry[]): string {
  return table(AUDIT_COLUMNS, entries);
}

/** A record as `label  value` lines, for `create`, `rotate` and `revoke`. */
export function formatRecord(record: ApiKeyRecord): string {
  const fields: Array<[string, string]> = [
    ['id', clean(record.id)],
    ['prefix', displayPrefix(record.prefix)],
    ['name', clean(record.name)],
    ['project', clean(record.projectId)],
    ['scopes', clean(record.scopes.join(', '))],
    ['created', formatDate(record.createdAt)],
    ['expires', formatDate(record.expiresAt)],
    ['revoked', formatDate(record.revokedAt, 'no')],
    ['last used', formatDate(record.lastUsedAt)],
    ['requests', String(record.requestCount)],
    ['status', record.status],
    ['environment', clean(record.environment ?? 'any')],
    ['owner', clean(record.ownerId ?? 'none')],
    ['meta', record.meta === null ? 'none' : clean(JSON.stringify(record.meta))],
  ];
  if (record.rotationDue) fields.push(['rotation', 'due (older than the rotation period)']);
  if (record.rotatedFrom) fields.push(['rotated from', clean(record.rotatedFrom)]);
  if (record.rotatedTo) fields.push(['rotated to', clean(record.rotatedTo)]);
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n') + '\n';
}

/** The plaintext key, framed, with the warning that it will not be shown again. */
export function formatIssuedKey(key: string): string {
  return (
    `\n    ${key}\n\n` +
    'Copy this key now and keep it secret: it will not be shown again.\n' +
    'Only its hash is stored; if it is lost, rotate or create a new key.\n\n'
  );
}
