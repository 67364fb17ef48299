// Customers' custom fields, stats and updated_since; services' filters, embeds and formatted prices;
// GET /agents/availability. Over real HTTP, on a run-unique dataset, so the file can run again on the
// same stack. LatePoint settings the file changes are put back in `after`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, ROOT, assertError } from './stack.mjs';

const FIXTURE = `${ROOT}/scripts/stack/latepoint-fixture.php`;
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const CF = { company: `cf_co${RUN}`.slice(0, 30), plan: `cf_pl${RUN}`.slice(0, 30) };
const SETTINGS = ['custom_fields_for_customer', 'decimal_separator', 'thousand_separator', 'number_of_decimals', 'currency_symbol_before', 'currency_symbol_after'];
const dayOffset = 500 + Math.floor(Math.random() * 20000);
const DATE = new Date(Date.UTC(2031, 0, 1) + dayOffset * 86400000).toISOString().slice(0, 10);
let D;
let savedSettings;
const keys = {};

const php = (code) => JSON.parse(wpPhp(`global $wpdb; $p = $wpdb->prefix . 'latepoint_'; ${code}`));
const lit = (v) => JSON.stringify(v).replace(/\$/g, '\\$');

/** Replaces LatePoint settings (null removes one). */
function setSettings(values) {
  php(`foreach (json_decode(${lit(JSON.stringify(values))}, true) as $n => $v) { $wpdb->delete($p . 'settings', ['name' => $n]); if (null !== $v) { $wpdb->insert($p . 'settings', ['name' => $n, 'value' => $v]); } } echo 1;`);
}

before(async () => {
  D = php(`require ${lit(FIXTURE)}; LatePointApi\\Fixture\\create_latepoint_tables();
$r = ${lit(RUN)}; $now = current_time('mysql');
$ins = function ($t, $row) use ($wpdb, $p, $now) { $wpdb->insert($p . $t, $row + ['created_at' => $now, 'updated_at' => $now]); return (int) $wpdb->insert_id; };
$d = [];
$d['cat'] = $ins('service_categories', ['name' => "Hair $r", 'short_description' => 'Cuts', 'order_number' => 3]);
$d['a1'] = $ins('agents', ['first_name' => "Ann$r", 'last_name' => 'A', 'email' => "ann$r@example.com", 'status' => 'active', 'password' => 'hash']);
$d['a2'] = $ins('agents', ['first_name' => "Bea$r", 'last_name' => 'B', 'email' => "bea$r@example.com", 'status' => 'active']);
$d['a3'] = $ins('agents', ['first_name' => "Cal$r", 'last_name' => 'C', 'email' => "cal$r@example.com", 'status' => 'active']);
$d['l1'] = $ins('locations', ['name' => "North $r", 'status' => 'active', 'order_number' => 2]);
$d['l2'] = $ins('locations', ['name' => "South $r", 'status' => 'active', 'order_number' => 1]);
$d['s1'] = $ins('services', ['name' => "Cut $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 1, 'is_price_variable' => 1, 'price_min' => '1234.5000', 'price_max' => '2000.0000', 'charge_amount' => '40.0000', 'status' => 'active', 'visibility' => 'visible', 'category_id' => $d['cat']]);
$d['s2'] = $ins('services', ['name' => "Dye $r", 'duration' => 30, 'buffer_before' => 0, 'buffer_after' => 0, 'capacity_min' => 1, 'capacity_max' => 2, 'price_min' => '40.0000', 'price_max' => '40.0000', 'status' => 'active', 'visibility' => 'visible']);
$d['s3'] = $ins('services', ['name' => "Free $r", 'duration' => 30, 'buffer_before' => 0, 'buffer_after' => 0, 'price_min' => '0.0000', 'status' => 'active', 'visibility' => 'visible', 'category_id' => $d['cat']]);
// s1: a1 at l1 and l2, a2 at l1; s2: a2 at l2; s3: nobody.
foreach ([['a1', 's1', 'l1'], ['a1', 's1', 'l2'], ['a2', 's1', 'l1'], ['a2', 's2', 'l2']] as list($a, $s, $l)) { $ins('agents_services', ['agent_id' => $d[$a], 'service_id' => $d[$s], 'location_id' => $d[$l]]); }
foreach (['a1', 'a2', 'a3'] as $a) { for ($day = 1; $day <= 7; $day++) { $ins('work_periods', ['agent_id' => $d[$a], 'service_id' => 0, 'location_id' => 0, 'start_time' => 540, 'end_time' => 1020, 'week_day' => $day]); } }
$d['c1'] = $ins('customers', ['first_name' => "Stat$r", 'last_name' => 'One', 'email' => "stat1.$r@example.com", 'status' => 'active', 'is_guest' => 1]);
$d['c2'] = $ins('customers', ['first_name' => "Stat$r", 'last_name' => 'Two', 'email' => "stat2.$r@example.com", 'status' => 'active', 'is_guest' => 1]);
echo json_encode($d);`);
  savedSettings = php(`$o = []; foreach (json_decode(${lit(JSON.stringify(SETTINGS))}, true) as $n) { $o[$n] = $wpdb->get_var($wpdb->prepare("SELECT value FROM {$p}settings WHERE name = %s ORDER BY id ASC LIMIT 1", $n)); } echo json_encode($o);`);
  setSettings({
    custom_fields_for_customer: JSON.stringify({
      [CF.company]: { id: CF.company, label: 'Company', type: 'text', required: 'off' },
      [CF.plan]: { id: CF.plan, label: 'Plan', type: 'select', options: 'Basic\nPro', required: 'on' },
    }),
    decimal_separator: ',',
    thousand_separator: '.',
    number_of_decimals: '2',
    currency_symbol_before: '€ ',
    currency_symbol_after: null,
  });
  const limits = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
  const all = ['customers:read', 'customers:create', 'customers:update', 'customers:delete', 'agents:read', 'services:read', 'locations:read', 'availability:read', 'bookings:read'];
  keys.full = (await createKey({ name: `cc full ${RUN}`, permissions: all, ...limits })).key;
  keys.services = (await createKey({ name: `cc services ${RUN}`, permissions: ['services:read'], ...limits })).key;
  keys.noLocations = (await createKey({ name: `cc nolocations ${RUN}`, permissions: ['services:read', 'agents:read'], ...limits })).key;
  keys.availability = (await createKey({ name: `cc availability ${RUN}`, permissions: ['availability:read'], ...limits })).key;
  keys.customersRead = (await createKey({ name: `cc customers ro ${RUN}`, permissions: ['customers:read'], ...limits })).key;
});

after(() => {
  if (savedSettings) setSettings(savedSettings);
});

const api = (path, opts = {}) => request(path, { key: keys.full, ...opts });
const meta = (customerId) => php(`echo json_encode($wpdb->get_results($wpdb->prepare("SELECT meta_key, meta_value FROM {$p}customer_meta WHERE object_id = %d ORDER BY id", ${Number(customerId)}), ARRAY_A));`);

// ---- customers: custom fields ---------------------------------------------------------------------

test('custom fields: every defined field is in the record (null when unset), stored as customer meta', async () => {
  const res = await api('/customers', { method: 'POST', body: { first_name: 'Cf', last_name: RUN, email: `cf.${RUN}@example.com`, custom_fields: { [CF.company]: 'Acme <b>Ltd</b>' } } });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.data.custom_fields, { [CF.company]: 'Acme Ltd', [CF.plan]: null });
  const id = res.json.data.id;
  assert.deepEqual(meta(id), [{ meta_key: CF.company, meta_value: 'Acme Ltd' }]);

  const patched = await api(`/customers/${id}`, { method: 'PATCH', body: { custom_fields: { [CF.plan]: 'Pro', [CF.company]: null } } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.json.data.custom_fields, { [CF.company]: null, [CF.plan]: 'Pro' });
  assert.deepEqual(meta(id), [{ meta_key: CF.plan, meta_value: 'Pro' }]);
  // A select takes one of its options (exactly, case included); nothing is stored otherwise.
  for (const bad of ['Gold', 'pro', ' Pro']) {
    const r = await api(`/customers/${id}`, { method: 'PATCH', body: { custom_fields: { [CF.plan]: bad, [CF.company]: 'Not stored' } } });
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.details.fields[`custom_fields.${CF.plan}`], /Basic, Pro/);
    assert.deepEqual((await api(`/customers/${id}`)).json.data.custom_fields, { [CF.company]: null, [CF.plan]: 'Pro' });
  }
  const numeric = await api(`/customers/${id}`, { method: 'PATCH', body: { custom_fields: { [CF.company]: 42, [CF.plan]: '' } } });
  assert.deepEqual(numeric.json.data.custom_fields, { [CF.company]: '42', [CF.plan]: null });

  const got = await request(`/customers/${id}`, { key: keys.customersRead });
  assert.deepEqual(got.json.data.custom_fields, { [CF.company]: '42', [CF.plan]: null });
  const listed = await api(`/customers?search=${encodeURIComponent(`cf.${RUN}`)}`);
  assert.deepEqual(listed.json.data[0].custom_fields, { [CF.company]: '42', [CF.plan]: null });
  // Meta that is not a defined field is never shown.
  php(`$wpdb->insert($p . 'customer_meta', ['object_id' => ${id}, 'meta_key' => 'timezone_name', 'meta_value' => 'Europe/Paris']); echo 1;`);
  assert.deepEqual(Object.keys((await api(`/customers/${id}`)).json.data.custom_fields).sort(), [CF.company, CF.plan].sort());
});

test('custom fields: unknown fields, wrong types and huge values are 422 and nothing is stored', async () => {
  const count = () => php(`echo (int) $wpdb->get_var("SELECT COUNT(*) FROM {$p}customers");`);
  const before = count();
  const email = `cfbad.${RUN}@example.com`;
  let res = await api('/customers', { method: 'POST', body: { first_name: 'X', last_name: 'Y', email, custom_fields: { cf_nope: 'x', [CF.company]: 'ok' } } });
  assertError(res, 422, 'validation_failed');
  assert.deepEqual(Object.keys(res.json.error.details.fields), ['custom_fields.cf_nope']);
  assert.equal(count(), before);
  for (const [body, field] of [
    [{ custom_fields: { [CF.company]: ['a'] } }, `custom_fields.${CF.company}`],
    [{ custom_fields: { [CF.company]: { a: 1 } } }, `custom_fields.${CF.company}`],
    [{ custom_fields: { [CF.company]: true } }, `custom_fields.${CF.company}`],
    [{ custom_fields: { [CF.company]: 'x'.repeat(10001) } }, `custom_fields.${CF.company}`],
    [{ custom_fields: ['a'] }, 'custom_fields'],
  ]) {
    res = await api('/customers', { method: 'POST', body: { first_name: 'X', last_name: 'Y', email, ...body } });
    assertError(res, 422, 'validation_failed');
    assert.ok(field in res.json.error.details.fields, `${field} in ${JSON.stringify(res.json.error.details)}`);
  }
  res = await api('/customers', { method: 'POST', body: { first_name: 'X', last_name: 'Y', email, custom_fields: 'text' } });
  assertError(res, 422, 'validation_failed');
  assert.equal(count(), before);
  // On a change, too: the customer stays as it was.
  const id = D.c2;
  const was = (await api(`/customers/${id}`)).json.data;
  res = await api(`/customers/${id}`, { method: 'PATCH', body: { first_name: 'Changed', custom_fields: { [CF.company]: 'x', ['cf_' + 'z'.repeat(300)]: 'y' } } });
  assertError(res, 422, 'validation_failed');
  const now = (await api(`/customers/${id}`)).json.data;
  assert.equal(now.first_name, was.first_name);
  assert.deepEqual(meta(id), []);
});

test('a field removed from the definitions is no longer readable or writable', async () => {
  const res = await api(`/customers/${D.c1}`, { method: 'PATCH', body: { custom_fields: { [CF.plan]: 'Basic' } } });
  assert.equal(res.status, 200, res.text);
  const defs = php(`echo json_encode($wpdb->get_var("SELECT value FROM {$p}settings WHERE name = 'custom_fields_for_customer'"));`);
  setSettings({ custom_fields_for_customer: JSON.stringify({ [CF.company]: JSON.parse(defs)[CF.company] }) });
  try {
    assert.deepEqual((await api(`/customers/${D.c1}`)).json.data.custom_fields, { [CF.company]: null });
    assertError(await api(`/customers/${D.c1}`, { method: 'PATCH', body: { custom_fields: { [CF.plan]: 'Pro' } } }), 422, 'validation_failed');
  } finally {
    setSettings({ custom_fields_for_customer: defs });
  }
  assert.deepEqual(meta(D.c1), [{ meta_key: CF.plan, meta_value: 'Basic' }]);
});

// ---- customers: stats --------------------------------------------------------------------------------

test('stats: bookings count, next and last booking (not cancelled), total paid (succeeded transactions)', async () => {
  const ids = php(`$now = current_time('mysql'); $c = ${D.c1};
$b = function ($date, $time, $status) use ($wpdb, $p, $c, $now) { $wpdb->insert($p . 'bookings', ['booking_code' => substr(md5(uniqid('', true)), 0, 7), 'start_date' => $date, 'end_date' => $date, 'start_time' => $time, 'end_time' => $time + 60, 'start_datetime_utc' => get_gmt_from_date(sprintf('%s %02d:%02d:00', $date, intdiv($time, 60), $time % 60)), 'end_datetime_utc' => get_gmt_from_date(sprintf('%s %02d:%02d:00', $date, intdiv($time + 60, 60), ($time + 60) % 60)), 'buffer_before' => 0, 'buffer_after' => 0, 'duration' => 60, 'status' => $status, 'customer_id' => $c, 'service_id' => ${D.s1}, 'agent_id' => ${D.a1}, 'location_id' => ${D.l1}, 'total_attendees' => 1, 'created_at' => $now, 'updated_at' => $now]); return (int) $wpdb->insert_id; };
$o = [];
$o['old'] = $b('2020-03-01', 600, 'approved');
$o['older'] = $b('2019-03-01', 600, 'approved');
$o['past_cancelled'] = $b('2021-03-01', 600, 'cancelled');
$o['future'] = $b('2035-05-01', 660, 'pending');
$o['later'] = $b('2036-05-01', 600, 'approved');
$o['soon_cancelled'] = $b('2030-01-01', 600, 'cancelled');
$t = function ($amount, $status, $customer) use ($wpdb, $p, $now) { $wpdb->insert($p . 'transactions', ['customer_id' => $customer, 'order_id' => 0, 'status' => $status, 'amount' => $amount, 'kind' => 'capture', 'processor' => 'api', 'payment_method' => 'cash', 'created_at' => $now, 'updated_at' => $now]); };
$t('1000.5000', 'succeeded', $c); $t('250.2500', 'succeeded', $c); $t('99.0000', 'failed', $c); $t('7.0000', 'processing', $c); $t('5.0000', 'succeeded', ${D.c2});
echo json_encode($o);`);
  const res = await api(`/customers/${D.c1}`);
  const s = res.json.data.stats;
  assert.equal(s.bookings_count, 6);
  assert.equal(s.next_booking.id, ids.future);
  assert.deepEqual(
    { date: s.next_booking.start_date, time: s.next_booking.start_time, status: s.next_booking.status, service: s.next_booking.service_id },
    { date: '2035-05-01', time: '11:00', status: 'pending', service: D.s1 },
  );
  assert.match(s.next_booking.start_datetime_utc, /^2035-05-01T\d\d:00:00Z$/);
  assert.equal(s.last_booking.id, ids.old);
  assert.equal(s.total_paid, '1250.7500');
  assert.equal(s.total_paid_formatted, '€ 1.250,75');
  const other = (await api(`/customers/${D.c2}`)).json.data.stats;
  assert.deepEqual({ ...other }, { bookings_count: 0, next_booking: null, last_booking: null, total_paid: '5.0000', total_paid_formatted: '€ 5' });
  // The list carries the same stats.
  const listed = await api(`/customers?search=${encodeURIComponent(`stat1.${RUN}`)}`);
  assert.deepEqual(listed.json.data[0].stats, s);
});

// ---- customers: updated_since -----------------------------------------------------------------------

test('updated_since: (updated_at, id) order, page and cursor paging, ties, total', async () => {
  const made = php(`$ids = []; $times = ['2098-01-01 10:00:00', '2098-01-01 09:00:00', '2098-01-01 10:00:00', '2098-01-02 00:00:00', '2098-01-01 10:00:00', '2097-12-31 23:59:59'];
foreach ($times as $i => $t) { $wpdb->insert($p . 'customers', ['first_name' => "Since$i", 'last_name' => ${lit(RUN)}, 'email' => "since$i." . ${lit(RUN)} . '@example.com', 'status' => 'active', 'is_guest' => 1, 'created_at' => $t, 'updated_at' => $t]); $ids[] = (int) $wpdb->insert_id; }
echo json_encode($ids);`);
  const expected = [made[1], made[0], made[2], made[4], made[3]];
  const q = `updated_since=2098-01-01T00:00:00&search=${RUN}`;
  const first = await api(`/customers?${q}&per_page=2`);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.meta.total, 5);
  assert.equal(first.json.meta.total_pages, 3);
  assert.deepEqual(first.json.data.map((c) => c.id), expected.slice(0, 2));
  let got = first.json.data.map((c) => c.id);
  let cursor = first.json.meta.next_cursor;
  // A customer added at an earlier time meanwhile does not shift cursor paging.
  php(`$wpdb->insert($p . 'customers', ['first_name' => 'SinceLate', 'last_name' => ${lit(RUN)}, 'email' => 'sincelate.' . ${lit(RUN)} . '@example.com', 'status' => 'active', 'is_guest' => 1, 'created_at' => '2098-01-01 08:00:00', 'updated_at' => '2098-01-01 08:00:00']); echo 1;`);
  while (cursor) {
    const page = await api(`/customers?${q}&per_page=2&cursor=${cursor}`);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.meta.page, 1);
    got = got.concat(page.json.data.map((c) => c.id));
    cursor = page.json.meta.next_cursor;
  }
  assert.deepEqual(got, expected);
  const byPage = await api(`/customers?${q}&per_page=2&page=3`);
  assert.deepEqual(byPage.json.data.map((c) => c.id), [expected[3], expected[4]]);
  assert.equal(byPage.json.meta.next_cursor, null);
  // A later date-time (site time), and a date alone (its midnight).
  const utc = await api(`/customers?updated_since=${encodeURIComponent('2098-01-01T10:00:00')}&search=${RUN}`);
  assert.deepEqual(utc.json.data.map((c) => c.id), [made[0], made[2], made[4], made[3]]);
  const dateOnly = await api(`/customers?updated_since=2098-01-02&search=${RUN}`);
  assert.deepEqual(dateOnly.json.data.map((c) => c.id), [made[3]]);
  // Changing a customer moves it to the end.
  const patched = await api(`/customers/${made[5]}`, { method: 'PATCH', body: { notes: 'changed' } });
  assert.equal(patched.status, 200, patched.text);
  const recent = await api(`/customers?updated_since=${encodeURIComponent(patched.json.data.updated_at)}&search=${RUN}`);
  assert.ok(recent.json.data.map((c) => c.id).includes(made[5]));
});

test('updated_since: bad values and foreign cursors are 422', async () => {
  for (const v of ['yesterday', '2098-13-01', '2098-02-30T00:00:00', '2098-01-01T25:00:00', 'x'.repeat(41), '2098-01-01T10:00:00+99:99']) {
    const res = await api(`/customers?updated_since=${encodeURIComponent(v)}`);
    assertError(res, 422, 'validation_failed');
    assert.ok('updated_since' in res.json.error.details.fields, v);
  }
  const plain = await api('/customers?per_page=1');
  for (const c of ['nope', plain.json.meta.next_cursor, Buffer.from('{"u":"2098-01-01 00:00:00","a":-1}').toString('base64url'), Buffer.from('{"u":"drop table","a":1}').toString('base64url')]) {
    const res = await api(`/customers?updated_since=2098-01-01&cursor=${encodeURIComponent(c)}`);
    assertError(res, 422, 'validation_failed');
    assert.ok('cursor' in res.json.error.details.fields);
  }
  assertError(await api(`/customers?updated_since=2098-01-01&per_page=101`), 422, 'validation_failed');
  assertError(await request('/customers?updated_since=2098-01-01', { key: keys.services }), 403, 'insufficient_permissions');
});

// ---- services ------------------------------------------------------------------------------------------

test('services: agent_id, location_id and category_id filters', async () => {
  const ids = async (q) => {
    const res = await request(`/services?status=any&per_page=100&${q}`, { key: keys.services });
    assert.equal(res.status, 200, res.text);
    return res.json.data.map((s) => s.id).filter((id) => [D.s1, D.s2, D.s3].includes(id));
  };
  assert.deepEqual(await ids(`agent_id=${D.a1}`), [D.s1]);
  assert.deepEqual(await ids(`agent_id=${D.a2}`), [D.s1, D.s2]);
  assert.deepEqual(await ids(`agent_id=${D.a3}`), []);
  assert.deepEqual(await ids(`location_id=${D.l2}`), [D.s1, D.s2]);
  assert.deepEqual(await ids(`location_id=${D.l1}`), [D.s1]);
  assert.deepEqual(await ids(`agent_id=${D.a2}&location_id=${D.l2}`), [D.s2]);
  assert.deepEqual(await ids(`category_id=${D.cat}`), [D.s1, D.s3]);
  assert.deepEqual(await ids(`category_id=${D.cat}&agent_id=${D.a1}`), [D.s1]);
  const counted = await request(`/services?agent_id=${D.a2}`, { key: keys.services });
  assert.equal(counted.json.meta.total, 2);
  for (const q of ['agent_id=abc', 'location_id=0', 'agent_id=99999999999', 'category_id=-1']) {
    assertError(await request(`/services?${q}`, { key: keys.services }), 422, 'validation_failed');
  }
});

test('services: include=agents,locations,category embeds, with paging', async () => {
  const res = await api(`/services?agent_id=${D.a2}&include=agents,locations,category&per_page=1`);
  assert.equal(res.status, 200, res.text);
  const s1 = res.json.data[0];
  assert.equal(s1.id, D.s1);
  assert.deepEqual(s1.agents.map((a) => a.id), [D.a1, D.a2]);
  assert.equal(s1.agents[0].first_name, `Ann${RUN}`);
  assert.ok(!('password' in s1.agents[0]));
  assert.deepEqual(s1.locations.map((l) => l.id), [D.l2, D.l1]); // by order_number
  assert.equal(s1.locations[0].name, `South ${RUN}`);
  assert.deepEqual(s1.category, { id: D.cat, name: `Hair ${RUN}`, short_description: 'Cuts', parent_id: null, order_number: 3 });
  const next = await api(`/services?agent_id=${D.a2}&include=agents,locations,category&per_page=1&cursor=${res.json.meta.next_cursor}`);
  const s2 = next.json.data[0];
  assert.equal(s2.id, D.s2);
  assert.deepEqual(s2.agents.map((a) => a.id), [D.a2]);
  assert.deepEqual(s2.locations.map((l) => l.id), [D.l2]);
  assert.equal(s2.category, null);
  const one = await api(`/services/${D.s3}?include=category,agents`);
  assert.deepEqual(one.json.data.agents, []);
  assert.equal(one.json.data.category.id, D.cat);
  assert.ok(!('locations' in one.json.data));
  const plain = await api(`/services/${D.s3}`);
  assert.ok(!('agents' in plain.json.data) && !('category' in plain.json.data));
});

test('services: each embed needs its permission; bad include values are 422', async () => {
  const denied = await request(`/services?include=agents`, { key: keys.services });
  assertError(denied, 403, 'insufficient_permissions');
  assert.equal(denied.json.error.details.required_permission, 'agents:read');
  const noLoc = await request(`/services/${D.s1}?include=category,locations`, { key: keys.noLocations });
  assertError(noLoc, 403, 'insufficient_permissions');
  assert.equal(noLoc.json.error.details.required_permission, 'locations:read');
  assert.equal((await request(`/services/${D.s1}?include=category`, { key: keys.services })).status, 200);
  assert.equal((await request(`/services/${D.s1}?include=agents,category`, { key: keys.noLocations })).status, 200);
  for (const inc of ['bookings', 'agents,', 'agents;locations', 'x'.repeat(101), '']) {
    const res = await api(`/services?include=${encodeURIComponent(inc)}`);
    assertError(res, 422, 'validation_failed');
    assert.ok('include' in res.json.error.details.fields, JSON.stringify(inc));
  }
});

test('services: prices as LatePoint shows them (its settings: symbol, separators, decimals)', async () => {
  const get = async (id) => (await request(`/services/${id}`, { key: keys.services })).json.data;
  const s1 = await get(D.s1);
  assert.equal(s1.price_min, '1234.5000');
  assert.deepEqual(s1.prices_formatted, { price_min: '€ 1.234,50', price_max: '€ 2.000', charge_amount: '€ 40', deposit_amount: null, display: '€ 1.234,50', is_starting_price: true });
  const s2 = await get(D.s2);
  assert.deepEqual({ d: s2.prices_formatted.display, s: s2.prices_formatted.is_starting_price }, { d: '€ 40', s: false });
  const s3 = await get(D.s3);
  assert.deepEqual({ d: s3.prices_formatted.display, min: s3.prices_formatted.price_min }, { d: null, min: '€ 0' });
  setSettings({ decimal_separator: null, thousand_separator: null, number_of_decimals: '3', currency_symbol_before: null, currency_symbol_after: ' kr' });
  try {
    const again = await get(D.s1);
    assert.deepEqual(again.prices_formatted.price_min, '$1,234.500 kr');
    assert.deepEqual(again.prices_formatted.price_max, '$2,000 kr');
  } finally {
    setSettings({ decimal_separator: ',', thousand_separator: '.', number_of_decimals: '2', currency_symbol_before: '€ ', currency_symbol_after: null });
  }
});

// ---- GET /agents/availability ------------------------------------------------------------------------

test('agents/availability: the agents /availability offers at that start', async () => {
  const res = await request(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=10:00`, { key: keys.availability });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data.map((f) => [f.agent_id, f.location_id]), [[D.a1, D.l1], [D.a1, D.l2], [D.a2, D.l1]]);
  assert.deepEqual(res.json.meta.agent_ids, [D.a1, D.a2]);
  assert.equal(res.json.meta.count, 3);
  assert.equal(res.json.data[0].start_time, '10:00');
  assert.equal(res.json.data[0].end_time, '11:00');
  const slots = await request(`/availability?service_id=${D.s1}&date_from=${DATE}&date_to=${DATE}`, { key: keys.availability });
  const expected = slots.json.data.filter((s) => s.start_time === '10:00');
  assert.deepEqual(res.json.data, expected);
  // Not a start of the slot grid (interval 60 from 09:00), outside hours: nobody.
  for (const t of ['10:30', '08:00', '17:00']) {
    const none = await request(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=${t}`, { key: keys.availability });
    assert.deepEqual(none.json.data, [], t);
  }
  const loc = await request(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=10:00&location_id=${D.l2}`, { key: keys.availability });
  assert.deepEqual(loc.json.data.map((f) => f.agent_id), [D.a1]);
});

test('agents/availability: a booking takes its agent out; capacity and attendees', async () => {
  php(`$now = current_time('mysql'); $wpdb->insert($p . 'bookings', ['booking_code' => substr(md5(uniqid('', true)), 0, 7), 'start_date' => ${lit(DATE)}, 'end_date' => ${lit(DATE)}, 'start_time' => 720, 'end_time' => 780, 'start_datetime_utc' => get_gmt_from_date(${lit(DATE)} . ' 12:00:00'), 'end_datetime_utc' => get_gmt_from_date(${lit(DATE)} . ' 13:00:00'), 'buffer_before' => 0, 'buffer_after' => 0, 'duration' => 60, 'status' => 'approved', 'customer_id' => ${D.c2}, 'service_id' => ${D.s1}, 'agent_id' => ${D.a1}, 'location_id' => ${D.l1}, 'total_attendees' => 1, 'created_at' => $now, 'updated_at' => $now]); echo 1;`);
  const res = await request(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=12:00`, { key: keys.availability });
  // Ann is busy at North at noon; LatePoint's default lets her be booked elsewhere only when one_location_at_time is off.
  const slots = await request(`/availability?service_id=${D.s1}&date_from=${DATE}&date_to=${DATE}`, { key: keys.availability });
  assert.deepEqual(res.json.data, slots.json.data.filter((s) => s.start_time === '12:00'));
  assert.ok(!res.json.data.some((f) => f.agent_id === D.a1 && f.location_id === D.l1));
  assert.ok(res.json.data.some((f) => f.agent_id === D.a2));
  const two = await request(`/agents/availability?service_id=${D.s2}&date=${DATE}&time=12:00&attendees=2`, { key: keys.availability });
  assert.deepEqual(two.json.data.map((f) => [f.agent_id, f.capacity_left]), [[D.a2, 2]]);
  assertError(await request(`/agents/availability?service_id=${D.s2}&date=${DATE}&time=12:00&attendees=3`, { key: keys.availability }), 422, 'validation_failed');
});

test('agents/availability: include=agent embeds agents and needs agents:read', async () => {
  const res = await api(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=10:00&include=agent`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data[0].agent.id, D.a1);
  assert.equal(res.json.data[0].agent.first_name, `Ann${RUN}`);
  assert.ok(!('password' in res.json.data[0].agent));
  const denied = await request(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=10:00&include=agent`, { key: keys.availability });
  assertError(denied, 403, 'insufficient_permissions');
  assert.equal(denied.json.error.details.required_permission, 'agents:read');
  assertError(await request(`/agents/availability?service_id=${D.s1}&date=${DATE}&time=10:00`, { key: keys.services }), 403, 'insufficient_permissions');
});

test('agents/availability: bad input is 422, unknown service 404', async () => {
  const base = `service_id=${D.s1}&date=${DATE}&time=10:00`;
  const bad = [
    [`date=${DATE}&time=10:00`, 'service_id'],
    [`service_id=${D.s1}&time=10:00`, 'date'],
    [`service_id=${D.s1}&date=${DATE}`, 'time'],
    [`${base.replace('10:00', '24:00')}`, 'time'],
    [`${base.replace('10:00', '9:00')}`, 'time'],
    [`${base.replace(DATE, '2031-02-30')}`, 'date'],
    [`${base.replace(DATE, 'x'.repeat(5000))}`, 'date'],
    [`${base}&attendees=0`, 'attendees'],
    [`${base}&attendees=99999999999999`, 'attendees'],
    [`${base}&location_id=abc`, 'location_id'],
    [`${base}&include=agents`, 'include'],
    [`service_id=99999999999&date=${DATE}&time=10:00`, 'service_id'],
  ];
  for (const [q, field] of bad) {
    const res = await request(`/agents/availability?${q}`, { key: keys.availability });
    assertError(res, 422, 'validation_failed');
    assert.ok(field in res.json.error.details.fields, `${q}: ${JSON.stringify(res.json.error.details)}`);
  }
  assertError(await request(`/agents/availability?service_id=2147483647&date=${DATE}&time=10:00`, { key: keys.availability }), 404, 'not_found');
  const past = await request(`/agents/availability?service_id=${D.s1}&date=2020-01-01&time=10:00`, { key: keys.availability });
  assert.deepEqual(past.json.data, []);
});
