// The lean lane over real HTTP (php-fpm behind nginx): which requests it answers (Server-Timing names
// the lane), that both lanes give the same answers to two identical fresh keys, and when its loader
// steps aside for the full path (the setting off, a schema behind, a loader of another version, a
// LatePoint add-on active, the plugin inactive). On a stack whose wp-config turns the lane off
// (LPAPI_LEAN_LANE=0) every answer must be the full path's, and the lane's own tests are skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, seedLatePoint, env, logsOf } from './stack.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const OFF = env.LPAPI_LEAN_LANE === '0';
const LANE_ON = { skip: OFF && 'the lean lane is turned off on this stack (LPAPI_LEAN_LANE=0)' };
const READS = ['services:read', 'agents:read', 'bookings:read', 'customers:read', 'availability:read', 'locations:read', 'orders:read'];
const LIMITS = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
let D;
let key;

const laneOf = (res) => /^lane;desc="(\w+)"/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? null;
const setLane = (on) => wpPhp(`LatePointApi\\Support\\Settings::update(['lean_lane' => ${on ? 'true' : 'false'}]);`);
const phpString = (v) => JSON.stringify(v).replace(/\$/g, '\\$');

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['loc'] = $ins('locations', ['name' => "Lane $r", 'status' => 'active']);
$d['agent'] = $ins('agents', ['first_name' => "Lane$r", 'email' => "lane.$r@example.com", 'status' => 'active']);
$d['service'] = $ins('services', ['name' => "Lane $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 1, 'status' => 'active', 'visibility' => 'visible', 'charge_amount' => '25.0000']);
$ins('agents_services', ['agent_id' => $d['agent'], 'service_id' => $d['service'], 'location_id' => $d['loc']]);
for ($wd = 1; $wd <= 7; $wd++) { $ins('work_periods', ['agent_id' => $d['agent'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 540, 'end_time' => 1020, 'week_day' => $wd]); }
$d['customer'] = $ins('customers', ['first_name' => 'Lane', 'last_name' => "Zed$r", 'email' => "lc.$r@example.com", 'status' => 'active', 'is_guest' => 1]);
$d['order'] = $ins('orders', ['customer_id' => $d['customer'], 'status' => 'open', 'payment_status' => 'not_paid', 'fulfillment_status' => 'not_fulfilled', 'subtotal' => '25.0000', 'total' => '25.0000', 'confirmation_code' => strtoupper(substr(md5($r), 0, 7)), 'price_breakdown' => json_encode(['before_subtotal' => [], 'after_subtotal' => []]), 'created_at' => '2025-03-01 09:00:00', 'updated_at' => '2025-03-01 09:00:00']);
$d['item'] = $ins('order_items', ['order_id' => $d['order'], 'variant' => 'booking', 'item_data' => '{}', 'subtotal' => '25.0000', 'total' => '25.0000']);
$d['booking'] = $ins('bookings', ['booking_code' => 'L' . strtoupper(substr(md5($r), 0, 6)), 'start_date' => '2031-03-03', 'end_date' => '2031-03-03', 'start_time' => 600, 'end_time' => 660, 'buffer_before' => 0, 'buffer_after' => 0, 'duration' => 60, 'status' => 'approved', 'customer_id' => $d['customer'], 'service_id' => $d['service'], 'agent_id' => $d['agent'], 'location_id' => $d['loc'], 'order_item_id' => $d['item'], 'total_attendees' => 1]);`,
    { strict: true },
  );
  key = (await createKey({ name: `lane ${RUN}`, permissions: READS, ...LIMITS })).key;
});

after(() => {
  if (!OFF) setLane(true);
});

/** Every GET route that opts in, with its own ids, and some of their errors. */
function laneRequests() {
  const a = D.agent, s = D.service;
  return [
    '/me', '/agents', `/agents/${a}`, '/agents?status=active&per_page=2', '/locations', `/locations/${D.loc}`,
    // /orders leaves out orders changed in the last seconds (a sync's settling time): one of this
    // run's, changed long ago, so both lanes see the same page.
    `/orders?customer_id=${D.customer}`, `/orders/${D.order}`, '/services', `/services/${s}`, `/services/${s}?include=agents`, '/bookings?per_page=5',
    `/bookings/${D.booking}`, `/bookings/${D.booking}?include=customer,service,agent`, '/customers?per_page=3', `/customers/${D.customer}`,
    `/availability?service_id=${s}&date_from=2031-03-03&date_to=2031-03-09`, `/agents/availability?service_id=${s}&date=2031-03-04&time=09:00&include=agent`,
    `/agents/${a}/schedule?date_from=2031-03-03&date_to=2031-03-04`,
    // Errors: not found, invalid parameters, a cursor that is not one.
    '/agents/999999999', '/bookings/999999999', '/availability', `/availability?service_id=${s}&date_from=2031-13-40`, '/orders?cursor=%%%',
  ];
}

test('every API-key read that opts in is answered by the lane', LANE_ON, async () => {
  for (const path of laneRequests()) {
    const res = await request(path, { key });
    assert.equal(laneOf(res), 'lean', `${path}: ${res.headers.get('server-timing')} ${res.status} ${res.text.slice(0, 200)}`);
    assert.doesNotMatch(res.text, /<br|Notice|Warning|Fatal|Stack trace/, path);
  }
  const head = await request('/services', { key, method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(laneOf(head), 'lean', 'HEAD is a read');
  assert.equal(head.text, '');
});

test('writes, key and webhook management, the public routes and unknown routes take the full path', async () => {
  const cases = [
    ['/bookings', { key, method: 'POST', body: {} }],
    [`/customers/${D.customer}`, { key, method: 'PATCH', body: {} }],
    ['/keys', { key }],
    ['/webhooks', { key }],
    ['/logs', { key }],
    ['/openapi.json', {}],
    ['/no-such-route', { key }],
    ['/bookings', { key, method: 'OPTIONS' }],
  ];
  for (const [path, opts] of cases) {
    const res = await request(path, opts);
    assert.equal(laneOf(res), 'full', `${opts.method ?? 'GET'} ${path}: ${res.status} ${res.headers.get('server-timing')}`);
  }
  // Without a key or with a bad one, a lane route still answers through the lane's authenticator.
  for (const k of [undefined, 'lp_live_nope']) {
    const res = await request('/services', { key: k });
    assert.equal(res.status, 401);
    assert.equal(laneOf(res), OFF ? 'full' : 'lean');
  }
});

test('every response of the namespace carries Server-Timing, and CORS exposes it', async () => {
  const res = await request('/me', { key, headers: { Origin: 'https://app.example.com' } });
  assert.match(res.headers.get('server-timing') ?? '', /^lane;desc="(lean|full)", boot;dur=\d+\.\d\d, auth;dur=\d+\.\d\d, handler;dur=\d+\.\d\d$/);
  assert.match(res.headers.get('access-control-expose-headers') ?? '', /(^|, )Server-Timing(,|$)/);
  const denied = await request('/keys', { key });
  assert.match(denied.headers.get('server-timing') ?? '', /^lane;desc="full", /);
  if (OFF) assert.equal(laneOf(res), 'full', 'the stack turns the lane off');
});

/** A response's parts both lanes must agree on (keyed by what tells the two keys apart). */
function comparable(res, record, path) {
  const ignored = new Set(['x-request-id', 'date', 'server-timing', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit', 'content-length']);
  const headers = {};
  for (const [name, value] of res.headers) if (!ignored.has(name)) headers[name] = value;
  // RateLimit carries remaining and reset; its policy part is compared.
  headers.ratelimit = (res.headers.get('ratelimit') ?? '').replace(/;r=\d+;t=\d+/g, '');
  const text = res.text
    .replaceAll(record.key, 'KEY')
    .replaceAll(record.record?.key_prefix ?? record.prefix, 'PREFIX')
    .replaceAll(record.record?.key_last4 ?? record.last4, 'LAST4')
    .replace(/"request_id":"req_[0-9A-Za-z]{24}"/g, '"request_id":"REQ"')
    .replace(/"(remaining|reset)":\d+/g, '"$1":0');
  // /me is the key itself: its id is the one thing two identical keys do not share.
  const body = path === '/me' ? text.replace(`{"id":${record.id},"name"`, '{"id":0,"name"') : text;
  return { status: res.status, headers, text: body };
}

test('two identical fresh keys get the same answers from the lane and from the full path', LANE_ON, async () => {
  const make = async () => {
    const k = await createKey({ name: `lane twin ${RUN}`, permissions: READS, ...LIMITS });
    return { ...k, prefix: k.key.slice(0, 12), last4: k.key.slice(-4) };
  };
  const lean = await make();
  const full = await make();
  const paths = [...laneRequests(), '/services?per_page=1&page=2'];
  const answers = { lean: [], full: [] };
  for (const [name, k, on] of [['lean', lean, true], ['full', full, false]]) {
    setLane(on);
    for (const path of paths) {
      const res = await request(path, { key: k.key });
      assert.equal(laneOf(res), name, path);
      answers[name].push(comparable(res, k, path));
    }
    const head = await request('/services', { key: k.key, method: 'HEAD' });
    answers[name].push(comparable(head, k, 'HEAD /services'));
  }
  setLane(true);
  paths.push('HEAD /services');
  for (let i = 0; i < paths.length; i++) {
    assert.deepEqual(answers.lean[i], answers.full[i], paths[i]);
  }
  // The audit rows: the same events, routes, statuses and errors, in the same order.
  const rows = async (k) => (await logsOf(k.id)).filter((r) => r.event !== 'admin_action').map((r) => [r.event, r.method, r.route, r.status, r.error_code, r.client_ip, r.user_agent]);
  assert.deepEqual(await rows(lean), await rows(full));
  assert.equal((await rows(lean)).length, paths.length);
});

test('the loader steps aside for the full path when the lane is off, the schema behind or the loader of another version', LANE_ON, async () => {
  try {
    setLane(false);
    assert.equal(laneOf(await request('/me', { key })), 'full', 'the setting turns it off');
    setLane(true);
    assert.equal(laneOf(await request('/me', { key })), 'lean');

    wpPhp(`update_option(LatePointApi\\Support\\Schema::DB_VERSION_OPTION, '1');`);
    const behind = await request('/me', { key });
    assert.equal(laneOf(behind), 'full', 'a schema behind the code');
    assert.equal(behind.status, 200, 'and the full path brings the schema up to date');
    assert.equal(laneOf(await request('/me', { key })), 'lean');

    wpPhp(`file_put_contents(LatePointApi\\Lane\\Lane_Loader::path(), str_replace("'" . LPAPI_PLUGIN_VERSION . "'", "'0.0.1'", LatePointApi\\Lane\\Lane_Loader::contents()));`);
    assert.equal(laneOf(await request('/me', { key })), 'full', 'a loader of another version');
    assert.equal(wpPhp(`echo LatePointApi\\Lane\\Lane_Loader::status()['state'];`), 'outdated');
  } finally {
    wpPhp(`LatePointApi\\Lane\\Lane_Loader::install();`);
  }
  assert.equal(laneOf(await request('/me', { key })), 'lean');
});

test('while a LatePoint add-on is active, prices and availability take the full path and the rest the lane', LANE_ON, async () => {
  const addon = `latepoint-lane-test-${RUN}/latepoint-lane-test-${RUN}.php`;
  wpPhp(`$f = WP_PLUGIN_DIR . '/' . ${phpString(addon)}; wp_mkdir_p(dirname($f)); file_put_contents($f, "<?php\\n/**\\n * Plugin Name: LatePoint lane test add-on\\n */\\n");
$a = get_option('active_plugins'); $a[] = ${phpString(addon)}; update_option('active_plugins', $a);`);
  try {
    for (const path of ['/services', `/bookings/${D.booking}`, '/customers', `/availability?service_id=${D.service}&date_from=2031-03-03&date_to=2031-03-04`]) {
      assert.equal(laneOf(await request(path, { key })), 'full', path);
    }
    for (const path of ['/me', '/agents', '/locations', '/orders']) {
      assert.equal(laneOf(await request(path, { key })), 'lean', path);
    }
  } finally {
    wpPhp(`update_option('active_plugins', array_values(array_diff(get_option('active_plugins'), [${phpString(addon)}])));
$f = WP_PLUGIN_DIR . '/' . ${phpString(addon)}; unlink($f); rmdir(dirname($f));`);
  }
  assert.equal(laneOf(await request('/services', { key })), 'lean');
});

test('with the plugin inactive, a loader left behind does nothing', LANE_ON, async () => {
  const plugin = 'latepoint-api-keys/latepoint-api-keys.php';
  try {
    // Deactivation removes the loader; put it back as a stale copy would be.
    wpPhp(`require_once ABSPATH . 'wp-admin/includes/plugin.php'; $c = LatePointApi\\Lane\\Lane_Loader::contents(); deactivate_plugins(${phpString(plugin)}); file_put_contents(LatePointApi\\Lane\\Lane_Loader::path(), $c);`);
    const res = await request('/me', { key });
    assert.equal(res.status, 404, res.text.slice(0, 300));
    assert.equal(res.json?.code, 'rest_no_route', 'WordPress answers: the plugin is not loaded');
    assert.equal(res.headers.get('server-timing'), null);
  } finally {
    wpPhp(`require_once ABSPATH . 'wp-admin/includes/plugin.php'; activate_plugin(${phpString(plugin)});`);
  }
  assert.equal(wpPhp(`echo LatePointApi\\Lane\\Lane_Loader::status()['state'];`), 'in_place');
  const back = await request('/me', { key });
  assert.equal(back.status, 200);
  assert.equal(laneOf(back), 'lean');
});
