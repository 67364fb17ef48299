// Webhook signatures made by the plugin (LatePointApi\Webhooks\Signature, run in the stack's
// WordPress) checked with the Standard Webhooks reference library (npm: standardwebhooks).
// No webhook is sent: PHP signs, the library verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { wpPhp } from './stack.mjs';

/** Calls Signature::$method with the arguments (passed as JSON) and returns its result. */
function php(method, ...args) {
  const json = Buffer.from(JSON.stringify(args)).toString('base64');
  const out = wpPhp(
    `echo json_encode(LatePointApi\\Webhooks\\Signature::${method}(...json_decode(base64_decode('${json}'), true)));`,
  );
  return JSON.parse(out);
}

const BODY = JSON.stringify({ type: 'booking.created', data: { id: 42, note: 'café ✓ "quoted" \\ back\nslash' } });

function headers(id, timestamp, signature) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

test('the reference test vector', () => {
  const key = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const payload = '{"test": 2432232314}';
  const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  assert.equal(new Webhook(key).sign(id, new Date(1614265330 * 1000), payload), expected);
  assert.equal(php('sign', key, id, 1614265330, payload), expected);
});

test('a new secret signs what the library verifies', () => {
  const secret = php('new_secret');
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const id = 'msg_' + Date.now();
  const ts = Math.floor(Date.now() / 1000);
  const signature = php('header', [secret], id, ts, BODY);
  assert.match(signature, /^v1,[A-Za-z0-9+/]{43}=$/);
  assert.equal(signature, new Webhook(secret).sign(id, new Date(ts * 1000), BODY));
  assert.deepEqual(new Webhook(secret).verify(BODY, headers(id, ts, signature)), JSON.parse(BODY));
  // The library also takes the secret without its prefix.
  new Webhook(secret.slice('whsec_'.length)).verify(BODY, headers(id, ts, signature));
});

test('while rotating, both secrets verify and no other does', () => {
  const [oldSecret, newSecret, other] = [php('new_secret'), php('new_secret'), php('new_secret')];
  const id = 'msg_rotation';
  const ts = Math.floor(Date.now() / 1000);
  const header = php('header', [newSecret, oldSecret], id, ts, BODY);
  assert.equal(header.split(' ').length, 2);
  for (const secret of [oldSecret, newSecret]) {
    new Webhook(secret).verify(BODY, headers(id, ts, header));
  }
  assert.throws(() => new Webhook(other).verify(BODY, headers(id, ts, header)), WebhookVerificationError);
});

test('altered messages do not verify', () => {
  const secret = php('new_secret');
  const id = 'msg_altered';
  const ts = Math.floor(Date.now() / 1000);
  const signature = php('sign', secret, id, ts, BODY);
  const wh = new Webhook(secret);
  wh.verify(BODY, headers(id, ts, signature));
  assert.throws(() => wh.verify(BODY.replace('42', '43'), headers(id, ts, signature)), WebhookVerificationError);
  assert.throws(() => wh.verify(BODY, headers(id + 'x', ts, signature)), WebhookVerificationError);
  assert.throws(() => wh.verify(BODY, headers(id, ts - 1, signature)), WebhookVerificationError);
  // A signature from long ago is refused by the receiver's clock check (5 minutes).
  const old = ts - 3600;
  assert.throws(() => wh.verify(BODY, headers(id, old, php('sign', secret, id, old, BODY))), /too old/);
});

test('a secret stored encrypted signs the same after decryption', () => {
  const secret = php('new_secret');
  const stored = php('encrypt', secret);
  assert.ok(stored.startsWith('lpws1:'));
  assert.ok(!stored.includes(secret.slice('whsec_'.length)));
  const id = 'msg_stored';
  const ts = Math.floor(Date.now() / 1000);
  const signature = wpPhp(
    `use LatePointApi\\Webhooks\\Signature; echo Signature::sign(Signature::decrypt('${stored}'), '${id}', ${ts}, base64_decode('${Buffer.from(BODY).toString('base64')}'));`,
  );
  new Webhook(secret).verify(BODY, headers(id, ts, signature));
});
