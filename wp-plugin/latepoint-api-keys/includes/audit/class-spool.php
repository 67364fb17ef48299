<?php
/**
 * The audit spool on disk: rows appended after the response, one JSON object
 * a line, moved into the database in batches by Audit_Log.
 *
 * Never readable over HTTP, on any web server, without relying on .htaccess:
 * - with the LPAPI_SPOOL_DIR constant (wp-config.php), the spool lives there:
 *   point it at a writable folder outside the web root;
 * - otherwise in a folder under wp-content with an unguessable name, whose
 *   files are PHP files that begin with `<?php exit; ?>`: requested over HTTP,
 *   PHP runs them and answers nothing. wp-content/lpapi-spool-location.php
 *   names the folder (it returns the path when included, and prints nothing
 *   when requested), so the db-error drop-in finds the spool without the
 *   database.
 *
 * Free of WordPress: the db-error drop-in appends rows while the database is down.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Audit;

defined( 'ABSPATH' ) || exit;

/**
 * Files of the spool.
 */
final class Spool {

	/** The first line of every spool file. */
	const HEADER   = "<?php exit; ?>\n";
	const FILE     = 'spool.php';
	const LOCATION = 'lpapi-spool-location.php';
	/** Files of plugin versions that wrote plain JSON lines; still read, so an upgrade loses no row. */
	const LEGACY_FILE = 'spool.jsonl';

	/** @var ?string */
	private static $dir = null;

	/**
	 * The spool folder, made on first use when $create, or null when there is
	 * none (or none writable).
	 *
	 * @param ?string $legacy a folder earlier versions used, adopted when it exists
	 */
	public static function dir( bool $create = true, ?string $legacy = null ): ?string {
		if ( null !== self::$dir ) {
			return self::$dir;
		}
		$path = self::configured_path() ?? ( $create ? self::new_location( $legacy ) : null );
		if ( null === $path ) {
			return null;
		}
		if ( ! is_dir( $path ) && ! ( $create && @mkdir( $path, 0755, true ) ) && ! is_dir( $path ) ) { // phpcs:ignore Generic.PHP.NoSilencedErrors -- another process may create the folder first; is_dir() decides.
			return null;
		}
		if ( $create && ! is_file( $path . '/index.php' ) ) {
			@file_put_contents( $path . '/index.php', "<?php\n// Silence is golden.\n" ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- best effort; the folder is protected by its .htaccess and by the exit header of every file.
		}
		if ( ! is_writable( $path ) ) {
			return null;
		}
		self::$dir = $path;
		return $path;
	}

	/** The folder LPAPI_SPOOL_DIR or the location file names, or null. */
	private static function configured_path(): ?string {
		if ( defined( 'LPAPI_SPOOL_DIR' ) && '' !== (string) LPAPI_SPOOL_DIR ) {
			return rtrim( (string) LPAPI_SPOOL_DIR, '/' );
		}
		$location = self::location_file();
		if ( null === $location || ! is_file( $location ) ) {
			return null;
		}
		$path = include $location;
		return is_string( $path ) && '' !== $path ? $path : null;
	}

	private static function location_file(): ?string {
		return defined( 'WP_CONTENT_DIR' ) ? WP_CONTENT_DIR . '/' . self::LOCATION : null;
	}

	/** Picks the folder once and writes the location file; another process racing here wins or loses whole. */
	private static function new_location( ?string $legacy ): ?string {
		$location = self::location_file();
		if ( null === $location ) {
			return null;
		}
		$path = null !== $legacy && is_dir( $legacy ) ? $legacy : WP_CONTENT_DIR . '/lpapi-spool-' . bin2hex( random_bytes( 12 ) );
		$code = "<?php\n// Where the LatePoint API Keys audit spool lives (read by the plugin and its db-error drop-in).\n"
			. "defined( 'ABSPATH' ) || exit;\nreturn " . var_export( $path, true ) . ";\n"; // phpcs:ignore Generic.PHP.ForbiddenFunctions -- writes a PHP string literal of the path into the location file.
		$tmp  = $location . '.' . bin2hex( random_bytes( 4 ) ) . '.tmp';
		if ( false === @file_put_contents( $tmp, $code ) ) { // phpcs:ignore Generic.PHP.NoSilencedErrors -- an unwritable wp-content is reported by the false result.
			return null;
		}
		// link() fails when the location exists: the first process to get here decides.
		$won = @link( $tmp, $location ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- link() fails when another process wrote the location first, which is the race it resolves.
		@unlink( $tmp ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- the temporary file may already be gone.
		if ( ! $won && ! is_file( $location ) ) {
			return null;
		}
		return self::configured_path();
	}

	/** Forgets the folder (tests change LPAPI_SPOOL_DIR's stand-ins). */
	public static function forget(): void {
		self::$dir = null;
	}

	/** The file rows are appended to, or null without a spool. */
	public static function file(): ?string {
		$dir = self::dir();
		return null === $dir ? null : $dir . '/' . self::FILE;
	}

	/** Appends rows under an exclusive lock; false when there is no spool to write to. */
	public static function append( array $rows ): bool {
		$file = self::file();
		if ( null === $file ) {
			return false;
		}
		$lines = '';
		foreach ( $rows as $row ) {
			$line = json_encode( $row, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE );
			if ( is_string( $line ) ) {
				$lines .= $line . "\n";
			}
		}
		$handle = @fopen( $file, 'ab' ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- an unwritable spool is reported by the false result (the row then goes to the database).
		if ( false === $handle ) {
			return false;
		}
		flock( $handle, LOCK_EX );
		$stat = fstat( $handle );
		if ( is_array( $stat ) && 0 === (int) $stat['size'] ) {
			$lines = self::HEADER . $lines;
		}
		$written = fwrite( $handle, $lines );
		fflush( $handle );
		flock( $handle, LOCK_UN );
		fclose( $handle );
		return strlen( $lines ) === $written;
	}

	/** Bytes waiting in the spool (the header included). */
	public static function size(): int {
		$file = self::file();
		if ( null === $file ) {
			return 0;
		}
		clearstatcache( true, $file );
		return is_file( $file ) ? (int) filesize( $file ) : 0;
	}

	/** The first row waiting, or null. */
	public static function first_row(): ?array {
		$file   = self::file();
		$handle = null === $file ? false : @fopen( $file, 'rb' ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- no spool file yet is the common case; false is handled.
		if ( false === $handle ) {
			return null;
		}
		$row = null;
		while ( null === $row && false !== ( $line = fgets( $handle, 8192 ) ) ) { // phpcs:ignore Generic.CodeAnalysis.AssignmentInCondition -- the read-a-line loop.
			$row = self::decode( $line );
		}
		fclose( $handle );
		return $row;
	}

	/** A row from one line, or null for the header and anything that is not a row. */
	public static function decode( string $line ): ?array {
		if ( 0 === strncmp( $line, '<?php', 5 ) ) {
			return null;
		}
		$row = json_decode( $line, true );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Renames what the spool holds to a batch file (atomic: a writer that opened
	 * it before still appends to the batch, and its lock is waited for).
	 */
	public static function seal(): void {
		$dir = self::dir();
		if ( null === $dir ) {
			return;
		}
		foreach ( array( self::FILE, self::LEGACY_FILE ) as $name ) {
			$spool = $dir . '/' . $name;
			if ( ! is_file( $spool ) || 0 === filesize( $spool ) ) {
				continue;
			}
			$batch = $dir . '/batch-' . gmdate( 'YmdHis' ) . '-' . bin2hex( random_bytes( 6 ) ) . ( self::FILE === $name ? '.php' : '.jsonl' );
			if ( @rename( $spool, $batch ) ) { // phpcs:ignore Generic.PHP.NoSilencedErrors -- another process may have taken the spool first.
				$handle = @fopen( $batch, 'rb' ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- the batch may have been flushed by another process; false is handled.
				if ( $handle ) {
					flock( $handle, LOCK_EX );
					flock( $handle, LOCK_UN );
					fclose( $handle );
				}
			}
		}
	}

	/** @return string[] batch files waiting to be written, oldest first */
	public static function batches(): array {
		$dir = self::dir( false );
		if ( null === $dir ) {
			return array();
		}
		$files = array_merge( (array) glob( $dir . '/batch-*.php' ), (array) glob( $dir . '/batch-*.jsonl' ) );
		sort( $files );
		return array_values( array_filter( $files, 'is_string' ) );
	}

	/**
	 * Deletes the spool's files and its folder when nothing else is in it, and
	 * the location file (uninstall).
	 */
	public static function remove(): void {
		$dir = self::dir( false );
		if ( null !== $dir ) {
			$ours = array( self::FILE, self::LEGACY_FILE, 'index.php', '.htaccess' );
			foreach ( array_merge( array_map( static fn ( string $name ): string => $dir . '/' . $name, $ours ), self::batches() ) as $file ) {
				if ( is_file( $file ) ) {
					@unlink( $file ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- another process may have removed the file first.
				}
			}
			@rmdir( $dir ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- removes the folder only when it is empty.
		}
		$location = self::location_file();
		if ( null !== $location && is_file( $location ) ) {
			@unlink( $location ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- the location file may already be gone.
		}
		self::forget();
	}
}
