// The Webhooks tab of the admin page in a real browser (Debian's Chromium through playwright-core),
// against the running stack, with a webhook receiver of its own (a node HTTP server on 127.0.0.1,
// a random port): add an endpoint (a field error for a bad URL first), see its signing secret once
// and not after a reload, send a test event that arrives signed with that secret (checked with the
// Standard Webhooks library) and is logged with its status, a 500 logged as failed, resend a
// delivery, rotate the secret, disable and enable, edit, delete with a confirmation step, an
// endpoint turned off on its own (410 Gone) named on every tab, and adding one without JavaScript.
//
//   node --test --test-concurrency=1 tests/e2e/browser-webhooks.test.mjs
//
// Every test makes the endpoints it needs (on the page), with URLs unique to the run, so the file
// can run again on the same stack. Like browser-admin.test.mjs, every test has its own browser
// context, which fails the test if its pages had JavaScript errors, dialogs, or asked for hosts
// other than the site.
//
// Loopback URLs need LPAPI_WEBHOOKS_ALLOW_LOCAL true in wp-config.php: the stack defines it (a
// development site); `before` checks it.
//
// Env: LPAPI_CHROMIUM (default /usr/bin/chromium), LPAPI_SHOTS (default /tmp/lpapi-shots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { SITE, launchBrowser, loggedIn as browserLoggedIn, openTab } from './browser.mjs';
import { Webhook } from 'standardwebhooks';
import { env, wpPhp } from './stack.mjs';

const SHOTS = process.env.LPAPI_SHOTS || '/tmp/lpapi-shots';
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const SECRET_RE = /^whsec_[A-Za-z0-9+/]{43}=$/;
const ANY_SECRET_RE = /whsec_[A-Za-z0-9+/]{20,}/;
const EVENTS = ['booking.created', 'booking.updated', 'booking.status_changed', 'booking.deleted', 'customer.created', 'customer.updated', 'customer.deleted', 'order.created', 'transaction.created', 'key.expiring'];
const ALLOW_LOCAL = 'LPAPI_WEBHOOKS_ALLOW_LOCAL';

let browser;
let receiver;
let receiverBase;
/** Every request the receiver got: { path, headers, body }. */
const received = [];
/** What the receiver answers, by path (default 200 with "ok <path>"). */
const answers = new Map();

/** A receiver URL unique to this run and `what`. */
const hookUrl = (what) => `${receiverBase}/hook/${RUN}/${what}`;
const pathOf = (url) => new URL(url).pathname;
const receivedAt = (url) => received.filter((r) => r.path === pathOf(url));

const loggedIn = (t, options) => browserLoggedIn(browser, t, options);

/** The endpoints' table row of `url` (exactly one). */
async function endpointRow(p, url) {
  const row = p.locator('table.lpapi-webhooks tbody tr', { has: p.locator('code.lpapi-webhook-url', { hasText: url }) });
  await row.waitFor();
  assert.equal(await row.count(), 1, `one row for ${url}`);
  return row;
}

/** The endpoints with this URL, in the database. */
function endpointsIn(url) {
  return Number(wpPhp(`global $wpdb; echo (int) $wpdb->get_var($wpdb->prepare('SELECT COUNT(*) FROM ' . LatePointApi\\Support\\Schema::webhooks() . ' WHERE url = %s', ${JSON.stringify(url)}));`).trim());
}

/** Fills the add form and submits it; returns the POST that was sent. */
async function submitAdd(p, url, { events = ['booking.created'], description = '' } = {}) {
  await p.locator('#lpapi-webhook-url').fill(url);
  await p.locator('#lpapi-webhook-description').fill(description);
  for (const box of await p.locator('.lpapi-webhook-add input[name="events[]"]').all()) {
    await box.setChecked(events.includes(await box.getAttribute('value')));
  }
  const [post] = await Promise.all([
    p.waitForRequest((r) => r.method() === 'POST' && r.isNavigationRequest()),
    p.waitForURL(/tab=webhooks/),
    p.locator('#lpapi-webhook-add-submit').click(),
  ]);
  await p.waitForLoadState('load');
  return { url: post.url(), body: post.postData() };
}

/** Adds an endpoint on the page; returns its secret, id and the POST that made it. */
async function addEndpoint(p, url, options) {
  await openTab(p, 'webhooks');
  const post = await submitAdd(p, url, options);
  const field = p.locator('#lpapi-new-secret');
  await field.waitFor();
  const secret = await field.inputValue();
  assert.match(secret, SECRET_RE);
  const id = Number(await (await endpointRow(p, url)).getAttribute('data-webhook-id'));
  assert.ok(id > 0);
  return { secret, id, post };
}

/** Clicks "Send test event" on the endpoint's row; returns the result notice's text. */
async function sendTest(p, url) {
  const row = await endpointRow(p, url);
  await Promise.all([p.waitForURL(/done=webhook_tested/), row.locator('button.lpapi-webhook-test').click()]);
  const result = p.locator('.lpapi-test-result');
  await result.waitFor();
  return (await result.textContent()).trim();
}

/** The delivery log's rows for one endpoint, newest first, as { attempt, delivery, message, cells }. */
async function deliveryRows(p, id, extra = '') {
  await openTab(p, 'webhooks', `&webhook_id=${id}${extra}`);
  const rows = p.locator('table.lpapi-deliveries tbody tr[data-attempt-id]');
  const out = [];
  for (const row of await rows.all()) {
    out.push({
      row,
      attempt: Number(await row.getAttribute('data-attempt-id')),
      delivery: Number(await row.getAttribute('data-delivery-id')),
      message: await row.getAttribute('data-message-id'),
      event: (await row.locator('.lpapi-delivery-event').innerText()).split('\n')[0],
      url: await row.locator('.lpapi-delivery-url').textContent(),
      number: await row.locator('.lpapi-delivery-attempt').textContent(),
      result: await row.locator('.lpapi-delivery-result').textContent(),
      status: (await row.locator('.lpapi-delivery-status').innerText()).split('\n')[0],
      ms: Number(await row.locator('.lpapi-delivery-ms').textContent()),
      response: (await row.locator('.lpapi-delivery-response pre').count()) ? await row.locator('.lpapi-delivery-response pre').textContent() : '',
    });
  }
  return out;
}

/** Verifies a received request with `secret` (Standard Webhooks); returns the payload. */
function verified(request, secret) {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': request.headers['webhook-id'],
    'webhook-timestamp': request.headers['webhook-timestamp'],
    'webhook-signature': request.headers['webhook-signature'],
  });
}

async function waitFor(what, fn, ms = 30000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const allowsLocal = () => wpPhp(`echo defined('${ALLOW_LOCAL}') && true === constant('${ALLOW_LOCAL}') ? 'yes' : 'no';`).trim() === 'yes';

before(async () => {
  assert.ok(SITE, 'the stack is running (scripts/stack.sh start)');
  fs.mkdirSync(SHOTS, { recursive: true });
  assert.ok(allowsLocal(), `the stack's wp-config.php defines ${ALLOW_LOCAL} as true`);
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.get(req.url) || { status: 200, body: `ok from the receiver ${req.url}` };
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverBase = `http://127.0.0.1:${receiver.address().port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  // This run's endpoints go: their receiver stops with this process, and events from other test
  // files would otherwise be retried at them (and turn them off, with a notice on every page).
  if (receiverBase) {
    wpPhp(`global $wpdb; foreach ($wpdb->get_col($wpdb->prepare('SELECT id FROM ' . LatePointApi\\Support\\Schema::webhooks() . ' WHERE url LIKE %s', ${JSON.stringify(`${receiverBase}/hook/${RUN}/%`)})) as $id) { LatePointApi\\Webhooks\\Webhook_Service::delete((int) $id, 0); }`);
  }
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve()));
});

test('the Webhooks tab is listed, with no hint about local URLs while they are allowed', async (t) => {
  const { p } = await loggedIn(t);
  await openTab(p, 'webhooks');
  assert.ok((await p.locator('.nav-tab-wrapper .nav-tab').allTextContents()).includes('Webhooks'));
  assert.equal(await p.locator('.nav-tab-active').textContent(), 'Webhooks');
  assert.equal(await p.locator('.lpapi-hint-local').count(), 0, 'LPAPI_WEBHOOKS_ALLOW_LOCAL is true here');
  assert.equal(await p.locator('.lpapi-hint-curl').count(), 0, 'curl is loaded here');
  for (const heading of ['Endpoints', 'Add endpoint', 'Delivery log']) {
    await p.locator('.wrap.lpapi h2', { hasText: heading }).waitFor();
  }
});

test('add endpoint: a bad URL gets a field error; then the secret is shown once, copies, and is not shown after a reload', async (t) => {
  const { p } = await loggedIn(t);
  const url = hookUrl('add');
  await openTab(p, 'webhooks');
  // "Select all" checks every event, and unchecking one unchecks it.
  const boxes = p.locator('.lpapi-webhook-add input[name="events[]"]');
  assert.deepEqual(await boxes.evaluateAll((els) => els.map((e) => e.value)), EVENTS);
  const all = p.locator('.lpapi-webhook-add .lpapi-select-all');
  await all.check();
  assert.equal(await p.locator('.lpapi-webhook-add input[name="events[]"]:checked').count(), EVENTS.length);
  await boxes.first().uncheck();
  assert.equal(await all.isChecked(), false);
  await all.check();

  // ftp: passes the browser's type=url check, and the server refuses it under the field.
  await p.locator('#lpapi-webhook-url').fill('ftp://example.invalid/hook');
  await Promise.all([p.waitForURL(/tab=webhooks/), p.waitForLoadState('load'), p.locator('#lpapi-webhook-add-submit').click()]);
  const error = p.locator('tr', { has: p.locator('#lpapi-webhook-url') }).locator('.lpapi-field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /must start with http:\/\/ or https:\/\//);
  assert.equal(await p.locator('#lpapi-webhook-url').inputValue(), 'ftp://example.invalid/hook', 'the form keeps what was typed');
  assert.equal(await p.locator('.lpapi-webhook-add input[name="events[]"]:checked').count(), EVENTS.length, 'and the events chosen');
  assert.equal(await p.locator('#lpapi-new-secret').count(), 0);
  assert.equal(endpointsIn('ftp://example.invalid/hook'), 0);
  // No event chosen: an error by the events.
  await p.locator('#lpapi-webhook-url').fill(url);
  await all.uncheck();
  await Promise.all([p.waitForURL(/tab=webhooks/), p.waitForLoadState('load'), p.locator('#lpapi-webhook-add-submit').click()]);
  await p.locator('tr', { has: p.locator('.lpapi-events') }).locator('.lpapi-field-error').waitFor();
  assert.equal(endpointsIn(url), 0);

  const { secret, post } = await addEndpoint(p, url, { events: ['booking.created', 'customer.deleted'], description: 'the <b>browser</b> test' });
  const reveal = p.locator('.lpapi-webhook-reveal');
  assert.match(await reveal.textContent(), /It is shown only this once/);
  assert.equal(await reveal.locator('h2').textContent(), `Endpoint added: ${url}`);
  const row = await endpointRow(p, url);
  assert.equal(await row.locator('.lpapi-webhook-events').textContent(), 'booking.created, customer.deleted');
  assert.equal(await row.locator('.lpapi-status-enabled').textContent(), 'enabled');
  assert.equal(await row.locator('td').nth(3).textContent(), 'Never', 'no success yet');
  assert.equal(await p.locator('b', { hasText: 'browser' }).count(), 0, 'the description is never markup');
  assert.ok((await row.textContent()).includes('the <b>browser</b> test'), 'the description as written, shown as text');
  await p.evaluate(() => navigator.clipboard.writeText('something else'));
  await reveal.locator('.lpapi-copy').click();
  await reveal.locator('.lpapi-copied', { hasText: 'Copied' }).waitFor();
  assert.equal(await p.evaluate(() => navigator.clipboard.readText()), secret);
  await p.screenshot({ path: `${SHOTS}/webhook-reveal.png`, fullPage: true });
  assert.ok(!post.url.includes(secret));

  // Reloading shows no secret and adds nothing (a re-sent form is refused by its used token).
  const methods = [];
  const onRequest = (r) => r.isNavigationRequest() && methods.push(r.method());
  p.on('request', onRequest);
  await p.reload();
  p.off('request', onRequest);
  await p.locator('.wrap.lpapi').waitFor();
  t.diagnostic(`reload after adding re-sent the form with: ${methods.join(',')}`);
  assert.ok(!(await p.content()).includes(secret), 'the secret is not in the reloaded page');
  assert.equal(await p.locator('#lpapi-new-secret').count(), 0);
  if (methods.includes('POST')) {
    await p.locator('.notice-warning', { hasText: 'This form was already submitted, so no new endpoint was added' }).waitFor();
  }
  // The same form sent again exactly (as "Continue" on a resubmission prompt would): refused.
  await Promise.all([
    p.waitForURL(/tab=webhooks/),
    p.evaluate(({ action, body }) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = action;
      for (const [name, value] of new URLSearchParams(body)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      HTMLFormElement.prototype.submit.call(form);
    }, { action: post.url, body: post.body }),
  ]);
  await p.locator('.notice-warning', { hasText: 'This form was already submitted, so no new endpoint was added' }).waitFor();
  assert.doesNotMatch(await p.content(), ANY_SECRET_RE);
  assert.equal(endpointsIn(url), 1, 'exactly one endpoint with this URL');
  await openTab(p, 'webhooks');
  assert.doesNotMatch(await p.content(), ANY_SECRET_RE);
});

test('send test event: it arrives signed with the secret shown, is logged with 200; a 500 is logged as failed; a resend arrives again', async (t) => {
  const { p } = await loggedIn(t);
  const url = hookUrl('test');
  const { secret, id } = await addEndpoint(p, url);
  await openTab(p, 'webhooks');
  const text = await sendTest(p, url);
  assert.match(text, new RegExp(`^Test event delivered to ${url.replace(/[.]/g, '\\.')}: HTTP 200 in \\d+ ms\\.`));
  const [first] = receivedAt(url);
  assert.ok(first, 'the receiver got the test event');
  assert.equal(receivedAt(url).length, 1, 'sent once');
  assert.equal(first.method, 'POST');
  const payload = verified(first, secret);
  assert.equal(payload.type, 'webhook.test');
  assert.throws(() => verified(first, 'whsec_' + Buffer.alloc(32, 7).toString('base64')), 'another secret does not verify');

  let rows = await deliveryRows(p, id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].message, first.headers['webhook-id']);
  assert.deepEqual(
    { event: rows[0].event, url: rows[0].url, number: rows[0].number, result: rows[0].result, status: rows[0].status },
    { event: 'webhook.test', url, number: '1', result: 'succeeded', status: '200' },
  );
  assert.ok(rows[0].ms >= 0);
  assert.equal(rows[0].response, `ok from the receiver ${pathOf(url)}`);
  assert.notEqual(await (await endpointRow(p, url)).locator('td').nth(3).textContent(), 'Never', 'Last success is set');

  // The receiver answers 500: the test fails, and the log says so.
  answers.set(pathOf(url), { status: 500, body: 'receiver is down' });
  await openTab(p, 'webhooks');
  assert.match(await sendTest(p, url), /^The test event to .* failed: HTTP 500 after \d+ ms\./);
  rows = await deliveryRows(p, id);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].result, 'failed');
  assert.equal(rows[0].status, '500');
  assert.equal(rows[0].response, 'receiver is down');
  const failed = await deliveryRows(p, id, '&result=failed');
  assert.deepEqual(failed.map((r) => r.attempt), [rows[0].attempt], 'the result filter');
  assert.equal((await deliveryRows(p, id, '&result=succeeded')).length, 1);
  assert.equal((await deliveryRows(p, id, '&event_type=booking.created')).length, 0, 'the event filter');
  await p.screenshot({ path: `${SHOTS}/webhook-log.png`, fullPage: true });

  // Resend the failed delivery: it goes out again with the same webhook-id.
  answers.delete(pathOf(url));
  rows = await deliveryRows(p, id);
  const failedMessage = rows[0].message;
  await Promise.all([p.waitForURL(/done=webhook_resent/), rows[0].row.locator('button.lpapi-webhook-resend').click()]);
  await p.locator('.notice-success', { hasText: 'The delivery is sent again' }).waitFor();
  const again = await waitFor('the resent delivery', () => receivedAt(url).find((r, i) => i >= 2 && r.headers['webhook-id'] === failedMessage));
  assert.equal(verified(again, secret).type, 'webhook.test');
  rows = await waitFor('the resent attempt in the log', async () => {
    const now = await deliveryRows(p, id);
    return now.length === 3 ? now : null;
  });
  assert.equal(rows[0].message, failedMessage);
  assert.equal(rows[0].result, 'succeeded');
  assert.equal(rows[0].status, '200');
});

test('rotate secret: a confirmation with the grace choices, a new secret shown once, and during the grace both sign', async (t) => {
  const { p } = await loggedIn(t);
  const url = hookUrl('rotate');
  const { secret: oldSecret } = await addEndpoint(p, url);
  await openTab(p, 'webhooks');
  const row = await endpointRow(p, url);
  await Promise.all([p.waitForURL(/view=rotate/), row.locator('a.lpapi-webhook-rotate').click()]);
  const confirm = p.locator('.lpapi-confirm');
  assert.equal(await confirm.locator('h2').textContent(), `Rotate the signing secret of ${url}?`);
  assert.deepEqual(await confirm.locator('#lpapi-webhook-grace option').allTextContents(), ['None: stop now', '1 hour', '24 hours', '7 days']);
  await confirm.locator('#lpapi-webhook-grace').selectOption('3600');
  await Promise.all([p.waitForURL(/tab=webhooks/), p.waitForLoadState('load'), confirm.locator('button.lpapi-confirm-rotate').click()]);
  const field = p.locator('#lpapi-new-secret');
  await field.waitFor();
  const newSecret = await field.inputValue();
  assert.match(newSecret, SECRET_RE);
  assert.notEqual(newSecret, oldSecret);
  assert.match(await p.locator('.lpapi-webhook-reveal').textContent(), /It is shown only this once.*Until .* deliveries are signed with both the old and the new secret\./s);
  assert.match(await (await endpointRow(p, url)).textContent(), /Old secret also signs until/);
  assert.ok(!(await p.content()).includes(oldSecret), 'the old secret is never shown again');

  await openTab(p, 'webhooks');
  assert.equal(await p.locator('#lpapi-new-secret').count(), 0);
  assert.match(await sendTest(p, url), /HTTP 200/);
  const got = receivedAt(url).at(-1);
  assert.equal(verified(got, newSecret).type, 'webhook.test');
  assert.equal(verified(got, oldSecret).type, 'webhook.test', 'the old secret still verifies during the grace');
});

test('edit, disable and enable, and delete with a confirmation step', async (t) => {
  const { p } = await loggedIn(t);
  const url = hookUrl('manage');
  const { id } = await addEndpoint(p, url);
  await openTab(p, 'webhooks');
  let row = await endpointRow(p, url);

  // Edit: a bad URL is refused under its field, then a good change is saved.
  await Promise.all([p.waitForURL(/view=edit/), row.locator('a.lpapi-webhook-edit').click()]);
  await p.locator('#lpapi-webhook-url').fill('http://user:pw@127.0.0.1/x');
  await Promise.all([p.waitForURL(/view=edit/), p.waitForLoadState('load'), p.locator('#lpapi-webhook-save').click()]);
  const error = p.locator('tr', { has: p.locator('#lpapi-webhook-url') }).locator('.lpapi-field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /user name or password/);
  const edited = `${url}-edited`;
  await p.locator('#lpapi-webhook-url').fill(edited);
  await p.locator('#lpapi-webhook-description').fill('edited on the page');
  await p.locator('.lpapi-webhook-edit input[value="order.created"]').check();
  await Promise.all([p.waitForURL(/done=webhook_saved/), p.locator('#lpapi-webhook-save').click()]);
  await p.locator('.notice-success', { hasText: 'The endpoint is saved.' }).waitFor();
  row = await endpointRow(p, edited);
  assert.equal(Number(await row.getAttribute('data-webhook-id')), id);
  assert.equal(await row.locator('.lpapi-webhook-events').textContent(), 'booking.created, order.created');
  assert.equal(await row.locator('.lpapi-webhook-description').textContent(), 'edited on the page');

  await Promise.all([p.waitForURL(/done=webhook_disabled/), row.locator('button.lpapi-webhook-disable').click()]);
  await p.locator('.notice-success', { hasText: 'The endpoint is disabled' }).waitFor();
  row = await endpointRow(p, edited);
  assert.equal(await row.locator('.lpapi-status-disabled').textContent(), 'disabled');
  assert.equal(await row.locator('button.lpapi-webhook-test').count(), 0, 'no test event to a disabled endpoint');
  assert.equal(await row.locator('.lpapi-webhook-reason').count(), 0, 'turned off by an admin: no automatic reason');
  assert.equal(await p.locator(`.lpapi-webhook-off[data-webhook-id="${id}"]`).count(), 0);
  await Promise.all([p.waitForURL(/done=webhook_enabled/), row.locator('button.lpapi-webhook-enable').click()]);
  row = await endpointRow(p, edited);
  assert.equal(await row.locator('.lpapi-status-enabled').textContent(), 'enabled');

  await Promise.all([p.waitForURL(/view=delete/), row.locator('a.lpapi-webhook-delete').click()]);
  const confirm = p.locator('.lpapi-confirm');
  assert.equal(await confirm.locator('h2').textContent(), `Delete the endpoint ${edited}?`);
  assert.equal(endpointsIn(edited), 1, 'nothing deleted yet');
  // Cancel keeps it.
  await Promise.all([p.waitForURL((u) => !u.search.includes('view=')), confirm.locator('a', { hasText: 'Cancel' }).click()]);
  row = await endpointRow(p, edited);
  await Promise.all([p.waitForURL(/view=delete/), row.locator('a.lpapi-webhook-delete').click()]);
  await Promise.all([p.waitForURL(/done=webhook_deleted/), p.locator('button.lpapi-confirm-delete').click()]);
  await p.locator('.notice-success', { hasText: 'The endpoint is deleted.' }).waitFor();
  assert.equal(await p.locator('table.lpapi-webhooks code.lpapi-webhook-url', { hasText: edited }).count(), 0);
  assert.equal(endpointsIn(edited), 0);
});

test('an endpoint that answers 410 Gone is turned off, and every tab says which and why', async (t) => {
  const { p } = await loggedIn(t);
  const url = hookUrl('gone');
  const { id } = await addEndpoint(p, url);
  answers.set(pathOf(url), { status: 410, body: 'gone' });
  await openTab(p, 'webhooks');
  assert.match(await sendTest(p, url), /failed: HTTP 410/);
  await openTab(p, 'webhooks');
  const row = await endpointRow(p, url);
  assert.equal(await row.locator('.lpapi-status-disabled').textContent(), 'disabled');
  assert.match(await row.locator('.lpapi-webhook-reason').textContent(), /^Turned off automatically: it answered 410 Gone/);
  for (const tab of ['webhooks', 'keys', 'settings']) {
    await openTab(p, tab);
    const notice = p.locator(`.lpapi-webhook-off[data-webhook-id="${id}"]`);
    assert.match(await notice.textContent(), new RegExp(`The webhook endpoint ${url.replace(/[.]/g, '\\.')} was turned off automatically: it answered 410 Gone`));
  }
  await p.screenshot({ path: `${SHOTS}/webhook-gone.png`, fullPage: true });
  // Enabled again by an admin: the notice goes.
  await openTab(p, 'webhooks');
  answers.delete(pathOf(url));
  await Promise.all([p.waitForURL(/done=webhook_enabled/), (await endpointRow(p, url)).locator('button.lpapi-webhook-enable').click()]);
  assert.equal(await p.locator(`.lpapi-webhook-off[data-webhook-id="${id}"]`).count(), 0);
  assert.equal(await (await endpointRow(p, url)).locator('.lpapi-webhook-reason').count(), 0);
});

test('without JavaScript, an endpoint can still be added (its secret shown once) and sent a test event', async (t) => {
  const { p } = await loggedIn(t, { javaScriptEnabled: false });
  const url = hookUrl('no-js');
  await openTab(p, 'webhooks');
  await p.locator('#lpapi-webhook-url').fill(url);
  await p.locator('.lpapi-webhook-add input[value="booking.deleted"]').check();
  await Promise.all([p.waitForURL(/tab=webhooks/), p.locator('#lpapi-webhook-add-submit').click()]);
  const secret = await p.locator('#lpapi-new-secret').getAttribute('value');
  assert.match(secret, SECRET_RE);
  assert.equal(await (await endpointRow(p, url)).locator('.lpapi-webhook-events').textContent(), 'booking.deleted');
  await openTab(p, 'webhooks');
  assert.match(await sendTest(p, url), /HTTP 200/);
  assert.equal(verified(receivedAt(url).at(-1), secret).type, 'webhook.test');
});
