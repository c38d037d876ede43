import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { VectorcacheAuthError } from '@vectorcache/auth-core';
import { quoteIdentifier } from './options';

/**
 * The store's tables, as numbered migrations: version n is `MIGRATIONS[n - 1]`. A migration is
 * never edited once released; a change of the schema is a new entry at the end. Every name is
 * inside the store's own schema, so nothing else in the database is ever touched.
 */
const MIGRATIONS: ReadonlyArray<(s: string) => string[]> = [
  (s) => [
    `CREATE TABLE ${s}.keys (
       id text PRIMARY KEY,
       hash text NOT NULL UNIQUE,
       project_id text NOT NULL,
       name text NOT NULL,
       prefix text NOT NULL,
       scopes text NOT NULL,
       created_at text NOT NULL,
       last_used_at text,
       request_count bigint NOT NULL DEFAULT 0,
       revoked_at text,
       expires_at text,
       rotated_from text,
       rotated_to text
     )`,
    `CREATE INDEX keys_project ON ${s}.keys (project_id, created_at)`,
    ...['usage_hourly', 'usage_daily'].map(
      (table) => `CREATE TABLE ${s}.${table} (
         project_id text NOT NULL,
         start timestamptz NOT NULL,
         key_id text NOT NULL,
         outcome text NOT NULL,
         count bigint NOT NULL,
         PRIMARY KEY (project_id, start, key_id, outcome)
       )`,
    ),
    `CREATE TABLE ${s}.flushes (id text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE ${s}.audit (
       seq bigserial PRIMARY KEY,
       project_id text NOT NULL,
       at timestamptz NOT NULL,
       entry text NOT NULL
     )`,
    `CREATE INDEX audit_project ON ${s}.audit (project_id, at, seq)`,
    `CREATE TABLE ${s}.attempts (
       client text PRIMARY KEY,
       expires_at timestamptz NOT NULL,
       count integer NOT NULL
     )`,
  ],
  // 2: what a key is for (environment, owner, metadata); NULL on rows from before.
  (s) => [
    `ALTER TABLE ${s}.keys ADD COLUMN environment text, ADD COLUMN owner_id text, ADD COLUMN meta text`,
  ],
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Creates or migrates the store's schema on `client`, in one transaction under a transaction-level
 * advisory lock (so concurrent first opens queue behind one another, and a transaction-mode
 * pooler does not break it). Statements run under `timeoutMs`.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  timeoutMs: number,
): Promise<void> {
  const s = quoteIdentifier(schema);
  // Per statement, the migration's bound replaces the pool's `query_timeout` (a store call's).
  const run = <R extends QueryResultRow>(text: string, values: unknown[] = []) =>
    client.query<R>({ text, values, query_timeout: Math.ceil(timeoutMs) } as QueryConfig);
  await run('BEGIN');
  try {
    await run(`SET LOCAL statement_timeout = ${Math.ceil(timeoutMs)}`);
    await run("SELECT pg_advisory_xact_lock(hashtext('vectorcache-auth-schema'), hashtext($1))", [
      schema,
    ]);
    const exists = await run('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await run(`CREATE SCHEMA ${s}`);
    await run(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await run<{ version: number }>(
      `SELECT coalesce(max(version), 0)::integer AS version FROM ${s}.migrations`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new VectorcacheAuthError(
        'store_unavailable',
        `The PostgreSQL schema "${schema}" is at version ${current}, newer than this @vectorcache/auth-postgres knows (${SCHEMA_VERSION}); upgrade the package.`,
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version - 1]!(s)) await run(statement);
      await run(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [version]);
    }
    await run('COMMIT');
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
