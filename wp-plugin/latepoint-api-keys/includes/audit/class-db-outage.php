<?php
/**
 * The answer while the database is down, run by the db-error drop-in before
 * WordPress loads any plugin: API routes get the API's 503
 * service_unavailable envelope (Retry-After, X-Request-Id), every other page a
 * plain 503 page; requests that take an API key leave their audit row in the
 * spool (the presented key's display prefix, and its hash so the row is filed
 * under its key once the database is back), like every other API request.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Audit;

use LatePointApi\Auth\Client_Ip;
use LatePointApi\Auth\Credentials;
use LatePointApi\Keys\Key_Format;
use LatePointApi\Rest\Routes;
use LatePointApi\Rest\Status_Controller;
use LatePointApi\Support\Request_Id;

defined( 'ABSPATH' ) || exit;

/**
 * The db-error drop-in's work.
 */
final class Db_Outage {

	const RETRY_AFTER = 30;

	/**
	 * @param array<string, mixed> $server $_SERVER
	 * @param array<string, mixed> $query  $_GET
	 */
	public static function answer( array $server, array $query ): void {
		$request_id = Request_Id::generate();
		if ( ! headers_sent() ) {
			http_response_code( 503 );
			header( 'Retry-After: ' . self::RETRY_AFTER );
			header( 'Cache-Control: no-store' );
			header( 'X-Request-Id: ' . $request_id );
		}
		$route = Routes::route_of_request( isset( $server['REQUEST_URI'] ) ? (string) $server['REQUEST_URI'] : '', $query );
		if ( null === $route || ! Routes::is_api_route( $route ) ) {
			if ( ! headers_sent() ) {
				header( 'Content-Type: text/html; charset=UTF-8' );
			}
			echo '<!DOCTYPE html><meta charset="utf-8"><title>Temporarily unavailable</title><h1>Temporarily unavailable</h1><p>The site cannot reach its database. Please try again in a moment.</p>';
			return;
		}
		if ( ! headers_sent() ) {
			header( 'Content-Type: application/json; charset=UTF-8' );
		}
		if ( 0 === strcasecmp( $route, '/' . Routes::API_NAMESPACE . Status_Controller::ROUTE ) ) {
			echo json_encode( Status_Controller::outage() ); // phpcs:ignore LatePointApi.Security.EscapedOutput.OutputNotEscaped -- a JSON body sent as application/json, not HTML.
			return;
		}
		echo json_encode( // phpcs:ignore LatePointApi.Security.EscapedOutput.OutputNotEscaped -- a JSON body sent as application/json, not HTML.
			array(
				'status' => 'error',
				'error'  => array(
					'code'       => 'service_unavailable',
					'message'    => 'The database is unavailable; try again shortly.',
					'details'    => new \stdClass(),
					'request_id' => $request_id,
				),
			)
		);
		$method = isset( $server['REQUEST_METHOD'] ) ? strtoupper( (string) $server['REQUEST_METHOD'] ) : 'GET';
		if ( Routes::takes_api_key( $route, $method ) ) {
			if ( function_exists( 'fastcgi_finish_request' ) ) {
				fastcgi_finish_request();
			}
			Spool::append( array( self::row( $server, $route, $method, $request_id ) ) );
		}
	}

	/** The audit row of a request answered while the database is down. */
	private static function row( array $server, string $route, string $method, string $request_id ): array {
		$credentials = Credentials::from_server( $server );
		$key         = $credentials['key'] ?? '';
		$started     = isset( $server['REQUEST_TIME_FLOAT'] ) ? (float) $server['REQUEST_TIME_FLOAT'] : microtime( true );
		$row         = Audit_Row::clean(
			array(
				'request_id'  => $request_id,
				'event'       => 'request',
				'key_prefix'  => Key_Format::display_prefix( $key ),
				'method'      => $method,
				'route'       => $route,
				'status'      => 503,
				'error_code'  => 'service_unavailable',
				'client_ip'   => Client_Ip::normalize( isset( $server['REMOTE_ADDR'] ) ? (string) $server['REMOTE_ADDR'] : '' ),
				'user_agent'  => isset( $server['HTTP_USER_AGENT'] ) ? (string) $server['HTTP_USER_AGENT'] : '',
				'duration_ms' => (int) round( ( microtime( true ) - $started ) * 1000 ),
			)
		);
		if ( 1 === preg_match( '/^' . trim( Key_Format::PATTERN, '/' ) . '$/', $key ) ) {
			// The hash, as the key store keeps it: the flush files the row under its key.
			$row['key_hash'] = hash( 'sha256', $key );
		}
		return $row;
	}
}
