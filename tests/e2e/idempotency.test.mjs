// Idempotency-Key over real HTTP (docs/api.md): parallel retries of one POST /bookings, served by
// several php-fpm workers at once, book exactly once; the others get the first response again
// (Idempotent-Replayed: true, same body) or 409 idempotency_in_progress while it is still running.
// CORS lets browsers send the header and read Idempotent-Replayed. Its own run-unique dataset (an
// agent, a service, a location, a customer) is made in `before`, so the file can run again on the
// same stack.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, assertError, API, seedLatePoint } from './stack.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const DATE = new Date(Date.UTC(2032, 0, 1) + Math.floor(Math.random() * 20000) * 86400000).toISOString().slice(0, 10);
let D;
let key;

const php = (code) => wpPhp(`global $wpdb; $p = $wpdb->prefix . 'latepoint_'; ${code}`);
const bookingsOfAgent = () => Number(php(`echo (int) $wpdb->get_var($wpdb->prepare("SELECT COUNT(*) FROM {$p}bookings WHERE agent_id = %d", ${Number(D.agent)}));`));
const idem = (label) => `e2e-${label}-${RUN}-${Math.random().toString(36).slice(2)}`;

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['agent'] = $ins('agents', ['first_name' => "Idem$r", 'last_name' => 'Agent', 'email' => "idem.agent.$r@example.com", 'status' => 'active']);
$d['svc'] = $ins('services', ['name' => "Idem $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 1, 'charge_amount' => '10.0000', 'price_min' => '10.0000', 'price_max' => '10.0000', 'status' => 'active', 'visibility' => 'visible']);
$d['loc'] = $ins('locations', ['name' => "Idem $r", 'status' => 'active']);
$ins('agents_services', ['agent_id' => $d['agent'], 'service_id' => $d['svc'], 'location_id' => $d['loc']]);
for ($day = 1; $day <= 7; $day++) { $ins('work_periods', ['agent_id' => $d['agent'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 1440, 'week_day' => $day]); }
$d['cust'] = $ins('customers', ['first_name' => 'Idem', 'last_name' => "Person$r", 'email' => "idem.$r@example.com", 'status' => 'active', 'is_guest' => 1]);`,
  );
  key = (
    await createKey({
      name: `idempotency ${RUN}`,
      permissions: ['bookings:read', 'bookings:create', 'customers:create'],
      rate_limit_per_minute: 100000,
      rate_limit_per_hour: 1000000,
    })
  ).key;
});

const book = (time, idempotencyKey) =>
  request('/bookings', {
    key,
    method: 'POST',
    headers: idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey },
    body: { customer_id: D.cust, service_id: D.svc, agent_id: D.agent, location_id: D.loc, start_date: DATE, start_time: time, status: 'approved' },
  });

test('10 parallel POST /bookings with one Idempotency-Key create exactly one booking', async (t) => {
  const before = bookingsOfAgent();
  const k = idem('parallel');
  const all = await Promise.all(Array.from({ length: 10 }, () => book('09:00', k)));
  assert.equal(bookingsOfAgent(), before + 1, 'exactly one booking');

  const created = all.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
  assert.equal(created.length, 1, all.map((r) => `${r.status} ${r.headers.get('idempotent-replayed')} ${r.text.slice(0, 120)}`).join('\n'));
  const first = created[0];
  assert.equal(first.json.data.start_time, '09:00');
  const requestIds = new Set();
  for (const r of all) {
    requestIds.add(r.headers.get('x-request-id'));
    assert.ok(r.headers.get('x-ratelimit-remaining') !== null, 'every answer counted against the rate limit');
    if (r === first) continue;
    if (r.status === 409) {
      assertError(r, 409, 'idempotency_in_progress');
      assert.equal(r.headers.get('idempotent-replayed'), null);
    } else {
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('idempotent-replayed'), 'true');
      assert.equal(r.text, first.text, 'the same body');
    }
  }
  assert.equal(requestIds.size, 10, 'a fresh X-Request-Id on each');
  t.diagnostic(`${all.filter((r) => r.status === 409).length} in progress, ${all.filter((r) => r.headers.get('idempotent-replayed') === 'true').length} replayed`);

  // Once it has answered, every retry is a replay.
  const later = await book('09:00', k);
  assert.equal(later.status, 201);
  assert.equal(later.headers.get('idempotent-replayed'), 'true');
  assert.equal(later.text, first.text);
  assert.equal(later.headers.get('content-type'), first.headers.get('content-type'));
  assert.equal(bookingsOfAgent(), before + 1);
});

test('another body with the same key is 422; a malformed key is 400; no key books again', async () => {
  const k = idem('reuse');
  const first = await book('11:00', k);
  assert.equal(first.status, 201, first.text);
  assertError(await book('12:00', k), 422, 'idempotency_key_reused');
  assertError(await book('12:00', 'has a space'), 400, 'invalid_idempotency_key');
  assertError(await book('12:00', 'x'.repeat(256)), 400, 'invalid_idempotency_key');
  const before = bookingsOfAgent();
  const plain = await book('13:00');
  assert.equal(plain.status, 201, plain.text);
  assert.equal(plain.headers.get('idempotent-replayed'), null);
  assert.equal(bookingsOfAgent(), before + 1);
});

test('CORS allows the Idempotency-Key header and exposes Idempotent-Replayed', async () => {
  const origin = 'https://shop.example.com';
  const preflight = await fetch(`${API}/bookings`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key, idempotency-key, content-type' },
  });
  await preflight.text();
  const allowed = (preflight.headers.get('access-control-allow-headers') || '').toLowerCase();
  assert.ok(allowed.split(/\s*,\s*/).includes('idempotency-key'), allowed);
  const res = await request('/me', { key, headers: { Origin: origin } });
  assert.equal(res.status, 200, res.text);
  const exposed = (res.headers.get('access-control-expose-headers') || '').toLowerCase();
  assert.ok(exposed.split(/\s*,\s*/).includes('idempotent-replayed'), exposed);
});

test('the OpenAPI document offers the header on resource POSTs only, and names the error codes', async () => {
  const doc = (await request('/openapi.json')).json;
  const header = (op) => (op.parameters || []).find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
  const paths = Object.entries(doc.paths);
  const bookings = paths.find(([p]) => p.endsWith('/bookings'))[1];
  assert.ok(header(bookings.post), 'POST /bookings');
  assert.equal(header(bookings.post).required, false);
  assert.equal(header(bookings.get), undefined, 'GET /bookings');
  assert.ok(header(paths.find(([p]) => p.endsWith('/customers'))[1].post), 'POST /customers');
  assert.equal(header(paths.find(([p]) => p.endsWith('/keys'))[1].post), undefined, 'POST /keys');
  const text = JSON.stringify(doc.components.responses);
  for (const code of ['invalid_idempotency_key', 'idempotency_in_progress', 'idempotency_key_reused']) assert.ok(text.includes(code), code);
});
