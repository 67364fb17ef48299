<?php
/**
 * An error that carries a machine code and details beside its message, for
 * the errors a caller answers by code (a 409's `conflict`, a refused webhook
 * URL's `forbidden_address`, …).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * The code and details; subclasses say what kind of error it is.
 */
abstract class Coded_Error extends \RuntimeException {

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
