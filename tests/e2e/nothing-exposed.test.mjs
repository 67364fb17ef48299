// What the stack must never hand out: the audit spool over HTTP (on nginx, which ignores
// .htaccess), and API keys in the web server's access log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { env, request, createKey, KEY_PATTERN } from './stack.mjs';

const CONTENT = env.LPAPI_WP_CONTENT_DIR;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function spoolDirs() {
  return fs.readdirSync(CONTENT).filter((n) => n.startsWith('lpapi-spool')).map((n) => path.join(CONTENT, n)).filter((p) => fs.statSync(p).isDirectory());
}

test('nothing of the audit spool is readable over HTTP', async () => {
  const { key } = await createKey({ name: 'spool over http' });
  const agent = `spool-probe-${Date.now()}`;
  // A row in the spool file on disk (a request arriving after a flush may take it away: try again).
  let spooled = null;
  for (let i = 0; i < 20 && !spooled; i++) {
    const res = await request('/me', { key, headers: { 'User-Agent': agent } });
    assert.equal(res.status, 200, res.text);
    await sleep(50);
    for (const dir of spoolDirs()) {
      for (const name of fs.readdirSync(dir)) {
        const file = path.join(dir, name);
        if (fs.readFileSync(file, 'utf8').includes(agent)) spooled = file;
      }
    }
  }
  assert.ok(spooled, 'a row reached the spool on disk');
  assert.match(path.basename(spooled), /\.php$/);
  assert.ok(fs.readFileSync(spooled, 'utf8').startsWith('<?php exit; ?>\n'));

  const dir = path.basename(path.dirname(spooled));
  const base = `${env.LPAPI_SITE_URL}/wp-content`;
  const urls = [
    `${base}/${dir}/${path.basename(spooled)}`,
    `${base}/${dir}/`,
    `${base}/${dir}/spool.php`,
    `${base}/${dir}/spool.jsonl`,
    `${base}/${dir}/.htaccess`,
    `${base}/${dir}/index.php`,
    `${base}/lpapi-spool-location.php`,
  ];
  for (const url of urls) {
    const res = await fetch(url);
    const body = await res.text();
    assert.ok(res.status !== 200 || body.trim() === '', `${url} answered ${res.status} with ${JSON.stringify(body.slice(0, 120))}`);
    for (const secret of [agent, 'request_id', 'lp_live_', dir]) {
      assert.ok(!body.includes(secret), `${url} shows ${secret}`);
    }
  }
});

test('no API key reaches the access log, wherever a client puts it', async () => {
  const { key } = await createKey({ name: 'access log' });
  const marker = `log-probe-${Date.now()}`;
  await fetch(`${env.LPAPI_REST_URL}/latepoint-api/v1/me/${key}`, { headers: { 'User-Agent': `${marker} ${key} tail`, Referer: `http://127.0.0.1/page/${key}?k=${key}`, 'X-API-Key': key } });
  await fetch(`${env.LPAPI_REST_URL}/latepoint-api/v1/me/${key.replaceAll('_', '%5F')}`, { headers: { 'User-Agent': `${marker}-encoded`, 'X-API-Key': key } });
  await fetch(`${env.LPAPI_REST_URL}/latepoint-api/v1/me`, { headers: { 'User-Agent': `${marker}-basic`, Authorization: 'Basic ' + Buffer.from(`${key}:x`).toString('base64') } });
  let lines = [];
  for (let i = 0; i < 40 && lines.length < 3; i++) {
    lines = fs.readFileSync(env.LPAPI_NGINX_ACCESS_LOG, 'utf8').split('\n').filter((l) => l.includes(marker));
    if (lines.length < 3) await sleep(50);
  }
  assert.equal(lines.length, 3, 'the requests were logged');
  for (const line of lines) {
    assert.doesNotMatch(line, KEY_PATTERN, line);
    assert.ok(!line.includes(key.slice(12)), `part of the key's body in: ${line}`);
  }
  assert.match(lines[0], /\/me\/\[API key removed\]/, 'the path, cut before the key');
  assert.match(lines[0], new RegExp(`"${marker} \\[API key removed\\]"`), 'the user agent, cut before the key');
  assert.match(lines[0], /"http:\/\/127\.0\.0\.1\/page\/\[API key removed\]"/, 'the referer, cut before the key');
  assert.match(lines[2], / - \[API key removed\] \[/, 'a key as a Basic-auth user name');
});
