#!/usr/bin/env bash
# Puts a WordPress release other than Debian's (6.1.9) into the cache, for stacks that run real
# LatePoint (5.0.15 needs WordPress 6.5 or newer). The releases come from the npm package
# @wp-playground/wordpress-builds, which ships complete WordPress trees as zips (the PHP) plus their
# static files (CSS, JS, images) apart; this script unzips one and lays its static files over it.
#
# Usage: scripts/get-wordpress.sh [RELEASE]    RELEASE: 6.2 6.3 6.4 6.5 (default 6.5)
# Prints the folder it made (or found): $LPAPI_CACHE_DIR/wordpress-<version>/ where <version> is the
# full release (6.5.5). Nothing is written into the repository.
#
# Environment: LPAPI_CACHE_DIR [${XDG_CACHE_HOME:-$HOME/.cache}/latepoint-api-keys]
set -euo pipefail

PACKAGE=@wp-playground/wordpress-builds
PACKAGE_VERSION=0.9.19
RELEASE="${1:-6.5}"
CACHE="${LPAPI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latepoint-api-keys}"

say() { echo "==> get-wordpress: $*" >&2; }
die() {
  echo "get-wordpress: $*" >&2
  exit 1
}

[[ $RELEASE =~ ^6\.[2-5]$ ]] || die "release must be one of 6.2 6.3 6.4 6.5, not '$RELEASE'"
command -v unzip >/dev/null || die "unzip is missing (apt-get install unzip)"
command -v npm >/dev/null || die "npm is missing (apt-get install npm)"

mkdir -p "$CACHE/downloads"
exec 9>"$CACHE/.wordpress.lock"
flock -w 600 9 || die "another get-wordpress.sh is busy with $CACHE"

tarball="$CACHE/downloads/wp-playground-wordpress-builds-$PACKAGE_VERSION.tgz"
if [[ ! -s $tarball ]]; then
  say "npm pack $PACKAGE@$PACKAGE_VERSION (about 160 MB, once)"
  (cd "$CACHE/downloads" && npm pack --silent "$PACKAGE@$PACKAGE_VERSION" >/dev/null)
  [[ -s $tarball ]] || die "npm pack did not write $tarball"
fi

# The full version of the release, from the package's own list.
versions="$(tar -xzOf "$tarball" package/src/wordpress/wp-versions.json)"
# shellcheck disable=SC2016 # PHP code, expanded by PHP
version="$(php -r '$v = json_decode(stream_get_contents(STDIN), true); echo $v[$argv[1]] ?? "";' "$RELEASE" <<<"$versions")"
[[ -n $version ]] || die "$PACKAGE@$PACKAGE_VERSION has no WordPress $RELEASE"
dest="$CACHE/wordpress-$version"

if [[ ! -f $dest/wp-settings.php || ! -f $dest/.lpapi-complete ]]; then
  say "unpacking WordPress $version into $dest"
  work="$(mktemp -d "$CACHE/.unpack.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  tar -xzf "$tarball" -C "$work" "package/src/wordpress/wp-$RELEASE.zip" "package/public/wp-$RELEASE"
  mkdir -p "$work/wordpress"
  unzip -q "$work/package/src/wordpress/wp-$RELEASE.zip" -d "$work/wordpress"
  cp -a "$work/package/public/wp-$RELEASE/." "$work/wordpress/"
  # The package's own configuration and SQLite add-on are for its browser build: the stack brings
  # its own wp-config.php, database and content folder.
  rm -rf "$work/wordpress/wp-config.php" "$work/wordpress/wp-content/database" \
    "$work/wordpress/wp-content/mu-plugins" "$work/wordpress/wp-content/plugins/sqlite-database-integration" \
    "$work/wordpress/wp-content/db.php"
  grep -q "wp_version = '$version'" "$work/wordpress/wp-includes/version.php" ||
    die "the unpacked tree is not WordPress $version"
  touch "$work/wordpress/.lpapi-complete"
  rm -rf "$dest"
  mv "$work/wordpress" "$dest"
fi
echo "$dest"
