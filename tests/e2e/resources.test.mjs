// LatePoint resources over real HTTP: bookings, customers, agents, services.
// LatePoint's tables are created with the fixture and filled with a small,
// run-unique dataset in `before`, so the file can run again on the same stack.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, assertError, seedLatePoint } from './stack.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let D; // dataset ids
let full; // key with every permission
const keys = {};
// A date well in the future, unique per run (so slots are free on re-runs).
const dayOffset = 400 + Math.floor(Math.random() * 20000);
const DATE = new Date(Date.UTC(2030, 0, 1) + dayOffset * 86400000).toISOString().slice(0, 10);

// The activities LatePoint's processes write while they run (mails sent, jobs run): real LatePoint's
// notifications add them; the counts below are of the activities of the changes themselves.
const PROCESS_CODES = "('email_sent', 'sms_sent', 'http_request', 'process_job_run')";

/** Row counts of the LatePoint tables (activities: those of the changes, see PROCESS_CODES). */
function counts() {
  return JSON.parse(
    wpPhp(`global $wpdb; $o = []; foreach (['bookings','orders','order_items','customers','activities','locations'] as $t) { $o[$t] = (int) $wpdb->get_var("SELECT COUNT(*) FROM {$wpdb->prefix}latepoint_$t" . ('activities' === $t ? " WHERE code NOT IN ${PROCESS_CODES}" : '')); } echo json_encode($o);`),
  );
}

function sql(query) {
  return JSON.parse(wpPhp(`global $wpdb; echo json_encode($wpdb->get_results(str_replace('{p}', $wpdb->prefix . 'latepoint_', ${JSON.stringify(query).replace(/\$/g, '\\$')}), ARRAY_A));`));
}

/** An activity of an API write: authored by the "LatePoint API" user, and remembered with the key that wrote it. */
function assertApiAuthored(act) {
  assert.equal(act.initiated_by, 'wp_user');
  const author = JSON.parse(wpPhp(`$id = (int) get_option('lpapi_api_user_id'); echo json_encode(['id' => $id, 'name' => get_userdata($id)->display_name]);`));
  assert.equal(Number(act.initiated_by_id), author.id);
  assert.equal(author.name, 'LatePoint API');
  const keyId = wpPhp(`global $wpdb; echo (int) $wpdb->get_var($wpdb->prepare("SELECT key_id FROM {$wpdb->prefix}lpapi_activity_authors WHERE activity_id = %d", ${Number(act.id)}));`);
  assert.equal(Number(keyId), full.id, 'the key that wrote it');
}

const json = (o) => `json_decode(${JSON.stringify(JSON.stringify(o)).replace(/\$/g, '\\$')}, true)`;

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['agent1'] = $ins('agents', ['first_name' => "Ann$r", 'last_name' => 'Agent', 'email' => "ann$r@example.com", 'status' => 'active']);
$d['agent2'] = $ins('agents', ['first_name' => "Bob$r", 'last_name' => 'Agent', 'email' => "bob$r@example.com", 'status' => 'active', 'password' => 'secret-hash']);
$d['svc_cut'] = $ins('services', ['name' => "Haircut $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 15, 'timeblock_interval' => 30, 'capacity_min' => 1, 'capacity_max' => 1, 'charge_amount' => '40.5000', 'price_min' => '40.5000', 'price_max' => '40.5000', 'status' => 'active', 'visibility' => 'visible']);
$d['svc_class'] = $ins('services', ['name' => "Yoga $r", 'duration' => 45, 'buffer_before' => 5, 'buffer_after' => 5, 'capacity_min' => 1, 'capacity_max' => 3, 'charge_amount' => '15.0000', 'status' => 'active', 'visibility' => 'visible', 'override_default_booking_status' => 'pending']);
$d['svc_off'] = $ins('services', ['name' => "Retired $r", 'duration' => 30, 'buffer_before' => 0, 'buffer_after' => 0, 'status' => 'disabled', 'visibility' => 'hidden']);
$d['loc'] = $ins('locations', ['name' => "Studio $r", 'status' => 'active']);
foreach (['agent1', 'agent2'] as $a) { foreach (['svc_cut', 'svc_class'] as $s) { $ins('agents_services', ['agent_id' => $d[$a], 'service_id' => $d[$s], 'location_id' => $d['loc']]); } }
// Both agents work every day, 00:00-24:00, so bookings here test overlaps and capacity, not hours.
foreach (['agent1', 'agent2'] as $a) { for ($day = 1; $day <= 7; $day++) { $ins('work_periods', ['agent_id' => $d[$a], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 1440, 'week_day' => $day]); } }
for ($i = 1; $i <= 5; $i++) { $d['cust' . $i] = $ins('customers', ['first_name' => "Cust$i", 'last_name' => "Zed$r", 'email' => "c$i.$r@example.com", 'phone' => "+1555$i$i$i", 'status' => 'active', 'is_guest' => 1]); }`,
  );
  const limits = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
  full = (
    await createKey({
      name: `resources full ${RUN}`,
      permissions: ['bookings:read', 'bookings:create', 'bookings:update', 'bookings:delete', 'customers:read', 'customers:create', 'customers:update', 'customers:delete', 'agents:read', 'services:read'],
      ...limits,
    })
  );
  keys.readonly = (await createKey({ name: `resources ro ${RUN}`, permissions: ['bookings:read', 'customers:read'], ...limits })).key;
  keys.none = (await createKey({ name: `resources none ${RUN}`, permissions: ['availability:read'], ...limits })).key;
});

const api = (path, opts = {}) => request(path, { key: full.key, ...opts });

/** Creates a booking through the API; returns the response. */
function book(fields) {
  return api('/bookings', {
    method: 'POST',
    body: { customer_id: D.cust1, service_id: D.svc_cut, agent_id: D.agent1, location_id: D.loc, start_date: DATE, ...fields },
  });
}

test('each route requires its permission', async () => {
  const cases = [
    ['GET', '/bookings', 'bookings:read'],
    ['GET', `/bookings/1`, 'bookings:read'],
    ['POST', '/bookings', 'bookings:create'],
    ['PATCH', '/bookings/1', 'bookings:update'],
    ['DELETE', '/bookings/1', 'bookings:delete'],
    ['GET', '/customers', 'customers:read'],
    ['GET', '/customers/1', 'customers:read'],
    ['POST', '/customers', 'customers:create'],
    ['PATCH', '/customers/1', 'customers:update'],
    ['DELETE', '/customers/1', 'customers:delete'],
    ['GET', '/agents', 'agents:read'],
    ['GET', `/agents/1`, 'agents:read'],
    ['GET', '/services', 'services:read'],
    ['GET', `/services/1`, 'services:read'],
  ];
  const before = counts();
  for (const [method, path, permission] of cases) {
    const body = method === 'POST' || method === 'PATCH' ? { status: 'approved' } : undefined;
    const res = await request(path, { key: keys.none, method, body });
    assertError(res, 403, 'insufficient_permissions');
    assert.equal(res.json.error.details.required_permission, permission, `${method} ${path}`);
  }
  // A read-only key can read but not write.
  assert.equal((await request('/bookings', { key: keys.readonly })).status, 200);
  assertError(await request('/bookings', { key: keys.readonly, method: 'POST', body: {} }), 403, 'insufficient_permissions');
  assertError(await request(`/customers/${D.cust5}`, { key: keys.readonly, method: 'DELETE' }), 403, 'insufficient_permissions');
  assertError(await request('/services', { key: keys.readonly }), 403, 'insufficient_permissions');
  assertError(await request('/bookings'), 401, 'missing_api_key');
  assert.deepEqual(counts(), before);
});

test('services: active by default, status filter, durations, buffers, interval, capacity, prices', async () => {
  const res = await api('/services?per_page=100');
  assert.equal(res.status, 200, res.text);
  const names = res.json.data.map((s) => s.name);
  assert.ok(names.includes(`Haircut ${RUN}`));
  assert.ok(!names.includes(`Retired ${RUN}`));
  assert.ok(res.json.data.every((s) => s.status === 'active'));
  const disabled = await api('/services?status=disabled&per_page=100');
  assert.ok(disabled.json.data.some((s) => s.name === `Retired ${RUN}`));
  const svc = (await api(`/services/${D.svc_cut}`)).json.data;
  assert.equal(svc.duration, 60);
  assert.equal(svc.buffer_before, 0);
  assert.equal(svc.buffer_after, 15);
  assert.equal(svc.timeblock_interval, 30);
  assert.equal(svc.capacity_max, 1);
  assert.equal(svc.charge_amount, '40.5000');
  const yoga = (await api(`/services/${D.svc_class}`)).json.data;
  assert.equal(yoga.timeblock_interval, 30, 'default interval from the setting (30)');
  assert.equal(yoga.capacity_max, 3);
  assertError(await api('/services/99999999'), 404, 'not_found');
  assertError(await api('/services?status=bogus'), 422, 'validation_failed');
});

test('agents: list with paging and search, get, 404; never a password', async () => {
  const res = await api(`/agents?search=${RUN}&per_page=1`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.meta.total, 2);
  assert.equal(res.json.meta.total_pages, 2);
  assert.equal(res.json.data.length, 1);
  assert.ok(res.json.meta.next_cursor);
  const next = await api(`/agents?search=${RUN}&per_page=1&cursor=${res.json.meta.next_cursor}`);
  assert.equal(next.json.data.length, 1);
  assert.notEqual(next.json.data[0].id, res.json.data[0].id);
  assert.equal(next.json.meta.next_cursor, null);
  const agent = await api(`/agents/${D.agent2}`);
  assert.equal(agent.json.data.first_name, `Bob${RUN}`);
  assert.ok(!('password' in agent.json.data));
  assert.doesNotMatch(agent.text, /secret-hash/);
  assertError(await api('/agents/99999999'), 404, 'not_found');
});

test('customers: create with defaults, email_taken, search, update, get, 404', async () => {
  const email = `new.${RUN}@example.com`;
  const before = counts();
  const created = await api('/customers', { method: 'POST', body: { first_name: 'Nora', last_name: `New${RUN}`, email, phone: '+44 20 7946 0000' } });
  assert.equal(created.status, 201, created.text);
  const c = created.json.data;
  assert.equal(c.status, 'pending_verification');
  assert.equal(c.is_guest, true);
  assert.ok(!('password' in c));
  const after = counts();
  assert.equal(after.customers, before.customers + 1);
  assert.equal(after.activities, before.activities + 1);
  const act = sql(`SELECT * FROM {p}activities WHERE customer_id = ${c.id} ORDER BY id DESC LIMIT 1`)[0];
  assert.equal(act.code, 'customer_created');
  assertApiAuthored(act);
  assert.equal(JSON.parse(act.description).customer_data_vars.email, email, 'LatePoint\'s own JSON description');
  assert.ok(!act.description.includes(full.key));
  const [secrets] = sql(`SELECT password, activation_key, account_nonse FROM {p}customers WHERE id = ${c.id}`);
  for (const [column, value] of Object.entries(secrets)) assert.ok(value, `LatePoint's model fills ${column}`);

  assertError(await api('/customers', { method: 'POST', body: { email } }), 409, 'email_taken');
  assertError(await api('/customers', { method: 'POST', body: { email: email.toUpperCase() } }), 409, 'email_taken');
  assertError(await api(`/customers/${D.cust2}`, { method: 'PATCH', body: { email } }), 409, 'email_taken');
  const bad = await api('/customers', { method: 'POST', body: { email: 'not-an-email' } });
  assertError(bad, 422, 'validation_failed');
  assert.ok(bad.json.error.details.fields.email);
  const missing = await api('/customers', { method: 'POST', body: { first_name: 'x' } });
  assertError(missing, 422, 'validation_failed');
  assert.ok(missing.json.error.details.fields.email);

  const found = await api(`/customers?search=New${RUN}`);
  assert.equal(found.json.meta.total, 1);
  assert.equal(found.json.data[0].id, c.id);
  assert.equal((await api(`/customers?search=${encodeURIComponent(email)}`)).json.meta.total, 1);
  assert.equal((await api(`/customers?search=${encodeURIComponent('7946')}`)).json.data.some((x) => x.id === c.id), true);

  const upd = await api(`/customers/${c.id}`, { method: 'PATCH', body: { first_name: 'Norah', is_guest: false } });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.json.data.first_name, 'Norah');
  assert.equal(upd.json.data.is_guest, false);
  assert.equal(upd.json.data.email, email);
  assert.equal((await api(`/customers/${c.id}`)).json.data.first_name, 'Norah');
  assertError(await api('/customers/99999999'), 404, 'not_found');
  assertError(await api('/customers/99999999', { method: 'PATCH', body: { first_name: 'x' } }), 404, 'not_found');

  const del = await api(`/customers/${c.id}`, { method: 'DELETE' });
  assert.equal(del.status, 200, del.text);
  assertError(await api(`/customers/${c.id}`), 404, 'not_found');
});

test('customers: paging both ways with meta', async () => {
  const p1 = await api(`/customers?search=Zed${RUN}&per_page=2&page=1`);
  assert.equal(p1.status, 200, p1.text);
  assert.deepEqual(
    { total: p1.json.meta.total, page: p1.json.meta.page, per_page: p1.json.meta.per_page, total_pages: p1.json.meta.total_pages },
    { total: 5, page: 1, per_page: 2, total_pages: 3 },
  );
  const p3 = await api(`/customers?search=Zed${RUN}&per_page=2&page=3`);
  assert.equal(p3.json.data.length, 1);
  const seen = [];
  let cursor = null;
  for (let i = 0; i < 5; i++) {
    const r = await api(`/customers?search=Zed${RUN}&per_page=2${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...r.json.data.map((x) => x.id));
    cursor = r.json.meta.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), [D.cust1, D.cust2, D.cust3, D.cust4, D.cust5]);
  assertError(await api('/customers?cursor=garbage'), 422, 'validation_failed');
  assertError(await api('/customers?per_page=1000'), 422, 'validation_failed');
});

test('bookings: create makes order + order item + booking, with times, codes and an activity', async () => {
  const before = counts();
  const res = await book({ start_time: '10:00' });
  assert.equal(res.status, 201, res.text);
  const b = res.json.data;
  assert.equal(b.status, 'approved');
  assert.equal(b.start_date, DATE);
  assert.equal(b.start_time, '10:00');
  assert.equal(b.end_time, '11:00');
  assert.equal(b.duration, 60);
  assert.equal(b.buffer_after, 15);
  assert.equal(b.total_attendees, 1);
  assert.match(b.booking_code, /^[A-Z0-9]{7}$/, 'LatePoint\'s own code');
  assert.match(b.confirmation_code, /^[A-Z0-9]{7}$/);
  assert.match(b.start_datetime_utc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const tz = wpPhp(`echo wp_timezone_string();`);
  const expected = wpPhp(`echo (new DateTimeImmutable('${DATE} 10:00', wp_timezone()))->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\\\\TH:i:s\\\\Z');`);
  assert.equal(b.start_datetime_utc, expected, `timezone ${tz}`);
  const after = counts();
  assert.equal(after.bookings, before.bookings + 1);
  assert.equal(after.orders, before.orders + 1);
  assert.equal(after.order_items, before.order_items + 1);
  // LatePoint's listeners, as for its order form: the customer saved with the order, the booking, the order.
  assert.equal(after.activities, before.activities + 3);
  const [row] = sql(`SELECT b.*, oi.order_id, oi.item_data, oi.variant, o.customer_id AS order_customer, o.total FROM {p}bookings b JOIN {p}order_items oi ON oi.id = b.order_item_id JOIN {p}orders o ON o.id = oi.order_id WHERE b.id = ${b.id}`);
  assert.equal(Number(row.start_time), 600);
  assert.equal(Number(row.end_time), 660);
  assert.equal(row.variant, 'booking');
  assert.equal(Number(row.order_customer), D.cust1);
  assert.equal(row.total, '40.5000');
  const item = JSON.parse(row.item_data);
  assert.equal(item.id, b.id);
  assert.equal(item.start_time, 600);
  assert.equal(item.service_id, D.svc_cut);
  const [act, ...more] = sql(`SELECT * FROM {p}activities WHERE booking_id = ${b.id} AND code NOT IN ${PROCESS_CODES}`);
  assert.equal(act.code, 'booking_created');
  assert.deepEqual(more, [], 'one activity for the booking');
  assertApiAuthored(act);
  const got = await api(`/bookings/${b.id}`);
  assert.deepEqual(got.json.data, b);
});

test('bookings: a double booking is refused with 409 slot_unavailable (buffers included), nothing written', async () => {
  const first = await book({ start_time: '13:00', agent_id: D.agent2 });
  assert.equal(first.status, 201, first.text);
  const before = counts();
  assertError(await book({ start_time: '13:00', agent_id: D.agent2, customer_id: D.cust2 }), 409, 'slot_unavailable');
  assertError(await book({ start_time: '13:30', agent_id: D.agent2, customer_id: D.cust2 }), 409, 'slot_unavailable');
  // 14:00 collides with the 15-minute buffer after the 13:00–14:00 booking.
  assertError(await book({ start_time: '14:00', agent_id: D.agent2, customer_id: D.cust2 }), 409, 'slot_unavailable');
  // A different service of the same agent is blocked too.
  assertError(await book({ start_time: '12:30', agent_id: D.agent2, service_id: D.svc_class, status: 'approved' }), 409, 'slot_unavailable');
  assert.deepEqual(counts(), before);
  // 14:30 is free; so is the same time with the other agent.
  const later = await book({ start_time: '14:30', agent_id: D.agent2, customer_id: D.cust2 });
  assert.equal(later.status, 201, later.text);
  const other = await book({ start_time: '13:00', agent_id: D.agent1, customer_id: D.cust3 });
  assert.equal(other.status, 201, other.text);
  // A cancelled booking does not block.
  const cancel = await api(`/bookings/${other.json.data.id}`, { method: 'PATCH', body: { status: 'cancelled' } });
  assert.equal(cancel.status, 200, cancel.text);
  const again = await book({ start_time: '13:00', agent_id: D.agent1, customer_id: D.cust4 });
  assert.equal(again.status, 201, again.text);
});

test('bookings: capacity of a group service; service status override', async () => {
  const mk = (attendees, customer) => book({ service_id: D.svc_class, start_time: '08:00', status: 'approved', total_attendees: attendees, customer_id: customer });
  const a = await mk(2, D.cust1);
  assert.equal(a.status, 201, a.text);
  assert.equal((await mk(1, D.cust2)).status, 201);
  assertError(await mk(1, D.cust3), 409, 'slot_unavailable');
  const pending = await book({ service_id: D.svc_class, start_time: '16:00' });
  assert.equal(pending.status, 201, pending.text);
  assert.equal(pending.json.data.status, 'pending', 'override_default_booking_status of the service');
});

test('bookings: reschedule and status change re-check the slot, excluding the booking itself', async () => {
  const a = (await book({ start_time: '18:00', customer_id: D.cust5 })).json.data;
  const b = (await book({ start_time: '20:00', customer_id: D.cust5 })).json.data;
  // Moving onto itself, 30 min later: overlaps only itself → fine.
  const moved = await api(`/bookings/${a.id}`, { method: 'PATCH', body: { start_time: '18:30' } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.data.start_time, '18:30');
  assert.equal(moved.json.data.end_time, '19:30');
  assert.notEqual(moved.json.data.start_datetime_utc, a.start_datetime_utc);
  const [item] = sql(`SELECT item_data FROM {p}order_items WHERE id = ${a.order_item_id}`);
  assert.equal(JSON.parse(item.item_data).start_time, 1110);
  // Onto b: refused, nothing changed.
  assertError(await api(`/bookings/${a.id}`, { method: 'PATCH', body: { start_time: '20:00' } }), 409, 'slot_unavailable');
  assert.equal((await api(`/bookings/${a.id}`)).json.data.start_time, '18:30');
  // Move b to the other agent.
  const swap = await api(`/bookings/${b.id}`, { method: 'PATCH', body: { agent_id: D.agent2, start_date: DATE } });
  assert.equal(swap.status, 200, swap.text);
  assert.equal(swap.json.data.agent_id, D.agent2);
  const status = await api(`/bookings/${b.id}`, { method: 'PATCH', body: { status: 'completed' } });
  assert.equal(status.json.data.status, 'completed');
  assertError(await api(`/bookings/${b.id}`, { method: 'PATCH', body: { agent_id: 99999999 } }), 422, 'validation_failed');
  assertError(await api('/bookings/99999999', { method: 'PATCH', body: { status: 'approved' } }), 404, 'not_found');
  const acts = sql(`SELECT code FROM {p}activities WHERE booking_id = ${b.id} AND code NOT IN ${PROCESS_CODES} ORDER BY id`).map((r) => r.code);
  assert.deepEqual(acts, ['booking_created', 'booking_updated', 'booking_updated', 'booking_change_status']);
});

test('bookings: list sorted by start, filters, both paging styles', async () => {
  const res = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&per_page=100`);
  assert.equal(res.status, 200, res.text);
  const all = res.json.data;
  assert.ok(all.length >= 8, `only ${all.length}`);
  const keyOf = (x) => `${x.start_date} ${x.start_time} ${String(x.id).padStart(10, '0')}`;
  assert.deepEqual(all.map(keyOf), [...all.map(keyOf)].sort());
  const agent2 = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&agent_id=${D.agent2}&per_page=100`);
  assert.ok(agent2.json.data.length > 0 && agent2.json.data.every((x) => x.agent_id === D.agent2));
  const cancelled = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&status=cancelled`);
  assert.ok(cancelled.json.data.length >= 1 && cancelled.json.data.every((x) => x.status === 'cancelled'));
  const svc = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&service_id=${D.svc_class}&per_page=100`);
  assert.ok(svc.json.data.every((x) => x.service_id === D.svc_class));
  const cust = await api(`/bookings?customer_id=${D.cust5}&date_from=${DATE}`);
  assert.equal(cust.json.data.length, 2);
  const loc = await api(`/bookings?location_id=${D.loc}&date_from=${DATE}&date_to=${DATE}&per_page=100`);
  // (Other runs on this stack may have bookings on the same day elsewhere.)
  assert.equal(loc.json.meta.total, all.filter((x) => x.location_id === D.loc).length);
  assert.ok(loc.json.data.every((x) => x.location_id === D.loc));
  const none = await api(`/bookings?date_from=2099-01-01`);
  assert.equal(none.json.meta.total, 0);
  // page/per_page
  const p2 = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&per_page=3&page=2`);
  assert.equal(p2.json.meta.page, 2);
  assert.equal(p2.json.meta.total, all.length);
  assert.equal(p2.json.meta.total_pages, Math.ceil(all.length / 3));
  assert.deepEqual(p2.json.data.map((x) => x.id), all.slice(3, 6).map((x) => x.id));
  // cursor: walks the same order
  const walked = [];
  let cursor = null;
  do {
    const r = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&per_page=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    walked.push(...r.json.data.map((x) => x.id));
    cursor = r.json.meta.next_cursor;
  } while (cursor);
  assert.deepEqual(walked, all.map((x) => x.id));
  const bad = await api(`/bookings?status=nope&agent_id=abc&date_from=2024-02-30`);
  assertError(bad, 422, 'validation_failed');
  for (const f of ['status', 'agent_id', 'date_from']) assert.ok(bad.json.error.details.fields[f], `${f} in ${bad.text}`);
});

test('bookings: 422 details for missing, unknown and invalid fields; referenced ids', async () => {
  const before = counts();
  const missing = await api('/bookings', { method: 'POST', body: {} });
  assertError(missing, 422, 'validation_failed');
  for (const f of ['customer_id', 'service_id', 'agent_id', 'start_date', 'start_time']) assert.ok(missing.json.error.details.fields[f] !== undefined, `${f}: ${missing.text}`);
  const unknown = await book({ start_time: '09:00', price: 0, is_admin: true });
  assertError(unknown, 422, 'validation_failed');
  assert.deepEqual(Object.keys(unknown.json.error.details.fields).sort(), ['is_admin', 'price']);
  const types = await book({ start_time: 930, total_attendees: 'many', customer_id: 'x' });
  assertError(types, 422, 'validation_failed');
  for (const f of ['start_time', 'total_attendees', 'customer_id']) assert.ok(types.json.error.details.fields[f], f);
  for (const date of ['2031-02-30', '2031-13-01', '31-01-01', 'tomorrow', '2031-1-1']) {
    const r = await book({ start_date: date, start_time: '09:00' });
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields.start_date, date);
  }
  for (const time of ['24:00', '9:00', '09:60', '09:00:00']) {
    const r = await book({ start_time: time });
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields.start_time, time);
  }
  assertError(await book({ start_time: '23:30' }), 422, 'validation_failed'); // would end after midnight
  for (const [field, value] of [['customer_id', 99999999], ['service_id', 99999999], ['agent_id', 99999999], ['location_id', 99999999]]) {
    const r = await book({ start_time: '09:00', [field]: value });
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields[field], `${field}: ${r.text}`);
  }
  assertError(await api('/bookings/99999999'), 404, 'not_found');
  assertError(await api('/bookings/99999999', { method: 'DELETE' }), 404, 'not_found');
  assert.deepEqual(counts(), before);
});

test('bad input: huge and hostile bodies give 4xx with the envelope and change nothing', async () => {
  const before = counts();
  const big = 'x'.repeat(10 * 1024 * 1024);
  const r1 = await api('/bookings', { method: 'POST', body: { customer_id: D.cust1, service_id: D.svc_cut, agent_id: D.agent1, start_date: DATE, start_time: '09:00', customer_comment: big } });
  assert.ok(r1.status >= 400 && r1.status < 500, `${r1.status}`);
  assert.equal(r1.json?.status, 'error', r1.text.slice(0, 300));
  const r2 = await api('/customers', { method: 'POST', body: { email: `big.${RUN}@example.com`, notes: big } });
  assert.ok(r2.status >= 400 && r2.status < 500, `${r2.status}`);
  assert.equal(r2.json?.status, 'error');
  const r3 = await api('/customers', { method: 'POST', body: `{"email": "${big}"` });
  assert.ok(r3.status >= 400 && r3.status < 500, `${r3.status}`);
  assert.equal(r3.json?.status, 'error');
  const hostile = ["1' OR '1'='1", "1; DROP TABLE wp_latepoint_bookings; --", "' UNION SELECT password FROM wp_users --"];
  for (const s of hostile) {
    for (const res of [
      await book({ start_time: '09:00', start_date: s }),
      await book({ start_time: s }),
      await book({ start_time: '09:00', agent_id: s }),
      await book({ start_time: '09:00', status: s }),
      await api('/customers', { method: 'POST', body: { email: s } }),
      await api(`/bookings?status=${encodeURIComponent(s)}`),
      await api(`/bookings?date_from=${encodeURIComponent(s)}`),
      await api(`/bookings/${encodeURIComponent(s)}`),
    ]) {
      assert.ok(res.status >= 400 && res.status < 500, `${res.status} for ${s}: ${res.text.slice(0, 200)}`);
      assert.equal(res.json?.status, 'error');
    }
    const search = await api(`/customers?search=${encodeURIComponent(s)}`);
    assert.equal(search.status, 200);
    assert.equal(search.json.meta.total, 0);
  }
  for (const res of [
    await api('/bookings', { method: 'POST', body: '[1,2,3]' }),
    await api('/bookings', { method: 'POST', body: '"just a string"' }),
    await api('/bookings', { method: 'POST', body: '{not json' }),
    await book({ start_time: '09:00', total_attendees: 1e12 }),
    await book({ start_time: '09:00', customer_id: 1e40 }),
    await book({ start_time: '09:00', customer_id: -1 }),
    await book({ start_time: '09:00', customer_id: { $gt: 0 } }),
    await api('/customers', { method: 'POST', body: { email: `ok.${RUN}@example.com`, is_guest: 'perhaps' } }),
    await api('/customers', { method: 'POST', body: { email: `ok.${RUN}@example.com`, first_name: ['a'] } }),
  ]) {
    assert.ok(res.status >= 400 && res.status < 500, `${res.status}: ${res.text.slice(0, 200)}`);
    assert.equal(res.json?.status, 'error', res.text.slice(0, 200));
  }
  assert.deepEqual(counts(), before);
  assert.equal(sql(`SELECT COUNT(*) AS n FROM {p}bookings`)[0].n, String(before.bookings), 'bookings table still there');
});

test('a create that fails half-way leaves nothing written (transaction rolled back)', async () => {
  // Make a write in the middle of a create (the order item, after the order) fail by hiding its table.
  const before = counts();
  wpPhp(`global $wpdb; $wpdb->query("RENAME TABLE {$wpdb->prefix}latepoint_order_items TO {$wpdb->prefix}latepoint_order_items_hidden");`);
  let res;
  try {
    res = await book({ start_time: '06:00', customer_id: D.cust3 });
  } finally {
    wpPhp(`global $wpdb; $wpdb->query("RENAME TABLE {$wpdb->prefix}latepoint_order_items_hidden TO {$wpdb->prefix}latepoint_order_items");`);
  }
  assert.ok(res.status >= 500 && res.status < 600, `${res.status}: ${res.text.slice(0, 200)}`);
  assert.equal(res.json?.status, 'error');
  assert.deepEqual(counts(), before);
  // Works again once the table is back.
  const ok = await book({ start_time: '06:00', customer_id: D.cust3 });
  assert.equal(ok.status, 201, ok.text);
});

test('a new location is made ("Main Location") only when none exists; otherwise the default is used', async () => {
  const res = await api('/bookings', { method: 'POST', body: { customer_id: D.cust4, service_id: D.svc_cut, agent_id: D.agent1, start_date: DATE, start_time: '02:00' } });
  assert.equal(res.status, 201, res.text);
  assert.ok(res.json.data.location_id > 0);
  const [loc] = sql(`SELECT id FROM {p}locations WHERE id = ${res.json.data.location_id}`);
  assert.ok(loc);
});

test('customer with bookings: delete refused with 409; booking delete removes booking, item and empty order', async () => {
  const c = (await api('/customers', { method: 'POST', body: { email: `del.${RUN}@example.com`, first_name: 'Del', last_name: `Zed${RUN}` } })).json.data;
  const made = await book({ start_time: '00:30', customer_id: c.id });
  assert.equal(made.status, 201, made.text);
  const b = made.json.data;
  const before = counts();
  assertError(await api(`/customers/${c.id}`, { method: 'DELETE' }), 409, 'customer_has_bookings');
  assert.deepEqual(counts(), before);
  const del = await api(`/bookings/${b.id}`, { method: 'DELETE' });
  assert.equal(del.status, 200, del.text);
  const after = counts();
  assert.equal(after.bookings, before.bookings - 1);
  assert.equal(after.order_items, before.order_items - 1);
  assert.equal(after.orders, before.orders - 1);
  // As LatePoint's "Delete order" for an order of one booking: LatePoint writes no activity.
  assert.equal(after.activities, before.activities);
  assertError(await api(`/bookings/${b.id}`), 404, 'not_found');
  const gone = await api(`/customers/${c.id}`, { method: 'DELETE' });
  assert.equal(gone.status, 200, gone.text);
});

test('hooks: lpapi_* actions fire with the booking', async () => {
  // The hooks run in PHP; check them by calling the data layer in the site's PHP.
  const out = wpPhp(`$seen = []; add_action('lpapi_booking_created', function ($b) use (&$seen) { $seen[] = 'created:' . $b['start_time']; });
add_action('lpapi_booking_updated', function ($b, $old) use (&$seen) { $seen[] = 'updated:' . $old['start_time'] . '>' . $b['start_time']; }, 10, 2);
add_action('latepoint_booking_will_be_deleted', function ($id) use (&$seen) { $seen[] = 'will_delete'; });
add_action('lpapi_booking_deleted', function ($b) use (&$seen) { $seen[] = 'deleted'; });
$b = LatePointApi\\LatePoint\\Booking_Writes::create(['customer_id' => ${D.cust2}, 'service_id' => ${D.svc_cut}, 'agent_id' => ${D.agent1}, 'location_id' => ${D.loc}, 'start_date' => '${DATE}', 'start_time' => '04:00']);
LatePointApi\\LatePoint\\Booking_Writes::update($b['id'], ['start_time' => '04:30']);
LatePointApi\\LatePoint\\Booking_Writes::delete($b['id']);
echo implode(',', $seen);`);
  assert.equal(out.trim(), 'created:04:00,updated:04:00>04:30,will_delete,deleted');
});
