// Limits over HTTP (docs/api.md, "Rate limits"): the day window, per-operation
// limits beside a key's overall ones, and a table that keeps its counts across
// a php-fpm reload, a stop and start, and workers killed with SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { env, ROOT, request, createKey, pool, awayFromMinuteEdge, assertError } from './stack.mjs';

const CONCURRENCY = 16;
const MINUTE_SECONDS = 60;
const nextUtcMidnight = (epoch) => (Math.floor(epoch / 86400) + 1) * 86400;
const serverNow = (res) => Math.floor(Date.parse(res.headers.get('date')) / 1000);
const admitted = (results) => results.filter((r) => r.status !== 429);

/** Waits while the UTC day is about to end, so a test's requests fall in one day. */
async function awayFromDayEdge(margin = 120) {
  const left = nextUtcMidnight(Date.now() / 1000) - Date.now() / 1000;
  if (left < margin) await new Promise((r) => setTimeout(r, left * 1000 + 1000));
}

test('a key with 3 requests a day gets exactly 3, then 429 with Retry-After = seconds to UTC midnight', async () => {
  await awayFromDayEdge();
  const { key, limits } = await createKey({ name: 'three a day', rate_limit_per_day: 3, rate_limit_per_minute: 1000, rate_limit_per_hour: 1000 });
  assert.equal(limits.per_day, 3);
  const results = await pool(8, 4, () => request('/me', { key }));
  assert.equal(admitted(results).length, 3, results.map((r) => r.status).join(','));
  const first = admitted(results)[0];
  assert.match(first.headers.get('ratelimit-policy'), /"day";q=3;w=86400/);
  const refused = results.find((r) => r.status === 429);
  assertError(refused, 429, 'rate_limit_exceeded');
  const midnight = nextUtcMidnight(serverNow(refused));
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(Math.abs(retryAfter - (midnight - serverNow(refused))) <= 1, `Retry-After ${retryAfter}, midnight in ${midnight - serverNow(refused)} s`);
  const details = refused.json.error.details;
  assert.equal(details.policy, 'day');
  assert.equal(details.window, 'day');
  assert.equal(details.operation, null);
  assert.equal(details.reset, midnight);
  assert.equal(details.limit, 3);
  assert.equal(refused.headers.get('x-ratelimit-reset'), String(midnight));
  assert.match(refused.headers.get('ratelimit'), /^"day";r=0;t=\d+$/);
});

test('a test key gets the 10,000-a-day default and RateLimit-Policy lists every window', async () => {
  const { key, limits } = await createKey({ name: 'test default day', environment: 'test' });
  assert.equal(limits.per_day, 10000);
  const res = await request('/me', { key });
  assert.equal(res.status, 200, res.text);
  const policy = res.headers.get('ratelimit-policy');
  assert.match(policy, /^"minute";q=\d+;w=60, "hour";q=\d+;w=3600, "day";q=10000;w=86400$/);
  assert.deepEqual(Object.keys(res.json.data.rate_limit), ['minute', 'hour', 'day']);
  assert.equal(res.json.data.rate_limit.day.limit, 10000);
  assert.equal(res.json.data.rate_limit.day.remaining, 9999);
});

test('a widget key with 50/minute overall and bookings:create 2/minute admits exactly 2 creates and 48 reads from 16 clients', async () => {
  await awayFromMinuteEdge(30);
  const { key } = await createKey({
    name: 'widget',
    permissions: ['services:read', 'bookings:create'],
    rate_limit_per_minute: 50,
    rate_limit_per_hour: 100000,
    operation_limits: { 'bookings:create': { per_minute: 2 } },
  });
  const startMinute = Math.floor(Date.now() / 60000);
  // 10 creates, then 50 reads, 16 at a time: the first 16 in flight are all 10 creates and 6 reads.
  const results = await pool(60, CONCURRENCY, (i) =>
    i < 10 ? request('/bookings', { key, method: 'POST', body: {} }) : request('/services', { key }),
  );
  assert.equal(Math.floor(Date.now() / 60000), startMinute, 'the burst crossed a minute boundary; rerun');
  const creates = results.slice(0, 10);
  const reads = results.slice(10);
  assert.equal(admitted(creates).length, 2, `creates: ${creates.map((r) => r.status).join(',')}`);
  assert.equal(admitted(reads).length, 48, `reads: ${reads.map((r) => r.status).join(',')}`);
  // A create lists the key's limits and its operation's; a read only the key's.
  const create = admitted(creates)[0];
  assert.match(create.headers.get('ratelimit-policy'), /^"minute";q=50;w=60, "hour";q=100000;w=3600, "bookings:create\/minute";q=2;w=60$/);
  assert.match(admitted(reads)[0].headers.get('ratelimit-policy'), /^"minute";q=50;w=60, "hour";q=100000;w=3600$/);
  // Refused creates name the operation's limit: it refused them while the key had room.
  const refusedCreate = creates.find((r) => r.status === 429);
  const details = refusedCreate.json.error.details;
  assert.equal(details.policy, 'bookings:create/minute', refusedCreate.text);
  assert.equal(details.operation, 'bookings:create');
  assert.equal(details.limit, 2);
  assert.match(refusedCreate.headers.get('ratelimit'), /^"bookings:create\/minute";r=0;t=\d+$/);
  assert.match(refusedCreate.json.error.message, /bookings:create\/minute/);
  // Refused reads name the key's minute.
  const refusedRead = reads.find((r) => r.status === 429);
  assert.equal(refusedRead.json.error.details.policy, 'minute');
  assert.equal(refusedRead.json.error.details.operation, null);
});

test('a create refused by the key\'s overall limit names that limit, not the operation\'s', async () => {
  await awayFromMinuteEdge(20);
  const { key } = await createKey({
    name: 'overall refuses',
    permissions: ['services:read', 'bookings:create'],
    rate_limit_per_minute: 3,
    rate_limit_per_hour: 100000,
    operation_limits: { 'bookings:create': { per_minute: 5, per_day: 100 } },
  });
  for (let i = 0; i < 3; i++) assert.notEqual((await request('/services', { key })).status, 429);
  const refused = await request('/bookings', { key, method: 'POST', body: {} });
  assertError(refused, 429, 'rate_limit_exceeded');
  assert.equal(refused.json.error.details.policy, 'minute');
  assert.equal(refused.json.error.details.operation, null);
  assert.equal(refused.json.error.details.limit, 3);
  assert.match(
    refused.headers.get('ratelimit-policy'),
    /^"minute";q=3;w=60, "hour";q=100000;w=3600, "bookings:create\/minute";q=5;w=60, "bookings:create\/day";q=100;w=86400$/,
  );
});

// ------------------------------------------------------------- php-fpm restarts and SIGKILL

const pidFile = `${env.LPAPI_RUN_DIR}/pids/php-fpm.pid`;
const masterPid = () => Number(fs.readFileSync(pidFile, 'utf8').trim());
/** Whether a process runs (a zombie, waiting for its parent to reap it, has finished). */
const running = (pid) => {
  try {
    return !/^State:\s*[ZX]/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};
const workers = (master) => {
  try {
    return fs.readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** Waits until php-fpm answers again (the API index takes no key, so it counts nothing). */
async function untilServing(timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await request('/')).status === 200) return;
    } catch {
      // nginx up, php-fpm not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('php-fpm did not come back');
}

test('a php-fpm reload (SIGUSR2 to the master) keeps the counts: nothing beyond the limit in the same minute', { skip: env.LPAPI_NATIVE !== '1' && 'the shared-memory table is the native extension\'s' }, async () => {
  await awayFromMinuteEdge(40);
  const { key } = await createKey({ name: 'reload', rate_limit_per_minute: 10, rate_limit_per_hour: 100000 });
  const minute = Math.floor(Date.now() / 60000);
  const before = await pool(6, 3, () => request('/me', { key }));
  assert.equal(admitted(before).length, 6);
  const master = masterPid();
  const oldWorkers = workers(master);
  process.kill(master, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 300));
  await untilServing();
  assert.notDeepEqual(workers(masterPid()), oldWorkers, 'the workers were replaced');
  const after = await pool(10, 5, () => request('/me', { key }));
  assert.equal(Math.floor(Date.now() / 60000), minute, 'the test crossed a minute boundary; rerun');
  assert.equal(admitted(after).length, 4, `after the reload: ${after.map((r) => r.status).join(',')}`);
});

test('a php-fpm stop and start keeps the counts: nothing beyond the limit in the same day', { skip: env.LPAPI_NATIVE !== '1' && 'the shared-memory table is the native extension\'s' }, async () => {
  await awayFromDayEdge();
  const { key } = await createKey({ name: 'stop start', rate_limit_per_day: 10, rate_limit_per_minute: 1000, rate_limit_per_hour: 1000 });
  const before = await pool(7, 3, () => request('/me', { key }));
  assert.equal(admitted(before).length, 7);
  const oldMaster = masterPid();
  execFileSync(`${ROOT}/scripts/stack.sh`, ['stop', 'php-fpm'], { stdio: 'ignore' });
  assert.equal(running(oldMaster), false, 'the master is gone');
  execFileSync(`${ROOT}/scripts/stack.sh`, ['start'], { stdio: 'ignore' });
  await untilServing();
  assert.notEqual(masterPid(), oldMaster);
  const after = await pool(10, 5, () => request('/me', { key }));
  assert.equal(admitted(after).length, 3, `after the restart: ${after.map((r) => r.status).join(',')}`);
});

test('workers killed with SIGKILL mid-load: admitted + counted-by-the-killed never pass the limit, and nothing stays locked', async (t) => {
  await awayFromMinuteEdge(40);
  const limit = 40;
  const { key } = await createKey({ name: 'kill -9', rate_limit_per_minute: limit, rate_limit_per_hour: 100000 });
  const minute = Math.floor(Date.now() / 60000);
  let killing = true;
  let kills = 0;
  const killer = (async () => {
    while (killing) {
      const pids = workers(masterPid());
      if (pids.length) {
        try {
          process.kill(pids[Math.floor(Math.random() * pids.length)], 'SIGKILL');
          kills++;
        } catch {
          // exited meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const stormStarted = Date.now();
  const results = await pool(120, CONCURRENCY, () => request('/me', { key }).catch(() => ({ status: 0 })));
  const stormMs = Date.now() - stormStarted;
  killing = false;
  await killer;
  const recoveryStarted = Date.now();
  await untilServing();
  t.diagnostic(`the load took ${stormMs} ms, php-fpm answered again after ${Date.now() - recoveryStarted} ms`);
  assert.equal(Math.floor(Date.now() / 60000), minute, 'the test crossed a minute boundary; rerun');
  const ok = results.filter((r) => r.status === 200).length;
  const killed = results.filter((r) => r.status === 502 || r.status === 0).length;
  const other = results.filter((r) => ![200, 429, 502, 0].includes(r.status));
  assert.deepEqual(other.map((r) => r.status), [], 'only answers, refusals and killed requests');
  assert.ok(kills > 0 && killed > 0, `the test must kill requests (kills ${kills}, killed ${killed})`);
  // What the table holds now: /me counts itself, or is refused once the limit is reached.
  const probe = await request('/me', { key });
  const counted = probe.status === 429 ? limit : limit - Number(probe.headers.get('x-ratelimit-remaining')) - 1;
  t.diagnostic(`${kills} workers killed; of 120 requests ${ok} admitted, ${killed} killed, ${120 - ok - killed} refused; ${counted} counted`);
  assert.ok(ok <= counted, `admitted ${ok} > counted ${counted}`);
  assert.ok(counted <= limit, `counted ${counted} > limit ${limit}`);
  assert.ok(counted - ok <= killed, `counted ${counted} - admitted ${ok} > killed ${killed}: a unit was left by a request not killed`);
  assert.ok(ok + (counted - ok) <= limit, 'admitted + units left by killed requests <= limit');
  // Nothing stays locked: a new key's first request (a new bucket, so the table's claim lock) and
  // this key's next one are answered at once.
  const fresh = await createKey({ name: 'after the kills' });
  const started = Date.now();
  assert.equal((await request('/me', { key: fresh.key })).status, 200);
  assert.ok([200, 429].includes((await request('/me', { key })).status));
  assert.ok(Date.now() - started < 10000, 'answered without waiting on a lock');
});
