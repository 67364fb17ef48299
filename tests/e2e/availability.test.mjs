// Availability, the booking writes' slot check and agents' schedules over real HTTP, against
// hand-computed slots (LatePoint 5's own rules, read from its code: its booking form offers a slot
// for N attendees when what overlaps it leaves room for N).
//
// The dataset is unique per run: its own locations, agents, services and customers. The
// "general" schedule rows of the first part are wildcards on agent and service (agent_id 0,
// service_id 0) but tied to this run's location, so they change nothing for other suites; the
// agents of the second part (a5, a6) work around the clock by their own rows, at locations with
// no rows of their own. Everything is deleted and the settings restored in `after`.
//
// Writes need LatePoint's models: real LatePoint, or the tests' stand-ins (LPAPI_LATEPOINT_STAND_IN=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request, createKey, wpPhp, awayFromMinuteEdge, ROOT, seedLatePoint } from './stack.mjs';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const SETTINGS = [
  'timeslot_blocking_statuses',
  'timeblock_interval',
  'earliest_possible_booking',
  'latest_possible_booking',
  'one_location_at_time',
  'one_agent_at_location',
  'multiple_services_at_time',
];

const DAY = 86400000;
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);
// The first Monday at least 35 days ahead, and the days after it: far enough
// that "now" and the booking window never interfere.
const base = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + 35 * DAY;
const firstMonday = base + ((8 - new Date(base).getUTCDay()) % 7) * DAY;
const M1 = ymd(firstMonday);
const T1 = ymd(firstMonday + DAY); // Tuesday after M1
const M2 = ymd(firstMonday + 7 * DAY);
const M3 = ymd(firstMonday + 14 * DAY);
const M4 = ymd(firstMonday + 21 * DAY);
// Days of the around-the-clock agents, one per test.
const D_GROUP = ymd(firstMonday + 2 * DAY);
const D_MIN = ymd(firstMonday + 3 * DAY);
const D_RULES = ymd(firstMonday + 4 * DAY);
const D_BOOK = ymd(firstMonday + 9 * DAY);
const D_PAR = ymd(firstMonday + 10 * DAY);

let D; // dataset ids
let originalSettings;
let originalTimezone;
let key; // availability:read + agents:read
let writer; // bookings:create/update/read + availability:read
let noAvail; // agents:read only

const php = (s) => JSON.stringify(s).replace(/\$/g, '\\$');

function setSetting(name, value) {
  wpPhp(`global $wpdb; $t = $wpdb->prefix . 'latepoint_settings'; $wpdb->delete($t, ['name' => ${php(name)}]);
if (${value === null ? 'false' : 'true'}) { $wpdb->insert($t, ['name' => ${php(name)}, 'value' => ${php(value ?? '')}, 'created_at' => current_time('mysql'), 'updated_at' => current_time('mysql')]); }`);
}

/** Runs fn with LatePoint settings set, restoring them (to none) afterwards. */
async function withSettings(values, fn) {
  for (const [name, value] of Object.entries(values)) setSetting(name, value);
  try {
    return await fn();
  } finally {
    for (const name of Object.keys(values)) setSetting(name, null);
  }
}

/** Runs fn with the site's time zone set (timezone_string, or a gmt_offset when it is a number). */
async function withTimezone(zone, fn) {
  wpPhp(typeof zone === 'number' ? `update_option('timezone_string', ''); update_option('gmt_offset', ${zone});` : `update_option('timezone_string', ${php(zone)}); update_option('gmt_offset', 0);`);
  try {
    return await fn();
  } finally {
    wpPhp(`update_option('timezone_string', ${php(originalTimezone.timezone_string)}); update_option('gmt_offset', ${php(originalTimezone.gmt_offset)});`);
  }
}

/** HH:MM from minutes. */
const hm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
/** Every start from `from` to `last` (minutes), step `step`, as HH:MM. */
const starts = (from, last, step) => {
  const out = [];
  for (let t = from; t <= last; t += step) out.push(hm(t));
  return out;
};

async function avail(query, k = key) {
  const res = await request(`/availability?${new URLSearchParams(query)}`, { key: k });
  assert.equal(res.status, 200, res.text.slice(0, 500));
  assert.equal(res.json.status, 'success');
  return res.json.data;
}

/** Start times of one agent on one date. */
async function times(service, agent, date, extra = {}) {
  const data = await avail({ service_id: service, agent_id: agent, date_from: date, date_to: date, ...extra });
  for (const s of data) {
    assert.equal(s.agent_id, agent);
    assert.equal(s.start_date, date);
    assert.equal(s.service_id, service);
  }
  return data.map((s) => s.start_time);
}

/** start_time => capacity_left of one agent at one location on one date. */
async function capacities(service, agent, location, date, attendees = 1) {
  const data = await avail({ service_id: service, agent_id: agent, location_id: location, date_from: date, date_to: date, attendees });
  return Object.fromEntries(data.map((s) => [s.start_time, s.capacity_left]));
}

/** A booking row written straight into LatePoint's table (not through the API). */
function book(row) {
  return Number(
    wpPhp(`global $wpdb; $now = current_time('mysql');
$r = ${'json_decode(' + php(JSON.stringify(row)) + ', true)'};
$wpdb->insert($wpdb->prefix . 'latepoint_bookings', $r + ['booking_code' => 'AV' . substr(${php(RUN)}, -8), 'end_date' => $r['start_date'], 'customer_id' => 0, 'created_at' => $now, 'updated_at' => $now]);
echo (int) $wpdb->insert_id;`),
  );
}

/** A booking of a5/a6's services, written straight into the table: minutes, attendees. */
function bookAt(service, agent, location, date, start, duration, attendees = 1, status = 'approved') {
  return book({ start_date: date, start_time: start, end_time: start + duration, duration, buffer_before: 0, buffer_after: 0, status, service_id: service, agent_id: agent, location_id: location, total_attendees: attendees });
}

/** POST /bookings through the API. */
function post(fields) {
  return request('/bookings', { key: writer, method: 'POST', body: { customer_id: D.c1, status: 'approved', ...fields } });
}

function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.equal(res.json?.status, 'error', res.text.slice(0, 500));
  assert.equal(res.json.error.code, code, res.text.slice(0, 500));
  assert.match(res.json.error.request_id, /^req_/);
}

/** A 409 slot_unavailable with this details.reason; returns the details. */
function assertRefused(res, reason) {
  assertError(res, 409, 'slot_unavailable');
  assert.equal(res.json.error.details.reason, reason, res.text.slice(0, 500));
  return res.json.error.details;
}

/** The site's clock: now modified, as 'Y-m-d H:i' in the site's time zone. */
const siteNow = (modifier = '+0 minutes') => wpPhp(`echo (new DateTimeImmutable('now', wp_timezone()))->modify(${php(modifier)})->format('Y-m-d H:i');`).trim();

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['loc'] = $ins('locations', ['name' => "Avail $r", 'status' => 'active']);
$d['loc2'] = $ins('locations', ['name' => "Avail other $r", 'status' => 'active']);
$d['loc3'] = $ins('locations', ['name' => "Avail third $r", 'status' => 'active']);
$d['loc_off'] = $ins('locations', ['name' => "Avail closed $r", 'status' => 'disabled']);
foreach (['a1', 'a2', 'a3', 'a4', 'a5', 'a6'] as $a) { $d[$a] = $ins('agents', ['first_name' => "Av$a$r", 'email' => "av$a.$r@example.com", 'status' => 'active']); }
$svc = function ($name, $duration, $before, $after, $interval, $min, $max) use ($ins, $r) { return $ins('services', ['name' => "$name $r", 'duration' => $duration, 'buffer_before' => $before, 'buffer_after' => $after, 'timeblock_interval' => $interval, 'capacity_min' => $min, 'capacity_max' => $max, 'status' => 'active', 'visibility' => 'visible']); };
$d['s1'] = $svc('Cut', 60, 0, 15, 30, 1, 1);
$d['s2'] = $svc('Class', 60, 0, 0, 60, 1, 3);
$d['s3'] = $svc('Quick', 30, 0, 0, null, 1, 1);
$d['s4'] = $svc('Slot', 30, 0, 0, 30, 1, 1);
$d['s5'] = $svc('Group', 60, 0, 0, 15, 1, 3);
$d['s6'] = $svc('Other', 30, 0, 0, 30, 1, 1);
$d['s7'] = $svc('Prepared', 30, 30, 0, 30, 1, 1);
$d['s8'] = $svc('Minimum', 60, 0, 0, 60, 2, 3);
foreach (['a1', 'a2', 'a3'] as $a) { $ins('agents_services', ['agent_id' => $d[$a], 'service_id' => $d['s1'], 'location_id' => $d['loc']]); }
foreach (['s2', 's3'] as $s) { $ins('agents_services', ['agent_id' => $d['a4'], 'service_id' => $d[$s], 'location_id' => $d['loc']]); }
// a5 offers Slot at loc2 and loc3, Other and Prepared at loc2; a6 offers Group, Minimum and Slot at loc2.
foreach ([['a5', 's4', 'loc2'], ['a5', 's4', 'loc3'], ['a5', 's4', 'loc_off'], ['a5', 's6', 'loc2'], ['a5', 's7', 'loc2'], ['a6', 's5', 'loc2'], ['a6', 's8', 'loc2'], ['a6', 's4', 'loc2']] as list($a, $s, $l)) { $ins('agents_services', ['agent_id' => $d[$a], 'service_id' => $d[$s], 'location_id' => $d[$l]]); }
$wp = function ($agent, $service, $loc, $start, $end, $wd, $date = null) use ($ins) { return $ins('work_periods', ['agent_id' => $agent, 'service_id' => $service, 'location_id' => $loc, 'start_time' => $start, 'end_time' => $end, 'week_day' => $wd, 'custom_date' => $date]); };
// General schedule: any agent, any service, at this run's location: Mon-Fri 9:00-17:00.
for ($wd = 1; $wd <= 5; $wd++) { $wp(0, 0, $d['loc'], 540, 1020, $wd); }
// Weekends off at this location, explicitly: a site's own general rows (location 0) must not leak in.
for ($wd = 6; $wd <= 7; $wd++) { $wp(0, 0, $d['loc'], 0, 0, $wd); }
// a2's own Monday (any service, any location): 10:00-14:00, intersected with the location's Monday (the same weight).
$wp($d['a2'], 0, 0, 600, 840, 1);
// a3's own Monday: 0-0, a day off.
$wp($d['a3'], 0, 0, 0, 0, 1);
// a1: custom date M3 12:00-15:00, custom day off M4.
$wp($d['a1'], 0, 0, 720, 900, 1, ${php(M3)});
$wp($d['a1'], 0, 0, 0, 0, 1, ${php(M4)});
// Service s2 for any agent at any location: Monday 9:00-12:00 (intersected with the location-only row).
$wp(0, $d['s2'], 0, 540, 720, 1);
// a5 and a6 work around the clock, every day.
foreach (['a5', 'a6'] as $a) { for ($wd = 1; $wd <= 7; $wd++) { $wp($d[$a], 0, 0, 0, 1440, $wd); } }
foreach (['c1', 'c2'] as $c) { $d[$c] = $ins('customers', ['first_name' => "Av$c", 'last_name' => "Run$r", 'email' => "av$c.$r@example.com", 'status' => 'active', 'is_guest' => 1]); }
$d['settings'] = [];
foreach (${php(SETTINGS)} as $n) { $d['settings'][$n] = $wpdb->get_var($wpdb->prepare("SELECT value FROM {$p}settings WHERE name = %s ORDER BY id DESC LIMIT 1", $n)); }
$d['tz'] = ['timezone_string' => (string) get_option('timezone_string'), 'gmt_offset' => (string) get_option('gmt_offset')];`, { strict: true },
  );
  originalSettings = D.settings;
  originalTimezone = D.tz;
  for (const name of SETTINGS) setSetting(name, null);
  const limits = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
  key = (await createKey({ name: `avail ${RUN}`, permissions: ['availability:read', 'agents:read'], ...limits })).key;
  writer = (await createKey({ name: `avail writer ${RUN}`, permissions: ['availability:read', 'bookings:read', 'bookings:create', 'bookings:update'], ...limits })).key;
  noAvail = (await createKey({ name: `avail none ${RUN}`, permissions: ['agents:read', 'bookings:read'], ...limits })).key;
});

after(() => {
  if (!D) return;
  for (const name of SETTINGS) setSetting(name, originalSettings[name] ?? null);
  wpPhp(`global $wpdb; $p = $wpdb->prefix . 'latepoint_'; $d = json_decode(${php(JSON.stringify(D))}, true);
update_option('timezone_string', $d['tz']['timezone_string']); update_option('gmt_offset', $d['tz']['gmt_offset']);
$agents = implode(',', array_map('intval', [$d['a1'], $d['a2'], $d['a3'], $d['a4'], $d['a5'], $d['a6']]));
$services = implode(',', array_map('intval', [$d['s1'], $d['s2'], $d['s3'], $d['s4'], $d['s5'], $d['s6'], $d['s7'], $d['s8']]));
$locations = implode(',', array_map('intval', [$d['loc'], $d['loc2'], $d['loc3'], $d['loc_off']]));
$customers = implode(',', array_map('intval', [$d['c1'], $d['c2']]));
$suppress = $wpdb->suppress_errors(true);
$orders = implode(',', array_map('intval', $wpdb->get_col("SELECT id FROM {$p}orders WHERE customer_id IN ($customers)") ?: [0]));
$bookings = implode(',', array_map('intval', $wpdb->get_col("SELECT id FROM {$p}bookings WHERE agent_id IN ($agents)") ?: [0]));
$wpdb->query("DELETE FROM {$p}booking_meta WHERE object_id IN ($bookings)");
$wpdb->query("DELETE FROM {$p}process_jobs WHERE object_id IN ($bookings)");
$wpdb->query("DELETE FROM {$p}order_items WHERE order_id IN ($orders)");
$wpdb->query("DELETE FROM {$p}orders WHERE id IN ($orders)");
$wpdb->query("DELETE FROM {$p}activities WHERE agent_id IN ($agents) OR customer_id IN ($customers)");
$wpdb->suppress_errors($suppress);
$wpdb->query("DELETE FROM {$p}bookings WHERE agent_id IN ($agents)");
$wpdb->query("DELETE FROM {$p}customers WHERE id IN ($customers)");
$wpdb->query("DELETE FROM {$p}work_periods WHERE agent_id IN ($agents) OR service_id IN ($services) OR location_id IN ($locations)");
$wpdb->query("DELETE FROM {$p}agents_services WHERE agent_id IN ($agents)");
$wpdb->query("DELETE FROM {$p}service_meta WHERE object_id IN ($services)");
$wpdb->query("DELETE FROM {$p}agents WHERE id IN ($agents)");
$wpdb->query("DELETE FROM {$p}services WHERE id IN ($services)");
$wpdb->query("DELETE FROM {$p}locations WHERE id IN ($locations)");`);
});

test('general wildcard schedule (agent 0, service 0): 9:00-17:00 every 30 min, last 60-min slot at 16:00 despite its 15-min buffer', async () => {
  assert.deepEqual(await times(D.s1, D.a1, M1), starts(540, 960, 30));
  assert.deepEqual(await times(D.s1, D.a1, T1), starts(540, 960, 30));
  // Saturday: the location's 0-0 row.
  assert.deepEqual(await times(D.s1, D.a1, ymd(firstMonday + 5 * DAY)), []);
});

test("an agent's own rows of the same weight as the location's are intersected with them; other weekdays keep the location's", async () => {
  assert.deepEqual(await times(D.s1, D.a2, M1), ['10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00']);
  assert.deepEqual(await times(D.s1, D.a2, T1), starts(540, 960, 30));
});

test("an agent's own 0-0 row is a day off", async () => {
  assert.deepEqual(await times(D.s1, D.a3, M1), []);
  assert.deepEqual(await times(D.s1, D.a3, T1), starts(540, 960, 30));
});

test('a custom date overrides the weekday; a custom 0-0 date is a day off', async () => {
  assert.deepEqual(await times(D.s1, D.a1, M3), ['12:00', '12:30', '13:00', '13:30', '14:00']);
  assert.deepEqual(await times(D.s1, D.a1, M4), []);
  // Other agents are not affected by a1's custom dates.
  assert.deepEqual(await times(D.s1, D.a2, M4), ['10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00']);
});

test('a service-specific wildcard row (agent 0, service s2) narrows the location-only row; interval from the service', async () => {
  const data = await avail({ service_id: D.s2, agent_id: D.a4, date_from: M3, date_to: M3 });
  assert.deepEqual(data.map((s) => s.start_time), ['09:00', '10:00', '11:00']);
  assert.deepEqual(data.map((s) => s.end_time), ['10:00', '11:00', '12:00']);
  assert.ok(data.every((s) => s.capacity_left === 3 && s.location_id === D.loc));
  // Tuesday: no s2 row, so the general 9-17 applies, hourly.
  assert.deepEqual(await times(D.s2, D.a4, ymd(firstMonday + 15 * DAY)), starts(540, 960, 60));
});

test('buffers: a 10:00-11:00 booking with a 15-min buffer after removes 9:00, 9:30 and 11:00 (and 10:00, 10:30)', async () => {
  book({ start_date: M2, start_time: 600, end_time: 660, duration: 60, buffer_before: 0, buffer_after: 15, status: 'approved', service_id: D.s1, agent_id: D.a1, location_id: D.loc, total_attendees: 1 });
  assert.deepEqual(await times(D.s1, D.a1, M2), starts(690, 960, 30));
  // Other agents are free at that time.
  assert.ok((await times(D.s1, D.a2, M2)).includes('10:00'));
});

test('blocking statuses come from timeslot_blocking_statuses: pending blocks only when listed', async () => {
  book({ start_date: M2, start_time: 720, end_time: 780, duration: 60, buffer_before: 0, buffer_after: 15, status: 'pending', service_id: D.s1, agent_id: D.a2, location_id: D.loc, total_attendees: 1 });
  const all = ['10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00'];
  assert.deepEqual(await times(D.s1, D.a2, M2), all);
  await withSettings({ timeslot_blocking_statuses: 'approved,pending' }, async () => {
    assert.deepEqual(await times(D.s1, D.a2, M2), ['10:00', '10:30']);
  });
  assert.deepEqual(await times(D.s1, D.a2, M2), all);
});

test('capacity: overlapping bookings of the same service use places; a different service blocks completely', async () => {
  book({ start_date: M1, start_time: 600, end_time: 660, duration: 60, buffer_before: 0, buffer_after: 0, status: 'approved', service_id: D.s2, agent_id: D.a4, location_id: D.loc, total_attendees: 2 });
  book({ start_date: M1, start_time: 660, end_time: 690, duration: 30, buffer_before: 0, buffer_after: 0, status: 'approved', service_id: D.s3, agent_id: D.a4, location_id: D.loc, total_attendees: 1 });
  const data = await avail({ service_id: D.s2, agent_id: D.a4, date_from: M1, date_to: M1 });
  assert.deepEqual(
    data.map((s) => [s.start_time, s.capacity_left]),
    [
      ['09:00', 3],
      ['10:00', 1],
    ],
  );
  // s3 (30 min, capacity 1): the s2 class blocks 10:00 and 10:30, its own booking fills 11:00.
  assert.deepEqual(await times(D.s3, D.a4, M1), ['09:00', '09:30', ...starts(690, 990, 30)]);
  // One more attendee fills the class at 10:00.
  book({ start_date: M1, start_time: 600, end_time: 660, duration: 60, buffer_before: 0, buffer_after: 0, status: 'approved', service_id: D.s2, agent_id: D.a4, location_id: D.loc, total_attendees: 1 });
  assert.deepEqual(await times(D.s2, D.a4, M1), ['09:00']);
});

test('group capacity counts every overlapping booking, whatever its start: 13:45 takes places from 13:00 to 14:30, 14:15 from 13:30 to 15:00', async () => {
  bookAt(D.s5, D.a6, D.loc2, D_GROUP, 825, 60, 2); // 13:45-14:45, 2 of 3
  const overlaps = (t, from, to) => t < to && t + 60 > from; // strict: touching is no overlap
  const expect = (bookings) => {
    const out = {};
    for (let t = 0; t <= 1380; t += 15) {
      const used = bookings.filter(([from, to]) => overlaps(t, from, to)).reduce((n, b) => n + b[2], 0);
      if (3 - used >= 1) out[hm(t)] = 3 - used;
    }
    return out;
  };
  const one = await capacities(D.s5, D.a6, D.loc2, D_GROUP);
  assert.deepEqual(one, expect([[825, 885, 2]]));
  assert.equal(one['12:45'], 3, 'ends as the booking starts: no overlap');
  assert.equal(one['13:00'], 1);
  assert.equal(one['14:30'], 1);
  assert.equal(one['14:45'], 3, 'starts as the booking ends: no overlap');
  // Two attendees fit nowhere from 13:00 to 14:30.
  const two = await capacities(D.s5, D.a6, D.loc2, D_GROUP, 2);
  assert.deepEqual(Object.keys(two), Object.keys(one).filter((t) => one[t] >= 2));
  assert.ok(!('14:15' in two));

  // The booking form would not offer 14:15 to two more: refused; one more is fine.
  const refused = assertRefused(await post({ service_id: D.s5, agent_id: D.a6, location_id: D.loc2, start_date: D_GROUP, start_time: '14:15', total_attendees: 2 }), 'capacity');
  assert.deepEqual([refused.capacity_max, refused.capacity_left, refused.attendees], [3, 1, 2]);
  const ok = await post({ service_id: D.s5, agent_id: D.a6, location_id: D.loc2, start_date: D_GROUP, start_time: '14:15', total_attendees: 1 });
  assert.equal(ok.status, 201, ok.text);
  const after = await capacities(D.s5, D.a6, D.loc2, D_GROUP);
  assert.deepEqual(after, expect([[825, 885, 2], [855, 915, 1]]));
  assert.ok(!('14:00' in after), '14:00 overlaps both: full');
  assert.equal(after['15:00'], 2, '15:00 overlaps only the 14:15 one');
  assert.equal(after['13:00'], 1, '13:00 overlaps only the 13:45 one');
});

test('capacity_min: with the service meta block_timeslot_when_minimum_capacity_met on, reaching capacity_min blocks the slot', async () => {
  bookAt(D.s8, D.a6, D.loc2, D_MIN, 600, 60, 2); // 10:00-11:00, 2 attendees; capacity_min 2, capacity_max 3
  const meta = (value) =>
    wpPhp(`global $wpdb; $t = $wpdb->prefix . 'latepoint_service_meta'; $wpdb->delete($t, ['object_id' => ${D.s8}, 'meta_key' => 'block_timeslot_when_minimum_capacity_met']);
if (${value === null ? 'false' : 'true'}) { $wpdb->insert($t, ['object_id' => ${D.s8}, 'meta_key' => 'block_timeslot_when_minimum_capacity_met', 'meta_value' => ${php(value ?? '')}]); }`);
  // Off (no meta): one place left at 10:00.
  assert.equal((await capacities(D.s8, D.a6, D.loc2, D_MIN))['10:00'], 1);
  meta('on');
  try {
    const on = await capacities(D.s8, D.a6, D.loc2, D_MIN);
    assert.ok(!('10:00' in on), '2 booked >= capacity_min 2');
    assert.equal(on['09:00'], 3);
    assert.equal(on['11:00'], 3);
    const details = assertRefused(await post({ service_id: D.s8, agent_id: D.a6, location_id: D.loc2, start_date: D_MIN, start_time: '10:00', total_attendees: 1 }), 'capacity');
    assert.equal(details.minimum_reached, true);
    meta('off');
    assert.equal((await capacities(D.s8, D.a6, D.loc2, D_MIN))['10:00'], 1, "'off' is not on");
  } finally {
    meta(null);
  }
});

test('attendees: 1 to capacity_max; a slot is listed only when it has room for them', async () => {
  const date = ymd(firstMonday + 5 * DAY);
  bookAt(D.s5, D.a6, D.loc2, date, 600, 60, 1); // 10:00-11:00, 1 of 3
  const res = await request(`/availability?${new URLSearchParams({ service_id: D.s5, agent_id: D.a6, date_from: date, date_to: date, attendees: 3 })}`, { key });
  assert.equal(res.json.meta.attendees, 3);
  const three = res.json.data.map((s) => s.start_time);
  const two = Object.keys(await capacities(D.s5, D.a6, D.loc2, date, 2));
  const one = await capacities(D.s5, D.a6, D.loc2, date, 1);
  assert.ok(!three.includes('10:00') && !three.includes('09:15') && three.includes('09:00') && three.includes('11:00'));
  assert.ok(two.includes('10:00') && two.includes('09:15'));
  assert.equal(one['10:00'], 2);
  assert.equal(Object.keys(one).length, 93, 'every 15 minutes from 00:00 to 23:00');
  assert.deepEqual(two, Object.keys(one));
  assert.equal(three.length, 93 - 7, '09:15 to 10:45 have only two places');
  // Without the parameter: 1.
  assert.equal((await request(`/availability?service_id=${D.s5}&date_from=${date}&date_to=${date}`, { key })).json.meta.attendees, 1);
  const bad = async (attendees) => {
    const r = await request(`/availability?service_id=${D.s5}&date_from=${date}&date_to=${date}&attendees=${attendees}`, { key });
    assertError(r, 422, 'validation_failed');
    assert.deepEqual(Object.keys(r.json.error.details.fields), ['attendees'], r.text);
  };
  await bad(4); // more than capacity_max 3
  await bad(0);
  await bad(-1);
  await bad('abc');
  await bad(1.5);
  await bad(1001);
});

test('bookings of other locations, services and agents: the settings one_location_at_time, multiple_services_at_time, one_agent_at_location', async () => {
  bookAt(D.s4, D.a5, D.loc3, D_RULES, 600, 30); // a5 at another location, 10:00
  bookAt(D.s6, D.a5, D.loc2, D_RULES, 720, 30); // a5, another service, same location, 12:00
  bookAt(D.s4, D.a6, D.loc2, D_RULES, 840, 30); // another agent, same location, 14:00
  const at = async (location = D.loc2) => times(D.s4, D.a5, D_RULES, { location_id: location });
  const plain = await at();
  assert.ok(plain.includes('10:00'), 'another location does not block by default');
  assert.ok(!plain.includes('12:00'), 'another service at the same location blocks by default');
  assert.ok(plain.includes('14:00'), 'another agent does not block by default');
  assert.ok((await at(D.loc3)).includes('12:00'), "a5's other service at loc2 does not block loc3");
  assert.ok(!(await at(D.loc3)).includes('10:00'), 'its own booking at loc3');
  await withSettings({ one_location_at_time: 'on' }, async () => {
    const list = await at();
    assert.ok(!list.includes('10:00'));
    assert.ok(!(await at(D.loc3)).includes('12:00'));
  });
  await withSettings({ multiple_services_at_time: 'on' }, async () => assert.ok((await at()).includes('12:00')));
  await withSettings({ one_agent_at_location: 'on' }, async () => {
    assert.ok(!(await at()).includes('14:00'));
    assert.ok((await at(D.loc3)).includes('14:00'), 'only at that location');
  });
  assert.deepEqual(await at(), plain);
});

test('interval: the service has none, so the setting timeblock_interval, default 30', async () => {
  assert.deepEqual(await times(D.s3, D.a4, M2), starts(540, 990, 30));
  await withSettings({ timeblock_interval: '45' }, async () => {
    assert.deepEqual(await times(D.s3, D.a4, M2), starts(540, 990, 45));
    // A service with its own interval ignores the setting.
    assert.deepEqual(await times(D.s1, D.a1, T1), starts(540, 960, 30));
  });
});

test('all agents: sorted by start then agent; location filter; UTC and local datetimes; a slot names its fields as POST /bookings does', async () => {
  const data = await avail({ service_id: D.s1, date_from: M1, date_to: T1 });
  const sorted = [...data].sort((a, b) => a.start_datetime_utc.localeCompare(b.start_datetime_utc) || a.agent_id - b.agent_id);
  assert.deepEqual(data, sorted);
  // M1: a1 15 slots, a2 7, a3 off; T1: a1, a2, a3 15 each.
  assert.equal(data.length, 15 + 7 + 45);
  const at10 = data.filter((s) => s.start_date === M1 && s.start_time === '10:00').map((s) => s.agent_id);
  assert.deepEqual(at10, [D.a1, D.a2].sort((a, b) => a - b));
  const utc = wpPhp(`echo (new DateTimeImmutable(${php(M1 + ' 10:00:00')}, wp_timezone()))->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\\TH:i:s\\Z');`);
  assert.equal(data.find((s) => s.start_date === M1 && s.start_time === '10:00').start_datetime_utc, utc);
  assert.equal(Date.parse(data[0].start_datetime), Date.parse(data[0].start_datetime_utc));
  for (const s of data) {
    assert.deepEqual(Object.keys(s).sort(), ['agent_id', 'capacity_left', 'end_time', 'location_id', 'service_id', 'start_date', 'start_datetime', 'start_datetime_utc', 'start_time']);
    assert.match(s.start_time, /^\d\d:\d\d$/);
    assert.equal(s.service_id, D.s1);
  }
  assert.equal((await avail({ service_id: D.s1, date_from: M1, date_to: T1, location_id: D.loc })).length, data.length);
  assert.deepEqual(await avail({ service_id: D.s1, date_from: M1, date_to: T1, location_id: D.loc2 }), []);
  const res = await request(`/availability?service_id=${D.s1}&date_from=${M1}&date_to=${M1}`, { key });
  assert.equal(res.json.meta.count, 22);
  // An inactive location offers nothing (a5 is connected to s4 there).
  assert.deepEqual(await avail({ service_id: D.s4, agent_id: D.a5, location_id: D.loc_off, date_from: D_BOOK, date_to: D_BOOK }), []);
});

test('a slot from /availability is directly bookable with its own field names, and is then taken', async () => {
  const slots = await avail({ service_id: D.s5, agent_id: D.a6, location_id: D.loc2, date_from: D_BOOK, date_to: D_BOOK, attendees: 2 });
  const slot = slots.find((s) => s.start_time === '10:00');
  assert.ok(slot, 'a 10:00 slot for two');
  const pick = (o, names) => Object.fromEntries(names.map((n) => [n, o[n]]));
  const res = await post({ ...pick(slot, ['service_id', 'agent_id', 'location_id', 'start_date', 'start_time']), total_attendees: 2, customer_id: D.c2 });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(pick(res.json.data, ['service_id', 'agent_id', 'location_id', 'start_date', 'start_time', 'end_time', 'start_datetime_utc']), pick(slot, ['service_id', 'agent_id', 'location_id', 'start_date', 'start_time', 'end_time', 'start_datetime_utc']));
  const now = await capacities(D.s5, D.a6, D.loc2, D_BOOK);
  assert.equal(now['10:00'], 1);
  assert.ok(!('10:00' in (await capacities(D.s5, D.a6, D.loc2, D_BOOK, 2))));
});

test('writes refuse what the booking form would not offer: off the grid, outside working hours, past, another service, a full slot; a change re-checks without the booking itself', async () => {
  const at = (start_time, more = {}) => post({ service_id: D.s4, agent_id: D.a5, location_id: D.loc2, start_date: D_BOOK, start_time, ...more });
  assert.equal(assertRefused(await at('10:10'), 'not_on_grid').interval, 30);
  assertRefused(await post({ service_id: D.s1, agent_id: D.a1, location_id: D.loc, start_date: M2, start_time: '08:00' }), 'agent_not_working');
  assertRefused(await post({ service_id: D.s1, agent_id: D.a1, location_id: D.loc, start_date: M2, start_time: '16:30' }), 'agent_not_working'); // would end 17:30
  assertRefused(await post({ service_id: D.s1, agent_id: D.a1, location_id: D.loc, start_date: M4, start_time: '10:00' }), 'agent_not_working'); // custom day off
  assertRefused(await post({ service_id: D.s1, agent_id: D.a1, location_id: D.loc2, start_date: M1, start_time: '10:00' }), 'service_not_offered');
  assertRefused(await post({ service_id: D.s4, agent_id: D.a5, location_id: D.loc_off, start_date: D_BOOK, start_time: '10:00' }), 'location_inactive');
  const yesterday = siteNow('-1 day').slice(0, 10);
  assertRefused(await at('10:00', { start_date: yesterday }), 'past');
  // a5's other service at 12:00 blocks Slot at 12:00 (same agent and location).
  const other = await post({ service_id: D.s6, agent_id: D.a5, location_id: D.loc2, start_date: D_BOOK, start_time: '12:00' });
  assert.equal(other.status, 201, other.text);
  assert.equal(assertRefused(await at('12:00'), 'overlap').conflicting_booking_id, other.json.data.id);
  assert.equal(assertRefused(await at('12:00', { total_attendees: 2 }), 'overlap').conflicting_booking_id, other.json.data.id);

  const first = await at('09:00');
  assert.equal(first.status, 201, first.text);
  assertRefused(await at('09:00', { customer_id: D.c2 }), 'capacity');
  const id = first.json.data.id;
  const patch = (body) => request(`/bookings/${id}`, { key: writer, method: 'PATCH', body });
  assertRefused(await patch({ start_time: '09:10' }), 'not_on_grid');
  assertRefused(await patch({ start_time: '12:00' }), 'overlap');
  assertRefused(await patch({ total_attendees: 2 }), 'capacity');
  // Moving onto its own time, or 30 minutes on: only itself is there, and it is not counted.
  const moved = await patch({ start_time: '09:30' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.data.start_time, '09:30');
  assert.equal((await patch({ start_time: '09:30' })).status, 200);
  // A status change needs no free slot, even on a slot another booking now fills.
  bookAt(D.s4, D.a5, D.loc2, D_BOOK, 570, 30, 1, 'approved'); // a second one at 09:30 (written past the API)
  assert.equal((await patch({ status: 'pending' })).status, 200);
});

test('ten parallel bookings of a capacity-3 slot: exactly three are written, even when every write is held up between its check and its insert', async () => {
  // Another transaction holds the customer's row for a while: each write checks its slot, then waits on
  // that row (a create saves its customer) before inserting. Without the check's locks, every write in
  // a worker meanwhile would pass the check and then insert.
  const holder = spawn(`${ROOT}/scripts/stack.sh`, ['php', '-r', `global $wpdb; $wpdb->query('START TRANSACTION'); $wpdb->get_var($wpdb->prepare("SELECT id FROM {$wpdb->prefix}latepoint_customers WHERE id = %d FOR UPDATE", ${D.c1})); echo "locked\\n"; sleep(3); $wpdb->query('COMMIT'); echo "released\\n";`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const released = new Promise((resolve) => holder.on('close', resolve));
  await new Promise((resolve, reject) => {
    holder.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('locked')) resolve();
    });
    holder.on('close', () => reject(new Error(`the lock holder ended early: ${out}`)));
  });
  const results = await Promise.all(
    Array.from({ length: 10 }, () => post({ service_id: D.s5, agent_id: D.a6, location_id: D.loc2, start_date: D_PAR, start_time: '10:00', customer_id: D.c1 })),
  );
  await released;
  assert.match(out, /released/);
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 201, 201, 409, 409, 409, 409, 409, 409, 409], results.map((r) => r.text.slice(0, 200)).join('\n'));
  for (const r of results.filter((x) => x.status === 409)) assertRefused(r, 'capacity');
  const count = Number(wpPhp(`global $wpdb; echo (int) $wpdb->get_var($wpdb->prepare("SELECT COUNT(*) FROM {$wpdb->prefix}latepoint_bookings WHERE agent_id = %d AND start_date = %s", ${D.a6}, ${php(D_PAR)}));`));
  assert.equal(count, 3);
});

test('earliest_possible_booking: minute level, from now, the buffer before included; never before now', async () => {
  await awayFromMinuteEdge(25);
  const today = siteNow().slice(0, 10);
  const dayAfter = siteNow('+2 days').slice(0, 10);
  // What LatePoint blocks: every day before the block's end date, and its minutes up to the block's end.
  const expected = (date, blockEnd, bufferBefore) => {
    const [bd, bt] = blockEnd.split(' ');
    const bm = Number(bt.slice(0, 2)) * 60 + Number(bt.slice(3));
    if (date < bd) return [];
    const out = [];
    for (let t = 0; t <= 1410; t += 30) if (date > bd || t - bufferBefore >= bm) out.push(hm(t));
    return out;
  };
  const check = async (service, bufferBefore, blockEnd) => {
    const data = await avail({ service_id: service, agent_id: D.a5, location_id: D.loc2, date_from: today, date_to: dayAfter });
    for (let d = 0; d <= 2; d++) {
      const date = siteNow(`+${d} days`).slice(0, 10);
      assert.deepEqual(data.filter((s) => s.start_date === date).map((s) => s.start_time), expected(date, blockEnd, bufferBefore), `${date}, blocked until ${blockEnd}`);
    }
  };
  // No setting: from now.
  await check(D.s4, 0, siteNow());
  await check(D.s7, 30, siteNow());
  await withSettings({ earliest_possible_booking: '+3 hours' }, async () => {
    await check(D.s4, 0, siteNow('+3 hours'));
    await check(D.s7, 30, siteNow('+3 hours'));
    // The write is refused inside the block, accepted at its first slot.
    const first = (await avail({ service_id: D.s4, agent_id: D.a5, location_id: D.loc2, date_from: today, date_to: dayAfter }))[0];
    const [bd, bt] = siteNow('+3 hours').split(' ');
    const bm = Number(bt.slice(0, 2)) * 60 + Number(bt.slice(3));
    const inside = bm >= 30 ? { start_date: bd, start_time: hm(Math.floor((bm - 1) / 30) * 30) } : null;
    if (inside && `${inside.start_date} ${inside.start_time}` > siteNow()) {
      assertRefused(await post({ service_id: D.s4, agent_id: D.a5, location_id: D.loc2, ...inside }), 'too_early');
    }
    assert.ok(first);
    const ok = await post({ service_id: D.s4, agent_id: D.a5, location_id: D.loc2, start_date: first.start_date, start_time: first.start_time });
    assert.equal(ok.status, 201, ok.text);
  });
  // A negative setting never opens the past.
  await withSettings({ earliest_possible_booking: '-2 days' }, async () => {
    const yesterday = siteNow('-1 day').slice(0, 10);
    // (Slot at loc3: the booking just made is at loc2.)
    const data = await avail({ service_id: D.s4, agent_id: D.a5, location_id: D.loc3, date_from: yesterday, date_to: today });
    assert.deepEqual(data.map((s) => s.start_time), expected(today, siteNow(), 0));
  });
});

test('latest_possible_booking: whole days up to its date (as the booking form\'s calendar), nothing after', async () => {
  const today = siteNow().slice(0, 10);
  const last = siteNow('+2 days').slice(0, 10);
  const after = siteNow('+3 days').slice(0, 10);
  await withSettings({ latest_possible_booking: '+2 days' }, async () => {
    const data = await avail({ service_id: D.s6, agent_id: D.a5, location_id: D.loc2, date_from: today, date_to: siteNow('+6 days').slice(0, 10) });
    assert.deepEqual(data.filter((s) => s.start_date === last).map((s) => s.start_time), starts(0, 1410, 30), 'the whole last day');
    assert.deepEqual(data.filter((s) => s.start_date > last), []);
    assertRefused(await post({ service_id: D.s6, agent_id: D.a5, location_id: D.loc2, start_date: after, start_time: '00:00' }), 'too_late');
    const ok = await post({ service_id: D.s6, agent_id: D.a5, location_id: D.loc2, start_date: last, start_time: '23:30' });
    assert.equal(ok.status, 201, ok.text);
  });
  assert.ok((await avail({ service_id: D.s6, agent_id: D.a5, location_id: D.loc2, date_from: after, date_to: after })).length > 0, 'without the setting');
});

test('site time zone other than UTC: Europe/Berlin (with summer time) and a +05:30 offset', async () => {
  const year = new Date().getUTCFullYear() + 1;
  const winter = `${year}-01-14`;
  const summer = `${year}-07-14`;
  await withTimezone('Europe/Berlin', async () => {
    for (const [date, offset, utc] of [
      [winter, '+01:00', `${winter}T09:00:00Z`],
      [summer, '+02:00', `${summer}T08:00:00Z`],
    ]) {
      const res = await request(`/availability?${new URLSearchParams({ service_id: D.s4, agent_id: D.a5, location_id: D.loc3, date_from: date, date_to: date })}`, { key });
      assert.equal(res.json.meta.timezone, 'Europe/Berlin');
      const ten = res.json.data.find((s) => s.start_time === '10:00');
      assert.equal(ten.start_datetime, `${date}T10:00:00${offset}`);
      assert.equal(ten.start_datetime_utc, utc);
      assert.equal(res.json.data.length, 48);
    }
    // "Today" and "now" are Berlin's: nothing before Berlin's now, and today's slots start right after it.
    await awayFromMinuteEdge(20);
    const now = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date()).replace(',', '');
    assert.equal(siteNow(), now);
    const today = now.slice(0, 10);
    const data = await avail({ service_id: D.s4, agent_id: D.a5, location_id: D.loc3, date_from: today, date_to: today });
    assert.ok(data.every((s) => `${s.start_date} ${s.start_time}` >= now), 'never before now');
    const minute = Number(now.slice(11, 13)) * 60 + Number(now.slice(14));
    assert.equal(data.length, 48 - Math.ceil(minute / 30));
    // A booking at 10:00 Berlin time is stored at 09:00 UTC in winter.
    const booked = await post({ service_id: D.s4, agent_id: D.a5, location_id: D.loc3, start_date: winter, start_time: '10:00' });
    assert.equal(booked.status, 201, booked.text);
    assert.equal(booked.json.data.start_datetime_utc, `${winter}T09:00:00Z`);
  });
  await withTimezone(5.5, async () => {
    const res = await request(`/availability?${new URLSearchParams({ service_id: D.s4, agent_id: D.a5, location_id: D.loc3, date_from: summer, date_to: summer })}`, { key });
    const ten = res.json.data.find((s) => s.start_time === '10:00');
    assert.equal(ten.start_datetime, `${summer}T10:00:00+05:30`);
    assert.equal(ten.start_datetime_utc, `${summer}T04:30:00Z`);
  });
});

test('permission, validation (422 per field), unknown service 404', async () => {
  const q = `service_id=${D.s1}&date_from=${M1}&date_to=${M1}`;
  const denied = await request(`/availability?${q}`, { key: noAvail });
  assertError(denied, 403, 'insufficient_permissions');
  assert.equal(denied.json.error.details.required_permission, 'availability:read');
  assertError(await request(`/availability?${q}`), 401, 'missing_api_key');
  // Permission is checked before validation.
  assertError(await request('/availability?date_to=nope', { key: noAvail }), 403, 'insufficient_permissions');

  const bad = async (query, fields) => {
    const res = await request(`/availability?${query}`, { key });
    assertError(res, 422, 'validation_failed');
    assert.deepEqual(Object.keys(res.json.error.details.fields).sort(), fields.sort(), res.text);
  };
  await bad(`service_id=${D.s1}&date_from=${M1}&date_to=${ymd(firstMonday + 39 * DAY)}`, ['date_to']);
  await bad(`service_id=${D.s1}&date_from=${M1}&date_to=${ymd(firstMonday + 31 * DAY)}`, ['date_to']);
  await bad(`service_id=${D.s1}&date_from=${M2}&date_to=${M1}`, ['date_to']);
  await bad(`service_id=${D.s1}&date_from=2031-02-30&date_to=2031-03-01`, ['date_from']);
  await bad(`service_id=${D.s1}&date_from=tomorrow&date_to=13/01/2031`, ['date_from', 'date_to']);
  await bad(`date_from=${M1}`, ['service_id']);
  await bad(`service_id=abc&agent_id=-1&location_id=1%27%20OR%201=1&attendees=x`, ['service_id', 'agent_id', 'location_id', 'attendees']);
  // 31 days, both ends included, is allowed.
  await avail({ service_id: D.s1, agent_id: D.a1, date_from: M1, date_to: ymd(firstMonday + 30 * DAY) });

  assertError(await request(`/availability?service_id=2147483000&date_from=${M1}&date_to=${M1}`, { key }), 404, 'not_found');
  assertError(await request(`/availability?service_id=${D.s1}&agent_id=2147483000&date_from=${M1}&date_to=${M1}`, { key }), 404, 'not_found');
  // An agent who does not offer the service: no slots.
  assert.deepEqual(await avail({ service_id: D.s1, agent_id: D.a4, date_from: M1, date_to: M1 }), []);
});

test('GET /agents/{id}/schedule: weekly periods and custom dates, resolved', async () => {
  const get = async (id, query = '') => {
    const res = await request(`/agents/${id}/schedule${query}`, { key });
    assert.equal(res.status, 200, res.text.slice(0, 500));
    return res.json.data;
  };
  const periods = (p) => p.map((x) => `${x.start_time}-${x.end_time}`);
  const loc = `?location_id=${D.loc}`;

  const a2 = await get(D.a2, loc);
  assert.equal(a2.agent_id, D.a2);
  assert.equal(a2.weekly.length, 7);
  assert.deepEqual(a2.weekly.map((d) => d.day), ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);
  assert.deepEqual(a2.weekly.map((d) => periods(d.periods)), [['10:00-14:00'], ['09:00-17:00'], ['09:00-17:00'], ['09:00-17:00'], ['09:00-17:00'], [], []]);
  assert.deepEqual(a2.custom_dates, []);

  const a3 = await get(D.a3, loc);
  assert.equal(a3.weekly[0].day_off, true);
  assert.deepEqual(a3.weekly[0].periods, []);
  assert.deepEqual(periods(a3.weekly[1].periods), ['09:00-17:00']);

  const a1 = await get(D.a1, loc);
  assert.deepEqual(a1.custom_dates, [
    { date: M3, day_off: false, periods: [{ start_time: '12:00', end_time: '15:00' }] },
    { date: M4, day_off: true, periods: [] },
  ]);
  // Without the location, only rows for any location (location 0) apply: this run's general rows are
  // its own location's. So a1's Tuesday comes from the site's own general rows (agent, service and
  // location 0): none at all means LatePoint's default 8:00-17:00 (LatePoint writes it on its first
  // read); some, but none for Tuesday, mean a day off.
  const site = JSON.parse(wpPhp(`global $wpdb; $t = $wpdb->prefix . 'latepoint_work_periods'; echo json_encode([(int) $wpdb->get_var("SELECT COUNT(*) FROM $t WHERE agent_id = 0 AND service_id = 0 AND location_id = 0 AND custom_date IS NULL"), (int) $wpdb->get_var("SELECT COUNT(*) FROM $t WHERE agent_id = 0 AND service_id = 0 AND location_id = 0 AND week_day = 2 AND custom_date IS NULL AND end_time > start_time")]);`));
  const a1Tuesday = periods((await get(D.a1)).weekly[1].periods);
  if (site[0] === 0) assert.deepEqual(a1Tuesday, ['08:00-17:00']);
  else if (site[1] === 0) assert.deepEqual(a1Tuesday, []);
  else assert.ok(a1Tuesday.length > 0, "the site's own location-wide rows apply");
  assert.deepEqual(periods((await get(D.a2)).weekly[0].periods), ['10:00-14:00']);
  // Resolved for a service: s2's own Monday row, intersected with the location's.
  assert.deepEqual(periods((await get(D.a4, `${loc}&service_id=${D.s2}`)).weekly[0].periods), ['09:00-12:00']);
  assert.deepEqual(periods((await get(D.a4, loc)).weekly[0].periods), ['09:00-17:00']);

  assertError(await request('/agents/2147483000/schedule', { key }), 404, 'not_found');
  assertError(await request(`/agents/${D.a1}/schedule?service_id=x`, { key }), 422, 'validation_failed');
  const denied = await request(`/agents/${D.a1}/schedule`, { key: (await createKey({ name: `avail only ${RUN}`, permissions: ['availability:read'] })).key });
  assertError(denied, 403, 'insufficient_permissions');
});

test('Booking_Slots::refusal: the check the booking writes share, reason by reason', () => {
  const refusal = (b, ignore = null) =>
    JSON.parse(wpPhp(`echo json_encode(LatePointApi\\LatePoint\\Booking_Slots::refusal(json_decode(${php(JSON.stringify(b))}, true), ${ignore === null ? 'null' : Number(ignore)}));`));
  const s1 = (date, start, more = {}) => ({ agent_id: D.a1, service_id: D.s1, location_id: D.loc, start_date: date, start_time: start, duration: 60, buffer_before: 0, buffer_after: 15, total_attendees: 1, ...more });
  const reason = (b, ignore) => refusal(b, ignore)?.details?.reason ?? null;
  // a1, s1 on M2 has an approved 10:00-11:00 (+15) booking: same service, so it fills the slots it overlaps.
  assert.equal(refusal(s1(M2, 720)), null);
  assert.equal(reason(s1(M2, 540)), 'capacity');
  assert.equal(reason(s1(M2, 600)), 'capacity');
  assert.equal(reason(s1(M2, 660)), 'capacity');
  assert.equal(reason(s1(M2, 690)), null);
  assert.equal(reason(s1(M2, 675)), 'not_on_grid', '11:15 is not on the 30-min grid');
  assert.equal(reason(s1(M1, 480)), 'agent_not_working');
  assert.equal(reason(s1(M1, 990)), 'agent_not_working');
  assert.equal(reason(s1(M4, 600)), 'agent_not_working');
  assert.equal(reason(s1(M1, 600, { agent_id: D.a4 })), 'service_not_offered');
  assert.equal(reason(s1(M1, 600, { location_id: D.loc2 })), 'service_not_offered');
  assert.equal(reason(s1(M1, 600, { location_id: 2147483000 })), 'location_inactive');
  assert.equal(reason(s1(M1, 600, { service_id: 2147483000 })), 'service_not_found');
  assert.equal(reason(s1(M1, 600, { agent_id: 2147483000 })), 'agent_not_found');
  assert.equal(reason(s1('2001-01-01', 600)), 'past');
  const c = refusal(s1(M2, 540));
  assert.equal(typeof c.message, 'string');
  assert.deepEqual([c.details.capacity_max, c.details.capacity_left, c.details.attendees], [1, 0, 1]);
  // Moving the booking onto itself is fine when it is ignored.
  const id = Number(wpPhp(`global $wpdb; echo (int) $wpdb->get_var($wpdb->prepare("SELECT id FROM {$wpdb->prefix}latepoint_bookings WHERE agent_id = %d AND start_date = %s", ${D.a1}, ${php(M2)}));`));
  assert.equal(refusal(s1(M2, 630), id), null);
  // Capacity: the s2 class at 10:00 on M1 is full (3 of 3); 9:00 has 3 places; s3 at 11:00 blocks s2 there.
  const s2 = (start, attendees = 1) => ({ agent_id: D.a4, service_id: D.s2, location_id: D.loc, start_date: M1, start_time: start, duration: 60, buffer_before: 0, buffer_after: 0, total_attendees: attendees });
  assert.equal(reason(s2(600)), 'capacity');
  assert.equal(reason(s2(540, 3)), null);
  assert.equal(reason(s2(540, 4)), 'capacity');
  const overlap = refusal(s2(660));
  assert.equal(overlap.details.reason, 'overlap');
  assert.equal(typeof overlap.details.conflicting_booking_id, 'number');
});

test('a fixed number of queries per call, whatever the range', () => {
  const count = (to) =>
    JSON.parse(
      wpPhp(`global $wpdb; $q = $wpdb->num_queries; $r = LatePointApi\\LatePoint\\Availability::slots(${D.s1}, ${php(M1)}, ${php(to)});
echo json_encode([$wpdb->num_queries - $q, count($r['slots'])]);`),
    );
  const [oneDay, oneDaySlots] = count(M1);
  const [month, monthSlots] = count(ymd(firstMonday + 30 * DAY));
  assert.ok(monthSlots > 10 * oneDaySlots, `${monthSlots} slots over 31 days`);
  assert.equal(month, oneDay);
  assert.ok(oneDay <= 6, `${oneDay} queries`);
});
