import type { Client } from './connection';

/**
 * Lua scripts, each touching only the keys it declares (all under one hash tag), so they run
 * atomically on standalone Redis and on Cluster alike. The change message is published with the
 * command the store chose (`SPUBLISH` on a Redis Cluster 7+, else `PUBLISH`), passed as ARGV[1].
 */

/** Shared Lua: the publish command, and a record patch `n, n field-value pairs, fields to delete`. */
const COMMON = `
local pub = ARGV[1] == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH'
local function apply_patch(key, from)
  local n = tonumber(ARGV[from])
  local changed = false
  if n > 0 then
    local set = {}
    for i = from + 1, from + 2 * n do set[#set + 1] = ARGV[i] end
    redis.call('HSET', key, unpack(set))
    changed = true
  end
  for i = from + 1 + 2 * n, #ARGV do
    redis.call('HDEL', key, ARGV[i])
    changed = true
  end
  return changed
end
`;

/**
 * KEYS: record, ids, project, and the replaced record when rotating. ARGV: publish command,
 * channel, change message, id, hash, m, the record's m `field, value` items; when rotating, the
 * replaced id, its change message and its patch. Returns 0 when the id or the hash already
 * exists, -1 when the replaced record does not, -2 when it was already rotated, -3 when it is
 * revoked (so of concurrent rotations of one key exactly one writes), 1 once everything is written.
 */
export const INSERT_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1 then
  return 0
end
local m = tonumber(ARGV[6])
local replaced = 7 + m
if KEYS[4] then
  local current = redis.call('HMGET', KEYS[4], 'id', 'rotatedTo', 'revokedAt')
  if current[1] ~= ARGV[replaced] then return -1 end
  if current[2] and current[2] ~= '' then return -2 end
  if current[3] then return -3 end
end
local fields = {}
for i = 7, 6 + m do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[5])
redis.call(pub, ARGV[2], ARGV[3])
if KEYS[4] and apply_patch(KEYS[4], replaced + 2) then
  redis.call(pub, ARGV[2], ARGV[replaced + 1])
end
return 1
`;

/**
 * KEYS: record. ARGV: publish command, channel, change message, id, then the patch. Returns the
 * updated record as a flat HGETALL list, nil when absent.
 */
export const UPDATE_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[4] then
  return redis.error_reply('CORRUPT record id does not match its index')
end
if apply_patch(KEYS[1], 5) then redis.call(pub, ARGV[2], ARGV[3]) end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * One usage flush, atomically. KEYS: the flush marker, then n records, then the hourly and daily
 * analytics hashes. ARGV: flush id ('' for none), how long the marker lives (ms), n, then per
 * record `id, count, lastUsedAt` (normalised ISO-8601, or '' for none), then per analytics hash:
 * expiry (epoch ms), m, and m `field, count` pairs. A record's count is added and the later
 * last-used time kept; a record that no longer exists is left alone rather than resurrected as a
 * partial hash. With a flush id, a flush already applied (a write that timed out but landed, then
 * retried under the same id) is applied no second time: returns 0.
 */
export const FLUSH_SCRIPT = `
if ARGV[1] ~= '' and not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
local n = tonumber(ARGV[3])
local a = 4
for k = 2, n + 1 do
  local id, count, last = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  a = a + 3
  local current = redis.call('HMGET', KEYS[k], 'id', 'lastUsedAt')
  if current[1] == id then
    if count ~= '0' then redis.call('HINCRBY', KEYS[k], 'requestCount', count) end
    if last ~= '' and (not current[2] or last > current[2]) then
      redis.call('HSET', KEYS[k], 'lastUsedAt', last)
    end
  end
end
for k = n + 2, #KEYS do
  local expire_at, m = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  for _ = 1, m do
    redis.call('HINCRBY', KEYS[k], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('PEXPIREAT', KEYS[k], expire_at)
end
return 1
`;

/** The scripts as client commands (`defineCommand`), under names unlikely to clash. */
export interface ScriptCommands {
  /** Number of keys first (3, or 4 with a replaced record). */
  vectorcacheInsertV2(...args: Array<string | number>): Promise<number>;
  vectorcacheUpdateV2(...args: string[]): Promise<unknown>;
  /** Number of keys first, then the keys and the arguments (arrays are flattened). */
  vectorcacheFlushV2(...args: Array<number | readonly string[]>): Promise<number>;
}

/** Registers the scripts on `client` (and so on its pipelines). */
export function defineScripts(client: Client): ScriptCommands {
  client.defineCommand('vectorcacheInsertV2', { lua: INSERT_SCRIPT });
  client.defineCommand('vectorcacheUpdateV2', { numberOfKeys: 1, lua: UPDATE_SCRIPT });
  client.defineCommand('vectorcacheFlushV2', { lua: FLUSH_SCRIPT });
  return client as unknown as ScriptCommands;
}
