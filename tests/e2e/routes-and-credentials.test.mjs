// Over real HTTP (nginx + php-fpm): the namespace in any case, keys hidden in the query, and
// ambiguous credentials, among them a header line sent twice, which nginx 1.22 would hand PHP
// only once without the stack's LPAPI_FIRST_* parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, request, rawRequest, createKey, logsOf } from './stack.mjs';

function assertEnvelope(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.json?.status, 'error', res.text);
  assert.equal(res.json.error.code, code, res.text);
  assert.match(res.json.error.request_id, /^req_[0-9A-Za-z]{24}$/);
  assert.equal(res.headers.get('x-request-id'), res.json.error.request_id);
}

test('the namespace in capitals or mixed case goes through the whole pipeline, by path and by rest_route', async () => {
  const { id, key } = await createKey({ name: 'casing', permissions: ['services:read'] });
  const agent = `casing-${Date.now()}`;
  const urls = [
    `${env.LPAPI_REST_URL}/LATEPOINT-API/v1/me`,
    `${env.LPAPI_SITE_URL}/?rest_route=/LatePoint-Api/v1/me`,
  ];
  for (const url of urls) {
    const res = await request(url, { key, headers: { 'User-Agent': agent } });
    assert.equal(res.status, 200, `${url}: ${res.text}`);
    assert.equal(res.json.status, 'success');
    assert.equal(res.json.data.id, id);
    assert.match(res.headers.get('x-request-id'), /^req_[0-9A-Za-z]{24}$/);
    assert.equal(res.headers.get('x-ratelimit-limit'), '60');
    assertEnvelope(await request(url), 401, 'missing_api_key');
  }
  const rows = (await logsOf(id)).filter((r) => r.user_agent === agent);
  assert.equal(rows.length, 2, 'an audit row for each');
});

test('a key nested in the query, or as a parameter name, gets 400 key_in_query', async () => {
  const { key } = await createKey({ name: 'nested over http' });
  for (const query of [`a[]=${key}`, `a[b][c]=${key}`, `${key}=1`, `a[${key}]=1`]) {
    assertEnvelope(await request(`/me?${query}`, { key }), 400, 'key_in_query');
    assertEnvelope(await request(`/me?${query}`), 400, 'key_in_query');
  }
});

test('two different keys in one request get 400 ambiguous_credentials, on nginx too', async () => {
  const one = await createKey({ name: 'ambiguous http one' });
  const two = await createKey({ name: 'ambiguous http two' });
  assertEnvelope(await request('/me', { key: one.key, bearer: two.key }), 400, 'ambiguous_credentials');
  assertEnvelope(await rawRequest('/me', [['X-API-Key', one.key], ['X-API-Key', two.key]]), 400, 'ambiguous_credentials');
  assertEnvelope(await rawRequest('/me', [['X-API-Key', two.key], ['X-API-Key', one.key]]), 400, 'ambiguous_credentials');
  assertEnvelope(await rawRequest('/me', [['X-API-Key', `${one.key}, ${two.key}`]]), 400, 'ambiguous_credentials');
  // A repeated Authorization line nginx refuses itself, before PHP.
  assert.equal((await rawRequest('/me', [['Authorization', `Bearer ${one.key}`], ['Authorization', `Bearer ${two.key}`]])).status, 400);
  assertEnvelope(await rawRequest('/me', [['X-API-Key', one.key], ['X-API-Key', 'garbage']]), 400, 'ambiguous_credentials');
  // Checked right after key_in_query.
  assertEnvelope(await rawRequest(`/me?api_key=x`, [['X-API-Key', one.key], ['X-API-Key', two.key]]), 400, 'key_in_query');

  const same = await rawRequest('/me', [['X-API-Key', one.key], ['X-API-Key', one.key]]);
  assert.equal(same.status, 200, same.text);
  assert.equal((await request('/me', { key: one.key, bearer: one.key })).status, 200);
});

test('control characters from the method override and the user agent reach the log as escapes', async () => {
  const { id, key } = await createKey({ name: 'controls over http' });
  const marker = `ctl${Date.now()}`;
  const res = await rawRequest(`/me?_method=GET%0d%0aX-Injected:1`, [['X-API-Key', key], ['User-Agent', `${marker}\tTAB\x1b[31mESC`]]);
  assert.ok(res.status >= 200 && res.status < 500, res.text);
  const row = (await logsOf(id)).find((r) => r.user_agent.startsWith(marker));
  assert.ok(row, 'the request was logged');
  assert.equal(row.user_agent, `${marker}\\tTAB\\x1b[31mESC`);
  assert.doesNotMatch(row.method, /[\r\n]/);
  assert.match(row.method, /^GET\\r\\nX-I/);
  for (const value of Object.values(row)) assert.doesNotMatch(String(value), /[\x00-\x1f\x7f]/);
});
