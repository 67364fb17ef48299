#!/usr/bin/env bash
# The previous release, from git history: the last commit whose plugin header says a version other than
# VERSION's (the parent of the commit that changed the header to VERSION's), and that version. Prints "COMMIT VERSION"; fails when the history holds none (a shallow
# clone: fetch the history with `git fetch --unshallow`).
set -euo pipefail
cd "$(dirname "$0")/../.."
file=wp-plugin/latepoint-api-keys/latepoint-api-keys.php
current="$(scripts/version.sh get)"
version_at() { git show "$1:$file" 2>/dev/null | grep -oP '^ \* Version: +\K\S+' || true; }
for commit in $(git rev-list HEAD -- "$file"); do
  if [[ $(version_at "$commit") == "$current" ]]; then
    bump=$commit
    continue
  fi
  # $commit has another version; the commit just before the bump is the last one of that release.
  parent="$(git rev-parse "${bump:-HEAD}^" 2>/dev/null || echo "$commit")"
  version="$(version_at "$parent")"
  [[ -n $version && $version != "$current" ]] || { parent=$commit version="$(version_at "$commit")"; }
  echo "$parent $version"
  exit 0
done
echo "no earlier release of the plugin in this clone's history$(git rev-parse --is-shallow-repository | grep -q true && echo ' (a shallow clone: git fetch --unshallow)')" >&2
exit 1
