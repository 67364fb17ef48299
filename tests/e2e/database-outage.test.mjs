// The database goes away and comes back: API requests get the 503
// service_unavailable envelope meanwhile (the plugin's db-error.php drop-in),
// and no audit row of the requests made before is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, request, createKey } from './stack.mjs';

const stack = (...args) => execFileSync(path.join(ROOT, 'scripts/stack.sh'), args, { encoding: 'utf8' });

test('while the database is down API requests get 503 service_unavailable, and no log row is lost', async (t) => {
  const { id, key } = await createKey({ name: 'outage' });
  const agent = `outage-probe-${Date.now()}`;
  for (let i = 0; i < 3; i++) {
    assert.equal((await request('/me', { key, headers: { 'User-Agent': agent } })).status, 200);
  }
  stack('stop', 'mariadb');
  t.after(() => stack('start'));
  const down = await request('/me', { key });
  assert.equal(down.status, 503, down.text);
  assert.equal(down.json.status, 'error');
  assert.equal(down.json.error.code, 'service_unavailable');
  assert.match(down.json.error.request_id, /^req_[0-9a-f]{24}$/);
  assert.equal(down.headers.get('x-request-id'), down.json.error.request_id);
  assert.ok(Number(down.headers.get('retry-after')) > 0);
  assert.ok(!down.text.includes('<'), 'JSON, not an HTML error page');

  stack('start');
  const back = await request('/me', { key });
  assert.equal(back.status, 200, back.text);
  const logs = await request(`/logs?key_id=${id}&per_page=100`, { admin: true });
  const probes = logs.json.data.filter((row) => row.user_agent === agent);
  assert.equal(probes.length, 3, logs.text);
});
