/**
 * Lua scripts, each touching only the keys it declares (all under one hash tag), so they run
 * atomically on standalone Redis and on Cluster alike.
 */

/**
 * KEYS: record, ids, project. ARGV: id, hash, channel, change message, then the record's
 * `field, value` pairs. Returns 0 when the id or the hash already exists, 1 once written.
 */
export const INSERT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

/**
 * KEYS: record. ARGV: id, channel, change message, n, then n `field, value` pairs to set, then
 * fields to delete. Returns the updated record as a flat HGETALL list, nil when absent.
 */
export const UPDATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then
  return redis.error_reply('CORRUPT record id does not match its index')
end
local n = tonumber(ARGV[4])
local changed = false
if n > 0 then
  local set = {}
  for i = 5, 4 + 2 * n do set[#set + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(set))
  changed = true
end
for i = 5 + 2 * n, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  changed = true
end
if changed then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * KEYS: record. ARGV: id, count, lastUsedAt (normalised ISO-8601, or '' for none). Adds the
 * count and keeps the later last-used time; a record that no longer exists is left alone
 * rather than resurrected as a partial hash.
 */
export const USAGE_SCRIPT = `
local current = redis.call('HMGET', KEYS[1], 'id', 'lastUsedAt')
if current[1] ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'requestCount', ARGV[2])
if ARGV[3] ~= '' and (not current[2] or ARGV[3] > current[2]) then
  redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[3])
end
return 1
`;
