// What the admin page (in Chromium) and php-fpm say about the extension, on a stack that runs PHP's own
// configuration (LPAPI_NATIVE=system): with the Debian package installed (LPAPI_EXPECT_NATIVE=1) the
// page names the extension loaded by php-fpm's master; after its removal (0) the page says the plugin
// runs on its pure-PHP fallback. Run by tests/dist/deb.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, loggedIn, PAGE_PATH } from '../e2e/browser.mjs';
import { wpPhp } from '../e2e/stack.mjs';

const NATIVE = process.env.LPAPI_EXPECT_NATIVE === '1';
const VERSION = (await import('node:fs')).readFileSync(new URL('../../VERSION', import.meta.url), 'utf8').trim();
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => browser?.close());

test(`the admin page says the extension is ${NATIVE ? 'in use' : 'not in use'}`, async (t) => {
  const { p } = await loggedIn(browser, t);
  await p.goto(PAGE_PATH);
  const status = (await p.locator('.lpapi-status').textContent()) ?? '';
  if (NATIVE) {
    assert.match(status, new RegExp(`Native extension lpapi ${VERSION.replaceAll('.', '\\.')} is loaded`));
    assert.doesNotMatch(status, /this PHP worker loaded the extension itself/, "loaded by php-fpm's master, not per worker");
  } else {
    assert.match(status, /not in use: the plugin runs on its pure-PHP fallback/);
  }
  assert.equal(wpPhp('echo extension_loaded("lpapi") ? "yes" : "no";').trim(), NATIVE ? 'yes' : 'no', 'and the CLI, through the same configuration');
});
