#!/usr/bin/env bash
# Puts real LatePoint into the folder the stack and the real-LatePoint suite look in. LatePoint is in
# no package registry: give this script a git directory of LatePoint's public repository (a clone, or
# a bare git directory), or a plugin folder as wordpress.org ships it. Nothing of LatePoint is written
# into the repository.
#
# Usage: scripts/get-latepoint.sh SOURCE     SOURCE: a git directory (bare or not) or a plugin folder
# Prints the plugin folder it filled: $LPAPI_LATEPOINT_DIR.
#
# Environment:
#   LPAPI_LATEPOINT_DIR  where LatePoint goes [$LPAPI_CACHE_DIR/latepoint]
#   LPAPI_CACHE_DIR      [${XDG_CACHE_HOME:-$HOME/.cache}/latepoint-api-keys]
#   LPAPI_LATEPOINT_REF  the commit or tag to take from a git directory [HEAD]
set -euo pipefail

CACHE="${LPAPI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latepoint-api-keys}"
DEST="${LPAPI_LATEPOINT_DIR:-$CACHE/latepoint}"
REF="${LPAPI_LATEPOINT_REF:-HEAD}"
SOURCE="${1:-}"

say() { echo "==> get-latepoint: $*" >&2; }
die() {
  echo "get-latepoint: $*" >&2
  exit 1
}

[[ -n $SOURCE ]] || die "usage: scripts/get-latepoint.sh GIT_DIR|PLUGIN_DIR (LatePoint's public git repository, or its plugin folder)"
[[ -e $SOURCE ]] || die "$SOURCE does not exist"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if git --git-dir="$SOURCE" rev-parse --verify -q "$REF^{commit}" >/dev/null 2>&1; then
  say "exporting $REF of the git directory $SOURCE"
  git --git-dir="$SOURCE" archive "$REF" | tar -x -C "$work"
elif git -C "$SOURCE" rev-parse --verify -q "$REF^{commit}" >/dev/null 2>&1; then
  say "exporting $REF of the clone $SOURCE"
  git -C "$SOURCE" archive "$REF" | tar -x -C "$work"
elif [[ -f $SOURCE/latepoint.php ]]; then
  say "copying the plugin folder $SOURCE"
  cp -a "$SOURCE/." "$work/"
else
  die "$SOURCE is neither a git directory with $REF nor a folder with latepoint.php"
fi
[[ -f $work/latepoint.php ]] || die "$SOURCE has no latepoint.php: not LatePoint"
version="$(sed -n 's/^[[:space:]]*\*[[:space:]]*Version:[[:space:]]*//p' "$work/latepoint.php" | head -n 1)"
say "LatePoint ${version:-(version unknown)}"

mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST.new"
mv "$work" "$DEST.new"
trap - EXIT
rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "$DEST"
