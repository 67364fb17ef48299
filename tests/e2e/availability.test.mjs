// Availability and agents' schedules over real HTTP, against hand-computed
// slots (LatePoint's own rules, read from its code).
//
// The dataset is unique per run: its own location, agents and services. The
// "general" schedule rows are wildcards on agent and service (agent_id 0,
// service_id 0) but tied to this run's location, so they change nothing for
// other suites; everything is deleted and the settings restored in `after`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, createKey, wpPhp, ROOT } from './stack.mjs';

const FIXTURE = `${ROOT}/scripts/stack/latepoint-fixture.php`;
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const SETTINGS = ['timeslot_blocking_statuses', 'timeblock_interval', 'earliest_possible_booking', 'latest_possible_booking'];

const DAY = 86400000;
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);
// The first Monday at least 35 days ahead, and the three after it: far enough
// that "now" and the booking window never interfere.
const base = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + 35 * DAY;
const firstMonday = base + ((8 - new Date(base).getUTCDay()) % 7) * DAY;
const M1 = ymd(firstMonday);
const T1 = ymd(firstMonday + DAY); // Tuesday after M1
const M2 = ymd(firstMonday + 7 * DAY);
const M3 = ymd(firstMonday + 14 * DAY);
const M4 = ymd(firstMonday + 21 * DAY);

let D; // dataset ids
let originalSettings;
let key; // availability:read + agents:read
let noAvail; // agents:read only

const php = (s) => JSON.stringify(s).replace(/\$/g, '\\$');

function setSetting(name, value) {
  wpPhp(`global $wpdb; $t = $wpdb->prefix . 'latepoint_settings'; $wpdb->delete($t, ['name' => ${php(name)}]);
if (${value === null ? 'false' : 'true'}) { $wpdb->insert($t, ['name' => ${php(name)}, 'value' => ${php(value ?? '')}, 'created_at' => current_time('mysql'), 'updated_at' => current_time('mysql')]); }`);
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
    assert.equal(s.date, date);
  }
  return data.map((s) => s.start_time);
}

function book(row) {
  return Number(
    wpPhp(`global $wpdb; $now = current_time('mysql');
$r = ${'json_decode(' + php(JSON.stringify(row)) + ', true)'};
$wpdb->insert($wpdb->prefix . 'latepoint_bookings', $r + ['booking_code' => 'AV' . substr(${php(RUN)}, -8), 'end_date' => $r['start_date'], 'customer_id' => 0, 'created_at' => $now, 'updated_at' => $now]);
echo (int) $wpdb->insert_id;`),
  );
}

function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.equal(res.json?.status, 'error', res.text.slice(0, 500));
  assert.equal(res.json.error.code, code, res.text.slice(0, 500));
  assert.match(res.json.error.request_id, /^req_/);
}

before(async () => {
  D = JSON.parse(
    wpPhp(`require ${php(FIXTURE)}; LatePointApi\\Fixture\\create_latepoint_tables();
global $wpdb; $p = $wpdb->prefix . 'latepoint_'; $r = ${php(RUN)}; $now = current_time('mysql');
$ins = function ($t, $row) use ($wpdb, $p, $now) { $wpdb->insert($p . $t, $row + ['created_at' => $now, 'updated_at' => $now]); if ($wpdb->last_error) { throw new Exception($wpdb->last_error); } return (int) $wpdb->insert_id; };
$d = [];
$d['loc'] = $ins('locations', ['name' => "Avail $r", 'status' => 'active']);
$d['loc2'] = $ins('locations', ['name' => "Avail other $r", 'status' => 'active']);
foreach (['a1', 'a2', 'a3', 'a4'] as $a) { $d[$a] = $ins('agents', ['first_name' => "Av$a$r", 'email' => "av$a.$r@example.com", 'status' => 'active']); }
$d['s1'] = $ins('services', ['name' => "Cut $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 15, 'timeblock_interval' => 30, 'capacity_min' => 1, 'capacity_max' => 1, 'status' => 'active', 'visibility' => 'visible']);
$d['s2'] = $ins('services', ['name' => "Class $r", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 3, 'status' => 'active', 'visibility' => 'visible']);
$d['s3'] = $ins('services', ['name' => "Quick $r", 'duration' => 30, 'buffer_before' => 0, 'buffer_after' => 0, 'capacity_min' => 1, 'capacity_max' => 1, 'status' => 'active', 'visibility' => 'visible']);
foreach (['a1', 'a2', 'a3'] as $a) { $ins('agents_services', ['agent_id' => $d[$a], 'service_id' => $d['s1'], 'location_id' => $d['loc']]); }
foreach (['s2', 's3'] as $s) { $ins('agents_services', ['agent_id' => $d['a4'], 'service_id' => $d[$s], 'location_id' => $d['loc']]); }
$wp = function ($agent, $service, $loc, $start, $end, $wd, $date = null) use ($ins) { return $ins('work_periods', ['agent_id' => $agent, 'service_id' => $service, 'location_id' => $loc, 'start_time' => $start, 'end_time' => $end, 'week_day' => $wd, 'custom_date' => $date]); };
// General schedule: any agent, any service, at this run's location: Mon-Fri 9:00-17:00.
for ($wd = 1; $wd <= 5; $wd++) { $wp(0, 0, $d['loc'], 540, 1020, $wd); }
// Weekends off at this location, explicitly: a site's own general rows (location 0) must not leak in.
for ($wd = 6; $wd <= 7; $wd++) { $wp(0, 0, $d['loc'], 0, 0, $wd); }
// a2's own Monday (any service, any location): 10:00-14:00 replaces the general Monday.
$wp($d['a2'], 0, 0, 600, 840, 1);
// a3's own Monday: 0-0, a day off.
$wp($d['a3'], 0, 0, 0, 0, 1);
// a1: custom date M3 12:00-15:00, custom day off M4.
$wp($d['a1'], 0, 0, 720, 900, 1, ${php(M3)});
$wp($d['a1'], 0, 0, 0, 0, 1, ${php(M4)});
// Service s2 for any agent at any location: Monday 9:00-12:00 (beats the location-only general row).
$wp(0, $d['s2'], 0, 540, 720, 1);
$d['settings'] = [];
foreach (${php(SETTINGS)} as $n) { $d['settings'][$n] = $wpdb->get_var($wpdb->prepare("SELECT value FROM {$p}settings WHERE name = %s ORDER BY id DESC LIMIT 1", $n)); }
echo json_encode($d);`),
  );
  originalSettings = D.settings;
  for (const name of SETTINGS) setSetting(name, null);
  const limits = { rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 };
  key = (await createKey({ name: `avail ${RUN}`, permissions: ['availability:read', 'agents:read'], ...limits })).key;
  noAvail = (await createKey({ name: `avail none ${RUN}`, permissions: ['agents:read', 'bookings:read'], ...limits })).key;
});

after(() => {
  if (!D) return;
  for (const name of SETTINGS) setSetting(name, originalSettings[name] ?? null);
  wpPhp(`global $wpdb; $p = $wpdb->prefix . 'latepoint_'; $d = json_decode(${php(JSON.stringify(D))}, true);
$agents = implode(',', array_map('intval', [$d['a1'], $d['a2'], $d['a3'], $d['a4']]));
$services = implode(',', array_map('intval', [$d['s1'], $d['s2'], $d['s3']]));
$wpdb->query("DELETE FROM {$p}bookings WHERE agent_id IN ($agents)");
$wpdb->query("DELETE FROM {$p}work_periods WHERE agent_id IN ($agents) OR service_id IN ($services) OR location_id IN ({$d['loc']}, {$d['loc2']})");
$wpdb->query("DELETE FROM {$p}agents_services WHERE agent_id IN ($agents)");
$wpdb->query("DELETE FROM {$p}agents WHERE id IN ($agents)");
$wpdb->query("DELETE FROM {$p}services WHERE id IN ($services)");
$wpdb->query("DELETE FROM {$p}locations WHERE id IN ({$d['loc']}, {$d['loc2']})");`);
});

test('general wildcard schedule (agent 0, service 0): 9:00-17:00 every 30 min, last 60-min slot at 16:00 despite its 15-min buffer', async () => {
  assert.deepEqual(await times(D.s1, D.a1, M1), starts(540, 960, 30));
  assert.deepEqual(await times(D.s1, D.a1, T1), starts(540, 960, 30));
  // Saturday: no rows at all.
  assert.deepEqual(await times(D.s1, D.a1, ymd(firstMonday + 5 * DAY)), []);
});

test("an agent's own rows replace the general schedule for that weekday; other weekdays keep the general one", async () => {
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

test('a service-specific wildcard row (agent 0, service s2) beats the location-only general row; interval from the service', async () => {
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
  setSetting('timeslot_blocking_statuses', 'approved,pending');
  try {
    assert.deepEqual(await times(D.s1, D.a2, M2), ['10:00', '10:30']);
  } finally {
    setSetting('timeslot_blocking_statuses', null);
  }
  assert.deepEqual(await times(D.s1, D.a2, M2), all);
});

test('capacity: same service and start uses places; a different service blocks completely', async () => {
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

test('interval: the service has none, so the setting timeblock_interval, default 30', async () => {
  assert.deepEqual(await times(D.s3, D.a4, M2), starts(540, 990, 30));
  setSetting('timeblock_interval', '45');
  try {
    assert.deepEqual(await times(D.s3, D.a4, M2), starts(540, 990, 45));
    // A service with its own interval ignores the setting.
    assert.deepEqual(await times(D.s1, D.a1, T1), starts(540, 960, 30));
  } finally {
    setSetting('timeblock_interval', null);
  }
});

test('all agents: sorted by start then agent; location filter; UTC and local datetimes', async () => {
  const data = await avail({ service_id: D.s1, date_from: M1, date_to: T1 });
  const sorted = [...data].sort((a, b) => a.start_datetime_utc.localeCompare(b.start_datetime_utc) || a.agent_id - b.agent_id);
  assert.deepEqual(data, sorted);
  // M1: a1 15 slots, a2 7, a3 off; T1: a1, a2, a3 15 each.
  assert.equal(data.length, 15 + 7 + 45);
  const at10 = data.filter((s) => s.date === M1 && s.start_time === '10:00').map((s) => s.agent_id);
  assert.deepEqual(at10, [D.a1, D.a2].sort((a, b) => a - b));
  const utc = wpPhp(`echo (new DateTimeImmutable(${php(M1 + ' 10:00:00')}, wp_timezone()))->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\\TH:i:s\\Z');`);
  assert.equal(data.find((s) => s.date === M1 && s.start_time === '10:00').start_datetime_utc, utc);
  assert.equal(Date.parse(data[0].start_datetime), Date.parse(data[0].start_datetime_utc));
  for (const s of data) {
    assert.deepEqual(Object.keys(s).sort(), ['agent_id', 'capacity_left', 'date', 'end_time', 'location_id', 'start_datetime', 'start_datetime_utc', 'start_time']);
    assert.match(s.start_time, /^\d\d:\d\d$/);
  }
  assert.equal((await avail({ service_id: D.s1, date_from: M1, date_to: T1, location_id: D.loc })).length, data.length);
  assert.deepEqual(await avail({ service_id: D.s1, date_from: M1, date_to: T1, location_id: D.loc2 }), []);
  const res = await request(`/availability?service_id=${D.s1}&date_from=${M1}&date_to=${M1}`, { key });
  assert.equal(res.json.meta.count, 22);
});

test('earliest_possible_booking and latest_possible_booking clip the range; nothing before now', async () => {
  const today = ymd(Date.now());
  const to = ymd(Date.now() + 12 * DAY);
  const q = { service_id: D.s1, agent_id: D.a1, date_from: today, date_to: to };
  const plain = await avail(q);
  assert.ok(plain.length > 0);
  assert.ok(plain.every((s) => Date.parse(s.start_datetime_utc) >= Date.now() - 60000), 'never before now');
  const limit = Date.now() + 5 * DAY;
  assert.ok(plain.some((s) => Date.parse(s.start_datetime_utc) < limit), 'some slots within 5 days without the setting');
  setSetting('earliest_possible_booking', '+5 days');
  setSetting('latest_possible_booking', '+9 days');
  try {
    const clipped = await avail(q);
    assert.ok(clipped.length > 0);
    assert.ok(clipped.every((s) => Date.parse(s.start_datetime_utc) >= limit - 60000), 'nothing earlier than +5 days');
    assert.ok(clipped.every((s) => Date.parse(s.start_datetime_utc) <= Date.now() + 9 * DAY + 60000), 'nothing later than +9 days');
    // Exactly the unclipped slots inside the window (a minute's slack at its edges).
    const ids = (list) => list.map((s) => `${s.start_datetime_utc} ${s.agent_id}`);
    const inside = plain.filter((s) => Date.parse(s.start_datetime_utc) >= limit + 120000 && Date.parse(s.start_datetime_utc) <= Date.now() + 9 * DAY - 120000);
    for (const id of ids(inside)) assert.ok(ids(clipped).includes(id), id);
    for (const id of ids(clipped)) assert.ok(ids(plain).includes(id), id);
  } finally {
    setSetting('earliest_possible_booking', null);
    setSetting('latest_possible_booking', null);
  }
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
  await bad(`service_id=abc&agent_id=-1&location_id=1%27%20OR%201=1`, ['service_id', 'agent_id', 'location_id']);
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
  // its own location's, so a1's Tuesday is empty unless the site has location-wide Tuesday rows of
  // its own (the `make run` demo data does), which then apply.
  const siteTuesdayRows = Number(wpPhp(`global $wpdb; echo (int) $wpdb->get_var("SELECT COUNT(*) FROM {$wpdb->prefix}latepoint_work_periods WHERE agent_id = 0 AND service_id = 0 AND location_id = 0 AND week_day = 2 AND custom_date IS NULL AND end_time > start_time");`).trim());
  const a1Tuesday = periods((await get(D.a1)).weekly[1].periods);
  if (siteTuesdayRows === 0) assert.deepEqual(a1Tuesday, []);
  else assert.ok(a1Tuesday.length > 0, 'the site\'s own location-wide rows apply');
  assert.deepEqual(periods((await get(D.a2)).weekly[0].periods), ['10:00-14:00']);
  // Resolved for a service: s2's own Monday row.
  assert.deepEqual(periods((await get(D.a4, `${loc}&service_id=${D.s2}`)).weekly[0].periods), ['09:00-12:00']);
  assert.deepEqual(periods((await get(D.a4, loc)).weekly[0].periods), ['09:00-17:00']);

  assertError(await request('/agents/2147483000/schedule', { key }), 404, 'not_found');
  assertError(await request(`/agents/${D.a1}/schedule?service_id=x`, { key }), 422, 'validation_failed');
  const denied = await request(`/agents/${D.a1}/schedule`, { key: (await createKey({ name: `avail only ${RUN}`, permissions: ['availability:read'] })).key });
  assertError(denied, 403, 'insufficient_permissions');
});

test('slot_conflict: the check the bookings code shares', () => {
  const check = (args) =>
    JSON.parse(wpPhp(`echo json_encode(LatePointApi\\LatePoint\\Availability::slot_conflict(...json_decode(${php(JSON.stringify(args))}, true)));`));
  // a1, s1 on M2 has an approved 10:00-11:00 (+15) booking.
  assert.equal(check([D.a1, D.s1, D.loc, M2, 720, 60]), null);
  assert.equal(check([D.a1, D.s1, D.loc, M2, 540, 60]).details.reason, 'overlap');
  assert.equal(check([D.a1, D.s1, D.loc, M2, 600, 60]).details.reason, 'capacity');
  assert.equal(check([D.a1, D.s1, D.loc, M2, 660, 60]).details.reason, 'overlap');
  assert.equal(check([D.a1, D.s1, D.loc, M2, 675, 60]), null, 'a booking at 11:15 fits (not on the 30-min grid)');
  assert.equal(check([D.a1, D.s1, D.loc, M1, 480, 60]).details.reason, 'agent_not_working');
  assert.equal(check([D.a1, D.s1, D.loc, M1, 990, 60]).details.reason, 'agent_not_working');
  assert.equal(check([D.a1, D.s1, D.loc, M4, 600, 60]).details.reason, 'agent_not_working');
  assert.equal(check([D.a4, D.s1, D.loc, M1, 600, 60]).details.reason, 'service_not_offered');
  assert.equal(check([D.a1, D.s1, D.loc2, M1, 600, 60]).details.reason, 'service_not_offered');
  assert.equal(check([D.a1, 2147483000, D.loc, M1, 600, 60]).details.reason, 'service_not_found');
  const c = check([D.a1, D.s1, D.loc, M2, 540, 60]);
  assert.equal(c.code, 'slot_unavailable');
  assert.equal(typeof c.message, 'string');
  // Moving the booking onto itself is fine when it is ignored.
  const id = Number(wpPhp(`global $wpdb; echo (int) $wpdb->get_var($wpdb->prepare("SELECT id FROM {$wpdb->prefix}latepoint_bookings WHERE agent_id = %d AND start_date = %s", ${D.a1}, ${php(M2)}));`));
  assert.equal(check([D.a1, D.s1, D.loc, M2, 630, 60, 1, id]), null);
  // Capacity: the s2 class at 10:00 on M1 is full (3 of 3); 9:00 has 3 places.
  assert.equal(check([D.a4, D.s2, D.loc, M1, 600, 60]).details.reason, 'capacity');
  assert.equal(check([D.a4, D.s2, D.loc, M1, 540, 60, 3]), null);
  assert.equal(check([D.a4, D.s2, D.loc, M1, 540, 60, 4]).details.reason, 'capacity');
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
  assert.ok(oneDay <= 8, `${oneDay} queries`);
});
