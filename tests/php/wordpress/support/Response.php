<?php
/**
 * What one in-process REST request answered: status, headers and the JSON body exactly as
 * WP_REST_Server::serve_request() would have encoded it.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

final class Response {

	/** @var int */
	public $status;
	/** @var array<string, string> */
	public $headers;
	/** @var string the JSON text of the body */
	public $json;
	/** @var mixed the body, decoded to arrays */
	public $data;
	/** @var \WP_REST_Response */
	public $raw;

	public function __construct(\WP_REST_Response $raw, string $json) {
		$this->raw     = $raw;
		$this->status  = $raw->get_status();
		$this->headers = array_map('strval', $raw->get_headers());
		$this->json    = $json;
		$this->data    = json_decode($json, true);
	}

	/** A header, by case-insensitive name; null when absent. */
	public function header(string $name): ?string {
		foreach ($this->headers as $key => $value) {
			if (strcasecmp($key, $name) === 0) {
				return $value;
			}
		}
		return null;
	}

	public function code(): ?string {
		return $this->data['error']['code'] ?? null;
	}

	public function requestId(): ?string {
		return $this->header('X-Request-Id');
	}

	/** For assertion messages. */
	public function describe(): string {
		return "HTTP {$this->status} " . substr($this->json, 0, 600);
	}
}
