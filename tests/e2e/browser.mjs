// The browser suites' shared parts: Chromium (Debian's, through playwright-core) launched so that
// nothing can leave the machine, and a context per test that records what its pages do wrong.
//
// Env: LPAPI_CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { env } from './stack.mjs';

export const SITE = env.LPAPI_SITE_URL;
export const PAGE_PATH = '/wp-admin/options-general.php?page=latepoint-api-settings';
const BLANK_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Chromium, headless, with a fresh temporary profile, resolving no host but the loopback's. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.LPAPI_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
}

function watch(p, label, seen) {
  p.on('pageerror', (err) => seen.problems.push(`${label} pageerror: ${err.message}`));
  p.on('console', (msg) => {
    if (msg.type() === 'error') seen.problems.push(`${label} console.error: ${msg.text()} @ ${msg.location()?.url || ''}`);
  });
  p.on('dialog', (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()}`);
    d.accept().catch(() => {});
  });
  p.setDefaultTimeout(15000);
  p.setDefaultNavigationTimeout(20000);
}

/**
 * A browser context of the test `t` and a page in it. What its pages do wrong is collected in
 * `seen` (page errors and console errors, dialogs, hosts other than the site asked for), and
 * when the test ends the context is closed and the test fails if `seen` holds anything.
 */
export async function newContext(browser, t, options = {}) {
  const label = options.javaScriptEnabled === false ? 'no-js' : 'js';
  const seen = { problems: [], dialogs: [], external: new Set() };
  const ctx = await browser.newContext({ baseURL: SITE, acceptDownloads: true, viewport: { width: 1400, height: 1000 }, ...options });
  t.after(async () => {
    await ctx.close();
    assert.deepEqual(seen.problems, [], `no JavaScript errors on the pages of "${t.name}"`);
    assert.deepEqual(seen.dialogs, [], `no dialogs on the pages of "${t.name}"`);
    assert.deepEqual([...seen.external], [], `hosts other than the site that the pages of "${t.name}" asked for`);
  });
  if (options.javaScriptEnabled !== false) {
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SITE });
  }
  // Nothing may leave the site (the stack turns avatars and emoji images off): any request for
  // another host is listed (the test fails on it) and answered locally, never sent.
  await ctx.route((url) => url.origin !== SITE, (route) => {
    seen.external.add(new URL(route.request().url()).host);
    return route.request().resourceType() === 'image'
      ? route.fulfill({ status: 200, contentType: 'image/gif', body: BLANK_GIF })
      : route.abort();
  });
  // Every page of the context, popups included, is watched.
  const watched = new WeakSet();
  const watchOnce = (p) => {
    if (!watched.has(p)) {
      watched.add(p);
      watch(p, label, seen);
    }
  };
  ctx.on('page', watchOnce);
  const p = await ctx.newPage();
  watchOnce(p);
  return { ctx, p, seen };
}

export async function login(p) {
  await p.goto('/wp-login.php');
  await p.locator('#user_login').fill(env.LPAPI_ADMIN_USER);
  await p.locator('#user_pass').fill(env.LPAPI_ADMIN_PASSWORD);
  await Promise.all([p.waitForURL(/\/wp-admin\//), p.locator('#wp-submit').click()]);
}

/** A context of its own for the test `t` (see newContext), with the admin logged in. */
export async function loggedIn(browser, t, options = {}) {
  const opened = await newContext(browser, t, options);
  await login(opened.p);
  return opened;
}

export async function openTab(p, tab, extra = '') {
  await p.goto(`${PAGE_PATH}&tab=${tab}${extra}`);
  await p.locator('.wrap.lpapi').waitFor();
}
