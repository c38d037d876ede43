import type { ApiKeyRecord } from '@vectorcache/auth-core';

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

const COLUMNS: ReadonlyArray<{
  title: string;
  cell: (record: ApiKeyRecord) => string;
  right?: boolean;
}> = [
  { title: 'ID', cell: (r) => clean(r.id) },
  { title: 'PREFIX', cell: (r) => displayPrefix(r.prefix) },
  { title: 'NAME', cell: (r) => clean(r.name) },
  { title: 'PROJECT', cell: (r) => clean(r.projectId) },
  { title: 'SCOPES', cell: (r) => clean(r.scopes.join(',')) },
  { title: 'CREATED', cell: (r) => formatDate(r.createdAt) },
  { title: 'LAST USED', cell: (r) => formatDate(r.lastUsedAt) },
  { title: 'REQUESTS', cell: (r) => String(r.requestCount), right: true },
  { title: 'STATUS', cell: (r) => r.status },
];

/**
 * An aligned text table of key records, one per line, with a header line.
 *
 * @example
 * formatTable(await manager.list());
 */
export function formatTable(records: readonly ApiKeyRecord[]): string {
  const rows = records.map((record) => COLUMNS.map((column) => column.cell(record)));
  const widths = COLUMNS.map((column, i) =>
    Math.max(column.title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return COLUMNS[i]?.right === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(COLUMNS.map((column) => column.title)), ...rows.map(line)].join('\n') + '\n';
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
  ];
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
