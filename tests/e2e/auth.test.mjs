// Authentication over real HTTP (nginx + php-fpm): every error code of docs/api.md,
// the envelopes, X-Request-Id, and the rate-limit headers of docs/api.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, keyAction, revokeKey, unknownKey, awayFromMinuteEdge } from './stack.mjs';

function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.json?.status, 'error', res.text);
  assert.equal(res.json.error.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 0);
  assert.match(res.json.error.request_id, /^req_[0-9A-Za-z]{24}$/);
  assert.equal(res.headers.get('x-request-id'), res.json.error.request_id);
  assert.match(res.headers.get('content-type'), /application\/json/);
  assert.doesNotMatch(res.text, /<br|Notice|Warning|Fatal|Stack trace/);
}

function assertRateHeaders(res, limits) {
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit', 'ratelimit-policy']) {
    assert.ok(res.headers.get(name), `missing ${name} on ${res.status}`);
  }
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  const now = Date.now() / 1000;
  assert.ok(reset > now - 2 && reset <= now + 3601, `reset ${reset} not within the hour`);
  assert.equal(
    res.headers.get('ratelimit-policy'),
    `"minute";q=${limits.per_minute};w=60, "hour";q=${limits.per_hour};w=3600`,
  );
  assert.match(res.headers.get('ratelimit'), /^"(minute|hour)";r=\d+;t=\d+$/);
}

test('a request without a key gets 401 missing_api_key in the error envelope', async () => {
  assertError(await request('/me'), 401, 'missing_api_key');
});

test('garbage and tampered keys get 401 invalid_api_key, before any lookup', async () => {
  assertError(await request('/me', { key: 'not-a-key' }), 401, 'invalid_api_key');
  assertError(await request('/me', { key: 'lp_live_' + 'x'.repeat(200) }), 401, 'invalid_api_key');
  const { key } = await createKey({ name: 'tamper' });
  const tampered = key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21);
  assertError(await request('/me', { key: tampered }), 401, 'invalid_api_key');
});

test('a well-formed key the site never issued gets 401 invalid_api_key', async () => {
  assertError(await request('/me', { key: unknownKey() }), 401, 'invalid_api_key');
});

test('a key in the query string is refused with 400 key_in_query, even a valid one', async () => {
  const { key } = await createKey({ name: 'query' });
  assertError(await request(`/me?api_key=${key}`), 400, 'key_in_query');
  assertError(await request(`/me?anything=${key}`, { key }), 400, 'key_in_query');
});

test('a valid key reads /me through X-API-Key and through Authorization: Bearer', async () => {
  const created = await createKey({ name: 'me', permissions: ['services:read', 'agents:read'], rate_limit_per_minute: 30 });
  for (const auth of [{ key: created.key }, { bearer: created.key }]) {
    const res = await request('/me', auth);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'success');
    assert.equal(res.json.data.name, 'me');
    assert.equal(res.json.data.environment, 'live');
    assert.deepEqual(res.json.data.permissions, ['agents:read', 'services:read']);
    assert.deepEqual(res.json.data.limits, { per_minute: 30, per_hour: 3600, per_day: null, operations: {} });
    assert.equal(res.json.data.expires_at, null);
    assert.match(res.headers.get('x-request-id'), /^req_/);
    assertRateHeaders(res, { per_minute: 30, per_hour: 3600 });
    assert.ok(!res.text.includes(created.key), 'the key is echoed back');
  }
});

test('revoked, disabled and expired keys get their own 401 codes', async () => {
  const revoked = await createKey({ name: 'revoked' });
  await revokeKey(revoked.id);
  assertError(await request('/me', { key: revoked.key }), 401, 'key_revoked');

  const disabled = await createKey({ name: 'disabled' });
  await keyAction(disabled.id, 'disable');
  assertError(await request('/me', { key: disabled.key }), 401, 'key_disabled');
  await keyAction(disabled.id, 'enable');
  assert.equal((await request('/me', { key: disabled.key })).status, 200);

  const soon = new Date(Date.now() + 2500).toISOString();
  const expiring = await createKey({ name: 'expiring', expires_at: soon });
  assert.equal((await request('/me', { key: expiring.key })).status, 200);
  await new Promise((r) => setTimeout(r, 3500));
  assertError(await request('/me', { key: expiring.key }), 401, 'key_expired');
});

test('a key without bookings:read gets 403 insufficient_permissions naming the permission', async () => {
  const { key } = await createKey({ name: 'no bookings', permissions: ['services:read'] });
  const res = await request('/bookings', { key });
  assertError(res, 403, 'insufficient_permissions');
  assert.equal(res.json.error.details.required_permission, 'bookings:read');
  assertRateHeaders(res, { per_minute: 60, per_hour: 3600 });
});

test('IP allowlists (v4 CIDR) and Origin allowlists are enforced', async () => {
  const elsewhere = await createKey({ name: 'ip elsewhere', allowed_ips: ['203.0.113.0/24', '2001:db8::/32'] });
  assertError(await request('/me', { key: elsewhere.key }), 403, 'ip_not_allowed');
  const local = await createKey({ name: 'ip local', allowed_ips: ['127.0.0.0/8'] });
  assert.equal((await request('/me', { key: local.key })).status, 200);

  const widget = await createKey({ name: 'origin', allowed_origins: ['https://shop.example.com'] });
  assertError(await request('/me', { key: widget.key, headers: { Origin: 'https://evil.example.com' } }), 403, 'origin_not_allowed');
  assert.equal((await request('/me', { key: widget.key, headers: { Origin: 'https://shop.example.com' } })).status, 200);
  assert.equal((await request('/me', { key: widget.key })).status, 200, 'no Origin: not a browser request');
});

test('the limit+1-th request in a window gets 429 with Retry-After and the same headers', async () => {
  await awayFromMinuteEdge(20);
  const { key } = await createKey({ name: 'limited', rate_limit_per_minute: 5, rate_limit_per_hour: 100 });
  const limits = { per_minute: 5, per_hour: 100 };
  for (let i = 1; i <= 5; i++) {
    const res = await request('/me', { key });
    assert.equal(res.status, 200, `request ${i}: ${res.text}`);
    assert.equal(res.headers.get('x-ratelimit-remaining'), String(5 - i));
    assert.equal(res.headers.get('x-ratelimit-limit'), '5');
    assertRateHeaders(res, limits);
  }
  const limited = await request('/me', { key });
  assertError(limited, 429, 'rate_limit_exceeded');
  assertRateHeaders(limited, limits);
  const retry = Number(limited.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(limited.json.error.details.retry_after, retry);
  // A request refused for permission still counts (and is refused by the limit first now).
  assertError(await request('/bookings', { key }), 429, 'rate_limit_exceeded');
});

test('rotation: the old key stops at once without grace, keeps working with it', async () => {
  const first = await createKey({ name: 'rotate now', permissions: ['services:read'] });
  const rotated = await keyAction(first.id, 'rotate', { grace_seconds: 0 });
  assert.match(rotated.key, /^lp_live_[0-9A-Za-z]{38}$/);
  assert.notEqual(rotated.key, first.key);
  assert.deepEqual(rotated.permissions, ['services:read']);
  assertError(await request('/me', { key: first.key }), 401, 'key_revoked');
  assert.equal((await request('/me', { key: rotated.key })).status, 200);

  const second = await createKey({ name: 'rotate later' });
  const next = await keyAction(second.id, 'rotate', { grace_seconds: 3600 });
  assert.equal((await request('/me', { key: second.key })).status, 200, 'old key within grace');
  assert.equal((await request('/me', { key: next.key })).status, 200);
});

test('unknown routes get 404 not_found for a valid key, 401 without one (no route discovery)', async () => {
  const { key } = await createKey({ name: 'explorer' });
  assertError(await request('/nothing-here', { key }), 404, 'not_found');
  assertError(await request('/nothing-here'), 401, 'missing_api_key');
});

test('key management needs a WordPress administrator, never an API key', async () => {
  assertError(await request('/keys'), 401, 'not_authenticated');
  const { key } = await createKey({ name: 'sneaky', permissions: ['bookings:read', 'bookings:create'] });
  assertError(await request('/keys', { key }), 403, 'insufficient_permissions');
  assertError(await request('/keys', { key, method: 'POST', body: { name: 'x', permissions: ['bookings:read'] } }), 403, 'insufficient_permissions');
  const listed = await request('/keys?per_page=2', { admin: true });
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.json.data.length, 2);
  assert.equal(listed.json.meta.per_page, 2);
  assert.ok(listed.json.meta.total >= 2);
  assert.ok(listed.json.data.every((k) => !('key' in k) && !('key_hash' in k)), 'no key or hash in lists');
  const next = await request(`/keys?per_page=2&cursor=${listed.json.meta.next_cursor}`, { admin: true });
  assert.equal(next.status, 200, next.text);
  assert.ok(next.json.data[0].id < listed.json.data[1].id, 'the cursor continues after the last item');
});

test('invalid key fields get 422 validation_failed with a message per field', async () => {
  const res = await request('/keys', {
    method: 'POST',
    admin: true,
    body: { name: 'bad', permissions: ['bookings:fly'], allowed_ips: ['999.1.1.1'], expires_at: 'tomorrow' },
  });
  assertError(res, 422, 'validation_failed');
  assert.ok(res.json.error.details.fields.permissions, res.text);
});

test('broken JSON bodies get 400 bad_request, never a 500', async () => {
  const res = await request('/keys', { method: 'POST', admin: true, body: '{"name": ' });
  assertError(res, 400, 'bad_request');
});
