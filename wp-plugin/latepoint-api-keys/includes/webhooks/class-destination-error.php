<?php
/**
 * A webhook URL that the plugin will not deliver to.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Carries a machine code (`not_http`, `has_credentials`, `no_host`, `bad_host`,
 * `bad_port`, `bad_url`, `unresolvable`, `forbidden_address`) and, for
 * `forbidden_address`, the address and why it is refused.
 */
final class Destination_Error extends \RuntimeException {

	/** @var string */
	private $error_code;
	/** @var array<string, mixed> */
	private $details;

	public function __construct( string $error_code, string $message, array $details = array() ) {
		parent::__construct( $message );
		$this->error_code = $error_code;
		$this->details    = $details;
	}

	public function error_code(): string {
		return $this->error_code;
	}

	/** @return array<string, mixed> */
	public function details(): array {
		return $this->details;
	}
}
