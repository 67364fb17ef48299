// The OpenAPI document is generated from the route registrations: every
// registered route and method is in it, and every permission it claims is
// what the server enforces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, API, request, createKey } from './stack.mjs';

const doc = await (await fetch(`${API}/openapi.json`)).json();

/** `/keys/(?P<id>\d+)/rotate` → `/keys/{id}/rotate` */
const toPath = (route) => route.replace('/latepoint-api/v1', '').replace(/\(\?P<([a-zA-Z0-9_]+)>[^)]*\)/g, '{$1}');

test('the document is OpenAPI 3.1 with the API key security scheme, served without a key', async () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(doc.components.securitySchemes.ApiKey, {
    type: 'apiKey', in: 'header', name: 'X-API-Key',
    description: doc.components.securitySchemes.ApiKey.description,
  });
  assert.match(doc.servers[0].url, /latepoint-api\/v1$/);
  for (const code of ['missing_api_key', 'insufficient_permissions', 'rate_limit_exceeded', 'validation_failed', 'slot_unavailable']) {
    assert.ok(JSON.stringify(doc.components.responses).includes(code), `error code ${code} documented`);
  }
});

test('every registered route and method is in the document, and nothing else', async () => {
  const index = await (await fetch(`${env.LPAPI_REST_URL}/latepoint-api/v1`)).json();
  const registered = new Set();
  for (const [route, info] of Object.entries(index.routes)) {
    if (route === '/latepoint-api/v1') continue;
    for (const method of info.methods) registered.add(`${method.toLowerCase()} ${toPath(route)}`);
  }
  const documented = new Set();
  for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) documented.add(`${method} ${path}`);
  assert.ok(registered.size >= 20, `only ${registered.size} operations registered`);
  assert.deepEqual([...documented].sort(), [...registered].sort());
});

test('each operation documents its parameters and error responses', () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method} ${path}`;
      assert.ok(op.operationId, where);
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        assert.ok(op.parameters.some((p) => p.name === name && p.in === 'path'), `${where}: path parameter ${name}`);
      }
      assert.ok(Object.keys(op.responses).some((s) => s.startsWith('2')), `${where}: a success response`);
      if (op['x-required-permission'] !== undefined) {
        for (const status of ['401', '403', '429']) assert.ok(op.responses[status], `${where}: ${status}`);
      }
    }
  }
  assert.ok(doc.paths['/keys'].get.parameters.some((p) => p.name === 'per_page' && p.schema.maximum === 100));
  assert.ok(doc.paths['/keys'].post.requestBody.content['application/json'].schema.properties.permissions);
});

test('every permission the document claims is enforced by the server', async () => {
  const { key } = await createKey({ name: 'openapi probe', permissions: ['services:read'], rate_limit_per_minute: 100000, rate_limit_per_hour: 1000000 });
  let probed = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const needed = op['x-required-permission'];
      if (needed === undefined) continue;
      const url = path.replace(/\{\w+\}/g, '1');
      const res = await request(url, { key, method: method.toUpperCase(), body: ['post', 'patch'].includes(method) ? {} : undefined });
      if (needed === null || needed === 'services:read') {
        assert.notEqual(res.status, 403, `${method} ${path} refused a key that has ${needed}: ${res.text}`);
      } else {
        assert.equal(res.status, 403, `${method} ${path} should need ${needed}: ${res.text}`);
        assert.equal(res.json.error.details.required_permission, needed, `${method} ${path}`);
      }
      probed++;
    }
  }
  assert.ok(probed >= 15, `probed ${probed}`);
});
