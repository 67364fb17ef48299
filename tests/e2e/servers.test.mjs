// Two web servers over one Redis and one database (README, "Several web servers"): the stack runs
// two php-fpm masters with tables of their own behind one nginx upstream (LPAPI_SERVERS=2) and
// Redis (LPAPI_REDIS=1). Limits are exact across both, a revocation through one server is refused
// by the other on its next request, and when Redis stops each server goes on alone, or refuses, as
// lpapi.redis_down (LPAPI_REDIS_DOWN for the fallback) says; never a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { env, ROOT, request, createKey, revokeKey, pool, awayFromMinuteEdge, assertError } from './stack.mjs';

const SERVERS = Number(env.LPAPI_SERVERS || 1);
const skip = SERVERS < 2 || env.LPAPI_REDIS !== '1' ? 'needs LPAPI_SERVERS=2 and LPAPI_REDIS=1' : false;
const A = `${env.LPAPI_REST_URL_A}/latepoint-api/v1`;
const B = `${env.LPAPI_REST_URL_B}/latepoint-api/v1`;
const CONCURRENCY = 16;
const stack = (...args) => execFileSync(`${ROOT}/scripts/stack.sh`, args, { stdio: 'ignore' });
const admitted = (results) => results.filter((r) => r.status === 200).length;
const servers = (results) => new Set(results.map((r) => r.headers.get('x-lpapi-server')));
const scopes = (results) => new Set(results.filter((r) => r.status === 200 || r.status === 429).map((r) => r.headers.get('x-ratelimit-scope')));

/** Requests to /me through the round-robin listener until both servers say `scope`. */
async function untilScope(key, scope, timeoutMs = 45000) {
  const until = Date.now() + timeoutMs;
  const seen = new Set();
  while (Date.now() < until) {
    for (const url of [A, B]) {
      const res = await request(`${url}/me`, { key });
      assert.ok(res.status < 500, `a ${res.status} while waiting for scope ${scope}: ${res.text}`);
      if (res.headers.get('x-ratelimit-scope') === scope) seen.add(url);
    }
    if (seen.size === 2) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`both servers did not reach scope ${scope}`);
}

async function rateStoreLog() {
  const res = await request('/logs?event=rate_store&per_page=100', { admin: true });
  assert.equal(res.status, 200, res.text);
  return res.json.data;
}

test('with 50/minute and 16 concurrent clients over both servers, exactly 50 are admitted', { skip }, async () => {
  await awayFromMinuteEdge(25);
  const { key } = await createKey({ name: 'two servers minute', rate_limit_per_minute: 50, rate_limit_per_hour: 100000 });
  const minute = Math.floor(Date.now() / 60000);
  const results = await pool(150, CONCURRENCY, () => request('/me', { key }));
  assert.equal(Math.floor(Date.now() / 60000), minute, 'the burst crossed a minute boundary; rerun');
  assert.equal(admitted(results), 50, results.map((r) => r.status).join(','));
  assert.equal(results.filter((r) => r.status === 429).length, 100);
  assert.deepEqual([...servers(results)].sort(), ['a', 'b'], 'both servers answered');
  assert.deepEqual([...scopes(results)], ['cluster']);
  const remaining = results.filter((r) => r.status === 200).map((r) => Number(r.headers.get('x-ratelimit-remaining')));
  assert.deepEqual([...remaining].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i), 'each remaining count given once, across both servers');
});

test('the hour and the day windows are exact across both servers too', { skip }, async () => {
  const hour = await createKey({ name: 'two servers hour', rate_limit_per_minute: 100000, rate_limit_per_hour: 37 });
  const day = await createKey({ name: 'two servers day', rate_limit_per_minute: 100000, rate_limit_per_hour: 100000, rate_limit_per_day: 23 });
  const [h, d] = await Promise.all([
    pool(90, CONCURRENCY / 2, () => request('/me', { key: hour.key })),
    pool(60, CONCURRENCY / 2, () => request('/me', { key: day.key })),
  ]);
  assert.equal(admitted(h), 37);
  assert.equal(admitted(d), 23);
  assert.deepEqual([...servers(h)].sort(), ['a', 'b']);
});

test('a key revoked through server A is refused by server B on its next request', { skip }, async () => {
  const { id, key } = await createKey({ name: 'revoke across servers', rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 });
  // Every worker of B caches the key.
  const warm = await pool(Number(env.LPAPI_FPM_WORKERS || 4) * 12, CONCURRENCY, () => request(`${B}/me`, { key }));
  assert.ok(warm.every((r) => r.status === 200 && r.headers.get('x-lpapi-server') === 'b'));
  const revoked = await request(`${A}/keys/${id}`, { method: 'DELETE', admin: true });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.headers.get('x-lpapi-server'), 'a');
  const after = await pool(Number(env.LPAPI_FPM_WORKERS || 4) * 4, CONCURRENCY, () => request(`${B}/me`, { key }));
  for (const res of after) assertError(res, 401, 'key_revoked');
});

test('Redis stopped mid-run: each server counts alone (local), no 500, the switch is logged once per server; back: cluster again', { skip: skip || (env.LPAPI_REDIS_DOWN === 'refuse' && 'the stack refuses while Redis is down') }, async () => {
  await awayFromMinuteEdge(50);
  const { key } = await createKey({ name: 'redis stops', rate_limit_per_minute: 30, rate_limit_per_hour: 100000 });
  const before = (await rateStoreLog()).length;
  const first = await pool(10, 4, () => request('/me', { key }));
  assert.equal(admitted(first), 10);
  stack('stop', 'redis');
  try {
    const during = await pool(120, CONCURRENCY, () => request('/me', { key }));
    assert.deepEqual(during.filter((r) => r.status >= 500).map((r) => r.status), [], 'no 5xx while Redis is down');
    assert.deepEqual([...scopes(during)], ['server'], 'counted per server');
    // Each server counts alone, from its own table: together they admit more than the limit. This
    // is what the cluster scope prevents, and shows the test above can fail.
    assert.ok(admitted(during) > 20, `admitted ${admitted(during)} while down`);
    assert.ok(admitted(during) <= 60, 'still at most the limit per server');
    const all = await rateStoreLog();
    const rows = all.slice(0, all.length - before);
    const downs = rows.filter((r) => r.error_code === 'redis_down');
    // Each server switches on its own (its processes share one flag): one row per server.
    assert.equal(downs.length, SERVERS, `one switch logged per server: ${JSON.stringify(rows)}`);
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(env.LPAPI_REDIS_PASSWORD), 'no password in the log');
  } finally {
    stack('start');
  }
  await untilScope(key, 'cluster');
  const rows = await rateStoreLog();
  assert.ok(rows.some((r) => r.error_code === 'redis_up'), 'the way back is logged');
});

test('while Redis is down a revocation on one server still reaches the other (keys are read from the database)', { skip: skip || (env.LPAPI_REDIS_DOWN === 'refuse' && 'the stack refuses while Redis is down') }, async () => {
  const { id, key } = await createKey({ name: 'revoke while down', rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 });
  await pool(24, 8, () => request(`${B}/me`, { key }));
  stack('stop', 'redis');
  try {
    assert.equal((await request(`${B}/me`, { key })).status, 200);
    const revoked = await request(`${A}/keys/${id}`, { method: 'DELETE', admin: true });
    assert.equal(revoked.status, 200, revoked.text);
    for (const res of await pool(16, 8, () => request(`${B}/me`, { key }))) assertError(res, 401, 'key_revoked');
  } finally {
    stack('start');
  }
});

test('with lpapi.redis_down = refuse, a stopped Redis gets 503 service_unavailable, never a 500', { skip }, async () => {
  const policy = env.LPAPI_REDIS_DOWN || 'local';
  const { key } = await createKey({ name: 'refuse', rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 });
  execFileSync(`${ROOT}/scripts/stack.sh`, ['start'], { stdio: 'ignore', env: { ...process.env, LPAPI_REDIS_DOWN: 'refuse' } });
  try {
    await untilScope(key, 'cluster');
    stack('stop', 'redis');
    const results = await pool(20, 8, () => request('/me', { key }));
    for (const res of results) assertError(res, 503, 'service_unavailable');
    assert.doesNotMatch(results.map((r) => r.text).join(''), new RegExp(env.LPAPI_REDIS_PASSWORD));
  } finally {
    stack('start');
    execFileSync(`${ROOT}/scripts/stack.sh`, ['start'], { stdio: 'ignore', env: { ...process.env, LPAPI_REDIS_DOWN: policy } });
  }
  await untilScope(key, 'cluster');
});
