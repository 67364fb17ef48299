<?php
/**
 * Version skew: this release's plugin under the previous release's extension (the plugin upgraded, the
 * package not yet). Run inside the stack's WordPress with that extension loaded:
 *   scripts/stack.sh php -d extension=OLD/liblpapi.so tests/upgrade/version-skew.php
 * The plugin must leave the old extension unused, run on its pure-PHP implementation (keys work), and say
 * why on the admin page and in Site Health. Prints each check and "N passed, N failed".
 *
 * @package LatePointApi
 */

use LatePointApi\Admin\Admin_Page;
use LatePointApi\Admin\Site_Health;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Support\Core;

$pass   = 0;
$fail   = 0;
$check  = static function ( string $what, bool $ok ) use ( &$pass, &$fail ): void {
	$ok ? ++$pass : ++$fail;
	echo ( $ok ? 'ok: ' : 'FAILED: ' ), $what, "\n";
};
$loaded = (string) phpversion( 'lpapi' );

$check( "the previous release's extension is loaded (lpapi {$loaded})", extension_loaded( 'lpapi' ) && version_compare( $loaded, Core::NATIVE_MIN_VERSION, '<' ) );
$check( 'the plugin does not use it', false === Core::native() );
$check( 'and says which version it found', $loaded === Core::native_too_old() );
$info = Core::info();
$check( 'lpapi_info() is the fallback\'s, naming the old extension', false === $info['native'] && $loaded === $info['native_too_old'] && false === $info['disabled_by_constant'] );

ob_start();
Admin_Page::render_status();
$status = (string) ob_get_clean();
$check( 'the admin page says why', false !== strpos( $status, 'lpapi-native-too-old' ) && false !== strpos( $status, $loaded ) && false !== strpos( $status, Core::NATIVE_MIN_VERSION . ' or newer' ) );

$health = Site_Health::run( 'extension' );
$check( 'Site Health recommends upgrading it', 'recommended' === $health['status'] && false !== strpos( $health['actions'], 'Upgrade' ) );

$created = Key_Service::create( array( 'name' => 'version skew', 'permissions' => array( 'services:read' ) ), 1 );
$parsed  = Core::key_parse( $created['key'] );
$check( 'keys work on the pure-PHP implementation', null !== Key_Service::find_for_auth( $parsed['hash'] ) );
Key_Service::revoke( (int) $created['record']['id'], 1 );

echo "{$pass} passed, {$fail} failed\n";
exit( $fail > 0 ? 1 : 0 );
