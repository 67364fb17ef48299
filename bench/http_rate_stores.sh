#!/usr/bin/env bash
# HTTP benchmark of where the rate limits count: req/s of GET /wp-json/latepoint-api/v1/me with an API key
#
#   native-shm      php-fpm with the extension, no Redis (LPAPI_NATIVE=1 LPAPI_REDIS=0): its shared table
#   native-redis    php-fpm with the extension and lpapi.redis_url (LPAPI_NATIVE=1 LPAPI_REDIS=1)
#   fallback-apcu   php-fpm on the pure-PHP fallback, no Redis (LPAPI_NATIVE=0 LPAPI_REDIS=0): APCu
#   fallback-redis  php-fpm on the fallback with LPAPI_REDIS_URL in wp-config.php (LPAPI_NATIVE=0 LPAPI_REDIS=1)
#
# all on one stack (scripts/stack.sh) in one run. Each contender is a configuration of the stack, so every
# measurement starts with "scripts/stack.sh start" in that configuration: php-fpm is restarted with or
# without the extension and the redis INI, wp-config.php gets or loses the Redis constants, and the
# stack's redis-server is stopped for the contenders without Redis (LPAPI_REDIS=0: nothing is configured
# for Redis then, not "configured but down") and started again (empty) for the others. After each switch
# the script checks what php-fpm runs (the bench mu-plugin's /info route) and the X-RateLimit-Scope of a
# keyed request ("server" or "cluster"), then warms up and measures. ROUNDS rounds, each running every
# contender once in an order rotated per round; the figure is each contender's median req/s. Every wrk
# run's non-2xx and socket-error counts are checked; a contender with any is flagged and the script
# exits 1. The key has limits far above what a run sends (every request is admitted).
#
# Usage (use your own stack instance if another one is in use; it needs redis-server and php-redis):
#   export LPAPI_RUN_DIR=/tmp/lpapi-bench-redis LPAPI_HTTP_PORT=8096 LPAPI_DB_PORT=3323
#   bench/http_rate_stores.sh
#
# Settings (environment): BENCH_THREADS [2], BENCH_CONNECTIONS [8], BENCH_DURATION [10s],
# BENCH_WARMUP [3s, after every switch], BENCH_ROUNDS [3]; LPAPI_* as for scripts/stack.sh.
#
# The stack is left as found: if it was running, it goes back to the LPAPI_NATIVE and LPAPI_REDIS it had;
# if it was not running, it is started for the run and stopped at the end. The bench key is revoked at
# the end (its audit rows stay in the database).
# shellcheck disable=SC2016 # PHP code in single quotes
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wrk_settings 3s
command -v redis-server >/dev/null || die "redis-server is not installed (scripts/install-deps.sh bench)"

# --- The stack -------------------------------------------------------------------------------------
# LPAPI_NATIVE and LPAPI_REDIS are set per command below; inherited ones would override the stack's.
stack_found "for this run" LPAPI_NATIVE=1 LPAPI_REDIS=0
[[ "$(stack_var LPAPI_SERVERS)" == 1 ]] || die "run this against a one-server stack (LPAPI_SERVERS=1)"
LPAPI_NATIVE=1 LPAPI_REDIS=0 "$STACK" start >/dev/null
bench_stack_vars
WORK="$(mktemp -d /tmp/lpapi-http-stores.XXXXXX)"

KEY_ID=''
undo() {
  rm -f "$MU_DST"
  [[ -z $KEY_ID ]] || revoke_key "$KEY_ID"
}
on_exit

# --- Fixtures ------------------------------------------------------------------------------------
install_mu_plugin
bench_key bench-stores
URL="$BASE/latepoint-api/v1/me"
HDR="X-API-Key: $API_KEY"

# contender -> LPAPI_NATIVE, LPAPI_REDIS, the scope a decision must report
NAMES=(native-shm native-redis fallback-apcu fallback-redis)
declare -A NATIVE_OF=([native-shm]=1 [native-redis]=1 [fallback-apcu]=0 [fallback-redis]=0)
declare -A REDIS_OF=([native-shm]=0 [native-redis]=1 [fallback-apcu]=0 [fallback-redis]=1)
declare -A SCOPE_OF=([native-shm]=server [native-redis]=cluster [fallback-apcu]=server [fallback-redis]=cluster)

declare -A BYTES=() INFO=()
switch_to() { # contender: restart the stack in its configuration and check it
  local name=$1 code scope i
  LPAPI_NATIVE="${NATIVE_OF[$name]}" LPAPI_REDIS="${REDIS_OF[$name]}" "$STACK" start >/dev/null ||
    die "$name: scripts/stack.sh start failed"
  [[ "$(fpm_native)" == "${NATIVE_OF[$name]}" ]] || die "$name: php-fpm does not run LPAPI_NATIVE=${NATIVE_OF[$name]}"
  for ((i = 0; i < 2 * WORKERS; i++)); do
    code="$(curl -s -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' -H "$HDR" "$URL")" || die "$name: curl failed"
    [[ $code == 200 ]] || die "$name: HTTP $code from $URL: $(head -c 300 "$WORK/body")"
    grep -q '"status":"success"' "$WORK/body" || die "$name: not a success envelope: $(head -c 300 "$WORK/body")"
    scope="$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Xx]-[Rr]ate[Ll]imit-[Ss]cope: *//p')"
    [[ $scope == "${SCOPE_OF[$name]}" ]] || die "$name: X-RateLimit-Scope '$scope', expected '${SCOPE_OF[$name]}'"
  done
  BYTES[$name]="$(wc -c <"$WORK/body")"
  INFO[$name]="$(curl -s "$BASE/lpapi-bench/v1/info")"
}

# --- Run ----------------------------------------------------------------------------------------------
say "stack $SITE, $WORKERS php-fpm workers; wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds, warm-up $WARMUP after every switch"
n=${#NAMES[@]}
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do
    name=${NAMES[$(((i + r) % n))]}
    switch_to "$name"
    run_wrk "$name" "$WARMUP" "$HDR" "$URL"
    run_wrk "$name" "$DURATION" "$HDR" "$URL"
    RESULTS[$name]="${RESULTS[$name]:-} $RPS"
    say "round $((r + 1))/$ROUNDS $name: $RPS req/s"
  done
done

# --- Report -----------------------------------------------------------------------------------------
declare -A MED
for name in "${NAMES[@]}"; do MED[$name]="$(median "${RESULTS[$name]}")"; done

echo
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(machine) (wrk and the whole stack share them); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "stack:   nginx + php-fpm ($WORKERS workers, static) + MariaDB, one server; $(redis-server --version | awk '{ print $1, $2, $3 }') on 127.0.0.1 for the Redis contenders"
echo "php-fpm: native: ${INFO[native-shm]}; fallback: ${INFO[fallback-apcu]}"
echo "wrk:     -t$THREADS -c$CONNS -d$DURATION GET /wp-json/latepoint-api/v1/me (X-API-Key), after a switch and a $WARMUP warm-up, $ROUNDS interleaved rounds, median"
echo
echo "| contender | php-fpm | rate store | X-RateLimit-Scope | body bytes | req/s (median) | spread | rounds |"
echo "|---|---|---|---|---:|---:|---:|---|"
row() {
  printf '| %s | %s | %s | %s | %s | %.1f | %s | %s |\n' "$1" "$2" "$3" "${SCOPE_OF[$1]}" "${BYTES[$1]}" "${MED[$1]}" \
    "$(spread "${RESULTS[$1]}" "${MED[$1]}")%" "$(sed 's/^ //; s/ /, /g' <<<"${RESULTS[$1]}")"
}
row native-shm "native ext." "shared memory"
row native-redis "native ext." "Redis"
row fallback-apcu "PHP fallback" "APCu"
row fallback-redis "PHP fallback" "Redis"
echo
echo "| ratio | value |"
echo "|---|---:|"
echo "| native: Redis / shared memory | $(ratio "${MED[native-redis]}" "${MED[native-shm]}") |"
echo "| fallback: Redis / APCu | $(ratio "${MED[fallback-redis]}" "${MED[fallback-apcu]}") |"
echo "| shared memory / APCu: native / fallback | $(ratio "${MED[native-shm]}" "${MED[fallback-apcu]}") |"
echo "| Redis: native / fallback | $(ratio "${MED[native-redis]}" "${MED[fallback-redis]}") |"
echo
wrk_verdict "All wrk runs (warm-ups included): 0 non-2xx responses, 0 socket errors."
