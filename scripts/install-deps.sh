#!/usr/bin/env bash
# Installs what building and testing need, from Debian's packages, only when
# missing. Usage: scripts/install-deps.sh [build|test|bench|e2e|lint|dist]
set -euo pipefail
purpose="${1:-build}"

packages=(php-cli php-dev libclang-dev)
case "$purpose" in
  # redis-server and php-redis: the stack's LPAPI_REDIS=1 (rate limits counted in Redis, by the
  # extension or by the plugin's pure-PHP fallback).
  test)  packages+=(phpunit php-apcu php-mbstring php-xml redis-server php-redis) ;;
  # bench/rate_stores.php starts a redis-server of its own and talks to it through php-redis.
  bench) packages+=(php-apcu redis-server php-redis) ;;
  # scripts/lint.sh: php -l, PHP_CodeSniffer (phpcs.xml.dist), shellcheck; clippy builds the crate.
  lint)  packages+=(php-codesniffer shellcheck) ;;
  # scripts/dist.sh: the zip, the .pot (gettext's xgettext) and the Debian package (dpkg-deb, in dpkg).
  dist)  packages+=(zip gettext) ;;
  e2e)
    packages+=(chromium mariadb-client)
    # Node.js may come from elsewhere than Debian (with its own npm): only install it when missing.
    command -v node >/dev/null || packages+=(nodejs)
    command -v npm >/dev/null || packages+=(npm)
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start their own services (redis-server would): a policy-rc.d that forbids it,
  # for the length of the install only (as scripts/stack.sh install does).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if trap -p EXIT | grep -q policy-rc.d; then rm -f "$policy"; trap - EXIT; fi
else
  echo "==> Debian packages present: ${packages[*]}"
fi

if ! command -v cargo >/dev/null; then
  echo "cargo is required (a Rust toolchain, 1.85 or newer) and was not found" >&2
  exit 1
fi
if { [ "$purpose" = test ] || [ "$purpose" = lint ]; } && ! { cargo clippy --version && cargo fmt --version; } >/dev/null 2>&1; then
  echo "==> adding clippy and rustfmt to the Rust toolchain"
  rustup component add clippy rustfmt || echo "==> could not add them: scripts/lint.sh will fail, naming the missing component"
fi
echo "==> $(cargo --version), $(php -r 'echo "PHP ", PHP_VERSION;')"
