// Helpers for tests against the running local stack (scripts/stack.sh start).
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import { crc32 } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STACK = path.join(ROOT, 'scripts/stack.sh');

/** The stack's settings, from `scripts/stack.sh env`. */
export const env = (() => {
  const out = execFileSync(STACK, ['env'], { encoding: 'utf8' });
  const vars = {};
  for (const line of out.split('\n')) {
    const m = line.match(/^export ([A-Z_]+)=(.*)$/);
    if (m) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return vars;
})();

export const API = `${env.LPAPI_REST_URL}/latepoint-api/v1`;

// The suites make many keys; the site-wide cap on active keys (default 50) is
// tested on its own in the PHP suite, so raise it here once per run.
execFileSync(STACK, ['php', '-r', `$s = get_option('lpapi_settings', []); $s['key_cap'] = 100000; update_option('lpapi_settings', $s);`]);

/** Runs PHP inside the stack's WordPress and returns its stdout. */
export function wpPhp(code) {
  return execFileSync(STACK, ['php', '-r', code], { encoding: 'utf8' });
}

/**
 * wpPhp() without blocking this process (its servers, such as a webhook receiver, keep answering
 * while the PHP runs); resolves to its stdout.
 */
export function wpPhpAsync(code) {
  return new Promise((resolve, reject) => {
    execFile(STACK, ['php', '-r', code], { encoding: 'utf8' }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** The stand-in LatePoint tables' maker (scripts/stack/latepoint-fixture.php). */
export const LATEPOINT_FIXTURE = `${ROOT}/scripts/stack/latepoint-fixture.php`;
const phpString = (v) => JSON.stringify(v).replace(/\$/g, '\\$');

/**
 * Seeds LatePoint's tables for one test file: makes them if missing (where real LatePoint is not
 * installed), then runs the PHP `body` with `$wpdb`, `$p` (LatePoint's table prefix), `$r` (the run's
 * id), `$now`, `$ins($table, $row)` (inserts with created_at/updated_at, returns the id; with `strict`,
 * a failed insert throws) and `$d = []`, and returns `$d` decoded.
 */
export function seedLatePoint(run, body, { strict = false } = {}) {
  const check = strict ? ' if ($wpdb->last_error) { throw new Exception($wpdb->last_error); }' : '';
  return JSON.parse(
    wpPhp(`require ${phpString(LATEPOINT_FIXTURE)}; LatePointApi\\Fixture\\create_latepoint_tables();
global $wpdb; $p = $wpdb->prefix . 'latepoint_'; $r = ${phpString(run)}; $now = current_time('mysql');
$ins = function ($t, $row) use ($wpdb, $p, $now) { $wpdb->insert($p . $t, $row + ['created_at' => $now, 'updated_at' => $now]);${check} return (int) $wpdb->insert_id; };
$d = [];
${body}
echo json_encode($d);`),
  );
}

let appPassword;
/** Basic auth with a WordPress Application Password of the admin, made once per run. */
export function adminAuth() {
  if (!appPassword) {
    appPassword = wpPhp(
      `list($p) = WP_Application_Passwords::create_new_application_password(1, ['name' => 'e2e ' . uniqid()]); echo $p;`,
    ).trim();
  }
  return 'Basic ' + Buffer.from(`${env.LPAPI_ADMIN_USER}:${appPassword}`).toString('base64');
}

/** One HTTP request; returns status, headers and the parsed JSON body. */
export async function request(pathname, { key, bearer, method = 'GET', body, headers = {}, admin = false } = {}) {
  const h = { ...headers };
  if (key) h['X-API-Key'] = key;
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  if (admin) h.Authorization = adminAuth();
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(pathname.startsWith('http') ? pathname : API + pathname, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Creates a key through the admin REST API; returns its record with `key` (the plaintext). */
export async function createKey(fields = {}) {
  const res = await request('/keys', {
    method: 'POST',
    admin: true,
    body: { name: 'e2e key', permissions: ['bookings:read'], ...fields },
  });
  if (res.status !== 201) throw new Error(`creating a key gave ${res.status}: ${res.text}`);
  return res.json.data;
}

export async function keyAction(id, action, body) {
  const res = await request(`/keys/${id}/${action}`, { method: 'POST', admin: true, body });
  if (res.status >= 300) throw new Error(`${action} gave ${res.status}: ${res.text}`);
  return res.json.data;
}

export async function revokeKey(id) {
  const res = await request(`/keys/${id}`, { method: 'DELETE', admin: true });
  if (res.status !== 200) throw new Error(`revoke gave ${res.status}: ${res.text}`);
  return res.json.data;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** A well-formed key (valid checksum) that no site issued. */
export function unknownKey(env = 'live') {
  let body = '';
  for (let i = 0; i < 32; i++) body += BASE62[Math.floor(Math.random() * 62)];
  const signed = `lp_${env}_${body}`;
  let n = crc32(signed);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[n % 62] + sum;
    n = Math.floor(n / 62);
  }
  return signed + sum;
}

/** Waits until at least `margin` seconds remain in the current UTC minute. */
export async function awayFromMinuteEdge(margin = 15) {
  const left = 60 - (Math.floor(Date.now() / 1000) % 60);
  if (left < margin) await new Promise((r) => setTimeout(r, left * 1000 + 500));
}

/** Runs `count` calls of `fn` with at most `concurrency` in flight. */
export async function pool(count, concurrency, fn) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await fn(i);
      }
    }),
  );
  return results;
}

export const KEY_PATTERN = /lp_(live|test)_[0-9A-Za-z]{38}/;

/**
 * One HTTP/1.1 request written by hand, for what fetch() will not send: a header line twice,
 * control characters. `headers` is a list of [name, value] lines. Returns status, headers, body.
 */
export function rawRequest(pathname, headers = [], method = 'GET') {
  const url = new URL(pathname.startsWith('http') ? pathname : API + pathname);
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
    const chunks = [];
    socket.setTimeout(15000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1'); // bytes, so chunk sizes count right
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const h = new Map(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let body = rest.join('\r\n\r\n');
      if ((h.get('transfer-encoding') || '').includes('chunked')) {
        let out = '';
        for (let at = 0; ; ) {
          const end = body.indexOf('\r\n', at);
          const size = parseInt(body.slice(at, end), 16);
          if (!size) break;
          out += body.slice(end + 2, end + 2 + size);
          at = end + 2 + size + 2;
        }
        body = out;
      }
      body = Buffer.from(body, 'latin1').toString('utf8');
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: { get: (n) => h.get(n.toLowerCase()) ?? null }, json, text: body });
    });
  });
}

/** The audit rows of a key (flushed first: /logs flushes the spool), newest first. */
export async function logsOf(keyId) {
  const res = await request(`/logs?key_id=${keyId}&per_page=100`, { admin: true });
  if (res.status !== 200) throw new Error(`/logs gave ${res.status}: ${res.text}`);
  return res.json.data;
}

/** An error answer of the API: its status and code, the envelope with a request id, and no PHP output. */
export function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.equal(res.json?.status, 'error', res.text.slice(0, 500));
  assert.equal(res.json.error.code, code, res.text.slice(0, 500));
  assert.match(res.json.error.request_id, /^req_/);
  assert.doesNotMatch(res.text, /<br|Notice|Warning|Fatal|Stack trace/);
}
