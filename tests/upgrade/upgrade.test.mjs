// An upgrade in place, as WordPress's upgrader does it: the site runs the previous release's plugin (a
// real folder in wp-content/plugins, from git history: tests/upgrade/previous-release.sh); keys, logs,
// usage and settings are made with it; then its folder is deleted, this release's copied in its place,
// and nothing is activated again. Every key must still authenticate with its permissions and limits, the logs, usage and
// settings must be there, the schema must be this release's (migrations run once, again they change
// nothing), and the lean lane's loader is rewritten for the new version on the next admin request.
// Run by scripts/test.sh on a stack of its own, with and without the extension; LPAPI_UPGRADE_OLD is the
// previous release's plugin folder, LPAPI_UPGRADE_NEW this release's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { request, createKey, keyAction, wpPhp, env, ROOT, logsOf } from '../e2e/stack.mjs';

const NEW = process.env.LPAPI_UPGRADE_NEW ?? `${ROOT}/wp-plugin/latepoint-api-keys`;
const VERSION = fs.readFileSync(`${ROOT}/VERSION`, 'utf8').trim();
const RUN = Date.now().toString(36);
const laneOf = (res) => /^lane;desc="(\w+)"/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? null;
const php = (code) => wpPhp(code).trim();
/** Every table of the plugin: its CREATE TABLE (without the next id) and its row count. */
const tables = () => JSON.parse(php(`global $wpdb; $o = []; foreach (LatePointApi\\Support\\Schema::tables() as $t) { $o[$t] = [preg_replace('/ AUTO_INCREMENT=\\d+/', '', $wpdb->get_row("SHOW CREATE TABLE $t", ARRAY_N)[1]), (int) $wpdb->get_var("SELECT COUNT(*) FROM $t")]; } echo json_encode($o);`));

test('an upgrade in place from the previous release keeps every key, log, usage row and setting', async () => {
  const old = php('echo LPAPI_PLUGIN_VERSION;');
  assert.notEqual(old, VERSION, `the stack must run the previous release, not ${VERSION}`);

  // --- with the previous release
  const live = await createKey({ name: `upgrade live ${RUN}`, permissions: ['services:read', 'agents:read'], rate_limit_per_minute: 77, rate_limit_per_hour: 777 });
  const test = await createKey({ name: `upgrade test ${RUN}`, environment: 'test', permissions: ['bookings:read'], allowed_ips: ['127.0.0.1'] });
  const gone = await createKey({ name: `upgrade revoked ${RUN}`, permissions: ['services:read'] });
  await keyAction(gone.id, 'disable');
  php(`LatePointApi\\Support\\Settings::update(['retention_days' => 33, 'live_per_minute' => 61, 'trusted_proxies' => '10.0.0.0/8']);`);
  for (let i = 0; i < 3; i++) assert.equal((await request('/me', { key: live.key })).status, 200);
  assert.equal((await request('/bookings', { key: live.key })).status, 403);
  assert.equal((await request('/me', { key: test.key })).status, 200);
  const logsBefore = (await logsOf(live.id)).filter((r) => r.event === 'request').length;
  assert.equal(logsBefore, 4);
  const usage = () => php(`global $wpdb; echo json_encode($wpdb->get_results($wpdb->prepare("SELECT day, requests, errors FROM {$wpdb->prefix}lpapi_usage_daily WHERE key_id = %d", ${live.id}), ARRAY_A));`);
  const usageBefore = JSON.parse(usage());
  assert.equal(usageBefore.length, 1);
  const schemaBefore = php('echo get_option(LatePointApi\\Support\\Schema::DB_VERSION_OPTION);');
  const before = tables();

  // --- the plugin's folder replaced by this release's, as WordPress's upgrader does it (the old folder
  // deleted, the new one unpacked in its place; nothing activated again)
  const folder = `${env.LPAPI_WP_CONTENT_DIR}/plugins/latepoint-api-keys`;
  assert.ok(fs.lstatSync(folder).isDirectory(), 'the previous release is a real folder of the site');
  fs.rmSync(folder, { recursive: true });
  fs.cpSync(NEW, folder, { recursive: true });
  assert.equal(php('echo LPAPI_PLUGIN_VERSION;'), VERSION);

  const me = await request('/me', { key: live.key });
  assert.equal(me.status, 200, me.text);
  assert.deepEqual([...me.json.data.permissions].sort(), ['agents:read', 'services:read']);
  assert.equal(me.headers.get('x-ratelimit-limit'), '77', 'its own limits');
  assert.match(me.headers.get('ratelimit-policy') ?? '', /"hour";q=777;w=3600/);
  const denied = await request('/bookings', { key: live.key });
  assert.equal(denied.status, 403);
  assert.equal(denied.json.error.code, 'insufficient_permissions');
  assert.equal((await request('/me', { key: test.key })).status, 200, 'the test key, from its allowed IP');
  const disabled = await request('/me', { key: gone.key });
  assert.equal(disabled.status, 401);
  assert.equal(disabled.json.error.code, 'key_disabled');

  const logsAfter = (await logsOf(live.id)).filter((r) => r.event === 'request');
  assert.equal(logsAfter.length, logsBefore + 2, 'the old rows and the new ones');
  const usageAfter = JSON.parse(usage());
  assert.equal(usageAfter.length, 1);
  assert.equal(Number(usageAfter[0].requests), Number(usageBefore[0].requests) + 2);
  assert.deepEqual(
    JSON.parse(php(`$s = LatePointApi\\Support\\Settings::all(); echo json_encode([$s['retention_days'], $s['live_per_minute'], $s['trusted_proxies']]);`)),
    [33, 61, ['10.0.0.0/8']],
  );

  // The schema: this release's, migrated once; running the migration again changes nothing.
  const schemaAfter = php('echo get_option(LatePointApi\\Support\\Schema::DB_VERSION_OPTION);');
  assert.equal(schemaAfter, php('echo LatePointApi\\Support\\Schema::DB_VERSION;'));
  assert.ok(Number(schemaAfter) >= Number(schemaBefore));
  const migrated = tables();
  for (const [table, [create]] of Object.entries(before)) {
    assert.ok(migrated[table], `${table} is still there`);
    if (schemaAfter === schemaBefore) assert.equal(migrated[table][0], create, `${table}: the same schema`);
  }
  php('LatePointApi\\Support\\Schema::install(); LatePointApi\\Support\\Schema::maybe_upgrade();');
  const again = tables();
  for (const [table, [create, rows]] of Object.entries(migrated)) {
    assert.equal(again[table][0], create, `${table}: a second migration changes nothing`);
    if (!/audit_log|usage_daily|keys$/.test(table)) assert.equal(again[table][1], rows, `${table}: no rows added`);
  }

  // The lean lane: the old loader steps aside, the next admin request writes this release's.
  if (env.LPAPI_LEAN_LANE !== '0') {
    assert.equal(php(`echo LatePointApi\\Lane\\Lane_Loader::status()['state'];`), 'outdated');
    assert.equal(laneOf(await request('/me', { key: live.key })), 'full');
    await fetch(`${env.LPAPI_SITE_URL}/wp-admin/admin-ajax.php?action=lpapi-upgrade-test`);
    assert.equal(php(`echo LatePointApi\\Lane\\Lane_Loader::status()['state'];`), 'in_place');
    assert.equal(laneOf(await request('/me', { key: live.key })), 'lean');
  }
});
