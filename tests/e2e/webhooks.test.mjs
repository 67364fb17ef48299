// Webhook delivery over real HTTP (docs/api.md, "Webhooks"): endpoints made over the admin REST API
// point at receivers on the loopback (the stack's wp-config.php allows local URLs, as a development
// site); every delivery they get is verified with the Standard Webhooks reference library
// (npm standardwebhooks). Events come from LatePoint's hooks: writes through this API, and a booking
// saved through LatePoint's models in PHP, outside the API. The stack's retry schedule is short
// (LPAPI_WEBHOOKS_RETRY_SCHEDULE, set by scripts/test.sh), so retries come within seconds; where a
// test needs a retry made sooner, it runs the delivery runner as WP-Cron does. Each run makes its own
// agent, service, location and customer, so the file can run again on the same stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { request, createKey, wpPhp, wpPhpAsync, assertError, seedLatePoint } from './stack.mjs';
import { startReceiver, startHanging } from './webhook-receiver.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const DATE = new Date(Date.UTC(2033, 0, 1) + Math.floor(Math.random() * 20000) * 86400000).toISOString().slice(0, 10);
let D;
let key;
let receiver;
const endpoints = [];

/** Runs the delivery runner once, as WP-Cron's lpapi_deliver_webhooks does (budget in seconds). */
const runDeliveries = async (budget = 20) => JSON.parse(await wpPhpAsync(`echo json_encode(LatePointApi\\Webhooks\\Delivery_Runner::run(${budget}));`));

async function makeEndpoint(url, events, description = `e2e ${RUN}`) {
  const res = await request('/webhooks', { method: 'POST', admin: true, body: { url, events, description } });
  assert.equal(res.status, 201, res.text);
  endpoints.push(res.json.data.id);
  return res.json.data;
}

/** The received requests of this run's booking or customer (other suites' writes may reach a receiver too). */
const ofAgent = (type) => (r) => r.json?.type === type && r.json?.data?.agent_id === D.agent;

function verify(secret, entry) {
  return new Webhook(secret).verify(entry.body, {
    'webhook-id': entry.headers['webhook-id'],
    'webhook-timestamp': entry.headers['webhook-timestamp'],
    'webhook-signature': entry.headers['webhook-signature'],
  });
}

const book = (time, extra = {}) =>
  request('/bookings', {
    key,
    method: 'POST',
    body: { customer_id: D.cust, service_id: D.svc, agent_id: D.agent, location_id: D.loc, start_date: DATE, start_time: time, status: 'pending', ...extra },
  });

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['agent'] = $ins('agents', ['first_name' => "Hook$r", 'last_name' => 'Agent', 'email' => "hook.agent.$r@example.com", 'status' => 'active']);
$d['svc'] = $ins('services', ['name' => "Hook $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 1, 'charge_amount' => '10.0000', 'price_min' => '10.0000', 'price_max' => '10.0000', 'status' => 'active', 'visibility' => 'visible']);
$d['loc'] = $ins('locations', ['name' => "Hook $r", 'status' => 'active']);
$ins('agents_services', ['agent_id' => $d['agent'], 'service_id' => $d['svc'], 'location_id' => $d['loc']]);
for ($day = 1; $day <= 7; $day++) { $ins('work_periods', ['agent_id' => $d['agent'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 1440, 'week_day' => $day]); }
$d['cust'] = $ins('customers', ['first_name' => 'Hook', 'last_name' => "Person$r", 'email' => "hook.$r@example.com", 'status' => 'active', 'is_guest' => 1]);`,
  );
  key = (
    await createKey({
      name: `webhooks ${RUN}`,
      permissions: ['bookings:read', 'bookings:create', 'bookings:update', 'bookings:delete', 'customers:read', 'customers:create', 'customers:update'],
      rate_limit_per_minute: 100000,
      rate_limit_per_hour: 1000000,
    })
  ).key;
  receiver = await startReceiver();
});

after(async () => {
  for (const id of endpoints) await request(`/webhooks/${id}`, { method: 'DELETE', admin: true });
  await receiver?.close();
});

test('a booking made through the API reaches the endpoint signed (standardwebhooks verifies it), its data the same as GET /bookings/{id}', async () => {
  const hook = await makeEndpoint(receiver.url(`/a-${RUN}`), ['booking.created', 'booking.updated', 'booking.status_changed', 'booking.deleted', 'order.created']);
  const created = await book('09:00');
  assert.equal(created.status, 201, created.text);
  const id = created.json.data.id;

  const [entry] = await receiver.waitFor((r) => r.path === `/a-${RUN}` && ofAgent('booking.created')(r));
  const payload = verify(hook.secret, entry);
  assert.equal(payload.type, 'booking.created');
  assert.match(payload.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const got = await request(`/bookings/${id}`, { key });
  assert.deepEqual(payload.data, got.json.data, 'data is what GET /bookings/{id} returns');
  assert.match(entry.headers['webhook-id'], /^msg_[0-9a-f]{32}$/);
  assert.equal(entry.headers['content-type'], 'application/json');
  assert.ok(Math.abs(Number(entry.headers['webhook-timestamp']) - Date.now() / 1000) < 120, 'a current webhook-timestamp');

  const [order] = await receiver.waitFor((r) => r.path === `/a-${RUN}` && r.json?.type === 'order.created' && r.json.data.id === created.json.data.order_id);
  verify(hook.secret, order);

  // A status change: booking.updated and booking.status_changed (with previous_status).
  const patched = await request(`/bookings/${id}`, { key, method: 'PATCH', body: { status: 'approved' } });
  assert.equal(patched.status, 200, patched.text);
  const [changed] = await receiver.waitFor((r) => r.path === `/a-${RUN}` && ofAgent('booking.status_changed')(r));
  assert.equal(verify(hook.secret, changed).previous_status, 'pending');
  assert.equal(changed.json.data.status, 'approved');
  const [updated] = await receiver.waitFor((r) => r.path === `/a-${RUN}` && ofAgent('booking.updated')(r));
  assert.deepEqual(updated.json.data, (await request(`/bookings/${id}`, { key })).json.data);

  // Deleted: the booking as it was.
  const deleted = await request(`/bookings/${id}`, { key, method: 'DELETE' });
  assert.equal(deleted.status, 200, deleted.text);
  const [gone] = await receiver.waitFor((r) => r.path === `/a-${RUN}` && ofAgent('booking.deleted')(r));
  assert.equal(verify(hook.secret, gone).data.id, id);
  assert.equal(gone.json.data.status, 'approved');

  // Each event once, each with its own webhook-id.
  const mine = receiver.received.filter((r) => r.path === `/a-${RUN}` && r.json?.data?.agent_id === D.agent);
  assert.deepEqual(mine.map((r) => r.json.type).sort(), ['booking.created', 'booking.deleted', 'booking.status_changed', 'booking.updated']);
  assert.equal(new Set(mine.map((r) => r.headers['webhook-id'])).size, mine.length);
});

test('a booking saved through LatePoint\'s models outside the API (as LatePoint\'s admin does) produces booking.created', async () => {
  const hook = await makeEndpoint(receiver.url(`/m-${RUN}`), ['booking.created']);
  const id = Number(
    wpPhp(`$o = new OsOrderModel(); $o->customer_id = ${D.cust}; $o->subtotal = 10; $o->total = 10;
if (!$o->save()) { fwrite(STDERR, json_encode($o->get_error_messages())); exit(1); }
$i = new OsOrderItemModel(); $i->order_id = $o->id; $i->variant = 'booking'; $i->subtotal = 10; $i->total = 10;
if (!$i->save()) { fwrite(STDERR, json_encode($i->get_error_messages())); exit(1); }
$b = new OsBookingModel(); $b->order_item_id = $i->id;
$b->customer_id = ${D.cust}; $b->service_id = ${D.svc}; $b->agent_id = ${D.agent}; $b->location_id = ${D.loc};
$b->start_date = '${DATE}'; $b->end_date = '${DATE}'; $b->start_time = 840; $b->end_time = 900; $b->duration = 60;
$b->buffer_before = 0; $b->buffer_after = 0; $b->status = 'approved'; $b->total_attendees = 1;
if (!$b->save()) { fwrite(STDERR, json_encode($b->get_error_messages())); exit(1); }
$i->item_data = $b->generate_item_data(); $i->save();
do_action('latepoint_booking_created', $b);
do_action('latepoint_order_created', $o);
echo $b->id;`),
  );
  assert.ok(id > 0);
  // Queued by the CLI, which has no response to finish: WP-Cron's runner sends it (run here as cron
  // would; a run that finds another runner busy returns at once, so try a few times).
  const mine = (r) => r.path === `/m-${RUN}` && r.json?.data?.id === id;
  for (let i = 0; i < 10 && !receiver.received.some(mine); i++) await runDeliveries();
  const [entry] = await receiver.waitFor(mine);
  assert.equal(verify(hook.secret, entry).type, 'booking.created');
  assert.equal(entry.json.data.start_time, '14:00');
  assert.deepEqual(entry.json.data, (await request(`/bookings/${id}`, { key })).json.data);
});

test('during a secret rotation every delivery verifies with the old secret and with the new one; after the grace only with the new', async () => {
  const hook = await makeEndpoint(receiver.url(`/r-${RUN}`), ['customer.created', 'customer.updated']);
  const rotated = await request(`/webhooks/${hook.id}/rotate-secret`, { method: 'POST', admin: true, body: { grace_seconds: 3600 } });
  assert.equal(rotated.status, 201, rotated.text);
  assert.notEqual(rotated.json.data.secret, hook.secret);

  const email = `rot.${RUN}@example.com`;
  const made = await request('/customers', { key, method: 'POST', body: { first_name: 'Rot', last_name: RUN, email } });
  assert.equal(made.status, 201, made.text);
  const [entry] = await receiver.waitFor((r) => r.path === `/r-${RUN}` && r.json?.data?.email === email);
  assert.equal(entry.headers['webhook-signature'].split(' ').length, 2, 'two signatures while both secrets are valid');
  assert.equal(verify(hook.secret, entry).data.id, made.json.data.id, 'the old secret verifies');
  assert.equal(verify(rotated.json.data.secret, entry).data.id, made.json.data.id, 'the new secret verifies');

  // Rotating again without grace: only the newest secret signs.
  const again = await request(`/webhooks/${hook.id}/rotate-secret`, { method: 'POST', admin: true, body: { grace_seconds: 0 } });
  assert.equal(again.status, 201, again.text);
  const patched = await request(`/customers/${made.json.data.id}`, { key, method: 'PATCH', body: { phone: '+15550001' } });
  assert.equal(patched.status, 200, patched.text);
  const [next] = await receiver.waitFor((r) => r.path === `/r-${RUN}` && r.json?.type === 'customer.updated' && r.json.data.id === made.json.data.id);
  assert.equal(next.headers['webhook-signature'].split(' ').length, 1);
  assert.equal(verify(again.json.data.secret, next).data.phone, '+15550001');
  assert.throws(() => verify(rotated.json.data.secret, next), /signature/i, 'the rotated-out secret no longer verifies');
});

test('a receiver that fails twice and then succeeds gets the event exactly once more, with the same webhook-id', async () => {
  const path = `/f-${RUN}`;
  const hook = await makeEndpoint(receiver.url(path), ['booking.created']);
  const seen = new Map();
  receiver.answer((r) => {
    if (r.path !== path) return 200;
    const n = (seen.get(r.headers['webhook-id']) ?? 0) + 1;
    seen.set(r.headers['webhook-id'], n);
    return n <= 2 ? 500 : 200;
  });
  try {
    const created = await book('10:00');
    assert.equal(created.status, 201, created.text);
    const first = await receiver.waitFor((r) => r.path === path && ofAgent('booking.created')(r), 3);
    const ids = new Set(first.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 1, 'one webhook-id for every attempt');
    for (const r of first) assert.equal(verify(hook.secret, r).data.id, created.json.data.id);
    assert.equal(new Set(first.map((r) => r.headers['webhook-timestamp'])).size >= 2, true, 'each attempt is signed anew (its own timestamp)');

    // Nothing more comes: the delivery succeeded on the third attempt.
    await runDeliveries();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await runDeliveries();
    assert.equal(receiver.received.filter((r) => r.path === path && ofAgent('booking.created')(r)).length, 3, 'exactly once more after the two failures');

    const log = await request(`/webhooks/attempts?webhook_id=${hook.id}`, { admin: true });
    assert.equal(log.status, 200, log.text);
    const attempts = log.json.data.filter((a) => a.message_id === [...ids][0]);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.http_status, a.succeeded]).sort(), [[1, 500, false], [2, 500, false], [3, 200, true]]);
    const failed = await request(`/webhooks/attempts?webhook_id=${hook.id}&result=failed`, { admin: true });
    assert.deepEqual(failed.json.data.map((a) => a.http_status), [500, 500]);
    assert.equal((await request(`/webhooks/${hook.id}`, { admin: true })).json.data.status, 'enabled');
  } finally {
    receiver.answer(200);
  }
});

test('resending a delivery from the log sends the same message (same webhook-id) again', async () => {
  const path = `/s-${RUN}`;
  const hook = await makeEndpoint(receiver.url(path), ['booking.created']);
  const created = await book('11:00');
  assert.equal(created.status, 201, created.text);
  const [first] = await receiver.waitFor((r) => r.path === path && ofAgent('booking.created')(r));
  const log = await request(`/webhooks/attempts?webhook_id=${hook.id}&message_id=${first.headers['webhook-id']}`, { admin: true });
  assert.equal(log.json.data.length, 1, log.text);
  const resent = await request(`/webhooks/deliveries/${log.json.data[0].delivery_id}/resend`, { method: 'POST', admin: true });
  assert.equal(resent.status, 202, resent.text);
  assert.equal(resent.json.data.message_id, first.headers['webhook-id']);
  const both = await receiver.waitFor((r) => r.path === path && ofAgent('booking.created')(r), 2);
  assert.equal(both[1].headers['webhook-id'], first.headers['webhook-id']);
  assert.deepEqual(verify(hook.secret, both[1]), verify(hook.secret, first), 'the same body');
  assertError(await request('/webhooks/deliveries/999999999/resend', { method: 'POST', admin: true }), 404, 'not_found');
});

test('an endpoint that answers 410 Gone is turned off: nothing more is sent to it', async () => {
  const path = `/g-${RUN}`;
  const hook = await makeEndpoint(receiver.url(path), ['booking.created', 'booking.updated']);
  receiver.answer((r) => (r.path === path ? 410 : 200));
  try {
    const created = await book('12:00');
    assert.equal(created.status, 201, created.text);
    await receiver.waitFor((r) => r.path === path && ofAgent('booking.created')(r));
    let state;
    for (let i = 0; i < 40; i++) {
      state = (await request(`/webhooks/${hook.id}`, { admin: true })).json.data;
      if (state.status === 'disabled') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(state.status, 'disabled');
    assert.equal(state.disabled_reason, 'gone');

    const patched = await request(`/bookings/${created.json.data.id}`, { key, method: 'PATCH', body: { start_time: '13:00' } });
    assert.equal(patched.status, 200, patched.text);
    await runDeliveries();
    assert.equal(receiver.received.filter((r) => r.path === path).length, 1, 'only the attempt that got 410');
    const [attempt] = (await request(`/webhooks/attempts?webhook_id=${hook.id}`, { admin: true })).json.data;
    assert.equal(attempt.http_status, 410);
  } finally {
    receiver.answer(200);
  }
});

test('send a test event: it arrives signed, and the attempt comes back in the response', async () => {
  const path = `/t-${RUN}`;
  const hook = await makeEndpoint(receiver.url(path), ['key.expiring']);
  const res = await request(`/webhooks/${hook.id}/test`, { method: 'POST', admin: true });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.data.http_status, 200);
  assert.equal(res.json.data.succeeded, true);
  assert.equal(res.json.data.event_type, 'webhook.test');
  const [entry] = await receiver.waitFor((r) => r.path === path);
  assert.equal(verify(hook.secret, entry).data.webhook_id, hook.id);
});

test('an endpoint that never answers leaves API responses unaffected: one runner waits on it, every request is answered meanwhile', async () => {
  const hanging = await startHanging();
  try {
    // key.expiring only: no other suite's writes are queued for it.
    const hook = await makeEndpoint(hanging.url(), ['key.expiring']);
    const queued = JSON.parse(
      wpPhp(`echo json_encode(LatePointApi\\Webhooks\\Outbox::add_for(${hook.id}, 'key.expiring', ['id' => 0, 'note' => 'hang test']));`),
    );
    // The resend's response comes first; its php-fpm worker then runs the delivery, which hangs.
    const resent = await request(`/webhooks/deliveries/${queued.delivery_id}/resend`, { method: 'POST', admin: true });
    assert.equal(resent.status, 202, resent.text);
    for (let i = 0; i < 80 && hanging.accepted() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(hanging.accepted(), 1, 'the runner connected to the endpoint');

    // While it waits: writes that queue events (and start a runner after their response) and reads,
    // more of them than the stack has php-fpm workers, all answered.
    const writes = Array.from({ length: 6 }, (_, i) =>
      request('/customers', { key, method: 'POST', body: { first_name: 'Hang', last_name: `${RUN}${i}`, email: `hang.${i}.${RUN}@example.com` } }));
    const reads = Array.from({ length: 6 }, () => request('/me', { key }));
    const all = await Promise.all([...writes, ...reads]);
    assert.deepEqual(all.map((r) => r.status), [201, 201, 201, 201, 201, 201, 200, 200, 200, 200, 200, 200], all.map((r) => r.text.slice(0, 200)).join('\n'));
    assert.equal(hanging.open(), 1, 'the attempt is still waiting: every response came while it hung');
    assert.equal(hanging.accepted(), 1, 'only one runner at a time: the others found the lock taken and returned');

    // Disabled meanwhile: the attempt, when it ends, changes nothing and nothing is retried.
    const off = await request(`/webhooks/${hook.id}`, { method: 'PATCH', admin: true, body: { status: 'disabled' } });
    assert.equal(off.status, 200, off.text);
  } finally {
    await hanging.close();
  }
});
