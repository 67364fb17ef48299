// The plugin installed as a site owner installs it: on a fresh stack without the plugin
// (LPAPI_PLUGIN_SRC=none), an admin in Chromium uploads the zip that `make dist` built
// (LPAPI_DIST_ZIP) at Plugins > Add New > Upload Plugin, activates it, generates a key on
// LatePoint > API Settings, and the key works over HTTP. Run by scripts/test.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SITE, PAGE_PATH, launchBrowser, loggedIn as browserLoggedIn, openTab } from '../e2e/browser.mjs';
import { request, wpPhp, env } from '../e2e/stack.mjs';

const ZIP = process.env.LPAPI_DIST_ZIP;
let browser;

before(async () => {
  assert.ok(ZIP && fs.existsSync(ZIP), `the zip of make dist (LPAPI_DIST_ZIP=${ZIP})`);
  browser = await launchBrowser();
});
after(async () => browser?.close());

test('the zip uploaded in wp-admin installs and activates, and a key made on its page works', async (t) => {
  const plugins = `${env.LPAPI_WP_CONTENT_DIR}/plugins`;
  assert.equal(fs.existsSync(`${plugins}/latepoint-api-keys`), false, 'a site without the plugin');
  assert.equal((await request('/me', { key: 'lp_live_x' })).status, 404, 'no API yet');

  const { p } = await browserLoggedIn(browser, t);
  await p.goto('/wp-admin/plugin-install.php?tab=upload');
  await p.locator('#pluginzip').setInputFiles(ZIP);
  await Promise.all([p.waitForLoadState('load'), p.waitForURL(/update\.php\?action=upload-plugin/), p.locator('#install-plugin-submit').click()]);
  await p.locator('text=Plugin installed successfully.').waitFor();
  const activate = p.locator('a', { hasText: 'Activate Plugin' });
  await Promise.all([p.waitForURL(/plugins\.php/), activate.click()]);
  await p.locator('#message, .notice-success, .updated').first().waitFor();
  assert.ok(fs.statSync(`${plugins}/latepoint-api-keys`).isDirectory(), 'a real folder, unpacked by WordPress');
  assert.equal(fs.existsSync(`${plugins}/latepoint-api-keys/tests`), false);
  const version = fs.readFileSync(new URL('../../VERSION', import.meta.url), 'utf8').trim();
  assert.equal(wpPhp(`require_once ABSPATH . 'wp-admin/includes/plugin.php'; echo is_plugin_active('latepoint-api-keys/latepoint-api-keys.php') ? LPAPI_PLUGIN_VERSION : 'inactive';`).trim(), version);

  await openTab(p, 'generate');
  await p.locator('#lpapi-name').fill('Uploaded zip');
  for (const box of await p.locator('.lpapi-matrix input[type=checkbox]').all()) {
    await box.setChecked((await box.getAttribute('value')) === 'services:read');
  }
  await Promise.all([p.waitForURL(/tab=generate/), p.locator('#lpapi-generate-submit').click()]);
  const key = await p.locator('#lpapi-new-key').inputValue();
  assert.match(key, /^lp_live_[0-9A-Za-z]{38}$/);

  const me = await request('/me', { key });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.data.name, 'Uploaded zip');
  assert.deepEqual(me.json.data.permissions, ['services:read']);
  assert.match(me.headers.get('server-timing') ?? '', /^lane;desc="lean"/, "the activation put the lean lane's loader in place");
  const status = await request('/status');
  assert.equal(status.json.version, version);
  assert.ok(SITE && PAGE_PATH);
});
