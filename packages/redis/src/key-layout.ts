/**
 * Key names of one store. Every name carries the same hash tag, so on Redis Cluster all of a
 * store's keys (and its change-feed channel) live in one slot and every multi-key operation (the
 * Lua scripts, MULTI, pipelines) is legal. Records are small, so one slot holds millions of keys
 * comfortably.
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
  /**
   * Redis HASH of one project's analytics in one UTC hour (`stamp` `2026-12-02T01`) or day
   * (`2026-12-02`): `<keyId>|<outcome>` -> count. Expires with the retention.
   */
  usage(granularity: 'hour' | 'day', projectId: string, stamp: string): string;
  /** Redis STRING marking a usage flush (counts and analytics) as applied (idempotent flushes). */
  flush(flushId: string): string;
  /** Redis LIST of one project's audit entries (JSON), newest first. */
  audit(projectId: string): string;
  /** Pub/sub channel of the change feed (a shard channel on Redis Cluster 7+). */
  readonly channel: string;
  /** The common start of every key name (for SCAN MATCH in tests and operations). */
  readonly base: string;
  /** The Redis Cluster slot that holds every key of the store. */
  readonly slot: number;
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
    // The stamp has a fixed length at the end, so no project id can make two names collide.
    usage: (granularity, projectId, stamp) => `${base}usage:${granularity}:${projectId}:${stamp}`,
    flush: (flushId) => `${base}flush:${flushId}`,
    audit: (projectId) => `${base}audit:${projectId}`,
    channel: `${base}changes`,
    base,
    slot: clusterSlot(`${base}ids`),
  };
}

/** CRC16/XMODEM, the checksum Redis Cluster maps keys to slots with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The Redis Cluster slot of a key or shard channel (hash tags honoured, as Redis does). */
export function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  return crc16(new TextEncoder().encode(hashed)) % 16384;
}
