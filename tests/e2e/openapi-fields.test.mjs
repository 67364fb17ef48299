// The response schemas of the OpenAPI document against real responses: every GET route (list and
// item, with and without include=) is fetched over HTTP with a run-unique dataset, and each
// response must match the route's documented success schema: every field present is described,
// with a matching type, and every required property is present. Every GET route of the document
// is exercised, and every property of each record kind reached is seen at least once, so neither
// the presenters nor the document can drift.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { API, request, createKey, seedLatePoint } from './stack.mjs';
import { startReceiver } from './webhook-receiver.mjs';

const php = (v) => JSON.stringify(v);

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const doc = await (await fetch(`${API}/openapi.json`)).json();
const day = (offset) => new Date(Date.now() + offset * 86400e3).toISOString().slice(0, 10);
const FUTURE = day(10);
let D;
let key;

before(async () => {
  D = seedLatePoint(
    RUN,
    `$d['lcat'] = $ins('location_categories', ['name' => "Fields $r", 'order_number' => 1]);
$d['loc'] = $ins('locations', ['name' => "Fields $r", 'full_address' => '1 Schema St', 'status' => 'active', 'category_id' => $d['lcat'], 'order_number' => 1]);
$d['scat'] = $ins('service_categories', ['name' => "Fields $r", 'short_description' => 'cat', 'order_number' => 1]);
$d['svc'] = $ins('services', ['name' => "Fields $r", 'short_description' => 'svc', 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 60, 'capacity_min' => 1, 'capacity_max' => 2, 'status' => 'active', 'visibility' => 'visible', 'category_id' => $d['scat'], 'price_min' => '60.0000', 'price_max' => '80.0000', 'charge_amount' => '60.0000', 'deposit_amount' => '10.0000', 'order_number' => 1]);
$d['agent'] = $ins('agents', ['first_name' => "Fa$r", 'last_name' => 'Schema', 'display_name' => '', 'email' => "fa.$r@example.com", 'phone' => '555', 'status' => 'active', 'wp_user_id' => 1]);
$ins('agents_services', ['agent_id' => $d['agent'], 'service_id' => $d['svc'], 'location_id' => $d['loc']]);
for ($wd = 1; $wd <= 7; $wd++) { $ins('work_periods', ['agent_id' => $d['agent'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 480, 'end_time' => 1080, 'week_day' => $wd]); }
$ins('work_periods', ['agent_id' => $d['agent'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 0, 'week_day' => 1, 'custom_date' => '2030-01-07']);
$d['cust'] = $ins('customers', ['first_name' => "Fc$r", 'last_name' => 'Schema', 'email' => "fc.$r@example.com", 'phone' => '+1 555', 'status' => 'active', 'is_guest' => 0, 'notes' => 'n', 'admin_notes' => 'a']);
$d['order'] = $ins('orders', ['customer_id' => $d['cust'], 'status' => 'open', 'payment_status' => 'partially_paid', 'fulfillment_status' => 'not_fulfilled', 'subtotal' => '120.0000', 'total' => '120.0000', 'confirmation_code' => strtoupper(substr(md5($r), 0, 7)), 'customer_comment' => 'hi', 'price_breakdown' => json_encode(['before_subtotal' => [], 'after_subtotal' => []]), 'created_at' => '2025-03-01 09:00:00', 'updated_at' => '2025-03-01 09:00:00']);
$b = function ($item, $date, $status) use ($ins, $d, $r) { return $ins('bookings', ['booking_code' => 'F' . strtoupper(substr(md5($r . $date . $item), 0, 6)), 'start_date' => $date, 'end_date' => $date, 'start_time' => 600, 'end_time' => 660, 'start_datetime_utc' => "$date 10:00:00", 'end_datetime_utc' => "$date 11:00:00", 'buffer_before' => 0, 'buffer_after' => 0, 'duration' => 60, 'status' => $status, 'customer_id' => $d['cust'], 'service_id' => $d['svc'], 'agent_id' => $d['agent'], 'location_id' => $d['loc'], 'order_item_id' => $item, 'total_attendees' => 1]); };
$d['item1'] = $ins('order_items', ['order_id' => $d['order'], 'variant' => 'booking', 'item_data' => '{}', 'subtotal' => '60.0000', 'total' => '60.0000']);
$d['item2'] = $ins('order_items', ['order_id' => $d['order'], 'variant' => 'booking', 'item_data' => '{}', 'subtotal' => '60.0000', 'total' => '60.0000', 'coupon_code' => 'SPRING', 'coupon_discount' => '5.0000']);
$d['past'] = $b($d['item1'], '2001-01-01', 'approved');
$d['future'] = $b($d['item2'], ${php(FUTURE)}, 'approved');
$ins('transactions', ['token' => "ch_$r", 'order_id' => $d['order'], 'customer_id' => $d['cust'], 'processor' => 'stripe', 'payment_method' => 'card', 'payment_portion' => 'deposit', 'kind' => 'capture', 'status' => 'succeeded', 'amount' => '30.0000', 'notes' => 'deposit']);`, { strict: true },
  );
  key = (await createKey({
    name: `fields ${RUN}`,
    permissions: ['bookings:read', 'customers:read', 'agents:read', 'services:read', 'locations:read', 'orders:read', 'availability:read'],
    rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000,
  })).key;
});

/** The component a $ref names. */
const resolve = (ref) => doc.components.schemas[ref.replace('#/components/schemas/', '')];

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const isType = (t, v) => t === typeOf(v) || (t === 'number' && typeof v === 'number');
const FORMATS = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
};

/** Properties seen per component ("Booking.customer"), to show every documented field occurs. */
const seen = new Set();
const reached = new Set();

/** Checks value against schema; pushes each mismatch to errors. */
function check(schema, value, where, errors, component = null) {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    assert.ok(resolve(schema.$ref), `${where}: ${schema.$ref} is defined`);
    reached.add(name);
    return check(resolve(schema.$ref), value, where, errors, name);
  }
  if (schema.anyOf) {
    const fits = schema.anyOf.map((s) => { const e = []; check(s, value, where, e, component); return e; });
    if (!fits.some((e) => e.length === 0)) errors.push(`${where}: matches none of anyOf (${fits.flat().join('; ')})`);
    return;
  }
  if ('const' in schema && value !== schema.const) errors.push(`${where}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.type !== undefined) {
    const types = [].concat(schema.type);
    if (!types.some((t) => isType(t, value))) {
      errors.push(`${where}: ${JSON.stringify(value)?.slice(0, 80)} is ${typeOf(value)}, documented ${types.join('|')}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: ${JSON.stringify(value)} not in enum ${schema.enum.join(',')}`);
  if (typeof value === 'string') {
    if (FORMATS[schema.format] && !FORMATS[schema.format].test(value)) errors.push(`${where}: ${value} is not a ${schema.format}`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${where}: ${value} does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${where}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${where}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => check(schema.items, v, `${where}[${i}]`, errors));
  if (typeOf(value) === 'object' && (schema.properties || schema.additionalProperties !== undefined)) {
    for (const name of schema.required ?? []) if (!(name in value)) errors.push(`${where}: required property ${name} is missing`);
    for (const [name, v] of Object.entries(value)) {
      if (schema.properties?.[name]) {
        if (component) seen.add(`${component}.${name}`);
        check(schema.properties[name], v, `${where}.${name}`, errors);
      } else if (schema.additionalProperties === false || schema.additionalProperties === undefined) {
        errors.push(`${where}.${name}: not described in the schema`);
      } else if (typeof schema.additionalProperties === 'object') {
        check(schema.additionalProperties, v, `${where}.${name}`, errors);
      }
    }
  }
}

const tested = new Set();

/** Fetches a GET route and checks its body against the documented success schema of its template. */
async function conforms(template, url, { admin = false, nonEmpty = true } = {}) {
  const op = doc.paths[template]?.get;
  assert.ok(op, `GET ${template} is documented`);
  const res = await request(url, admin ? { admin: true } : { key });
  assert.equal(res.status, 200, `${url}: ${res.text.slice(0, 400)}`);
  const schema = op.responses['200'].content['application/json'].schema;
  assert.ok(schema.properties?.data, `${template}: the success schema describes data, not a generic envelope`);
  const errors = [];
  check(schema, res.json, url, errors);
  assert.deepEqual(errors, [], `${url} differs from the document`);
  if (nonEmpty && Array.isArray(res.json.data)) assert.ok(res.json.data.length > 0, `${url}: a list with items, so they are checked`);
  tested.add(template);
  return res.json;
}

test('agents, services, locations (list and item, with include=) match their schemas', async () => {
  await conforms('/agents', `/agents?search=${RUN}`);
  await conforms('/agents/{id}', `/agents/${D.agent}`);
  await conforms('/services', `/services?category_id=${D.scat}`);
  await conforms('/services', `/services?category_id=${D.scat}&include=agents,locations,category`);
  await conforms('/services/{id}', `/services/${D.svc}`);
  const service = await conforms('/services/{id}', `/services/${D.svc}?include=agents,locations,category`);
  assert.equal(service.data.agents.length, 1);
  assert.equal(service.data.locations.length, 1);
  assert.ok(service.data.category);
  await conforms('/locations', `/locations?category_id=${D.lcat}`);
  await conforms('/locations/{id}', `/locations/${D.loc}`);
});

test('bookings (list and item, each include=) match the Booking schema', async () => {
  await conforms('/bookings', `/bookings?customer_id=${D.cust}`);
  const all = await conforms('/bookings', `/bookings?customer_id=${D.cust}&include=customer,agent,service,location`);
  assert.equal(all.data.length, 2);
  await conforms('/bookings', `/bookings?updated_since=2000-01-01&customer_id=${D.cust}`);
  await conforms('/bookings/{id}', `/bookings/${D.future}`);
  for (const include of ['customer', 'agent', 'service', 'location', 'customer,agent,service,location']) {
    const one = await conforms('/bookings/{id}', `/bookings/${D.future}?include=${include}`);
    for (const name of include.split(',')) assert.ok(one.data[name], `include=${include} embeds ${name}`);
  }
});

test('customers (list, changed-since list and item, with stats) match the Customer schema', async () => {
  await conforms('/customers', `/customers?search=Fc${RUN}`);
  await conforms('/customers', `/customers?search=Fc${RUN}&updated_since=2000-01-01`);
  const one = await conforms('/customers/{id}', `/customers/${D.cust}`);
  assert.ok(one.data.stats.next_booking && one.data.stats.last_booking, 'both booking summaries are checked');
});

test('orders (list and item, with items, bookings and transactions) match the Order schema', async () => {
  await conforms('/orders', `/orders?customer_id=${D.cust}`);
  const one = await conforms('/orders/{id}', `/orders/${D.order}`);
  assert.equal(one.data.items.length, 2);
  assert.ok(one.data.items[0].bookings.length && one.data.transactions.length);
});

test('schedule, availability and free agents (with include=agent) match their schemas', async () => {
  const schedule = await conforms('/agents/{id}/schedule', `/agents/${D.agent}/schedule?service_id=${D.svc}&location_id=${D.loc}`);
  assert.ok(schedule.data.custom_dates.length && schedule.data.weekly[0].periods.length);
  await conforms('/agents/{id}/schedule', `/agents/${D.agent}/schedule`);
  const slots = await conforms('/availability', `/availability?service_id=${D.svc}&agent_id=${D.agent}&date_from=${FUTURE}&date_to=${FUTURE}`);
  const { start_date: date, start_time: time } = slots.data[0];
  await conforms('/agents/availability', `/agents/availability?service_id=${D.svc}&date=${date}&time=${time}`);
  const free = await conforms('/agents/availability', `/agents/availability?service_id=${D.svc}&date=${date}&time=${time}&include=agent`);
  assert.ok(free.data.every((f) => f.agent));
});

// A public IP literal: no DNS lookup, and not a local address (those are refused as in production).
const HOOK_URL = `https://93.184.215.14/lpapi-fields/${RUN}`;

test('/me, and the admin routes /keys, /keys/{id}, /logs, /webhooks and /webhooks/{id} match their schemas', async () => {
  await conforms('/me', '/me');
  const keys = await conforms('/keys', '/keys?per_page=5', { admin: true });
  await conforms('/keys/{id}', `/keys/${keys.data[0].id}`, { admin: true });
  await conforms('/logs', '/logs?per_page=20', { admin: true });
  const made = await request('/webhooks', { admin: true, method: 'POST', body: { url: HOOK_URL, events: ['booking.created'] } });
  assert.equal(made.status, 201, made.text.slice(0, 400));
  await conforms('/webhooks', '/webhooks?per_page=5', { admin: true });
  const one = await conforms('/webhooks/{id}', `/webhooks/${made.json.data.id}`, { admin: true });
  assert.equal(one.data.secret, undefined, 'the secret is shown by create only');
  await request(`/webhooks/${made.json.data.id}`, { admin: true, method: 'DELETE' });
});

/** Sends a write and checks its body against the documented success schema of its route. */
async function writeConforms(method, template, url, body, { admin = false, withKey = key } = {}) {
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is documented`);
  const res = await request(url, admin ? { admin: true, method, body } : { key: withKey, method, body });
  const [status, response] = Object.entries(op.responses).find(([s]) => s.startsWith('2'));
  assert.equal(res.status, Number(status), `${method} ${url}: ${res.text.slice(0, 400)}`);
  const errors = [];
  check(response.content['application/json'].schema, res.json, `${method} ${url}`, errors);
  assert.deepEqual(errors, [], `${method} ${url} differs from the document`);
  writes.add(`${method} ${template}`);
  return res.json;
}
const writes = new Set();

test('writes (bookings, customers, keys, webhooks) answer what the document says', async () => {
  const writer = (await createKey({
    name: `fields writer ${RUN}`,
    permissions: ['bookings:read', 'bookings:create', 'bookings:update', 'bookings:delete', 'customers:read', 'customers:create', 'customers:update', 'customers:delete', 'agents:read', 'services:read', 'locations:read'],
    rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000,
  })).key;
  const date = day(12);
  const made = await writeConforms('POST', '/bookings', '/bookings?include=customer,agent,service,location', {
    customer: { first_name: 'Wr', last_name: `Fields${RUN}`, email: `wr.${RUN}@example.com` },
    service_id: D.svc, agent_id: 'any', location_id: D.loc, start_date: date, start_time: '12:00',
  }, { withKey: writer });
  assert.ok(made.meta.agent_assignment, 'the create meta of an "any" booking is checked');
  const id = made.data.id;
  await writeConforms('PATCH', '/bookings/{id}', `/bookings/${id}?include=agent`, { start_time: '13:00' }, { withKey: writer });
  await writeConforms('DELETE', '/bookings/{id}', `/bookings/${id}`, undefined, { withKey: writer });
  const customer = await writeConforms('POST', '/customers', '/customers', { first_name: 'Wc', last_name: `Fields${RUN}`, email: `wc.${RUN}@example.com` }, { withKey: writer });
  await writeConforms('PATCH', '/customers/{id}', `/customers/${customer.data.id}`, { phone: '+44 20 7946 0000' }, { withKey: writer });
  await writeConforms('DELETE', '/customers/{id}', `/customers/${customer.data.id}`, undefined, { withKey: writer });
  const k = await writeConforms('POST', '/keys', '/keys', {
    name: `fields made ${RUN}`, permissions: ['bookings:read'], rate_limit_per_day: 500,
    operation_limits: { 'bookings:create': { per_minute: 30, per_day: 100 }, 'customers:delete': null },
  }, { admin: true });
  assert.deepEqual(k.data.operation_limits, { 'bookings:create': { per_minute: 30, per_hour: null, per_day: 100 }, 'customers:delete': null });
  assert.deepEqual(k.data.limits.operations['bookings:create'], { per_minute: 30, per_hour: null, per_day: 100 });
  await conforms('/keys/{id}', `/keys/${k.data.id}`, { admin: true });
  const patched = await writeConforms('PATCH', '/keys/{id}', `/keys/${k.data.id}`, { description: 'checked', operation_limits: {} }, { admin: true });
  assert.deepEqual(patched.data.operation_limits, {}, 'an empty map is an object');
  await writeConforms('POST', '/keys/{id}/disable', `/keys/${k.data.id}/disable`, {}, { admin: true });
  await writeConforms('POST', '/keys/{id}/enable', `/keys/${k.data.id}/enable`, {}, { admin: true });
  const rotated = await writeConforms('POST', '/keys/{id}/rotate', `/keys/${k.data.id}/rotate`, {}, { admin: true });
  await writeConforms('DELETE', '/keys/{id}', `/keys/${rotated.data.id}`, undefined, { admin: true });
  await writeConforms('DELETE', '/keys/{id}', `/keys/${k.data.id}`, undefined, { admin: true });
  const hook = await writeConforms('POST', '/webhooks', '/webhooks', { url: HOOK_URL, description: 'fields', events: ['booking.created', 'key.expiring'] }, { admin: true });
  assert.match(hook.data.secret, /^whsec_/);
  await writeConforms('PATCH', '/webhooks/{id}', `/webhooks/${hook.data.id}`, { status: 'disabled', events: ['order.created'] }, { admin: true });
  const rotatedHook = await writeConforms('POST', '/webhooks/{id}/rotate-secret', `/webhooks/${hook.data.id}/rotate-secret`, { grace_seconds: 3600 }, { admin: true });
  assert.ok(rotatedHook.data.previous_secret_until, 'the previous secret signs for the grace period');
  assert.notEqual(rotatedHook.data.secret, hook.data.secret);
  await writeConforms('DELETE', '/webhooks/{id}', `/webhooks/${hook.data.id}`, undefined, { admin: true });
  // The delivery routes, against a receiver on the loopback (the stack allows local webhook URLs).
  const receiver = await startReceiver();
  try {
    const local = await writeConforms('POST', '/webhooks', '/webhooks', { url: receiver.url(`/fields-${RUN}`), events: ['key.expiring'] }, { admin: true });
    const sent = await writeConforms('POST', '/webhooks/{id}/test', `/webhooks/${local.data.id}/test`, undefined, { admin: true });
    assert.equal(sent.data.http_status, 200, JSON.stringify(sent.data));
    await conforms('/webhooks/attempts', `/webhooks/attempts?webhook_id=${local.data.id}`, { admin: true });
    await writeConforms('POST', '/webhooks/deliveries/{id}/resend', `/webhooks/deliveries/${sent.data.delivery_id}/resend`, undefined, { admin: true });
    await receiver.waitFor((r) => r.path === `/fields-${RUN}`, 2);
    await request(`/webhooks/${local.data.id}`, { admin: true, method: 'DELETE' });
  } finally {
    await receiver.close();
  }
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'get').map((m) => `${m.toUpperCase()} ${path}`));
  assert.deepEqual([...writes].sort(), documented.sort(), 'write routes without a response check');
});

test('GET /status answers the document its schema describes (not an envelope), on 200 and on 503', async () => {
  const res = await fetch(`${API}/status`);
  const body = await res.json();
  const op = doc.paths['/status'].get;
  assert.deepEqual(op.security, [], 'no key');
  assert.ok(op.responses[String(res.status)], `status ${res.status} is documented`);
  const errors = [];
  check(op.responses[String(res.status)].content['application/json'].schema, body, 'GET /status', errors);
  assert.deepEqual(errors, []);
  assert.equal(res.status === 200, body.status === 'ok');
  assert.deepEqual(op.responses['503'].content['application/json'].schema, op.responses['200'].content['application/json'].schema, 'a 503 is the same document');
  tested.add('/status');
});

test('every GET route of the document was checked, and every field of each record kind was seen', () => {
  const gets = Object.entries(doc.paths).filter(([, ops]) => ops.get).map(([path]) => path).filter((p) => p !== '/openapi.json');
  assert.deepEqual([...tested].sort(), gets.sort(), 'GET routes without a response check');
  const missing = [];
  for (const name of reached) {
    for (const prop of Object.keys(doc.components.schemas[name].properties ?? {})) {
      if (!seen.has(`${name}.${prop}`)) missing.push(`${name}.${prop}`);
    }
  }
  assert.deepEqual(missing, [], 'documented properties no response had');
  for (const name of ['Booking', 'BookingCustomer', 'Customer', 'CustomerStats', 'BookingSummary', 'Agent', 'Service', 'ServiceCategory', 'Location', 'BookingLocation', 'Order', 'OrderItem', 'OrderBooking', 'Transaction', 'Slot', 'FreeAgent', 'Schedule', 'Me', 'Key', 'LogRow', 'Webhook', 'NewWebhook', 'WebhookAttempt', 'WebhookResend', 'PageMeta', 'OrderPageMeta', 'SlotsMeta', 'FreeAgentsMeta', 'NoMeta']) {
    assert.ok(reached.has(name), `${name} was checked against a response`);
  }
});

test('each success response of a route with a record names its schema, and writes too', () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (path === '/openapi.json' || path === '/status') continue; // Documents of their own, not envelopes.
      const [status, response] = Object.entries(op.responses).find(([s]) => s.startsWith('2'));
      const schema = response.content['application/json'].schema;
      assert.ok(schema.properties?.data, `${method} ${path} ${status}: data is described`);
      assert.ok(schema.properties.meta?.$ref, `${method} ${path}: meta is described`);
    }
  }
});
