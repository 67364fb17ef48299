// Bookings over real HTTP, the read fields, embeds, filters and sync order, and
// the create's agent "any" and inline customer. Its own run-unique dataset
// (agents, services, a location) is made in `before`, so the file can run again
// on the same stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, assertError, seedLatePoint } from './stack.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let D;
const keys = {};
const dayOffset = 400 + Math.floor(Math.random() * 20000);
const dateAt = (n) => new Date(Date.UTC(2030, 0, 1) + (dayOffset + n) * 86400000).toISOString().slice(0, 10);
const DATE = dateAt(0);

const php = (code) => wpPhp(`global $wpdb; $p = $wpdb->prefix . 'latepoint_'; ${code}`);
const count = (table, where = '1=1') => Number(php(`echo (int) $wpdb->get_var("SELECT COUNT(*) FROM {$p}${table} WHERE ${where.replace(/"/g, '\\"')}");`));
const setSetting = (name, value) =>
  php(`$wpdb->delete($p . 'settings', ['name' => '${name}']); ${value === null ? '' : `$wpdb->insert($p . 'settings', ['name' => '${name}', 'value' => '${value}']);`}`);

before(async () => {
  D = seedLatePoint(
    RUN,
    `foreach (['a1', 'a2', 'a3'] as $a) { $d[$a] = $ins('agents', ['first_name' => "M$a$r", 'last_name' => 'Agent', 'email' => "$a.$r@example.com", 'status' => 'active']); }
$d['svc'] = $ins('services', ['name' => "Massage $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 1, 'charge_amount' => '70.0000', 'price_min' => '70.0000', 'price_max' => '70.0000', 'status' => 'active', 'visibility' => 'visible']);
$d['loc'] = $ins('locations', ['name' => "Spa $r", 'full_address' => '1 Main St', 'status' => 'active']);
$d['loc2'] = $ins('locations', ['name' => "Annex $r", 'status' => 'active']);
foreach (['a1', 'a2'] as $a) { $ins('agents_services', ['agent_id' => $d[$a], 'service_id' => $d['svc'], 'location_id' => $d['loc']]); }
$ins('agents_services', ['agent_id' => $d['a3'], 'service_id' => $d['svc'], 'location_id' => $d['loc2']]);
foreach (['a1', 'a2', 'a3'] as $a) { for ($day = 1; $day <= 7; $day++) { $ins('work_periods', ['agent_id' => $d[$a], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 1440, 'week_day' => $day]); } }
$d['cust'] = $ins('customers', ['first_name' => 'Known', 'last_name' => "Person$r", 'email' => "known.$r@example.com", 'phone' => "+1 555 $r", 'status' => 'active', 'is_guest' => 1]);`,
  );
  const limits = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
  const mk = async (name, permissions) => (await createKey({ name: `bookings-more ${name} ${RUN}`, permissions, ...limits })).key;
  keys.full = await mk('full', ['bookings:read', 'bookings:create', 'bookings:update', 'customers:read', 'customers:create', 'agents:read', 'services:read', 'locations:read']);
  keys.bookingsOnly = await mk('bookings only', ['bookings:read', 'bookings:create']);
  keys.widget = await mk('widget', ['bookings:create', 'customers:create', 'services:read', 'agents:read']);
});

after(() => setSetting('any_agent_order', null));

const api = (path, opts = {}) => request(path, { key: keys.full, ...opts });
const book = (fields, key = keys.full) =>
  request('/bookings', {
    key,
    method: 'POST',
    body: { customer_id: D.cust, service_id: D.svc, agent_id: D.a1, location_id: D.loc, start_date: DATE, ...fields },
  });

test('read fields: price, total, payment status, customer comment', async () => {
  const res = await book({ start_time: '01:00', customer_comment: 'Please, quiet room' });
  assert.equal(res.status, 201, res.text);
  const b = res.json.data;
  assert.equal(b.price, '70.0000');
  assert.equal(b.total, '70.0000');
  assert.equal(b.payment_status, 'not_paid');
  assert.equal(b.customer_comment, 'Please, quiet room');
  const got = await api(`/bookings/${b.id}`);
  assert.deepEqual(got.json.data, b);
  const listed = (await api(`/bookings?booking_code=${b.booking_code}`)).json.data;
  assert.deepEqual(listed, [b]);
});

test('include= embeds customer, agent, service, location, each needing its read permission', async () => {
  const b = (await book({ start_time: '02:00' })).json.data;
  const res = await api(`/bookings/${b.id}?include=customer,agent,service`);
  assert.equal(res.status, 200, res.text);
  const e = res.json.data;
  assert.equal(e.customer.id, D.cust);
  assert.equal(e.customer.email, `known.${RUN}@example.com`);
  assert.equal(e.customer.password, undefined);
  assert.equal(e.agent.id, D.a1);
  assert.equal(e.agent.email, `a1.${RUN}@example.com`);
  assert.equal(e.agent.password, undefined);
  assert.equal(e.service.name, `Massage ${RUN}`);
  assert.equal(e.location, undefined);
  const list = await api(`/bookings?date_from=${DATE}&date_to=${DATE}&include=service,customer&per_page=100`);
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.data.length >= 2 && list.json.data.every((x) => x.service.id === D.svc && x.customer.id === x.customer_id));
  // Without the permission of an embed: 403 naming it.
  for (const [include, permission] of [['customer', 'customers:read'], ['agent', 'agents:read'], ['service', 'services:read'], ['location', 'locations:read']]) {
    const r = await request(`/bookings/${b.id}?include=${include}`, { key: keys.bookingsOnly });
    assertError(r, 403, 'insufficient_permissions');
    assert.equal(r.json.error.details.required_permission, permission);
    const l = await request(`/bookings?include=${include}`, { key: keys.bookingsOnly });
    assertError(l, 403, 'insufficient_permissions');
  }
  const loc = await api(`/bookings/${b.id}?include=location`);
  assert.equal(loc.status, 200, loc.text);
  assert.equal(loc.json.data.location.name, `Spa ${RUN}`);
  for (const bad of ['nope', 'customer,orders', 'CUSTOMER', 'x'.repeat(101)]) {
    const r = await api(`/bookings/${b.id}?include=${bad}`);
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields.include, r.text);
  }
});

test('filters: booking_code, customer_email and customer_phone (customers:read), bad values', async () => {
  const b = (await book({ start_time: '03:00' })).json.data;
  const byCode = await api(`/bookings?booking_code=${b.booking_code}`);
  assert.deepEqual(byCode.json.data.map((x) => x.id), [b.id]);
  assert.equal((await api('/bookings?booking_code=ZZZZZZZZ')).json.meta.total, 0);
  const byEmail = await api(`/bookings?customer_email=${encodeURIComponent(`known.${RUN}@example.com`)}&per_page=100`);
  assert.ok(byEmail.json.data.length >= 1 && byEmail.json.data.every((x) => x.customer_id === D.cust));
  assert.ok(byEmail.json.data.some((x) => x.id === b.id));
  const byPhone = await api(`/bookings?customer_phone=${encodeURIComponent(`+1 555 ${RUN}`)}&per_page=100`);
  assert.deepEqual(byPhone.json.data.map((x) => x.id), byEmail.json.data.map((x) => x.id));
  assert.equal((await api('/bookings?customer_email=nobody@example.invalid')).json.meta.total, 0);
  for (const q of [`customer_email=known.${RUN}@example.com`, 'customer_phone=1']) {
    const r = await request(`/bookings?${q}`, { key: keys.bookingsOnly });
    assertError(r, 403, 'insufficient_permissions');
    assert.equal(r.json.error.details.required_permission, 'customers:read');
  }
  for (const q of ['booking_code=a-b', `booking_code=${'A'.repeat(21)}`, `customer_email=${'x'.repeat(111)}`, `customer_phone=${'1'.repeat(51)}`, 'updated_since=yesterday', 'updated_since=2024-13-01T00:00:00Z', 'updated_since=1969-12-31', 'updated_since=2024-02-30', `updated_since=${'2'.repeat(41)}`]) {
    const r = await api(`/bookings?${q}`);
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields[q.split('=')[0]], `${q}: ${r.text}`);
  }
});

test('updated_since: sorted by updated_at then id, both paging styles; a row changed while paging is not missed', async () => {
  const since = php(`echo current_time('mysql');`).replace(' ', 'T');
  const made = [];
  for (let i = 0; i < 7; i++) made.push((await book({ start_date: dateAt(1), start_time: `${String(i).padStart(2, '0')}:00` })).json.data.id);
  // Spread their updated_at over distinct seconds, in an order unlike their ids and starts.
  const stamps = [5, 3, 3, 1, 6, 2, 4];
  // (In the past: a write during the walk moves a row to now, after them all.)
  const DAY = '2020-01-01';
  php(made.map((id, i) => `$wpdb->update($p . 'bookings', ['updated_at' => '${DAY} 10:00:0${stamps[i]}'], ['id' => ${id}]);`).join(' '));
  const q = `updated_since=${DAY}T10:00:00&date_from=${dateAt(1)}&date_to=${dateAt(1)}`;
  const all = await api(`/bookings?${q}&per_page=100`);
  assert.equal(all.status, 200, all.text);
  const expected = made.map((id, i) => [stamps[i], id]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[1]);
  assert.deepEqual(all.json.data.map((x) => x.id), expected);
  assert.equal(all.json.meta.total, 7);
  // ISO forms: Z and an offset are the same instant as the site's local time.
  const zoneOffset = php(`echo wp_timezone()->getOffset(new DateTime('${DAY} 10:00:00'));`);
  const utc = new Date(Date.parse(`${DAY}T10:00:03Z`) - Number(zoneOffset) * 1000).toISOString().replace('.000', '');
  const fromZ = await api(`/bookings?updated_since=${encodeURIComponent(utc)}&date_from=${dateAt(1)}&date_to=${dateAt(1)}&per_page=100`);
  assert.deepEqual(fromZ.json.data.map((x) => x.id), expected.slice(2));
  // page/per_page
  const p2 = await api(`/bookings?${q}&per_page=3&page=2`);
  assert.deepEqual(p2.json.data.map((x) => x.id), expected.slice(3, 6));
  assert.equal(p2.json.meta.total_pages, 3);
  // cursor: the first page, then the first row of the rest changes (its updated_at moves to the end),
  // and a row already seen changes too: the walk still gives every row, the changed ones again at the end.
  const first = await api(`/bookings?${q}&per_page=3`);
  assert.deepEqual(first.json.data.map((x) => x.id), expected.slice(0, 3));
  const changed = expected[3];
  const seen = expected[0];
  const patched = await api(`/bookings/${changed}`, { method: 'PATCH', body: { status: 'pending' } });
  assert.equal(patched.status, 200, patched.text);
  await api(`/bookings/${seen}`, { method: 'PATCH', body: { status: 'pending' } });
  // Deleting a row already passed does not break the cursor (it needs no row to exist).
  const walked = first.json.data.map((x) => x.id);
  let cursor = first.json.meta.next_cursor;
  while (cursor) {
    const r = await api(`/bookings?${q}&per_page=3&cursor=${cursor}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.meta.page, 1);
    walked.push(...r.json.data.map((x) => x.id));
    cursor = r.json.meta.next_cursor;
  }
  assert.deepEqual(new Set(walked), new Set(expected), 'nothing missed');
  const rest = walked.slice(3);
  assert.deepEqual(rest.slice(-2).sort(), [changed, seen].sort(), 'the changed rows come last');
  assert.equal(rest.filter((id) => id === changed).length, 1, 'not twice after the cursor');
  const badCursor = await api(`/bookings?${q}&cursor=abc`);
  assertError(badCursor, 422, 'validation_failed');
});

test('agent "any": LatePoint\'s rule among the free agents, and the response says which', async () => {
  const date = dateAt(2);
  // busy_low: a1 has a booking that day (at 05:00), a2 none: a2 gets the 09:00 slot.
  setSetting('any_agent_order', 'busy_low');
  assert.equal((await book({ start_date: date, start_time: '05:00' })).status, 201);
  const low = await book({ start_date: date, start_time: '09:00', agent_id: 'any' });
  assert.equal(low.status, 201, low.text);
  assert.equal(low.json.data.agent_id, D.a2);
  assert.deepEqual(low.json.meta.agent_assignment, { requested: 'any', agent_id: D.a2, rule: 'busy_low' });
  // busy_high: a1 (one booking) beats a2 (one) on a tie by id; after a2's second, a2.
  setSetting('any_agent_order', 'busy_high');
  const high = await book({ start_date: date, start_time: '10:00', agent_id: 'any' });
  assert.equal(high.json.data.agent_id, D.a1, high.text);
  // Only a2 is free at 10:00 now.
  const onlyFree = await book({ start_date: date, start_time: '10:00', agent_id: 'any' });
  assert.equal(onlyFree.json.data.agent_id, D.a2, onlyFree.text);
  // Nobody free: 409.
  const none = await book({ start_date: date, start_time: '10:00', agent_id: 'any' });
  assertError(none, 409, 'slot_unavailable');
  assert.equal(none.json.error.details.reason, 'no_agent_available');
  // Without a location: the service's locations in the order of its connections; the annex's agent a3
  // once the spa is full.
  const annex = await book({ start_date: date, start_time: '10:00', agent_id: 'any', location_id: undefined });
  assert.equal(annex.status, 201, annex.text);
  assert.equal(annex.json.data.agent_id, D.a3);
  assert.equal(annex.json.data.location_id, D.loc2);
  // random (the default, setting absent): one of the free agents.
  setSetting('any_agent_order', null);
  const random = await book({ start_date: date, start_time: '11:00', agent_id: 'any' });
  assert.ok([D.a1, D.a2].includes(random.json.data.agent_id), random.text);
  assert.equal(random.json.meta.agent_assignment.rule, 'random');
  // A named agent: no agent_assignment in meta.
  const named = await book({ start_date: date, start_time: '12:00' });
  assert.deepEqual(named.json.meta, {});
  for (const bad of ['anyone', 'ANY', 0, -1, 2147483648, 1.5, true, null, [1], {}]) {
    const r = await book({ start_date: date, start_time: '13:00', agent_id: bad });
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields.agent_id, `${JSON.stringify(bad)}: ${r.text}`);
  }
});

test('inline customer: needs customers:create; a new one is made once, an existing email used unchanged', async () => {
  const date = dateAt(3);
  const email = `new.${RUN}@example.com`;
  const customer = { first_name: 'Nina', last_name: `New${RUN}`, email, phone: '+1 (555) 010-2030' };
  // bookings:create alone: 403 naming customers:create, nothing written.
  const before = count('customers');
  const denied = await book({ start_date: date, start_time: '01:00', customer_id: undefined, customer }, keys.bookingsOnly);
  assertError(denied, 403, 'insufficient_permissions');
  assert.equal(denied.json.error.details.required_permission, 'customers:create');
  assert.equal(count('customers'), before);
  // The widget key (no customers:read) makes it; the response has no customer data and no hint.
  const made = await book({ start_date: date, start_time: '01:00', customer_id: undefined, customer }, keys.widget);
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.meta.customer_created, undefined);
  assert.equal(made.json.data.customer, undefined);
  assert.doesNotMatch(made.text, new RegExp(`Nina|New${RUN}|${email.replace('.', '\\.')}`));
  const row = JSON.parse(php(`echo json_encode($wpdb->get_row($wpdb->prepare("SELECT * FROM {$p}customers WHERE email = %s", '${email}'), ARRAY_A));`));
  assert.equal(Number(row.id), made.json.data.customer_id);
  assert.equal(row.first_name, 'Nina');
  assert.equal(row.phone, '+15550102030', 'the phone as LatePoint\'s model keeps it (digits, with the +)');
  assert.ok(row.password && row.activation_key, 'made by LatePoint\'s model');
  assert.equal(count('customers'), before + 1);
  // The same email again, other names: that customer, its data unchanged (saved with the order as
  // LatePoint's form saves an order's customer); customers:read sees customer_created false.
  const again = await book({ start_date: date, start_time: '02:00', customer_id: undefined, customer: { ...customer, first_name: 'Changed', email: email.toUpperCase() }, include: undefined });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.data.customer_id, Number(row.id));
  assert.equal(again.json.meta.customer_created, false);
  const after = JSON.parse(php(`echo json_encode($wpdb->get_row("SELECT first_name, last_name, email, phone, status, password FROM {$p}customers WHERE id = ${row.id}", ARRAY_A));`));
  assert.deepEqual(after, { first_name: row.first_name, last_name: row.last_name, email: row.email, phone: row.phone, status: row.status, password: row.password });
  assert.equal(count('customers'), before + 1);
  // The widget key with an existing customer's email: a booking, no data of that customer.
  const known = await book({ start_date: date, start_time: '03:00', customer_id: undefined, customer: { email: `known.${RUN}@example.com`, first_name: 'X', last_name: 'Y' } }, keys.widget);
  assert.equal(known.status, 201, known.text);
  assert.equal(known.json.data.customer_id, D.cust);
  assert.doesNotMatch(known.text, new RegExp(`Person${RUN}|known\\.`));
  assert.deepEqual(known.json.meta, {});
  // include=customer on a create needs customers:read.
  const inc = await request('/bookings?include=customer', { key: keys.widget, method: 'POST', body: { customer: { email, first_name: 'a', last_name: 'b' }, service_id: D.svc, agent_id: D.a1, location_id: D.loc, start_date: date, start_time: '04:00' } });
  assertError(inc, 403, 'insufficient_permissions');
  assert.equal(inc.json.error.details.required_permission, 'customers:read');
  // A new customer with customers:read: customer_created true, include=customer shows it.
  const fresh = await request('/bookings?include=customer', { key: keys.full, method: 'POST', body: { customer: { email: `fresh.${RUN}@example.com`, first_name: 'Fresh', last_name: 'One' }, service_id: D.svc, agent_id: D.a1, location_id: D.loc, start_date: date, start_time: '05:00' } });
  assert.equal(fresh.status, 201, fresh.text);
  assert.equal(fresh.json.meta.customer_created, true);
  assert.equal(fresh.json.data.customer.email, `fresh.${RUN}@example.com`);
});

test('inline customer: bad input is 422 naming the field; nothing written', async () => {
  const date = dateAt(4);
  const before = { customers: count('customers'), bookings: count('bookings') };
  const cases = [
    [{ customer: 'someone@example.com' }, 'customer'],
    [{ customer: ['a'] }, 'customer'],
    [{ customer: { first_name: 'A', last_name: 'B' } }, 'customer'],
    [{ customer: { email: 'not-an-email', first_name: 'A', last_name: 'B' } }, 'customer.email'],
    [{ customer: { email: `${'x'.repeat(100)}@example.com`, first_name: 'A', last_name: 'B' } }, 'customer'],
    [{ customer: { email: `ok.${RUN}@example.com`, first_name: 'A'.repeat(256), last_name: 'B' } }, 'customer'],
    [{ customer: { email: `ok.${RUN}@example.com`, first_name: 'A', last_name: 'B', phone: 'call me' } }, 'customer.phone'],
    [{ customer: { email: `ok.${RUN}@example.com`, first_name: 'A', last_name: 'B', password: 'x' } }, 'customer'],
    [{ customer: { email: 42, first_name: 'A', last_name: 'B' } }, 'customer'],
    [{ customer: { email: `ok.${RUN}@example.com` }, customer_id: D.cust }, 'customer'],
    [{}, 'customer_id'],
  ];
  for (const [fields, field] of cases) {
    const r = await book({ start_date: date, start_time: '01:00', customer_id: undefined, ...fields });
    assertError(r, 422, 'validation_failed');
    assert.ok(Object.keys(r.json.error.details.fields).some((f) => f === field || f.startsWith(`${field}`)), `${JSON.stringify(fields).slice(0, 120)} → ${r.text.slice(0, 300)}`);
  }
  // LatePoint's own validation (names required) is 422 under customer.
  const noNames = await book({ start_date: date, start_time: '01:00', customer_id: undefined, customer: { email: `nonames.${RUN}@example.com` } });
  assertError(noNames, 422, 'validation_failed');
  assert.ok(noNames.json.error.details.fields.customer, noNames.text);
  // A taken slot with a new customer: 409, and no customer made.
  assert.equal((await book({ start_date: date, start_time: '02:00' })).status, 201);
  const taken = await book({ start_date: date, start_time: '02:00', customer_id: undefined, customer: { email: `slot.${RUN}@example.com`, first_name: 'A', last_name: 'B' } });
  assertError(taken, 409, 'slot_unavailable');
  assert.equal(count('customers'), before.customers);
  assert.equal(count('bookings'), before.bookings + 1);
  // Unknown top-level fields and huge bodies.
  const unknown = await book({ start_date: date, start_time: '03:00', customer_email: 'x@example.com' });
  assertError(unknown, 422, 'validation_failed');
  assert.equal(unknown.json.error.details.fields.customer_email, 'Unknown field.');
  const huge = await book({ start_date: date, start_time: '03:00', customer_comment: 'x'.repeat(5001) });
  assertError(huge, 422, 'validation_failed');
  const bigBody = await book({ start_date: date, start_time: '03:00', customer_id: undefined, customer: { email: `big.${RUN}@example.com`, first_name: 'y'.repeat(200000), last_name: 'B' } });
  assert.ok(bigBody.status >= 400 && bigBody.status < 500, bigBody.text.slice(0, 200));
  assert.equal(count('customers'), before.customers);
});

test('parallel creates with one new email make exactly one customer', async () => {
  const date = dateAt(5);
  const email = `parallel.${RUN}@example.com`;
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      book({ start_date: date, start_time: `${String(i + 1).padStart(2, '0')}:00`, customer_id: undefined, customer: { email, first_name: 'Par', last_name: 'Allel' } }),
    ),
  );
  for (const r of results) assert.equal(r.status, 201, r.text);
  assert.equal(count('customers', `email = '${email}'`), 1);
  const ids = new Set(results.map((r) => r.json.data.customer_id));
  assert.equal(ids.size, 1);
  assert.equal(results.filter((r) => r.json.meta.customer_created === true).length, 1);
});
