// The stack sends nothing beyond the loopback: WordPress's outgoing HTTP is blocked except to this
// site and localhost, and admin pages show no avatars from an avatar service. (The browser side is
// checked in browser-admin.test.mjs: no page asks for another host.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wpPhp } from './stack.mjs';

test('WordPress blocks outgoing HTTP except to the loopback', () => {
  const out = JSON.parse(wpPhp(`
    $http = new WP_Http();
    echo wp_json_encode([
      'constant' => defined('WP_HTTP_BLOCK_EXTERNAL') && WP_HTTP_BLOCK_EXTERNAL,
      'outside'  => $http->block_request('https://example.com/feed/'),
      'site'     => $http->block_request(home_url('/wp-json/')),
      'localhost'=> $http->block_request('http://localhost:9/'),
      // Only asked once the block is known to be on: this test never sends anything out itself.
      'request'  => $http->block_request('https://example.com/') ? (function () { $r = wp_remote_get('https://example.com/'); return is_wp_error($r) ? $r->get_error_code() : 'sent'; })() : 'not asked',
    ]);
  `));
  assert.deepEqual(out, { constant: true, outside: true, site: false, localhost: false, request: 'http_request_not_executed' });
});

test('avatars are off, so admin pages ask no avatar service for images', () => {
  const out = JSON.parse(wpPhp(`echo wp_json_encode(['option' => get_option('show_avatars'), 'avatar' => get_avatar(1)]);`));
  assert.equal(out.option, '0');
  assert.equal(out.avatar, false);
});
