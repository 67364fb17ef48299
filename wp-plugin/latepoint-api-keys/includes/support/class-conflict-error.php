<?php
/**
 * A request that clashes with the current state (a 409 over REST).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * Carries the API error code (`conflict`, `email_taken`, …) and details.
 */
final class Conflict_Error extends \RuntimeException {

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

	public function details(): array {
		return $this->details;
	}
}
