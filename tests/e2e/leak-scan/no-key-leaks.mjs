// No full key may be in the database, the spool, or any log (docs/api.md: "Nothing
// in the database, the logs or the PHP error log may contain a full key").
//
// Meant to run after the other suites, on what they left: scripts/test.sh runs
// it as a step of its own after the HTTP suites of each run (native extension,
// then pure-PHP fallback). Its name does not match the *.test.mjs glob that
// test.sh passes to node, so no run picks it up by accident or by its name's
// place in the alphabet. By hand, after any suites:
//
//   node --test --test-reporter=spec tests/e2e/leak-scan/no-key-leaks.mjs
//
// It makes, uses and revokes a key of its own first, so it also stands alone
// (on a fresh stack the dump then still shows a key's display prefix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { env, KEY_PATTERN, request, createKey, revokeKey } from '../stack.mjs';

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

test('no full key in the database dump, the spool or any log', async () => {
  // A key of this scan's own, through the ways in (created, used, revoked), on top of what the
  // suites before it left.
  const own = await createKey({ name: 'leak scan' });
  assert.equal((await request('/me', { key: own.key })).status, 200);
  await revokeKey(own.id);
  assert.equal((await request('/me', { key: own.key })).status, 401);
  // Flush the spool into the database first, so both are scanned in their final state.
  await request('/logs?per_page=1', { admin: true });
  const dump = execFileSync(
    'mariadb-dump',
    ['--no-defaults', `--socket=${env.LPAPI_DB_SOCKET}`, '-uroot', '--skip-extended-insert', env.LPAPI_DB_NAME],
    { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  );
  assert.ok(dump.includes('lpapi_keys'), 'the dump has the keys table');
  assert.ok(/lp_(live|test)_[0-9A-Za-z]{4}/.test(dump), 'display prefixes are there (the scan sees key-like text)');
  const leaks = [];
  if (KEY_PATTERN.test(dump)) leaks.push(`database: ${dump.match(KEY_PATTERN)[0].slice(0, 12)}…`);
  const files = [...filesUnder(env.LPAPI_LOG_DIR), ...filesUnder(env.LPAPI_WP_CONTENT_DIR).filter((f) => /lpapi-spool|debug\.log/.test(f))];
  assert.ok(files.length > 0, 'there are logs to scan');
  for (const file of files) {
    const text = fs.readFileSync(file, 'latin1');
    if (KEY_PATTERN.test(text)) leaks.push(`${file}: ${text.match(KEY_PATTERN)[0].slice(0, 12)}…`);
  }
  assert.deepEqual(leaks, []);
});
