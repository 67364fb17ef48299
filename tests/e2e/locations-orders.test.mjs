// Locations and orders (read-only) over real HTTP: fields, filters, both paging styles, the
// (updated_at, id) sync order of /orders with its cursor, permissions and bad input.
// LatePoint's tables are created with the fixture and a run-unique dataset is inserted in `before`
// (run-unique customers and a location category keep the assertions to this run's rows).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, seedLatePoint } from './stack.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let D; // dataset ids
const keys = {};

function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.equal(res.json?.status, 'error', res.text.slice(0, 500));
  assert.equal(res.json.error.code, code, res.text.slice(0, 500));
  assert.match(res.json.error.request_id, /^req_[0-9A-Za-z]{24}$/);
  assert.equal(typeof res.json.error.details, 'object');
  assert.doesNotMatch(res.text, /<br|Notice|Warning|Fatal|Stack trace/);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sets an order's updated_at (site-local "Y-m-d H:i:s", or "now"). */
function touch(id, at = 'now') {
  wpPhp(`global $wpdb; $wpdb->update($wpdb->prefix . 'latepoint_orders', ['updated_at' => ${at === 'now' ? "current_time('mysql')" : JSON.stringify(at)}], ['id' => ${Number(id)}]);`);
}

/** A site-local time as ISO 8601 UTC ("…Z"), by the site's own time zone. */
const utcOf = (local) => wpPhp(`echo (new DateTimeImmutable(${JSON.stringify(local)}, wp_timezone()))->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\\TH:i:s\\Z');`);

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['cat'] = $ins('location_categories', ['name' => "Downtown $r", 'order_number' => 1]);
$d['cat2'] = $ins('location_categories', ['name' => "Empty $r", 'order_number' => 2]);
$d['loc1'] = $ins('locations', ['name' => "Studio A $r", 'full_address' => "1 Main St, Springfield $r", 'status' => 'active', 'category_id' => $d['cat'], 'order_number' => 2]);
$d['loc2'] = $ins('locations', ['name' => "Studio B $r", 'full_address' => '', 'status' => 'disabled', 'order_number' => 1]);
$d['loc3'] = $ins('locations', ['name' => "Studio C $r", 'full_address' => '3 Side St', 'status' => 'active', 'category_id' => $d['cat']]);
for ($i = 1; $i <= 2; $i++) { $d['cust' . $i] = $ins('customers', ['first_name' => "Ord$i", 'last_name' => "Zed$r", 'email' => "o$i.$r@example.com", 'status' => 'active', 'is_guest' => 1]); }
// Orders of cust1 at fixed past times; o2 and o3 share their updated_at (the id breaks the tie).
$orders = [
  'o1' => ['cust1', 'open', 'not_paid', 'not_fulfilled', '2025-03-01 10:00:00', '50.0000'],
  'o2' => ['cust1', 'completed', 'fully_paid', 'fulfilled', '2025-03-01 10:05:00', '20.0000'],
  'o3' => ['cust1', 'cancelled', 'refunded', 'not_fulfilled', '2025-03-01 10:05:00', '15.0000'],
  'o4' => ['cust1', 'open', 'partially_paid', 'partially_fulfilled', '2025-03-01 10:10:00', '100.0000'],
  'o5' => ['cust1', 'open', 'not_paid', 'not_fulfilled', '2025-03-01 10:20:00', '0.0000'],
  'o6' => ['cust2', 'open', 'not_paid', 'not_fulfilled', '2025-03-02 09:00:00', '10.0000'],
];
foreach ($orders as $k => list($c, $status, $pay, $ful, $at, $total)) {
  $d[$k] = $ins('orders', ['customer_id' => $d[$c], 'status' => $status, 'payment_status' => $pay, 'fulfillment_status' => $ful, 'subtotal' => $total, 'total' => $total, 'confirmation_code' => strtoupper(substr(md5($r . $k), 0, 7)), 'customer_comment' => "comment $k", 'ip_address' => '203.0.113.9', 'price_breakdown' => json_encode(['before_subtotal' => [], 'after_subtotal' => []]), 'created_at' => '2025-03-01 09:00:00', 'updated_at' => $at]);
}
$d['item_a'] = $ins('order_items', ['order_id' => $d['o4'], 'variant' => 'booking', 'item_data' => '{}', 'subtotal' => '60.0000', 'total' => '60.0000']);
$d['item_b'] = $ins('order_items', ['order_id' => $d['o4'], 'variant' => 'bundle', 'item_data' => '{}', 'subtotal' => '40.0000', 'total' => '40.0000', 'coupon_code' => 'SPRING', 'coupon_discount' => '5.0000']);
$d['item_o2'] = $ins('order_items', ['order_id' => $d['o2'], 'variant' => 'booking', 'item_data' => '{}', 'subtotal' => '20.0000', 'total' => '20.0000']);
$d['booking'] = $ins('bookings', ['booking_code' => 'B' . strtoupper(substr(md5($r), 0, 6)), 'start_date' => '2001-01-01', 'end_date' => '2001-01-01', 'start_time' => 600, 'end_time' => 660, 'buffer_before' => 0, 'buffer_after' => 0, 'duration' => 60, 'status' => 'cancelled', 'customer_id' => $d['cust1'], 'service_id' => 1, 'agent_id' => 1, 'location_id' => $d['loc1'], 'order_item_id' => $d['item_a'], 'total_attendees' => 1]);
$d['tx1'] = $ins('transactions', ['token' => "ch_$r", 'order_id' => $d['o4'], 'customer_id' => $d['cust1'], 'processor' => 'stripe', 'payment_method' => 'card', 'payment_portion' => 'deposit', 'kind' => 'capture', 'status' => 'succeeded', 'amount' => '30.0000', 'notes' => 'deposit', 'created_at' => '2025-03-01 10:01:00', 'updated_at' => '2025-03-01 10:01:00']);
$d['tx2'] = $ins('transactions', ['token' => '', 'order_id' => $d['o4'], 'customer_id' => $d['cust1'], 'processor' => '', 'payment_method' => 'local', 'payment_portion' => 'remaining', 'kind' => 'capture', 'status' => 'processing', 'amount' => '10.5000', 'created_at' => '2025-03-01 10:09:00', 'updated_at' => '2025-03-01 10:09:00']);
$d['tx3'] = $ins('transactions', ['token' => "ch2_$r", 'order_id' => $d['o2'], 'customer_id' => $d['cust1'], 'processor' => 'stripe', 'payment_method' => 'card', 'payment_portion' => 'full', 'kind' => 'capture', 'status' => 'succeeded', 'amount' => '20.0000']);`, { strict: true },
  );
  const limits = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
  const make = async (name, permissions) => (await createKey({ name: `lo ${name} ${RUN}`, permissions, ...limits })).key;
  keys.both = await make('both', ['locations:read', 'orders:read']);
  keys.locations = await make('locations', ['locations:read']);
  keys.orders = await make('orders', ['orders:read']);
  keys.other = await make('other', ['bookings:read', 'customers:read', 'agents:read', 'services:read', 'availability:read']);
});

const api = (path, opts = {}) => request(path, { key: keys.both, ...opts });
const ordersOf = (customer, query = '') => api(`/orders?customer_id=${customer}&per_page=100${query}`);

test('each route needs its permission: 403 insufficient_permissions names it; 401 without a key', async () => {
  const cases = [
    ['/locations', 'locations:read'],
    [`/locations/${D.loc1}`, 'locations:read'],
    ['/orders', 'orders:read'],
    [`/orders/${D.o4}`, 'orders:read'],
  ];
  for (const [path, permission] of cases) {
    for (const key of [keys.other, permission === 'orders:read' ? keys.locations : keys.orders]) {
      const res = await request(path, { key });
      assertError(res, 403, 'insufficient_permissions');
      assert.deepEqual(res.json.error.details, { required_permission: permission }, path);
    }
    const own = await request(path, { key: permission === 'orders:read' ? keys.orders : keys.locations });
    assert.equal(own.status, 200, `${path}: ${own.text.slice(0, 300)}`);
    assert.ok(own.headers.get('x-ratelimit-limit'), 'rate-limit headers');
    assertError(await request(path), 401, 'missing_api_key');
  }
  // The permission is checked before the parameters.
  assertError(await request('/orders?customer_id=abc', { key: keys.other }), 403, 'insufficient_permissions');
});

test('permissions and presets: read-only has both, the booking widget has locations:read only', () => {
  const out = JSON.parse(wpPhp(`echo json_encode(['all' => LatePointApi\\Keys\\Permissions::ALL, 'matrix' => LatePointApi\\Keys\\Permissions::MATRIX, 'presets' => LatePointApi\\Keys\\Permissions::presets()]);`));
  for (const p of ['locations:read', 'orders:read']) assert.ok(out.all.includes(p), p);
  assert.deepEqual(out.matrix.locations, ['read']);
  assert.deepEqual(out.matrix.orders, ['read']);
  assert.ok(out.presets.read_only.permissions.includes('locations:read'));
  assert.ok(out.presets.read_only.permissions.includes('orders:read'));
  assert.ok(out.presets.widget.permissions.includes('locations:read'));
  assert.ok(!out.presets.widget.permissions.includes('orders:read'));
  assert.deepEqual(out.presets.full.permissions, out.all);
});

test('GET /locations/{id}: name, address, status, category', async () => {
  const res = await api(`/locations/${D.loc1}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'success');
  assert.deepEqual(res.json.meta, {});
  const l = res.json.data;
  assert.deepEqual(Object.keys(l).sort(), ['category', 'category_id', 'created_at', 'full_address', 'id', 'name', 'order_number', 'status', 'updated_at']);
  assert.equal(l.id, D.loc1);
  assert.equal(l.name, `Studio A ${RUN}`);
  assert.equal(l.full_address, `1 Main St, Springfield ${RUN}`);
  assert.equal(l.status, 'active');
  assert.equal(l.category_id, D.cat);
  assert.deepEqual(l.category, { id: D.cat, name: `Downtown ${RUN}` });
  assert.equal(l.order_number, 2);
  assert.match(l.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  const b = (await api(`/locations/${D.loc2}`)).json.data;
  assert.equal(b.status, 'disabled');
  assert.equal(b.category_id, null);
  assert.equal(b.category, null);
  assertError(await api('/locations/99999999'), 404, 'not_found');
});

test('GET /locations: by id, status and category_id filters, page and cursor paging', async () => {
  const all = await api(`/locations?category_id=${D.cat}&per_page=100`);
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.json.data.map((l) => l.id), [D.loc1, D.loc3]);
  assert.deepEqual(all.json.meta, { total: 2, page: 1, per_page: 100, total_pages: 1, next_cursor: null });
  assert.equal((await api(`/locations?category_id=${D.cat2}`)).json.meta.total, 0);
  const everything = (await api('/locations?per_page=100')).json.data;
  const ids = everything.map((l) => l.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'sorted by id');
  for (const id of [D.loc1, D.loc2, D.loc3]) assert.ok(ids.includes(id), `location ${id} listed by default (status any)`);
  const active = (await api('/locations?status=active&per_page=100')).json.data;
  assert.ok(active.every((l) => l.status === 'active') && !active.some((l) => l.id === D.loc2));
  const disabled = (await api('/locations?status=disabled&per_page=100')).json.data;
  assert.ok(disabled.every((l) => l.status === 'disabled') && disabled.some((l) => l.id === D.loc2));
  assert.equal((await api('/locations?status=any&per_page=100')).json.meta.total, everything.length);
  // page / per_page
  const p2 = await api(`/locations?category_id=${D.cat}&per_page=1&page=2`);
  assert.deepEqual(p2.json.data.map((l) => l.id), [D.loc3]);
  assert.equal(p2.json.meta.page, 2);
  assert.equal(p2.json.meta.total_pages, 2);
  assert.equal(p2.json.meta.next_cursor, null);
  const p3 = await api(`/locations?category_id=${D.cat}&per_page=1&page=3`);
  assert.deepEqual(p3.json.data, []);
  // cursor
  const first = await api(`/locations?category_id=${D.cat}&per_page=1`);
  assert.deepEqual(first.json.data.map((l) => l.id), [D.loc1]);
  assert.ok(first.json.meta.next_cursor);
  const second = await api(`/locations?category_id=${D.cat}&per_page=1&cursor=${first.json.meta.next_cursor}`);
  assert.deepEqual(second.json.data.map((l) => l.id), [D.loc3]);
  assert.equal(second.json.meta.page, 1);
  assert.equal(second.json.meta.next_cursor, null);
});

test('GET /orders/{id}: items with their bookings, totals, statuses, transactions with amount, method, status and time', async () => {
  const res = await api(`/orders/${D.o4}`);
  assert.equal(res.status, 200, res.text);
  const o = res.json.data;
  assert.deepEqual(Object.keys(o).sort(), [
    'balance_due', 'confirmation_code', 'coupon_code', 'coupon_discount', 'created_at', 'customer_comment', 'customer_id', 'fulfillment_status', 'id',
    'items', 'payment_status', 'price_breakdown', 'source_url', 'status', 'subtotal', 'tax_total', 'total', 'total_paid', 'transactions', 'updated_at',
  ]);
  assert.equal(o.id, D.o4);
  assert.equal(o.customer_id, D.cust1);
  assert.equal(o.status, 'open');
  assert.equal(o.payment_status, 'partially_paid');
  assert.equal(o.fulfillment_status, 'partially_fulfilled');
  assert.equal(o.total, '100.0000');
  assert.equal(o.subtotal, '100.0000');
  assert.equal(o.tax_total, null);
  assert.equal(o.total_paid, '40.5000', 'the sum of its transactions, as LatePoint counts it');
  assert.equal(o.balance_due, '59.5000');
  assert.equal(o.customer_comment, 'comment o4');
  assert.deepEqual(o.price_breakdown, { before_subtotal: [], after_subtotal: [] });
  assert.match(o.confirmation_code, /^[0-9A-F]{7}$/);
  assert.match(o.updated_at, /^2025-03-01T10:10:00[+-]\d{2}:\d{2}$/);
  assert.doesNotMatch(res.text, /203\.0\.113\.9/, 'never the IP address');
  assert.deepEqual(o.items.map((i) => [i.id, i.variant, i.total]), [[D.item_a, 'booking', '60.0000'], [D.item_b, 'bundle', '40.0000']]);
  assert.deepEqual(o.items[0].bookings, [{ id: D.booking, booking_code: o.items[0].bookings[0].booking_code, status: 'cancelled', service_id: 1, agent_id: 1, location_id: D.loc1, start_date: '2001-01-01', start_time: '10:00' }]);
  assert.deepEqual(o.items[1].bookings, []);
  assert.equal(o.items[1].coupon_code, 'SPRING');
  assert.equal(o.items[1].coupon_discount, '5.0000');
  assert.deepEqual(o.transactions.map((t) => [t.id, t.amount, t.payment_method, t.processor, t.payment_portion, t.kind, t.status]), [
    [D.tx1, '30.0000', 'card', 'stripe', 'deposit', 'capture', 'succeeded'],
    [D.tx2, '10.5000', 'local', '', 'remaining', 'capture', 'processing'],
  ]);
  assert.match(o.transactions[0].created_at, /^2025-03-01T10:01:00[+-]\d{2}:\d{2}$/);
  assert.equal(o.transactions[0].token, `ch_${RUN}`);
  const empty = (await api(`/orders/${D.o5}`)).json.data;
  assert.deepEqual([empty.items, empty.transactions, empty.total_paid, empty.balance_due], [[], [], '0.0000', '0.0000']);
  const paid = (await api(`/orders/${D.o2}`)).json.data;
  assert.deepEqual([paid.payment_status, paid.fulfillment_status, paid.total_paid, paid.balance_due], ['fully_paid', 'fulfilled', '20.0000', '0.0000']);
  assertError(await api('/orders/99999999'), 404, 'not_found');
});

test('GET /orders: sorted by (updated_at, id); filters customer_id, status, payment_status, updated_since', async () => {
  const res = await ordersOf(D.cust1);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data.map((o) => o.id), [D.o1, D.o2, D.o3, D.o4, D.o5], 'oldest change first; the tie of o2 and o3 broken by id');
  assert.equal(res.json.meta.total, 5);
  assert.equal(res.json.meta.next_cursor, null);
  assert.ok(res.json.meta.sync_cursor, 'a cursor to resume from');
  assert.ok(res.json.data.every((o) => o.customer_id === D.cust1));
  assert.deepEqual(res.json.data.find((o) => o.id === D.o4).transactions.map((t) => t.id), [D.tx1, D.tx2], 'lists carry items and transactions too');
  assert.deepEqual((await ordersOf(D.cust2)).json.data.map((o) => o.id), [D.o6]);
  assert.deepEqual((await ordersOf(D.cust1, '&status=open')).json.data.map((o) => o.id), [D.o1, D.o4, D.o5]);
  assert.deepEqual((await ordersOf(D.cust1, '&status=cancelled')).json.data.map((o) => o.id), [D.o3]);
  assert.deepEqual((await ordersOf(D.cust1, '&payment_status=not_paid')).json.data.map((o) => o.id), [D.o1, D.o5]);
  assert.deepEqual((await ordersOf(D.cust1, '&status=open&payment_status=partially_paid')).json.data.map((o) => o.id), [D.o4]);
  assert.equal((await ordersOf(D.cust1, '&status=no_such_status')).json.meta.total, 0);
  // updated_since: included, in site time, or UTC (Z), or with an offset; a date means its midnight.
  const since = async (value) => (await ordersOf(D.cust1, `&updated_since=${encodeURIComponent(value)}`)).json.data.map((o) => o.id);
  assert.deepEqual(await since('2025-03-01T10:05:00'), [D.o2, D.o3, D.o4, D.o5]);
  assert.deepEqual(await since('2025-03-01T10:05'), [D.o2, D.o3, D.o4, D.o5]);
  assert.deepEqual(await since('2025-03-01T10:05:01'), [D.o4, D.o5]);
  assert.deepEqual(await since('2025-03-01'), [D.o1, D.o2, D.o3, D.o4, D.o5]);
  assert.deepEqual(await since('2025-03-02'), []);
  const utc = utcOf('2025-03-01 10:10:00');
  assert.deepEqual(await since(utc), [D.o4, D.o5], `${utc}`);
  const offset = wpPhp(`echo (new DateTimeImmutable('2025-03-01 10:10:00', wp_timezone()))->setTimezone(new DateTimeZone('+05:30'))->format('Y-m-d\\TH:i:sP');`);
  assert.deepEqual(await since(offset), [D.o4, D.o5], offset);
  // Unknown query parameters are ignored, as on the other list routes.
  assert.equal((await ordersOf(D.cust1, '&colour=blue')).json.meta.total, 5);
});

test('GET /orders: page and cursor paging walk the same order', async () => {
  const p2 = await ordersOf(D.cust1, '&per_page=2&page=2');
  assert.equal(p2.status, 200, p2.text);
  assert.deepEqual(p2.json.data.map((o) => o.id), [D.o3, D.o4]);
  assert.deepEqual({ ...p2.json.meta, next_cursor: !!p2.json.meta.next_cursor, sync_cursor: !!p2.json.meta.sync_cursor }, { total: 5, page: 2, per_page: 2, total_pages: 3, next_cursor: true, sync_cursor: true });
  const walked = [];
  let cursor = null;
  let pages = 0;
  do {
    const r = await api(`/orders?customer_id=${D.cust1}&per_page=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.meta.total, 5);
    assert.equal(r.json.meta.page, 1);
    walked.push(...r.json.data.map((o) => o.id));
    cursor = r.json.meta.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(walked, [D.o1, D.o2, D.o3, D.o4, D.o5]);
  // The cursor between two orders of the same second (o2, o3) continues with the second of them.
  const two = await ordersOf(D.cust1, '&per_page=2');
  assert.deepEqual(two.json.data.map((o) => o.id), [D.o1, D.o2]);
  const rest = await api(`/orders?customer_id=${D.cust1}&per_page=100&cursor=${two.json.meta.next_cursor}`);
  assert.deepEqual(rest.json.data.map((o) => o.id), [D.o3, D.o4, D.o5]);
  // A cursor of another list is not an orders cursor.
  const other = (await api(`/locations?per_page=1`)).json.meta.next_cursor;
  if (other) assertError(await api(`/orders?cursor=${other}`), 422, 'validation_failed');
});

test('sync by updated_since and cursor: an order changed while paging is neither missed nor shown twice in one version', async () => {
  // Fresh orders of their own customer, so the walk is this test's alone.
  const d = JSON.parse(
    wpPhp(`global $wpdb; $p = $wpdb->prefix . 'latepoint_'; $r = ${JSON.stringify(RUN)};
$wpdb->insert($p . 'customers', ['first_name' => 'Sync', 'last_name' => $r, 'email' => "sync.$r@example.com", 'status' => 'active', 'is_guest' => 1]);
$c = (int) $wpdb->insert_id; $ids = [];
foreach (['2025-04-01 08:00:00', '2025-04-01 08:00:00', '2025-04-01 08:01:00', '2025-04-01 08:02:00', '2025-04-01 08:03:00', '2025-04-01 08:04:00'] as $i => $at) {
  $wpdb->insert($p . 'orders', ['customer_id' => $c, 'status' => 'open', 'payment_status' => 'not_paid', 'fulfillment_status' => 'not_fulfilled', 'total' => '1.0000', 'subtotal' => '1.0000', 'created_at' => $at, 'updated_at' => $at]);
  $ids[] = (int) $wpdb->insert_id;
}
echo json_encode(['customer' => $c, 'ids' => $ids]);`),
  );
  const [a, b, c, e, f, g] = d.ids;
  const url = (cursor) => `/orders?customer_id=${d.customer}&updated_since=2025-04-01&per_page=2${cursor ? `&cursor=${cursor}` : ''}`;
  const seen = [];
  const page1 = await api(url());
  assert.deepEqual(page1.json.data.map((o) => o.id), [a, b]);
  seen.push(...page1.json.data.map((o) => `${o.id}@${o.updated_at}`));
  // While the client pages: one order it has seen (a) and one it has not (e) change now, and one
  // not yet seen (c) moves to a later time that is already settled.
  touch(a);
  touch(e);
  touch(c, '2025-04-01 08:10:00');
  let cursor = page1.json.meta.next_cursor;
  let sync = page1.json.meta.sync_cursor;
  while (cursor) {
    const r = await api(url(cursor));
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.data.map((o) => `${o.id}@${o.updated_at}`));
    cursor = r.json.meta.next_cursor;
    sync = r.json.meta.sync_cursor;
  }
  const ids = seen.map((s) => Number(s.split('@')[0]));
  assert.deepEqual(ids, [a, b, f, g, c], 'c once, at its new place; a and e have just changed and are not settled yet');
  // Orders changed in the last 2 seconds have not settled: they come in the next call, after the sync cursor.
  await sleep(2200);
  const later = await api(`/orders?customer_id=${d.customer}&updated_since=2025-04-01&per_page=100&cursor=${sync}`);
  assert.equal(later.status, 200, later.text);
  assert.deepEqual(later.json.data.map((o) => o.id).sort((x, y) => x - y), [a, e].sort((x, y) => x - y));
  seen.push(...later.json.data.map((o) => `${o.id}@${o.updated_at}`));
  assert.equal(new Set(seen).size, seen.length, 'no order twice in the same version');
  for (const id of d.ids) assert.ok(ids.includes(id) || later.json.data.some((o) => o.id === id), `order ${id} seen`);
  // Nothing more has changed: the sync cursor of the last call gives an empty page and keeps itself.
  const again = await api(`/orders?customer_id=${d.customer}&per_page=100&cursor=${later.json.meta.sync_cursor}`);
  assert.deepEqual(again.json.data, []);
  assert.equal(again.json.meta.sync_cursor, later.json.meta.sync_cursor);
  assert.equal(again.json.meta.next_cursor, null);
});

test('an order changed within the last 2 seconds is listed once it has settled (GET /orders/{id} shows it at once)', async () => {
  touch(D.o6);
  const fresh = await ordersOf(D.cust2);
  assert.deepEqual(fresh.json.data, []);
  assert.equal((await api(`/orders/${D.o6}`)).status, 200);
  await sleep(2200);
  assert.deepEqual((await ordersOf(D.cust2)).json.data.map((o) => o.id), [D.o6]);
});

test('bad input: wrong types, out-of-range and huge values, forged cursors give 422 (or 404) envelopes', async () => {
  const bad = await api('/orders?customer_id=abc&status=OPEN&payment_status=paid!&updated_since=2025-02-30&page=0&per_page=101');
  assertError(bad, 422, 'validation_failed');
  assert.deepEqual(Object.keys(bad.json.error.details.fields).sort(), ['customer_id', 'page', 'payment_status', 'per_page', 'status', 'updated_since']);
  for (const value of ['yesterday', '2025-03-01T24:00:00', '2025-03-01T10:60', '2025-03-01 10:00:00', '2025-03-01T10:00:00+25:00', '1969-12-31', '2101-01-01', '2025-3-1', 'x'.repeat(41)]) {
    const r = await api(`/orders?updated_since=${encodeURIComponent(value)}`);
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields.updated_since, value);
  }
  const forge = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  for (const cursor of ['abc', 'x'.repeat(201), forge({ b: 5 }), forge({ o: ['2025-01-01', 1] }), forge({ o: ["2025-01-01 00:00:00' OR 1=1 --", 1] }), forge({ o: ['2025-01-01 00:00:00', -1] }), forge({ o: ['2025-01-01 00:00:00', '1'] }), forge({ o: ['2025-01-01 00:00:00', 1, 2] })]) {
    const r = await api(`/orders?cursor=${encodeURIComponent(cursor)}`);
    assertError(r, 422, 'validation_failed');
    assert.ok(r.json.error.details.fields.cursor, cursor);
  }
  for (const path of [
    '/orders?customer_id=1e40', '/orders?customer_id=-1', '/orders?customer_id=2147483648', '/orders?customer_id[]=1', '/orders?page=99999999999', '/orders?per_page=1e12',
    `/orders?status=${'a'.repeat(31)}`, `/orders?status=${encodeURIComponent("open' OR '1'='1")}`, '/orders?customer_id=1%20OR%201=1',
    '/locations?status=bogus', '/locations?category_id=0', '/locations?category_id=abc', '/locations?per_page=0', '/locations?page=1000001', '/locations?cursor=nope',
    '/orders/99999999999', '/locations/2147483648',
  ]) {
    const r = await api(path);
    assertError(r, 422, 'validation_failed');
  }
  for (const path of ['/orders/abc', '/locations/1.5', `/orders/${encodeURIComponent("1' OR '1'='1")}`]) {
    assertError(await api(path), 404, 'not_found');
  }
  // A huge query string gets a 4xx envelope, not a server error.
  const huge = await api(`/orders?status=${'a'.repeat(6000)}`);
  assert.ok(huge.status >= 400 && huge.status < 500, `${huge.status}`);
  // Writes are not routes here.
  for (const method of ['POST', 'PATCH', 'DELETE']) {
    assertError(await api('/orders', { method, body: {} }), 404, 'not_found');
    assertError(await api(`/locations/${D.loc1}`, { method, body: {} }), 404, 'not_found');
  }
  // Nothing was changed by any of it.
  assert.equal((await api(`/orders/${D.o4}`)).json.data.total, '100.0000');
});

test('the OpenAPI document lists the routes with their permissions and parameters', async () => {
  const doc = await (await fetch(`${(await import('./stack.mjs')).API}/openapi.json`)).json();
  assert.equal(doc.paths['/locations'].get['x-required-permission'], 'locations:read');
  assert.equal(doc.paths['/locations/{id}'].get['x-required-permission'], 'locations:read');
  assert.equal(doc.paths['/orders'].get['x-required-permission'], 'orders:read');
  assert.equal(doc.paths['/orders/{id}'].get['x-required-permission'], 'orders:read');
  const params = Object.fromEntries(doc.paths['/orders'].get.parameters.map((p) => [p.name, p.schema]));
  for (const name of ['page', 'per_page', 'cursor', 'customer_id', 'status', 'payment_status', 'updated_since']) assert.ok(params[name], name);
  assert.equal(params.customer_id.type, 'integer');
  const loc = Object.fromEntries(doc.paths['/locations'].get.parameters.map((p) => [p.name, p.schema]));
  assert.deepEqual(loc.status.enum, ['active', 'disabled', 'any']);
  assert.ok(loc.category_id);
});
