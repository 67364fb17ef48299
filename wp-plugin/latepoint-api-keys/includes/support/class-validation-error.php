<?php
/**
 * Invalid input, with a message per field (a 422 `validation_failed` over REST).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * Thrown by services; the REST layer and the admin page each present it.
 */
final class Validation_Error extends \InvalidArgumentException {

	/** @var array<string, string> */
	private $fields;

	/** @param array<string, string> $fields field name => message */
	public function __construct( array $fields ) {
		parent::__construct( __( 'Some fields are invalid.', 'latepoint-api-keys' ) );
		$this->fields = $fields;
	}

	/** @return array<string, string> */
	public function fields(): array {
		return $this->fields;
	}
}
