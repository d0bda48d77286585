#!/usr/bin/env bash
# End-to-end test of the C++ integration: a QuickFIX C++ acceptor enforced by fixprov, driven by a
# QuickFIX C++ initiator over loopback and by the admin HTTP API (curl), with exact counts.
#
#   bash ffi-examples/cpp/e2e.sh          the test: wrapper unit test under valgrind, then the FIX
#                                         scenarios; exits non-zero on any wrong count or timeout
#   bash ffi-examples/cpp/e2e.sh --demo   the same scenarios told as a story (demo.sh), no valgrind
#
# Installs what it needs when missing (g++, make, libquickfix-dev, nlohmann-json3-dev, curl, jq,
# valgrind), builds target/release/libfixprov.so only when it is missing, builds the C++ programs
# with ffi-examples/cpp/Makefile, and cleans up every process it started. KEEP=1 keeps the work
# directory (logs, QuickFIX message logs) after a pass; after a failure it is always kept.
# ACCEPTOR_VALGRIND=1 also runs the acceptor itself under valgrind memcheck (about 30 s more).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=test
case "${1:-}" in
--demo) MODE=demo ;;
"") ;;
*)
    echo "usage: $0 [--demo]" >&2
    exit 2
    ;;
esac
START_NS=$(date +%s%N)

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
detail() { [[ $MODE == demo ]] || printf '   %s\n' "$*"; }
story() { [[ $MODE == demo ]] && printf '   %s\n' "$*" || true; }

# ------------------------------------------------------------------------------------------------
# Requirements.
need_packages=()
command -v g++ >/dev/null || need_packages+=(g++)
command -v make >/dev/null || need_packages+=(make)
command -v curl >/dev/null || need_packages+=(curl)
command -v jq >/dev/null || need_packages+=(jq)
command -v timeout >/dev/null || need_packages+=(coreutils)
[[ -f /usr/include/quickfix/Application.h ]] || need_packages+=(libquickfix-dev)
[[ -f /usr/include/nlohmann/json.hpp ]] || need_packages+=(nlohmann-json3-dev)
[[ -f /usr/include/openssl/evp.h ]] || need_packages+=(libssl-dev)
command -v openssl >/dev/null || need_packages+=(openssl)
[[ $MODE == demo ]] || command -v valgrind >/dev/null || need_packages+=(valgrind)
if ((${#need_packages[@]})); then
    say "installing: ${need_packages[*]}"
    SUDO=
    [[ $(id -u) == 0 ]] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need_packages[@]}" >/dev/null 2>&1 ||
        { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq &&
            $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need_packages[@]}" >/dev/null; }
fi
if [[ ! -f $ROOT/target/release/libfixprov.so ]]; then
    command -v cargo >/dev/null || { say "cargo (Rust 1.85 or newer) is needed to build libfixprov.so" >&2; exit 1; }
    say "building target/release/libfixprov.so (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet)
fi

step "build (ffi-examples/cpp/Makefile)"
make -s -C "$HERE" -j2 all >/dev/null
detail "built wrapper_test (C++14 and C++17), fixprov_acceptor, fixprov_initiator, overhead"
BUILD=$HERE/build

if [[ $MODE == test ]]; then
    step "wrapper unit test under valgrind memcheck"
    valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect -q "$BUILD/wrapper_test"
    "$BUILD/wrapper_test_cxx17" >/dev/null
    detail "memcheck clean (no definite or indirect leak, no invalid access); C++17 build passes too"
    step "QuickFIX's per-message work against fixprov's (bench/overhead.cpp, short run)"
    "$BUILD/overhead" 20000 | grep -E '^\| (QuickFIX|fixprov)|share' | sed 's/^/   /'
fi

# ------------------------------------------------------------------------------------------------
# Work directory, secrets, clean-up.
umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fixprov-cpp-e2e.XXXXXX")
ACCEPTOR_PID=
BG_PIDS=()
PASSED=0

stop_pid() { # pid, seconds to wait after SIGTERM before SIGKILL
    local pid=$1 deadline=$((SECONDS + $2))
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    for pid in "${BG_PIDS[@]}"; do stop_pid "$pid" 2; done
    [[ -n $ACCEPTOR_PID ]] && stop_pid "$ACCEPTOR_PID" 15
    if ((rc != 0 || PASSED == 0)); then
        echo >&2
        echo "---- acceptor log (last 40 lines) ----" >&2
        tail -n 40 "$WORK/acceptor.log" >&2 2>/dev/null
        echo "---- work directory kept: $WORK ----" >&2
    elif [[ ${KEEP:-0} == 1 ]]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ASSERTIONS=0
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect() { # description, actual, expected
    ASSERTIONS=$((ASSERTIONS + 1))
    [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"
    detail "ok  $1 = $3"
}
expect_lt() { # description, actual, bound
    ASSERTIONS=$((ASSERTIONS + 1))
    (($2 < $3)) || fail "$1: expected < $3, got $2"
    detail "ok  $1 = $2 (< $3)"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_until() { # seconds, description, command...
    local deadline=$(($(date +%s%N) + $1 * 1000000000)) what=$2
    shift 2
    until "$@"; do
        (($(date +%s%N) < deadline)) || fail "timed out waiting for $what"
        sleep 0.05
    done
}
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; } # file, key

TOKEN_ADMIN=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
TOKEN_OPERATOR=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
jq -n --arg a "$TOKEN_ADMIN" --arg o "$TOKEN_OPERATOR" \
    '[{name: "e2e-admin", role: "admin", token: $a}, {name: "e2e-operator", role: "operator", token: $o}]' \
    >"$WORK/tokens.json"
MASTER_FROM="a random one for this run (set FIX_MASTER_PASSWORD to choose it)"
if [[ -n ${FIX_MASTER_PASSWORD:-} ]]; then
    MASTER=$FIX_MASTER_PASSWORD
    MASTER_FROM="FIX_MASTER_PASSWORD"
else
    MASTER=$(head -c 24 /dev/urandom | base64)
fi

HTTP_CODE=
BODY=
api() { # token, method, path, [json body] -> $HTTP_CODE and $BODY (not in a subshell: globals)
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-sS --max-time 10 -o "$WORK/http.body" -w '%{http_code}' -X "$method"
        -H "Authorization: Bearer $token" "http://127.0.0.1:$ADMIN_PORT$path")
    [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data "$body")
    HTTP_CODE=$(curl "${args[@]}") || fail "curl $method $path failed"
    BODY=$(cat "$WORK/http.body")
}

# ------------------------------------------------------------------------------------------------
step "start the acceptor: fixprov engine on an encrypted store, admin HTTP API, QuickFIX acceptor"
ACCEPTOR_CMD=("$BUILD/fixprov_acceptor")
START_TIMEOUT=30
if [[ ${ACCEPTOR_VALGRIND:-0} == 1 ]]; then # the acceptor itself under memcheck (slower start)
    command -v valgrind >/dev/null || fail "ACCEPTOR_VALGRIND=1 needs valgrind"
    ACCEPTOR_CMD=(valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
        --errors-for-leak-kinds=definite,indirect --log-file="$WORK/acceptor.valgrind" "${ACCEPTOR_CMD[@]}")
    START_TIMEOUT=180
    detail "the acceptor runs under valgrind memcheck (log: acceptor.valgrind)"
fi
POOL=32
GEO_ARGS=()
if [[ $MODE == test ]]; then
    # A country database of our own (examples/geoip_db.rs, mmdb-writer from crates.io; no real one is
    # shipped or downloaded): 127.0.0.1 in France, 127.0.0.2 in the US. `cargo test` built the
    # example already (same features: nothing is rebuilt).
    (cd "$ROOT" && cargo build --quiet --features test-hooks --example geoip_db)
    "$ROOT/target/debug/examples/geoip_db" "$WORK/country.mmdb" 127.0.0.1/32=FR 127.0.0.2/32=US
    # A 30 s freshness window for signed Logons (default 5 s), so that the replay below is refused
    # as a replay however slowly this machine starts an initiator.
    GEO_ARGS=(--geoip "$WORK/country.mmdb" --logon-window-ms 30000)
fi
FIX_MASTER_PASSWORD=$MASTER "${ACCEPTOR_CMD[@]}" --data-dir "$WORK/store" --state-dir "$WORK/quickfix" \
    --tokens-file "$WORK/tokens.json" --status-file "$WORK/status" --begin-strings FIX.4.4,FIX.4.2 \
    --comp-id-pool "$POOL" "${GEO_ARGS[@]}" >"$WORK/acceptor.log" 2>&1 &
ACCEPTOR_PID=$!
status_is() { [[ -f $WORK/status ]] && grep -qx "$1" "$WORK/status"; }
acceptor_alive() { kill -0 "$ACCEPTOR_PID" 2>/dev/null || fail "the acceptor exited early"; }
wait_until "$START_TIMEOUT" "the acceptor's admin API" eval 'acceptor_alive && status_is generation=1'
ADMIN_PORT=$(kv "$WORK/status" admin_port)
FIX_PORT=$(kv "$WORK/status" fix_port)
expect "fix sessions declared before provisioning (a pool of $POOL SenderCompIDs x 2 BeginStrings)" \
    "$(kv "$WORK/status" fix_sessions)" $((POOL * 2))
expect "SenderCompIDs free in the pool" "$(kv "$WORK/status" pool_free)" "$POOL"
story "store: $WORK/store, sealed under the master password ($MASTER_FROM)"
story "QuickFIX declares a pool of $POOL SenderCompIDs (FP00001..FP000$POOL) x FIX.4.4, FIX.4.2 ahead of any user"
story "admin API on 127.0.0.1:$ADMIN_PORT (bearer tokens: an admin and an operator), FIX port $FIX_PORT"

step "tiers and eligibility through the admin API"
tier() { # name, escalation threshold
    jq -cn --arg n "$1" --argjson e "$2" '{name: $n, spec: {orders_per_sec: 1, messages_per_sec: 1,
        order_burst: 10, message_burst: 10, max_sessions: 1, escalation_threshold: $e,
        escalation_window_ms: 10000}}'
}
api "$TOKEN_OPERATOR" POST /admin/fix/rate-limits/tiers "$(tier e2e-burst 0)"
expect "tier e2e-burst (burst 10, 1/s, max 1 session) HTTP" "$HTTP_CODE" 200
api "$TOKEN_OPERATOR" POST /admin/fix/rate-limits/tiers "$(tier e2e-escalate 5)"
expect "tier e2e-escalate (same, DISCONNECT after 5 violations) HTTP" "$HTTP_CODE" 200
story "custom tiers: burst 10 at 1 order/s, one session per user (e2e-escalate also logs out after 5 rejects)"

api "$TOKEN_ADMIN" POST /admin/fix/provision '{"user": "mallory", "tier": "e2e-burst"}'
expect "provisioning a user without account facts HTTP" "$HTTP_CODE" 422
expect "provisioning a user without account facts error" "$(jq -r .error.code <<<"$BODY")" not_eligible
expect "failing rules listed" "$(jq '.error.failures | length' <<<"$BODY")" 4
story "mallory (no balance, volume, age or KYC known) is refused: not_eligible"
FACTS='{"balance": {"amount": "2500.00", "currency": "USD"}, "volume_30d": {"amount": "50000.00",
  "currency": "USD"}, "account_created_unix_ms": 1600000000000, "kyc_level": 2}'
provision() { # user, tier, expected SenderCompID -> password and SenderCompID files
    api "$TOKEN_ADMIN" POST /admin/fix/accounts "$(jq -cn --arg u "$1" --argjson f "$FACTS" '{user: $u, facts: $f}')"
    expect "account facts for $1 HTTP" "$HTTP_CODE" 200
    expect "$1 eligible" "$(jq .eligible <<<"$BODY")" true
    api "$TOKEN_ADMIN" POST /admin/fix/provision "$(jq -cn --arg u "$1" --arg t "$2" '{user: $u, tier: $t}')"
    expect "provision $1 HTTP" "$HTTP_CODE" 200
    jq -r .password <<<"$BODY" >"$WORK/$1.password"
    jq -r .sender_comp_id <<<"$BODY" >"$WORK/$1.sender"
    expect "$1's SenderCompID (from the pool)" "$(cat "$WORK/$1.sender")" "$3"
}
provision alice e2e-burst FP00001
provision bob e2e-escalate FP00002
provision carol e2e-burst FP00003
api "$TOKEN_ADMIN" POST /admin/fix/ip-allow '{"user": "carol", "rule": "127.0.0.1/32"}'
expect "carol's allow-list 127.0.0.1/32 HTTP" "$HTTP_CODE" 200
story "alice, bob and carol qualify and are provisioned (SenderCompIDs FP00001, FP00002, FP00003,"
story "assigned from the declared pool); carol may only log on from 127.0.0.1"

step "SIGHUP: every credential's CompID is declared already, nothing restarts"
kill -HUP "$ACCEPTOR_PID"
wait_until 10 "the acceptor to read the credentials" eval 'grep -q "declared already: nothing restarts" "$WORK/acceptor.log"'
expect "FIX acceptor generation (1: never restarted)" "$(kv "$WORK/status" generation)" 1
expect "declared QuickFIX sessions" "$(kv "$WORK/status" fix_sessions)" $((POOL * 2))
story "provisioning needs no SIGHUP and no restart: the CompIDs were declared before the users existed"

# ------------------------------------------------------------------------------------------------
RUN=0
initiator() { # name, args... (foreground; output in $WORK/name.out)
    local name=$1
    shift
    RUN=$((RUN + 1))
    timeout 60 "$BUILD/fixprov_initiator" --port "$FIX_PORT" --state-dir "$WORK/initiator-$name" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" || fail "initiator $name exited with $? ($(cat "$WORK/$name.err"))"
    [[ $(kv "$WORK/$name.out" done) == 1 ]] || fail "initiator $name did not finish"
}
as_user() { echo --sender "$(cat "$WORK/$1.sender")" --username "$1" --password-file "$WORK/$1.password"; }

step "logon refusals that reach fixprov"
printf 'not-the-password\n' >"$WORK/wrong.password"
initiator wrong --sender "$(cat "$WORK/alice.sender")" --username alice --password-file "$WORK/wrong.password" --timeout 10
expect "wrong password: logon" "$(kv "$WORK/wrong.out" logon)" refused
expect "wrong password: Logout 58" "$(kv "$WORK/wrong.out" logon_text)" "Invalid username or password"
expect "wrong password: Logout 1409" "$(kv "$WORK/wrong.out" logon_1409)" 5
story "a wrong password gets a Logout: 58=\"Invalid username or password\", 1409=5"

step "the peer's address reaches fixprov: carol's allow-list and the per-address lock-out"
initiator carol $(as_user carol) --source-host 127.0.0.1 --timeout 10
expect "allow-listed user from 127.0.0.1: logon" "$(kv "$WORK/carol.out" logon)" accepted
initiator carol-2 $(as_user carol) --source-host 127.0.0.2 --timeout 10
expect "allow-listed user from 127.0.0.2: logon" "$(kv "$WORK/carol-2.out" logon)" refused
expect "allow-listed user from 127.0.0.2: Logout 58" "$(kv "$WORK/carol-2.out" logon_text)" "Logon not allowed from this address"
expect "allow-listed user from 127.0.0.2: Logout 1409" "$(kv "$WORK/carol-2.out" logon_1409)" 7
for i in 1 2 3 4 5; do
    initiator "guess-$i" --sender "$(cat "$WORK/carol.sender")" --username carol --password-file "$WORK/wrong.password" \
        --source-host 127.0.0.3 --timeout 10
    expect "wrong password $i from 127.0.0.3: Logout 1409" "$(kv "$WORK/guess-$i.out" logon_1409)" 5
done
initiator carol-3 $(as_user carol) --source-host 127.0.0.3 --timeout 10
expect "the right password from 127.0.0.3 after 5 wrong ones: logon" "$(kv "$WORK/carol-3.out" logon)" refused
expect "locked-out address: Logout 58" "$(kv "$WORK/carol-3.out" logon_text)" "Too many failed logon attempts, try again later"
expect "locked-out address: Logout 1409" "$(kv "$WORK/carol-3.out" logon_1409)" 6
initiator carol-4 $(as_user carol) --source-host 127.0.0.1 --timeout 10
expect "carol from 127.0.0.1 while 127.0.0.3 is locked out: logon" "$(kv "$WORK/carol-4.out" logon)" accepted
grep -q "logon accepted FIX.4.4:FIXPROV->FP00003 from 127.0.0.1" "$WORK/acceptor.log" ||
    fail "the acceptor did not log carol's address"
ASSERTIONS=$((ASSERTIONS + 1))
story "the acceptor reads each Logon's peer address from its socket (QuickFIX does not expose it):"
story "carol (allow-list 127.0.0.1/32) logs on from 127.0.0.1 and is refused from 127.0.0.2 (1409=7);"
story "five wrong passwords from 127.0.0.3 lock that address out (1409=6), and carol still logs on from 127.0.0.1"

step "an unknown CompID never reaches fixprov: QuickFIX drops the connection"
printf 'x\n' >"$WORK/nobody.password"
initiator nobody --sender FP_NOBODY --password-file "$WORK/nobody.password" --timeout 10
expect "undeclared SenderCompID: logon" "$(kv "$WORK/nobody.out" logon)" dropped
expect "undeclared SenderCompID: Logout text (none sent)" "$(kv "$WORK/nobody.out" logon_text)" ""
story "FP_NOBODY is not a declared session: QuickFIX closes the connection, fixprov is never asked"

step "alice logs on and sends a burst of 25 orders (tier: burst 10, 1 order/s)"
BG=alice-burst
timeout 90 "$BUILD/fixprov_initiator" --port "$FIX_PORT" --state-dir "$WORK/initiator-$BG" $(as_user alice) \
    --burst 25 --timeout 15 --hold 60 --ready-file "$WORK/$BG.ready" >"$WORK/$BG.out" 2>"$WORK/$BG.err" &
ALICE_PID=$!
BG_PIDS+=("$ALICE_PID")
alice_alive() { kill -0 "$ALICE_PID" 2>/dev/null || fail "alice's initiator exited early ($(cat "$WORK/$BG.out"))"; }
wait_until 30 "alice's burst answers" eval 'alice_alive && [[ -f $WORK/$BG.ready ]]'
expect "alice: logon" "$(kv "$WORK/$BG.out" logon)" accepted
expect "alice: every order answered" "$(kv "$WORK/$BG.out" answered)" 1
expect "alice: orders accepted (35=8)" "$(kv "$WORK/$BG.out" exec_reports)" 10
expect "alice: orders throttled (35=j)" "$(kv "$WORK/$BG.out" rejects)" 15
expect "alice: 35=j BusinessRejectReason (380)" "$(kv "$WORK/$BG.out" reject_380)" 0
expect "alice: 35=j Text (58)" "$(kv "$WORK/$BG.out" reject_text)" "Throttle limit exceeded"
expect_lt "alice: burst send time, ms (refill takes 1000)" "$(kv "$WORK/$BG.out" burst_send_ms)" 500
api "$TOKEN_OPERATOR" GET '/admin/fix/sessions/user?user=alice'
sessions=$BODY
expect "fixprov: alice's live sessions" "$(jq length <<<"$sessions")" 1
expect "fixprov: alice's admitted orders" "$(jq '.[0].orders' <<<"$sessions")" 10
expect "fixprov: alice's throttled checks" "$(jq '.[0].throttled' <<<"$sessions")" 15
ALICE_SESSION=$(jq '.[0].session' <<<"$sessions")
story "25 orders sent back to back: 10 accepted (ExecutionReport), 15 throttled (35=j, 380=0);"
story "the session stays up"

step "a second session for alice is refused"
initiator dup $(as_user alice) --timeout 15
expect "same CompIDs again (QuickFIX allows one connection per SessionID): logon" "$(kv "$WORK/dup.out" logon)" dropped
expect "same CompIDs again: Logout text (none sent)" "$(kv "$WORK/dup.out" logon_text)" ""
initiator second $(as_user alice) --begin-string FIX.4.2 --timeout 10
expect "second session over FIX.4.2 (reaches fixprov): logon" "$(kv "$WORK/second.out" logon)" refused
expect "second session: Logout 58" "$(kv "$WORK/second.out" logon_text)" "Session limit reached"
expect "second session: Logout 1409" "$(kv "$WORK/second.out" logon_1409)" 7
story "the same CompIDs again are held by QuickFIX for 5 s, then dropped without a Logout; over"
story "FIX.4.2 (another declared SessionID) fixprov answers: \"Session limit reached\", 1409=7"

step "an operator kills alice's session through the admin HTTP API"
KILL_MS=$(now_ms)
api "$TOKEN_OPERATOR" POST /admin/fix/sessions/kill "{\"session\": $ALICE_SESSION}"
expect "POST /admin/fix/sessions/kill HTTP" "$HTTP_CODE" 200
expect "sessions killed" "$(jq .killed <<<"$BODY")" 1
wait_until 15 "alice's initiator to be logged out" eval '! kill -0 $ALICE_PID 2>/dev/null'
wait "$ALICE_PID" || fail "alice's initiator failed: $(cat "$WORK/$BG.err")"
expect "alice: logged out by the acceptor" "$(kv "$WORK/$BG.out" logged_out)" 1
expect "alice: Logout 58" "$(kv "$WORK/$BG.out" logout_text)" "Session terminated by the venue"
KILL_LATENCY=$(($(kv "$WORK/$BG.out" logout_unix_ms) - KILL_MS))
# The acceptor sends the Logout itself from the callback's thread (not at the session's next timer
# tick, up to a second later): the bound leaves room for a loaded 2-core machine, not for a tick.
expect_lt "kill to Logout received, ms" "$KILL_LATENCY" 250
no_alice_session() {
    api "$TOKEN_OPERATOR" GET '/admin/fix/sessions/user?user=alice'
    [[ $HTTP_CODE == 200 && $(jq length <<<"$BODY") == 0 ]]
}
wait_until 10 "alice's fixprov session to close" no_alice_session
story "the event callback logs the idle session out: Logout received ${KILL_LATENCY} ms after the HTTP call"

step "alice logs on again, then is suspended and refused"
initiator again $(as_user alice) --timeout 10
expect "alice after the kill: logon" "$(kv "$WORK/again.out" logon)" accepted
wait_until 10 "alice's fixprov session to close" no_alice_session
api "$TOKEN_OPERATOR" POST /admin/fix/suspend '{"user": "alice"}'
expect "POST /admin/fix/suspend HTTP" "$HTTP_CODE" 200
initiator suspended $(as_user alice) --timeout 10
expect "suspended user: logon" "$(kv "$WORK/suspended.out" logon)" refused
expect "suspended user: Logout 58" "$(kv "$WORK/suspended.out" logon_text)" "Account suspended"
expect "suspended user: Logout 1409" "$(kv "$WORK/suspended.out" logon_1409)" 6
story "after the kill alice can log on again; once suspended she is refused: \"Account suspended\", 1409=6"

step "bob keeps sending past the limit: throttled, then logged out (DISCONNECT)"
initiator bob $(as_user bob) --burst 30 --timeout 15
expect "bob: logon" "$(kv "$WORK/bob.out" logon)" accepted
expect "bob: orders accepted (35=8)" "$(kv "$WORK/bob.out" exec_reports)" 10
expect "bob: orders throttled (35=j) before the escalation" "$(kv "$WORK/bob.out" rejects)" 5
expect "bob: logged out by the acceptor" "$(kv "$WORK/bob.out" logged_out)" 1
expect "bob: Logout 58" "$(kv "$WORK/bob.out" logout_text)" "Rate limit exceeded repeatedly"
story "30 orders: 10 accepted, 5 throttled, the 6th violation escalates to DISCONNECT: Logout;"
story "the 15 orders after it are not processed"

step "a reconnect does not refill: carol spends her burst, logs out and logs straight back on"
RECONNECT_START_MS=$(now_ms)
initiator carol-burst $(as_user carol) --burst 10 --timeout 15
expect "carol: first session, orders accepted (35=8)" "$(kv "$WORK/carol-burst.out" exec_reports)" 10
initiator carol-again $(as_user carol) --burst 10 --timeout 15
RECONNECT_S=$((($(now_ms) - RECONNECT_START_MS + 999) / 1000))
RECONNECT_OK=$(kv "$WORK/carol-again.out" exec_reports)
RECONNECT_REJECTS=$(kv "$WORK/carol-again.out" rejects)
expect "carol: second session, every order answered" "$((RECONNECT_OK + RECONNECT_REJECTS))" 10
# Her tier refills one order a second: at most one per second since her first burst began (the
# two sessions took RECONNECT_S seconds in all), not a new burst of 10.
expect_lt "carol: second session, orders accepted (at most 1 a second for ${RECONNECT_S} s, not 10)" \
    "$RECONNECT_OK" $((RECONNECT_S + 1))
expect_lt "carol: second session, orders accepted (not a new burst)" "$RECONNECT_OK" 10
story "carol sent 10 orders (all accepted), logged out and straight back on, and sent 10 more: only"
story "$RECONNECT_OK accepted ($RECONNECT_S s in all), $RECONNECT_REJECTS answered 35=j: her buckets start where her last session left them"

# ------------------------------------------------------------------------------------------------
step "provisioning during the trading day: dave stays logged on while 20 new users are provisioned and log on"
provision dave e2e-burst FP00004
STEADY=dave-steady
# dave sends an order every 1.5 s (his tier admits 1 a second) with HeartBtInt=1, so that orders and
# both sides' Heartbeats flow, until the stop file appears.
timeout 120 "$BUILD/fixprov_initiator" --port "$FIX_PORT" --state-dir "$WORK/initiator-$STEADY" $(as_user dave) \
    --heartbeat 1 --order-every 1.5 --hold 100 --timeout 10 --stop-file "$WORK/$STEADY.stop" \
    --ready-file "$WORK/$STEADY.ready" >"$WORK/$STEADY.out" 2>"$WORK/$STEADY.err" &
STEADY_PID=$!
BG_PIDS+=("$STEADY_PID")
steady_alive() { kill -0 "$STEADY_PID" 2>/dev/null || fail "dave's initiator exited early ($(cat "$WORK/$STEADY.out"))"; }
wait_until 30 "dave's logon" eval 'steady_alive && [[ -f $WORK/$STEADY.ready ]]'
expect "dave: logon" "$(kv "$WORK/$STEADY.out" logon)" accepted
STEADY_START_MS=$(now_ms)
NEW_USERS=()
NEW_PIDS=()
for i in $(seq -w 1 20); do
    user="user$i"
    NEW_USERS+=("$user")
    provision "$user" e2e-burst "$(printf 'FP%05d' $((10#$i + 4)))"
    timeout 90 "$BUILD/fixprov_initiator" --port "$FIX_PORT" --state-dir "$WORK/initiator-$user" $(as_user "$user") \
        --hold 60 --timeout 15 --ready-file "$WORK/$user.ready" >"$WORK/$user.out" 2>"$WORK/$user.err" &
    NEW_PIDS+=($!)
    BG_PIDS+=($!)
done
all_ready() {
    local user
    for user in "${NEW_USERS[@]}"; do [[ -f $WORK/$user.ready ]] || return 1; done
}
wait_until 60 "the 20 new users' logons" all_ready
steady_alive
LOGGED_ON=0
for user in "${NEW_USERS[@]}"; do [[ $(kv "$WORK/$user.out" logon) == accepted ]] && LOGGED_ON=$((LOGGED_ON + 1)); done
expect "new users provisioned over HTTP and logged on, with no SIGHUP" "$LOGGED_ON" 20
expect "FIX acceptor generation (1: nothing restarted)" "$(kv "$WORK/status" generation)" 1
api "$TOKEN_OPERATOR" GET /admin/fix/sessions
expect "fixprov: live sessions (dave and the 20)" "$(jq length <<<"$BODY")" 21
SESSIONS_JSON=$BODY
wait_until 10 "the acceptor to see the pool low" eval 'grep -q "SenderCompID pool low: 8 of 32 free" "$WORK/acceptor.log"'
expect "SenderCompIDs free in the pool (the acceptor says it is low)" "$(kv "$WORK/status" pool_free)" 8
story "20 users provisioned over HTTP while dave trades: each gets a declared pooled CompID"
story "(FP00005..FP00024) and logs on at once; no SIGHUP, no restart (generation 1); the acceptor"
story "says when the pool runs low (8 of 32 free) and grows it at the next planned restart"

step "20 kills through the admin HTTP API: each Logout on the wire within milliseconds"
LATENCIES=()
for idx in "${!NEW_USERS[@]}"; do
    user=${NEW_USERS[$idx]}
    pid=${NEW_PIDS[$idx]}
    session=$(jq --arg u "$user" '.[] | select(.user == $u) | .session' <<<"$SESSIONS_JSON")
    [[ -n $session ]] || fail "no fixprov session for $user"
    # Timed from just before the HTTP call, so the call itself is included: an upper bound of the
    # time from its return.
    t0=$(now_ms)
    api "$TOKEN_OPERATOR" POST /admin/fix/sessions/kill "{\"session\": $session}"
    [[ $HTTP_CODE == 200 && $(jq .killed <<<"$BODY") == 1 ]] || fail "kill $user: $HTTP_CODE $BODY"
    wait_until 10 "$user's initiator to be logged out" eval "! kill -0 $pid 2>/dev/null"
    wait "$pid" || fail "$user's initiator failed: $(cat "$WORK/$user.err")"
    [[ $(kv "$WORK/$user.out" logged_out) == 1 ]] || fail "$user was not sent a Logout"
    [[ $(kv "$WORK/$user.out" logout_text) == "Session terminated by the venue" ]] || fail "$user: wrong Logout text"
    LATENCIES+=($(($(kv "$WORK/$user.out" logout_unix_ms) - t0)))
done
ASSERTIONS=$((ASSERTIONS + 1))
detail "ok  20 Logouts \"Session terminated by the venue\" received"
SORTED=($(printf '%s\n' "${LATENCIES[@]}" | sort -n))
KILL_P50=${SORTED[9]}
KILL_P99=${SORTED[19]} # nearest rank: the 20th of 20
expect_lt "kill to Logout, p99 of 20 (nearest rank: the slowest), ms" "$KILL_P99" 50
say "   kill -> Logout over 20 kills: p50 ${KILL_P50} ms, p99 ${KILL_P99} ms, min ${SORTED[0]} ms (from just before the HTTP call)"
story "each of the 20 was killed over HTTP; the Logout reached its initiator in ${KILL_P50} ms (p50), ${KILL_P99} ms (p99)"

step "dave was never disturbed"
# At least 8 s of trading (6 orders), however fast the machine ran the steps above.
while (($(now_ms) - STEADY_START_MS < 8000)); do sleep 0.1; done
touch "$WORK/$STEADY.stop"
wait_until 30 "dave's initiator to finish" eval '! kill -0 $STEADY_PID 2>/dev/null'
wait "$STEADY_PID" || fail "dave's initiator failed: $(cat "$WORK/$STEADY.err")"
STEADY_SENT=$(kv "$WORK/$STEADY.out" steady_sent)
expect "dave: no Logout received" "$(kv "$WORK/$STEADY.out" logged_out)" 0
expect "dave: logons (never reconnected)" "$(kv "$WORK/$STEADY.out" logons)" 1
expect "dave: gaps in the acceptor's MsgSeqNum" "$(kv "$WORK/$STEADY.out" seq_gaps)" 0
expect "dave: every order accepted (35=8)" "$(kv "$WORK/$STEADY.out" exec_reports_total)" "$STEADY_SENT"
expect "dave: orders throttled" "$(kv "$WORK/$STEADY.out" rejects_total)" 0
ASSERTIONS=$((ASSERTIONS + 2))
((STEADY_SENT >= 5)) || fail "dave sent only $STEADY_SENT orders"
(($(kv "$WORK/$STEADY.out" heartbeats_in) >= 1)) || fail "dave received no Heartbeat"
detail "ok  dave: $STEADY_SENT orders, $(kv "$WORK/$STEADY.out" heartbeats_in) Heartbeats received, $(kv "$WORK/$STEADY.out" inbound) messages in sequence"
expect "FIX acceptor generation (1: nothing restarted)" "$(kv "$WORK/status" generation)" 1
story "dave stayed logged on throughout: $STEADY_SENT orders all executed, $(kv "$WORK/$STEADY.out" heartbeats_in) Heartbeats, MsgSeqNum"
story "1..$(kv "$WORK/$STEADY.out" inbound) without a gap, no Logout"

step "a planned restart (SIGUSR1) grows the low pool and declares it"
kill -USR1 "$ACCEPTOR_PID"
wait_until "$START_TIMEOUT" "the planned restart" eval 'acceptor_alive && status_is generation=2'
grep -q "SenderCompID pool low (8 of 32 free): grown to 64 at this restart" "$WORK/acceptor.log" ||
    fail "the acceptor did not say it grew the pool"
expect "pool size after the planned restart" "$(kv "$WORK/status" pool_size)" 64
expect "declared QuickFIX sessions (64 pooled CompIDs x 2 BeginStrings)" "$(kv "$WORK/status" fix_sessions)" 128
story "SIGUSR1 (a planned restart, in a quiet window) doubled the pool to 64 and declared it"

# ------------------------------------------------------------------------------------------------
step "fixprov's own statistics agree (GET /admin/fix/stats, audit chain verified)"
api "$TOKEN_OPERATOR" GET /admin/fix/stats
stats=$BODY
expect "logons accepted (alice 2, bob, carol 4, dave, 20 new)" "$(jq .logons.accepted <<<"$stats")" 28
expect "logons refused, bad credentials" "$(jq .logons.refused.bad_credentials <<<"$stats")" 6
expect "logons refused, address not allowed" "$(jq .logons.refused.ip_not_allowed <<<"$stats")" 1
expect "logons refused, address locked out" "$(jq .logons.refused.locked_out <<<"$stats")" 1
expect "logons refused, session limit" "$(jq .logons.refused.session_limit <<<"$stats")" 1
expect "logons refused, suspended" "$(jq .logons.refused.suspended <<<"$stats")" 1
expect "logons refused, unknown CompID (QuickFIX dropped it first)" "$(jq '.logons.refused.unknown_comp_id // 0' <<<"$stats")" 0
expect "orders admitted" "$(jq .totals.orders <<<"$stats")" $((30 + RECONNECT_OK + STEADY_SENT))
expect "checks throttled" "$(jq .totals.throttled <<<"$stats")" $((20 + RECONNECT_REJECTS))
expect "checks escalated to DISCONNECT" "$(jq .totals.disconnects <<<"$stats")" 1
expect "live sessions" "$(jq .totals.live_sessions <<<"$stats")" 0
api "$TOKEN_OPERATOR" GET /admin/fix/audit/verify
expect "audit chain intact" "$(jq .ok <<<"$BODY")" true

SIGNED_ACCEPTED=0
SIGNED_REFUSED=0
if [[ $MODE == test ]]; then
    step "signed Logons (Ed25519 and HMAC-SHA256, signed by OpenSSL in the initiator) and a country rule"
    api "$TOKEN_OPERATOR" POST /admin/fix/rate-limits/tiers "$(tier e2e-signed 0)"
    expect "tier e2e-signed HTTP" "$HTTP_CODE" 200
    api "$TOKEN_ADMIN" POST /admin/fix/logon-policy '{"tier": "e2e-signed", "policy": "password+signature"}'
    expect "e2e-signed asks for password+signature" "$(jq -r '.tiers["e2e-signed"]' <<<"$BODY")" password+signature
    provision sig e2e-signed FP00025
    provision mac e2e-signed FP00026
    provision geo e2e-burst FP00027
    openssl genpkey -algorithm ed25519 -out "$WORK/sig.pem" 2>/dev/null
    openssl genpkey -algorithm ed25519 -out "$WORK/other.pem" 2>/dev/null
    SIG_PUBLIC=$(openssl pkey -in "$WORK/sig.pem" -pubout -outform DER | tail -c 32 | base64)
    api "$TOKEN_ADMIN" POST /admin/fix/logon-keys/ed25519 \
        "$(jq -cn --arg k "$SIG_PUBLIC" '{user: "sig", key_id: "sig-1", public_key: $k}')"
    expect "sig's Ed25519 key registered HTTP" "$HTTP_CODE" 200
    api "$TOKEN_ADMIN" POST /admin/fix/logon-keys/hmac '{"user": "mac", "key_id": "mac-1"}'
    expect "mac's HMAC key generated HTTP" "$HTTP_CODE" 200
    jq -r .secret <<<"$BODY" >"$WORK/mac.secret"
    signed_as() { echo --sender "$(cat "$WORK/$1.sender")" --password-file "$WORK/$1.password" --source-host 127.0.0.4; }
    refused_with() { # name, what, 58, 1409
        expect "$2: logon" "$(kv "$WORK/$1.out" logon)" refused
        expect "$2: Logout 58" "$(kv "$WORK/$1.out" logon_text)" "$3"
        expect "$2: Logout 1409" "$(kv "$WORK/$1.out" logon_1409)" "$4"
        SIGNED_REFUSED=$((SIGNED_REFUSED + 1))
    }
    initiator sig-ok $(signed_as sig) --key-id sig-1 --sign-ed25519 "$WORK/sig.pem" --replay-file "$WORK/sig.replay" --timeout 10
    expect "Ed25519-signed Logon: logon" "$(kv "$WORK/sig-ok.out" logon)" accepted
    SIGNED_ACCEPTED=$((SIGNED_ACCEPTED + 1))
    initiator sig-replay $(signed_as sig) --key-id sig-1 --sign-ed25519 "$WORK/sig.pem" --replay-file "$WORK/sig.replay" --timeout 10
    refused_with sig-replay "the same signed Logon again (a replay)" "Logon signature already used" 5
    initiator sig-stale $(signed_as sig) --key-id sig-1 --sign-ed25519 "$WORK/sig.pem" --sending-time-offset-ms -120000 --timeout 10
    refused_with sig-stale "a Logon signed 2 minutes ago (stale)" "Logon SendingTime outside the accepted window" 7
    initiator sig-wrong $(signed_as sig) --key-id sig-1 --sign-ed25519 "$WORK/other.pem" --timeout 10
    refused_with sig-wrong "a Logon signed with another key" "Invalid logon signature" 5
    initiator sig-none $(signed_as sig) --timeout 10
    refused_with sig-none "a password-only Logon on a signature tier" "Logon signature required" 5
    initiator mac-ok $(signed_as mac) --key-id mac-1 --sign-hmac "$WORK/mac.secret" --timeout 10
    expect "HMAC-signed Logon: logon" "$(kv "$WORK/mac-ok.out" logon)" accepted
    SIGNED_ACCEPTED=$((SIGNED_ACCEPTED + 1))
    grep -q "logon accepted FIX.4.4:FIXPROV->FP00026 from 127.0.0.4" "$WORK/acceptor.log" ||
        fail "the acceptor did not log mac's signed logon"
    story "sig (Ed25519, key made by OpenSSL) and mac (HMAC secret generated by fixprov) log on with Logons"
    story "signed by OpenSSL in the initiator; a replay, a stale one, one signed by another key and a"
    story "password-only Logon on the signature tier are each refused with their own text"

    api "$TOKEN_ADMIN" POST /admin/fix/country-rules '{"user": "geo", "rule": {"allow": ["FR"]}}'
    expect "geo may log on from France only HTTP" "$HTTP_CODE" 200
    initiator geo-fr $(as_user geo) --source-host 127.0.0.1 --timeout 10
    expect "geo from 127.0.0.1 (FR in the database): logon" "$(kv "$WORK/geo-fr.out" logon)" accepted
    SIGNED_ACCEPTED=$((SIGNED_ACCEPTED + 1))
    initiator geo-us $(as_user geo) --source-host 127.0.0.2 --timeout 10
    refused_with geo-us "geo from 127.0.0.2 (US in the database)" "Logon not allowed from this country" 7
    story "geo (allowed countries: FR) logs on from 127.0.0.1 (FR) and is refused from 127.0.0.2 (US):"
    story "the peer address read from the socket, its country from a GeoIP database"

    api "$TOKEN_OPERATOR" GET /admin/fix/stats
    for reason in replayed_signature stale_signature bad_signature signature_required country_not_allowed; do
        expect "logons refused, $reason" "$(jq ".logons.refused.$reason" <<<"$BODY")" 1
    done
    api "$TOKEN_OPERATOR" GET '/admin/fix/audit?event=logon.refused&limit=1000'
    grep -q "$(sed -n 2p "$WORK/sig.replay")" <<<"$BODY" && fail "RawData reached the audit log"
    ASSERTIONS=$((ASSERTIONS + 1))
fi

step "stop the acceptor (SIGTERM)"
kill -TERM "$ACCEPTOR_PID"
wait_until "$START_TIMEOUT" "the acceptor to exit" eval '! kill -0 $ACCEPTOR_PID 2>/dev/null'
acceptor_rc=0
wait "$ACCEPTOR_PID" || acceptor_rc=$?
ACCEPTOR_PID=
expect "acceptor exit status (99: a memcheck error under ACCEPTOR_VALGRIND=1)" "$acceptor_rc" 0
summary=$(sed -n 's/^acceptor: summary: //p' "$WORK/acceptor.log")
acceptor_count() { grep -o "$1=[0-9]*" <<<"$summary" | head -n 1 | cut -d= -f2; }
expect "acceptor: logons accepted" "$(acceptor_count accepted)" $((28 + SIGNED_ACCEPTED))
expect "acceptor: logons refused (throw FIX::RejectLogon)" "$(acceptor_count refused)" $((10 + SIGNED_REFUSED))
expect "acceptor: messages processed" "$(acceptor_count processed)" $((30 + RECONNECT_OK + STEADY_SENT))
expect "acceptor: messages answered 35=j" "$(acceptor_count throttled)" $((20 + RECONNECT_REJECTS))
expect "acceptor: kill events from fixprov's callback" "$(acceptor_count events)" 21
expect "acceptor: execution reports" "$(acceptor_count reports)" $((30 + RECONNECT_OK + STEADY_SENT))
# bob's orders after the escalation answer DISCONNECT until the peer's Logout reply arrives: at least
# one, at most 15 (his orders and his Logout reply share one socket).
DISCONNECT_VERDICTS=$(acceptor_count disconnect)
ASSERTIONS=$((ASSERTIONS + 1))
((DISCONNECT_VERDICTS >= 1 && DISCONNECT_VERDICTS <= 15)) || fail "acceptor: DISCONNECT verdicts $DISCONNECT_VERDICTS not in 1..15"
detail "ok  acceptor: DISCONNECT verdicts = $DISCONNECT_VERDICTS (1..15)"

PASSED=1
ELAPSED_MS=$((($(date +%s%N) - START_NS) / 1000000))
echo
if [[ $MODE == test ]]; then
    say "fixprov C++ / QuickFIX end-to-end: PASS ($ASSERTIONS assertions, $((ELAPSED_MS / 1000)).$(printf '%03d' $((ELAPSED_MS % 1000))) s)"
else
    say "fixprov C++ / QuickFIX demo: done in $((ELAPSED_MS / 1000)).$(printf '%03d' $((ELAPSED_MS % 1000))) s ($ASSERTIONS checks held)"
fi
ACCEPTED=$(jq .logons.accepted <<<"$stats")
REFUSED=$(jq '[.logons.refused[]] | add' <<<"$stats")
ORDERS=$(jq .totals.orders <<<"$stats")
THROTTLED=$(jq .totals.throttled <<<"$stats")
say "  accepted : $ACCEPTED logons; $ORDERS orders admitted, each answered with an ExecutionReport (35=8)"
say "  throttled: $THROTTLED orders answered 35=j (380=0, not processed): alice $(kv "$WORK/$BG.out" rejects) of a 25-order"
say "             burst, bob $(kv "$WORK/bob.out" rejects) before his escalation, carol $RECONNECT_REJECTS of 10 right after a reconnect"
say "             (a reconnect does not refill her buckets)"
say "  refused  : $REFUSED logons by fixprov with a Logout (bad passwords, address not allowed, address locked"
say "             out, session limit, suspended); 2 connections dropped by QuickFIX before fixprov (unknown"
say "             CompID, same CompIDs twice); 1 provisioning (not eligible)"
say "  addresses: each Logon's peer address read from its socket: carol (allow-list 127.0.0.1/32) accepted"
say "             from 127.0.0.1, refused from 127.0.0.2; 5 wrong passwords locked 127.0.0.3 out, not her"
say "  provision: 20 users provisioned and logged on while dave traded ($STEADY_SENT orders, no gap, no Logout);"
say "             pooled CompIDs declared ahead, so nothing restarted until the planned SIGUSR1"
if [[ $MODE == test ]]; then
    say "  signed   : Ed25519 and HMAC-signed Logons (signed by OpenSSL) accepted; a replay, a stale one, another"
    say "             key's and a password-only one refused; geo allowed from 127.0.0.1 (FR), refused from 127.0.0.2 (US)"
fi
say "  killed   : 21 sessions through POST /admin/fix/sessions/kill: alice (Logout ${KILL_LATENCY} ms later), and"
say "             20 more with the Logout on the wire in ${KILL_P50} ms (p50), ${KILL_P99} ms (p99);"
say "             1 logged out on DISCONNECT (bob; his $DISCONNECT_VERDICTS orders after it not processed)"
