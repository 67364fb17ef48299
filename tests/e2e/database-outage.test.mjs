// The database goes away and comes back: API requests get the 503 service_unavailable envelope
// meanwhile (the plugin's db-error.php drop-in), in whatever case they spell the namespace; their
// audit rows wait in the spool and reach the database, filed under their key, once it is back;
// no row of the requests made before is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, env, request, createKey, logsOf } from './stack.mjs';

const stack = (...args) => execFileSync(path.join(ROOT, 'scripts/stack.sh'), args, { encoding: 'utf8' });

function assertUnavailable(res, where) {
  assert.equal(res.status, 503, `${where}: ${res.text}`);
  assert.equal(res.json?.status, 'error', `${where}: JSON, not an HTML error page: ${res.text}`);
  assert.equal(res.json.error.code, 'service_unavailable');
  assert.match(res.json.error.request_id, /^req_[0-9A-Za-z]{24}$/);
  assert.equal(res.headers.get('x-request-id'), res.json.error.request_id);
  assert.ok(Number(res.headers.get('retry-after')) > 0);
  assert.ok(!res.text.includes('<'), `${where}: JSON, not an HTML error page`);
}

test('while the database is down API requests get 503 service_unavailable, and no log row is lost', async (t) => {
  const { id, key } = await createKey({ name: 'outage' });
  const agent = `outage-probe-${Date.now()}`;
  for (let i = 0; i < 3; i++) {
    assert.equal((await request('/me', { key, headers: { 'User-Agent': agent } })).status, 200);
  }
  stack('stop', 'mariadb');
  t.after(() => stack('start'));
  const during = `${agent}-down`;
  const ids = [];
  for (const url of [`/me`, `${env.LPAPI_REST_URL}/LATEPOINT-API/v1/me`, `${env.LPAPI_SITE_URL}/?rest_route=/LatePoint-Api/v1/me`]) {
    const down = await request(url, { key, headers: { 'User-Agent': during } });
    assertUnavailable(down, url);
    ids.push(down.json.error.request_id);
  }
  // /status, for monitoring, answers its own document: the database is down, nothing else is known.
  const status = await request('/status');
  assert.equal(status.status, 503);
  assert.equal(status.headers.get('retry-after'), '30');
  assert.deepEqual(status.json, { status: 'unavailable', version: fs.readFileSync(new URL('../../VERSION', import.meta.url), 'utf8').trim(), checks: { database: false, limiter: null, latepoint: null } });
  const page = await fetch(`${env.LPAPI_SITE_URL}/`);
  assert.equal(page.status, 503);
  assert.match(await page.text(), /<h1>/, 'other pages get a plain page');

  stack('start');
  const up = await request('/status');
  assert.equal(up.json.checks.database, true, 'and once it is back, /status says so');
  const back = await request('/me', { key });
  assert.equal(back.status, 200, back.text);
  const rows = await logsOf(id);
  assert.equal(rows.filter((row) => row.user_agent === agent).length, 3, 'the rows from before the outage');
  const outage = rows.filter((row) => row.user_agent === during);
  assert.deepEqual(outage.map((r) => r.request_id).sort(), [...ids].sort(), 'a row for each request answered while the database was down');
  for (const row of outage) {
    assert.equal(row.status, 503);
    assert.equal(row.error_code, 'service_unavailable');
    assert.equal(row.key_prefix, key.slice(0, 12), 'the display prefix only');
  }
});
