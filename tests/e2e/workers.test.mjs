// Across php-fpm workers: rate limits exact under concurrency, and revocation
// effective on the very next request in every worker (docs/api.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, request, createKey, revokeKey, keyAction, pool, awayFromMinuteEdge } from './stack.mjs';

const WORKERS = Number(env.LPAPI_FPM_WORKERS || 4);
const CONCURRENCY = WORKERS * 4;

test(`exactly the limit is admitted per window with ${CONCURRENCY} concurrent clients over ${WORKERS} workers`, async () => {
  await awayFromMinuteEdge(25);
  const limit = 50;
  const { key } = await createKey({ name: 'exact', rate_limit_per_minute: limit, rate_limit_per_hour: 100000 });
  const startMinute = Math.floor(Date.now() / 60000);
  const results = await pool(200, CONCURRENCY, () => request('/me', { key }));
  const endMinute = Math.floor(Date.now() / 60000);
  assert.equal(startMinute, endMinute, 'the burst crossed a minute boundary; rerun');
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 200).length, limit, `admitted: ${statuses.join(',')}`);
  assert.equal(statuses.filter((s) => s === 429).length, 200 - limit);
  const remaining = results.filter((r) => r.status === 200).map((r) => Number(r.headers.get('x-ratelimit-remaining')));
  assert.deepEqual([...remaining].sort((a, b) => a - b), Array.from({ length: limit }, (_, i) => i), 'each remaining count given once');
});

test('the hour window is exact too', async () => {
  await awayFromMinuteEdge(25);
  const { key } = await createKey({ name: 'exact hour', rate_limit_per_minute: 100000, rate_limit_per_hour: 37 });
  const results = await pool(120, CONCURRENCY, () => request('/me', { key }));
  assert.equal(results.filter((r) => r.status === 200).length, 37);
});

async function warmEveryWorker(key) {
  // Enough concurrent requests that every worker serves some and caches the key.
  const results = await pool(WORKERS * 12, CONCURRENCY, () => request('/me', { key }));
  assert.ok(results.every((r) => r.status === 200), results.map((r) => r.status).join(','));
}

test('a revocation takes effect on the very next request in every worker', async () => {
  const { id, key } = await createKey({ name: 'revoke everywhere', rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 });
  await warmEveryWorker(key);
  await revokeKey(id);
  const after = await pool(WORKERS * 12, CONCURRENCY, () => request('/me', { key }));
  assert.deepEqual(
    [...new Set(after.map((r) => `${r.status} ${r.json?.error?.code}`))],
    ['401 key_revoked'],
  );
});

test('disabling and re-enabling also reach every worker at once', async () => {
  const { id, key } = await createKey({ name: 'disable everywhere', rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 });
  await warmEveryWorker(key);
  await keyAction(id, 'disable');
  const disabled = await pool(WORKERS * 8, CONCURRENCY, () => request('/me', { key }));
  assert.ok(disabled.every((r) => r.status === 401 && r.json.error.code === 'key_disabled'));
  await keyAction(id, 'enable');
  const enabled = await pool(WORKERS * 8, CONCURRENCY, () => request('/me', { key }));
  assert.ok(enabled.every((r) => r.status === 200));
});

test('authenticated requests are logged (after the response) with the key prefix only', async () => {
  const { id, key, prefix } = await createKey({ name: 'logged' });
  await request('/me', { key });
  await request('/bookings', { key: key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a') });
  const logs = await request(`/logs?key_id=${id}`, { admin: true });
  assert.equal(logs.status, 200, logs.text);
  const row = logs.json.data.find((r) => r.event === 'request' && r.route === '/latepoint-api/v1/me');
  assert.ok(row, logs.text);
  assert.equal(row.key_prefix, prefix);
  assert.equal(row.status, 200);
  assert.match(row.request_id, /^req_/);
  assert.ok(!logs.text.includes(key));
  const failed = await request('/logs?event=auth_failed&per_page=100', { admin: true });
  const tamperedRow = failed.json.data.find((r) => r.key_prefix === prefix && r.error_code === 'invalid_api_key');
  assert.ok(tamperedRow, 'a failed authentication is logged with the presented display prefix');
});
