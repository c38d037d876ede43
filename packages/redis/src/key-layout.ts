/**
 * Key names of one store. Every name carries the same hash tag, so on Redis Cluster all of a
 * store's keys live in one slot and every multi-key operation (the insert script, MULTI) is
 * legal. Records are small, so one slot holds millions of keys comfortably.
 */
export interface KeyLayout {
  /** Redis HASH with the fields of one record, keyed by the key's hash (the verify path). */
  record(hash: string): string;
  /** Redis HASH: record id -> key hash. */
  readonly ids: string;
  /** Redis SET of the key hashes of one project. */
  project(projectId: string): string;
  /** Redis STRING counting one client's failed verifications in the current window. */
  attempts(client: string): string;
  /** Pub/sub channel of the change feed. */
  readonly channel: string;
  /** The common start of every key name (for SCAN MATCH in tests and operations). */
  readonly base: string;
}

/** Builds the key names for `keyPrefix` (`vc:` gives `vc:{vc}:rec:<hash>`, `vc:{vc}:ids` ...). */
export function keyLayout(keyPrefix: string): KeyLayout {
  const tagText = keyPrefix.replace(/[{}]/g, '').replace(/:+$/, '') || 'vc';
  const base = `${keyPrefix}{${tagText}}:`;
  return {
    record: (hash) => `${base}rec:${hash}`,
    ids: `${base}ids`,
    project: (projectId) => `${base}project:${projectId}`,
    attempts: (client) => `${base}attempts:${client}`,
    channel: `${base}changes`,
    base,
  };
}
