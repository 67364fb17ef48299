<?php
/**
 * The Redis URL of the fallback's Redis rate store (the LPAPI_REDIS_URL
 * constant), parsed as the native extension parses lpapi.redis_url:
 *
 *   redis://[user[:password]@]host[:port][/db][?prefix=P&timeout_ms=N]
 *   unix:///path/to.sock[?db=N&user=U&password=P&prefix=P&timeout_ms=N]
 *
 * Port 6379, db 0, prefix "lpapi:" and timeout_ms 250 (for the connection and
 * each reply) unless given; user and password are percent-decoded. rediss://
 * (TLS) is refused. An error names the problem and never holds the password,
 * and display() shows the URL with any password replaced by ***.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

/**
 * Parses and redacts Redis URLs.
 */
final class Redis_Url {

	const DEFAULT_PORT    = 6379;
	const DEFAULT_PREFIX  = 'lpapi:';
	const DEFAULT_TIMEOUT = 250;
	const MAX_TIMEOUT     = 60000;
	const MAX_DB          = 2147483647;

	/** The error of a rediss:// URL. */
	const TLS_ERROR = 'rediss:// (TLS) is not supported: reach Redis over a private network or a local TLS tunnel with redis:// or unix://';

	/**
	 * The settings of $url, or its error.
	 *
	 * @return array{error: ?string, display: string, host: string, port: int, db: int, user: ?string,
	 *               password: ?string, prefix: string, timeout_ms: int}
	 *         `host` is a socket path for unix://; `error` is null when the URL is valid.
	 */
	public static function parse( string $url ): array {
		$config = array(
			'error'      => null,
			'display'    => self::redact( $url ),
			'host'       => '',
			'port'       => self::DEFAULT_PORT,
			'db'         => 0,
			'user'       => null,
			'password'   => null,
			'prefix'     => self::DEFAULT_PREFIX,
			'timeout_ms' => self::DEFAULT_TIMEOUT,
		);
		try {
			$config = self::parse_into( $url, $config );
		} catch ( \UnexpectedValueException $e ) {
			$config['error'] = 'invalid Redis URL ' . $config['display'] . ': ' . $e->getMessage();
		}
		return $config;
	}

	/**
	 * @param array<string, mixed> $config The defaults.
	 * @return array<string, mixed>
	 * @throws \UnexpectedValueException naming the problem.
	 */
	private static function parse_into( string $url, array $config ): array {
		$secrets = self::secrets( $url );
		$split   = strpos( $url, '://' );
		if ( false === $split ) {
			throw new \UnexpectedValueException( 'it must start with redis:// or unix://' );
		}
		$scheme = strtolower( substr( $url, 0, $split ) );
		$rest   = substr( $url, $split + 3 );
		if ( 'rediss' === $scheme ) {
			throw new \UnexpectedValueException( self::TLS_ERROR );
		}
		if ( 'redis' !== $scheme && 'unix' !== $scheme ) {
			throw new \UnexpectedValueException( 'unsupported scheme' . self::quote( $scheme, $secrets ) . ': use redis:// or unix://' );
		}
		$query = '';
		$mark  = strpos( $rest, '?' );
		if ( false !== $mark ) {
			$query = substr( $rest, $mark + 1 );
			$rest  = substr( $rest, 0, $mark );
		}
		if ( 'unix' === $scheme ) {
			if ( '' === $rest || '/' !== $rest[0] || '/' === substr( $rest, -1 ) ) {
				throw new \UnexpectedValueException( 'unix:// needs the absolute path of a socket, as in unix:///run/redis/redis.sock' );
			}
			$config['host'] = $rest;
			$config['port'] = 0;
			$allowed        = array( 'db', 'user', 'password', 'prefix', 'timeout_ms' );
		} else {
			$config  = self::parse_authority( $rest, $config, $secrets );
			$allowed = array( 'prefix', 'timeout_ms' );
		}
		return self::parse_query( $query, $allowed, $config, $secrets );
	}

	/**
	 * user:password@host:port/db of a redis:// URL.
	 *
	 * @param array<string, mixed> $config
	 * @param list<string>         $secrets
	 * @return array<string, mixed>
	 */
	private static function parse_authority( string $rest, array $config, array $secrets ): array {
		$at = strrpos( $rest, '@' );
		if ( false !== $at ) {
			$userinfo           = substr( $rest, 0, $at );
			$rest               = substr( $rest, $at + 1 );
			$colon              = strpos( $userinfo, ':' );
			$user               = rawurldecode( false === $colon ? $userinfo : substr( $userinfo, 0, $colon ) );
			$password           = false === $colon ? '' : rawurldecode( substr( $userinfo, $colon + 1 ) );
			$config['user']     = '' === $user ? null : $user;
			$config['password'] = '' === $password ? null : $password;
		}
		$slash = strpos( $rest, '/' );
		$path  = false === $slash ? '' : substr( $rest, $slash + 1 );
		$rest  = false === $slash ? $rest : substr( $rest, 0, $slash );
		if ( '' !== $path ) {
			$config['db'] = self::number( 'db', $path, 0, self::MAX_DB, $secrets );
		}
		$port = null;
		if ( '' !== $rest && '[' === $rest[0] ) {
			$close = strpos( $rest, ']' );
			if ( false === $close ) {
				throw new \UnexpectedValueException( 'an IPv6 host needs its closing ]' );
			}
			$host = substr( $rest, 0, $close + 1 );
			$tail = substr( $rest, $close + 1 );
			if ( '' !== $tail && ':' !== $tail[0] ) {
				throw new \UnexpectedValueException( 'only :port may follow an IPv6 host' );
			}
			$port = '' === $tail ? null : substr( $tail, 1 );
		} else {
			$colon = strrpos( $rest, ':' );
			$host  = false === $colon ? $rest : substr( $rest, 0, $colon );
			$port  = false === $colon ? null : substr( $rest, $colon + 1 );
		}
		if ( '' === $host || '[]' === $host ) {
			throw new \UnexpectedValueException( 'the host is missing' );
		}
		$config['host'] = $host;
		if ( null !== $port ) {
			$config['port'] = self::number( 'port', $port, 1, 65535, $secrets );
		}
		return $config;
	}

	/**
	 * The query parameters, each known to the scheme and given once.
	 *
	 * @param list<string>         $allowed
	 * @param array<string, mixed> $config
	 * @param list<string>         $secrets
	 * @return array<string, mixed>
	 */
	private static function parse_query( string $query, array $allowed, array $config, array $secrets ): array {
		if ( '' === $query ) {
			return $config;
		}
		$seen = array();
		foreach ( explode( '&', $query ) as $pair ) {
			$equals = strpos( $pair, '=' );
			$name   = false === $equals ? $pair : substr( $pair, 0, $equals );
			$value  = false === $equals ? '' : substr( $pair, $equals + 1 );
			if ( ! in_array( $name, $allowed, true ) ) {
				throw new \UnexpectedValueException( 'unknown parameter' . self::quote( $name, $secrets ) . ' (known: ' . implode( ', ', $allowed ) . ')' );
			}
			if ( isset( $seen[ $name ] ) ) {
				throw new \UnexpectedValueException( "the parameter {$name} is given twice" );
			}
			$seen[ $name ] = true;
			if ( 'db' === $name ) {
				$config['db'] = self::number( 'db', $value, 0, self::MAX_DB, $secrets );
			} elseif ( 'timeout_ms' === $name ) {
				$config['timeout_ms'] = self::number( 'timeout_ms', $value, 1, self::MAX_TIMEOUT, $secrets );
			} elseif ( 'prefix' === $name ) {
				$config['prefix'] = $value;
			} else {
				$value           = rawurldecode( $value );
				$config[ $name ] = '' === $value ? null : $value;
			}
		}
		return $config;
	}

	/**
	 * The decimal integer $text, between $min and $max.
	 *
	 * @param list<string> $secrets
	 */
	private static function number( string $name, string $text, int $min, int $max, array $secrets ): int {
		if ( '' === $text || ! ctype_digit( $text ) || strlen( $text ) > 10 || (int) $text < $min || (int) $text > $max ) {
			throw new \UnexpectedValueException( "bad {$name}" . self::quote( $text, $secrets ) . ": it must be an integer from {$min} to {$max}" );
		}
		return (int) $text;
	}

	/**
	 * " 'text'", or "" when the URL holds a password anywhere (a malformed URL
	 * may have split it, so any part could hold a piece of it).
	 *
	 * @param list<string> $secrets
	 */
	private static function quote( string $text, array $secrets ): string {
		return $secrets ? '' : " '" . $text . "'";
	}

	/**
	 * Every part of $url that may be a password, as written: in redis://, the
	 * text between the first ":" of the user info and the last "@" (wider than
	 * the password of a malformed URL, never narrower), and each password=
	 * parameter's value.
	 *
	 * @return list<string>
	 */
	private static function secrets( string $url ): array {
		$secrets = array();
		$split   = strpos( $url, '://' );
		$rest    = false === $split ? $url : substr( $url, $split + 3 );
		$at      = strrpos( $rest, '@' );
		if ( false !== $at ) {
			$colon = strpos( substr( $rest, 0, $at ), ':' );
			if ( false !== $colon ) {
				$secrets[] = substr( $rest, $colon + 1, $at - $colon - 1 );
			}
		}
		if ( preg_match_all( '/[?&]password=([^&]*)/', $url, $matches ) ) {
			$secrets = array_merge( $secrets, $matches[1] );
		}
		return array_values( array_filter( $secrets, 'strlen' ) );
	}

	/** $url with every password (see secrets()) replaced by ***. */
	public static function redact( string $url ): string {
		$split = strpos( $url, '://' );
		if ( false !== $split ) {
			$head = substr( $url, 0, $split + 3 );
			$rest = substr( $url, $split + 3 );
			$mark = strpos( $rest, '?' );
			// In a valid URL the user info ends at the last "@" before the query; else at the last "@".
			$at = strrpos( false === $mark ? $rest : substr( $rest, 0, $mark ), '@' );
			if ( false === $at || false !== strpos( substr( $rest, $at ), '@', 1 ) ) {
				$at = strrpos( $rest, '@' );
			}
			if ( false !== $at ) {
				$colon = strpos( substr( $rest, 0, $at ), ':' );
				if ( false !== $colon && $colon + 1 < $at ) {
					$rest = substr( $rest, 0, $colon + 1 ) . '***' . substr( $rest, $at );
				}
			}
			$url = $head . $rest;
		}
		return (string) preg_replace( '/([?&]password=)[^&]*/', '$1***', $url );
	}
}
