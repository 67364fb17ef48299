#!/usr/bin/env bash
# The version's one source of truth is the file VERSION. Every other place that must carry it is
# written from it by `scripts/version.sh set X.Y.Z`, and `scripts/version.sh check` (a lint gate)
# fails when one of them differs:
#   Cargo.toml and Cargo.lock         the extension's version (lpapi_info()['version'], phpversion('lpapi'))
#   the plugin's header and constant  Version: and LPAPI_PLUGIN_VERSION in latepoint-api-keys.php
#   the fallback's version            LatePointApi\Fallback::VERSION (lpapi_info() without the extension)
#   readme.txt                        Stable tag:
#   CHANGELOG.md                      its newest "## X.Y.Z" heading
# Usage: scripts/version.sh [check|get|set X.Y.Z]
set -euo pipefail
cd "$(dirname "$0")/.."

PLUGIN=wp-plugin/latepoint-api-keys
# place => a regex (PCRE, for grep -oP) whose match is the version
declare -A PLACES=(
  [Cargo.toml]='^version = "\K[^"]+'
  [Cargo.lock]='(?m)^name = "lpapi"\nversion = "\K[^"]+'
  ["$PLUGIN/latepoint-api-keys.php"]='^ \* Version: +\K\S+'
  ["$PLUGIN/latepoint-api-keys.php#constant"]="define\\( 'LPAPI_PLUGIN_VERSION', '\\K[^']+"
  ["$PLUGIN/includes/fallback/class-fallback.php"]="const VERSION += '\\K[^']+"
  ["$PLUGIN/readme.txt"]='^Stable tag: \K\S+'
  [CHANGELOG.md]='^## \K[0-9]+\.[0-9]+\.[0-9]+'
)

version() { tr -d '[:space:]' <VERSION; }

found_in() { # place -> the version found there (the first match)
  local file=${1%%#*}
  if [[ $1 == Cargo.lock ]]; then
    grep -zoP "${PLACES[$1]}" "$file" | tr -d '\0' | head -n1
  else
    grep -oP "${PLACES[$1]}" "$file" | head -n1
  fi
}

case "${1:-check}" in
  get) version ;;
  check)
    want="$(version)" pass=0 fail=0
    [[ $want =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "VERSION: '$want' is not X.Y.Z"; exit 1; }
    for place in $(printf '%s\n' "${!PLACES[@]}" | sort); do
      got="$(found_in "$place" || true)"
      if [[ $got == "$want" ]]; then
        pass=$((pass + 1))
      else
        echo "${place%%#*}: ${got:-no version found}, VERSION says $want (scripts/version.sh set $want)"
        fail=$((fail + 1))
      fi
    done
    echo "$pass passed, $fail failed"
    ((fail == 0))
    ;;
  set)
    new="${2:?usage: scripts/version.sh set X.Y.Z}"
    [[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "not X.Y.Z: $new" >&2; exit 2; }
    printf '%s\n' "$new" >VERSION
    sed -i -E "0,/^version = \"[^\"]+\"/s//version = \"$new\"/" Cargo.toml
    perl -0pi -e "s/(name = \"lpapi\"\nversion = \")[^\"]+/\${1}$new/" Cargo.lock
    sed -i -E "s/^( \* Version: +)\S+/\1$new/; s/(define\( 'LPAPI_PLUGIN_VERSION', ')[^']+/\1$new/" "$PLUGIN/latepoint-api-keys.php"
    sed -i -E "s/(const VERSION += ')[^']+/\1$new/" "$PLUGIN/includes/fallback/class-fallback.php"
    sed -i -E "s/^(Stable tag: )\S+/\1$new/" "$PLUGIN/readme.txt"
    grep -qP "^## \Q$new\E\b" CHANGELOG.md || echo "CHANGELOG.md: add a \"## $new\" entry at the top" >&2
    "$0" check
    ;;
  *) echo "usage: scripts/version.sh [check|get|set X.Y.Z]" >&2; exit 2 ;;
esac
