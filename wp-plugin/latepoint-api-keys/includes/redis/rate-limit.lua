-- One rate-limit decision over several buckets, atomically, on Redis's clock.
-- The native extension (src/redis_store.rs embeds this file) and the plugin's
-- pure-PHP fallback run this same script.
--
-- KEYS[i]  bucket i's hash: fields m (the UTC minute of the last change), mc, hc
--          and dc (that minute's, its hour's and its day's counts).
-- ARGV[1]  the cost of the hit; ARGV[2] 1 to count an admitted hit, 0 to only look;
-- ARGV[3]  seconds a bucket's hash lives after a change (past its day window);
-- ARGV[4 + 3(i-1) ..] bucket i's minute, hour and day limits (0: no limit).
--
-- Returns {admitted (1/0), Redis's time in seconds, then per bucket the four
-- stored fields as they were before this hit}. An admitted hit is counted in
-- every window of every bucket; a refused one nowhere. A stored minute never
-- moves back.
local now = tonumber(redis.call('TIME')[1])
local cost = tonumber(ARGV[1])
local write = ARGV[2] == '1'
local ttl = tonumber(ARGV[3])
local minute = math.floor(now / 60)
local out = {0, now}
local admitted = 1
local next = {}
for i, key in ipairs(KEYS) do
  local f = redis.call('HMGET', key, 'm', 'mc', 'hc', 'dc')
  local m, mc, hc, dc = tonumber(f[1]) or 0, tonumber(f[2]) or 0, tonumber(f[3]) or 0, tonumber(f[4]) or 0
  local at = math.max(minute, m)
  local used = {
    (m == at) and mc or 0,
    (math.floor(m / 60) == math.floor(at / 60)) and hc or 0,
    (math.floor(m / 1440) == math.floor(at / 1440)) and dc or 0,
  }
  local base = 4 + (i - 1) * 3
  for w = 1, 3 do
    local limit = tonumber(ARGV[base + w - 1])
    if limit > 0 and used[w] + cost > limit then
      admitted = 0
    end
  end
  next[i] = {at, used[1] + cost, used[2] + cost, used[3] + cost}
  out[#out + 1] = m
  out[#out + 1] = mc
  out[#out + 1] = hc
  out[#out + 1] = dc
end
if admitted == 1 and write then
  for i, key in ipairs(KEYS) do
    local n = next[i]
    redis.call('HSET', key, 'm', n[1], 'mc', n[2], 'hc', n[3], 'dc', n[4])
    redis.call('EXPIRE', key, ttl)
  end
end
out[1] = admitted
return out
