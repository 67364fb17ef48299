#!/usr/bin/env bash
# A bounded soak of a two-server stack (scripts/stack.sh with LPAPI_SERVERS=2 LPAPI_REDIS=1): for
# SOAK_DURATION seconds, GET /wp-json/latepoint-api/v1/me at SOAK_RATE requests a second through the
# site's port (nginx sends PHP requests to php-fpm a and b in turn; both count the rate limits in the one
# Redis), with SOAK_KEYS fresh API keys in turn, at most SOAK_CONCURRENCY at once (bench/soak_client.php).
# Then it flushes the audit spool (Audit_Log::flush(), repeated until every row is in or SOAK_FLUSH_WAIT
# seconds have passed: rows reach the spool after each response) and reports
#
#   requests sent, responses by status class, and by server (X-LPAPI-Server);
#   5xx responses, and requests without a response (connection error or 10 s timeout);
#   audit rows stored vs sent: every response's X-Request-Id looked up in {prefix}lpapi_audit_log.
#
# It exits 1 if any response was a 5xx, any request got no response, or any row is missing; 0 otherwise;
# 2 when it cannot run (a setting out of bounds, a stack that is not two servers with Redis on 127.0.0.1).
# Loopback only: it refuses a stack whose host is not 127.0.0.1 (LPAPI_HOST), and the client refuses
# any URL whose host is not 127.0.0.1.
#
# Usage (its own stack instance; started here if it is not running, and then stopped at the end):
#   export LPAPI_RUN_DIR=/tmp/lpapi-soak LPAPI_HTTP_PORT=9090 LPAPI_DB_PORT=3518 LPAPI_SERVERS=2 LPAPI_REDIS=1
#   bench/soak.sh
#
# Settings (environment), each bounded: SOAK_DURATION [60 s, at most 600], SOAK_RATE [10 req/s, at most
# 50], SOAK_KEYS [3, 1 to 10], SOAK_CONCURRENCY [4, 1 to 8], SOAK_FLUSH_WAIT [30 s, at most 120].
# The keys are revoked at the end (their audit rows stay in the database).
# shellcheck disable=SC2016 # PHP code in single quotes
set -euo pipefail

DIE_STATUS=2 # cannot run
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${SOAK_DURATION:-60}"
RATE="${SOAK_RATE:-10}"
KEYS="${SOAK_KEYS:-3}"
CONCURRENCY="${SOAK_CONCURRENCY:-4}"
FLUSH_WAIT="${SOAK_FLUSH_WAIT:-30}"

bounded() { # name value min max
  if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
    die "$1=$2: a whole number from $3 to $4"
  fi
}
bounded SOAK_DURATION "$DURATION" 1 600
bounded SOAK_RATE "$RATE" 1 50
bounded SOAK_KEYS "$KEYS" 1 10
bounded SOAK_CONCURRENCY "$CONCURRENCY" 1 8
bounded SOAK_FLUSH_WAIT "$FLUSH_WAIT" 1 120
php -r 'exit(function_exists("curl_multi_init") ? 0 : 1);' || die "php-curl is not installed"

# --- The stack: two servers, Redis, loopback ---------------------------------------------------------
[[ ${LPAPI_HOST:-127.0.0.1} == 127.0.0.1 ]] || die "LPAPI_HOST=$LPAPI_HOST: the soak runs against 127.0.0.1 only"
stack_found "with LPAPI_SERVERS=2 LPAPI_REDIS=1"
if [[ $STARTED_BY_US == 1 ]]; then
  LPAPI_SERVERS=2 LPAPI_REDIS=1 "$STACK" start >/dev/null
fi
[[ "$(stack_var LPAPI_HOST)" == 127.0.0.1 ]] || die "the stack listens on $(stack_var LPAPI_HOST), not 127.0.0.1"
[[ "$(stack_var LPAPI_SERVERS)" == 2 ]] || die "the stack runs one php-fpm master: start it with LPAPI_SERVERS=2"
[[ "$(stack_var LPAPI_REDIS)" == 1 ]] || die "the stack runs without Redis: start it with LPAPI_REDIS=1"
BASE="$(stack_var LPAPI_REST_URL)"
[[ $BASE == http://127.0.0.1:* ]] || die "refusing $BASE: only http://127.0.0.1 targets"
URL="$BASE/latepoint-api/v1/me"
NATIVE="$(stack_var LPAPI_NATIVE)"
WORK="$(mktemp -d /tmp/lpapi-soak.XXXXXX)"

KEY_IDS=''
undo() {
  if [[ -n $KEY_IDS ]]; then
    "$STACK" php -r 'foreach (explode(",", $argv[1]) as $id) { LatePointApi\Keys\Key_Service::revoke((int) $id, 1); }' \
      "$KEY_IDS" >/dev/null 2>&1 || say "could not revoke the soak keys $KEY_IDS"
  fi
}
on_exit

# --- Keys (limits far above what the soak sends) -------------------------------------------------
"$STACK" php -r '
  $ids = array();
  for ($i = 0; $i < (int) $argv[1]; ++$i) {
    $r = LatePointApi\Keys\Key_Service::create(array("name" => "soak " . ($i + 1), "permissions" => array("services:read"),
      "rate_limit_per_minute" => 1000000, "rate_limit_per_hour" => 100000000), 1);
    $ids[] = $r["record"]["id"];
    fwrite(STDOUT, $r["key"] . "\n");
  }
  fwrite(STDERR, implode(",", $ids) . "\n");' "$KEYS" >"$WORK/keys" 2>"$WORK/key-ids"
KEY_IDS="$(tail -n1 "$WORK/key-ids")"
[[ $KEY_IDS =~ ^[0-9]+(,[0-9]+)*$ && $(grep -c '^lp_' "$WORK/keys") == "$KEYS" ]] ||
  die "could not create the keys: $(cat "$WORK/key-ids")"

# --- Load ------------------------------------------------------------------------------------------
say "soak: $URL, ${DURATION}s at $RATE req/s, $KEYS keys, at most $CONCURRENCY in flight (php-fpm native=$NATIVE, two servers, Redis)"
STARTED_AT="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
php "$ROOT/bench/soak_client.php" "$URL" "$WORK/keys" "$DURATION" "$RATE" "$CONCURRENCY" >"$WORK/responses" ||
  die "the client failed"

SENT="$(wc -l <"$WORK/responses")"
count() { awk -v re="$1" '$1 ~ re { n++ } END { print n + 0 }' "$WORK/responses"; }
C2="$(count '^2')" C3="$(count '^3')" C4="$(count '^4')" C5="$(count '^5')" C0="$(count '^0$')"
SERVER_A="$(awk '$2 == "a" { n++ } END { print n + 0 }' "$WORK/responses")"
SERVER_B="$(awk '$2 == "b" { n++ } END { print n + 0 }' "$WORK/responses")"
awk '$3 != "-" { print $3 }' "$WORK/responses" | sort -u >"$WORK/sent-ids"
WITH_ID="$(wc -l <"$WORK/sent-ids")"

# --- Audit rows --------------------------------------------------------------------------------------
# Flush, then look every sent request id up among the soak keys' rows; again until all are in or time is up.
lookup() {
  "$STACK" php -r '
    global $wpdb;
    LatePointApi\Audit\Audit_Log::flush();
    $table = LatePointApi\Support\Schema::audit_log();
    $ids = array_map("intval", explode(",", $argv[1]));
    $rows = $wpdb->get_results("SELECT request_id, event FROM {$table} WHERE key_id IN (" . implode(",", $ids) . ") AND event <> \"admin_action\"", ARRAY_A);
    foreach ($rows as $row) { echo $row["event"], " ", $row["request_id"], "\n"; }' "$KEY_IDS"
}
deadline=$((SECONDS + FLUSH_WAIT))
while :; do
  lookup >"$WORK/rows"
  awk '$1 != "rate_store" { print $2 }' "$WORK/rows" | sort >"$WORK/stored-all"
  sort -u "$WORK/stored-all" >"$WORK/stored-ids"
  MISSING="$(comm -23 "$WORK/sent-ids" "$WORK/stored-ids" | wc -l)"
  ((MISSING > 0 && SECONDS < deadline)) || break
  sleep 2
done
STORED="$(comm -12 "$WORK/sent-ids" "$WORK/stored-ids" | wc -l)"
DUPLICATES="$(uniq -d "$WORK/stored-all" | wc -l)"
EXTRA="$(comm -13 "$WORK/sent-ids" "$WORK/stored-ids" | wc -l)"
SWITCHES="$(awk '$1 == "rate_store" { n++ } END { print n + 0 }' "$WORK/rows")"

# --- Report ------------------------------------------------------------------------------------------
echo
echo "date:      $STARTED_AT"
echo "machine:   $(machine) (the client and the whole stack share them); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "stack:     $URL; nginx -> php-fpm a and b ($(stack_var LPAPI_FPM_WORKERS) workers each, native extension $([[ $NATIVE == 1 ]] && echo on || echo off)), Redis $(stack_var LPAPI_REDIS_PORT), MariaDB"
echo "load:      ${DURATION} s at $RATE req/s (planned $((DURATION * RATE))), $KEYS keys in turn, at most $CONCURRENCY in flight"
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| requests sent | $SENT |"
echo "| 2xx | $C2 |"
echo "| 3xx | $C3 |"
echo "| 4xx | $C4 |"
echo "| 5xx | $C5 |"
echo "| no response (connection error or timeout) | $C0 |"
echo "| answered by server a / b | $SERVER_A / $SERVER_B |"
echo "| responses with an X-Request-Id | $WITH_ID |"
echo "| audit rows stored for them | $STORED |"
echo "| missing | $MISSING |"
echo "| duplicate rows / rows of the soak keys not among the responses | $DUPLICATES / $EXTRA |"
echo "| rate_store rows (Redis scope switches) | $SWITCHES |"
echo
status=0
((C5 == 0)) || { echo "FAIL: $C5 responses were 5xx"; status=1; }
((C0 == 0)) || { echo "FAIL: $C0 requests got no response"; status=1; }
((WITH_ID == SENT - C0)) || { echo "FAIL: $((SENT - C0 - WITH_ID)) responses had no X-Request-Id"; status=1; }
((MISSING == 0)) || { echo "FAIL: $MISSING audit rows missing after ${FLUSH_WAIT}s of flushing"; status=1; }
if ((status == 1)); then
  exit 1
fi
echo "OK: no 5xx, every request answered, every audit row stored."
