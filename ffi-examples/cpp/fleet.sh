#!/usr/bin/env bash
# The main job in fleet mode (bash scripts/run.sh --fleet): a local PostgreSQL and two QuickFIX C++
# acceptors, gateways A and B, each with fixprov on that one database. A user is provisioned
# through A's admin API, logs on at B, is refused a second session at A (max sessions 1 across the
# fleet), and is killed through A's admin API: the Logout reaches the initiator connected to B.
# Every step is checked; a summary ends it.
#
# Installs what it needs when missing (g++, make, libquickfix-dev, nlohmann-json3-dev, curl, jq,
# postgresql), builds target/release/libfixprov.so only when it is missing, and stops every process
# it started. KEEP=1 keeps the work directory after a pass; after a failure it is always kept.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

need_packages=()
command -v g++ >/dev/null || need_packages+=(g++)
command -v make >/dev/null || need_packages+=(make)
command -v curl >/dev/null || need_packages+=(curl)
command -v jq >/dev/null || need_packages+=(jq)
[[ -f /usr/include/quickfix/Application.h ]] || need_packages+=(libquickfix-dev)
[[ -f /usr/include/nlohmann/json.hpp ]] || need_packages+=(nlohmann-json3-dev)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || need_packages+=(postgresql)
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
    say "building target/release/libfixprov.so (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet)
fi
make -s -C "$HERE" -j2 all >/dev/null
BUILD=$HERE/build
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fixprov-fleet.XXXXXX")
chmod 755 "$WORK"
PIDS=()
PASSED=0
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    local rc=$?
    set +e
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [[ -d $WORK/pg ]] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1
    if ((rc != 0 || PASSED == 0)); then
        for g in a b; do
            echo "---- gateway $g log (last 20 lines) ----" >&2
            tail -n 20 "$WORK/$g.log" >&2 2>/dev/null
        done
        echo "---- work directory kept: $WORK ----" >&2
    elif [[ ${KEEP:-0} == 1 ]]; then
        say "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect() { # description, actual, expected
    [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"
    say "   ok  $1 = $3"
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
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

step "a local PostgreSQL (initdb into the work directory, pg_ctl on a free loopback port)"
mkdir "$WORK/pg"
[[ $(id -u) == 0 ]] && chown postgres:postgres "$WORK/pg"
PG_PORT=$(free_port)
DB_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
printf '%s\n' "$DB_PASSWORD" >"$WORK/pg.password"
[[ $(id -u) == 0 ]] && chown postgres "$WORK/pg.password"
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U fixprov --pwfile="$WORK/pg.password" -A scram-sha-256 -E UTF8 \
    --locale=C >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg" start >/dev/null
export FIXPROV_DATABASE_URL="postgres://fixprov:$DB_PASSWORD@127.0.0.1:$PG_PORT/postgres"
say "   PostgreSQL on 127.0.0.1:$PG_PORT (password authentication; the URL reaches the gateways in"
say "   FIXPROV_DATABASE_URL, never on a command line)"

step "two gateways: QuickFIX C++ acceptors A and B, each with fixprov on that database"
TOKEN=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
jq -n --arg t "$TOKEN" '[{name: "fleet-admin", role: "admin", token: $t}]' >"$WORK/tokens.json"
export FIX_MASTER_PASSWORD
FIX_MASTER_PASSWORD=$(head -c 24 /dev/urandom | base64)
for g in a b; do
    "$BUILD/fixprov_acceptor" --gateway-id "gateway-$g" --state-dir "$WORK/quickfix-$g" --tokens-file "$WORK/tokens.json" \
        --status-file "$WORK/$g.status" --comp-id-pool 8 --no-default-rules >"$WORK/$g.log" 2>&1 &
    PIDS+=($!)
    # One at a time: the first creates the schema and the data key.
    wait_until 60 "gateway $g" eval "[[ -f $WORK/$g.status ]] && grep -qx generation=1 $WORK/$g.status"
done
A_ADMIN=$(kv "$WORK/a.status" admin_port)
B_FIX=$(kv "$WORK/b.status" fix_port)
A_FIX=$(kv "$WORK/a.status" fix_port)
say "   gateway A: FIX 127.0.0.1:$A_FIX, admin API 127.0.0.1:$A_ADMIN"
say "   gateway B: FIX 127.0.0.1:$B_FIX, admin API 127.0.0.1:$(kv "$WORK/b.status" admin_port)"
api() { # method, path, [body] -> $HTTP_CODE, $BODY (gateway A's admin API)
    local args=(-sS --max-time 10 -o "$WORK/http.body" -w '%{http_code}' -X "$1"
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$A_ADMIN$2")
    [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data "$3")
    HTTP_CODE=$(curl "${args[@]}") || fail "curl $1 $2"
    BODY=$(cat "$WORK/http.body")
}

step "provision alice through gateway A's admin API (tier basic: one session across the fleet)"
api POST /admin/fix/provision '{"user": "alice", "tier": "basic"}'
expect "POST /admin/fix/provision at A, HTTP" "$HTTP_CODE" 200
jq -r .password <<<"$BODY" >"$WORK/alice.password"
SENDER=$(jq -r .sender_comp_id <<<"$BODY")
expect "alice's SenderCompID (from the pool both acceptors declared)" "$SENDER" FP00001

step "alice logs on at gateway B"
"$BUILD/fixprov_initiator" --port "$B_FIX" --state-dir "$WORK/initiator-b" --sender "$SENDER" --username alice \
    --password-file "$WORK/alice.password" --timeout 15 --hold 60 --ready-file "$WORK/b.ready" \
    >"$WORK/alice-b.out" 2>"$WORK/alice-b.err" &
ALICE_B=$!
PIDS+=("$ALICE_B")
wait_until 30 "alice's logon at B" eval "[[ -f $WORK/b.ready ]] || ! kill -0 $ALICE_B 2>/dev/null"
expect "alice at B: logon" "$(kv "$WORK/alice-b.out" logon)" accepted
api GET /admin/fix/fleet
expect "A's admin API: alice's leases in the fleet" "$(jq '[.leases[] | select(.user == "alice")] | length' <<<"$BODY")" 1
A_GW=$(jq -r .gateway <<<"$BODY")
HOLDER=$(jq -r '.leases[] | select(.user == "alice") | .gateway' <<<"$BODY")
expect "A's own id" "$A_GW" gateway-a
expect "the gateway holding alice's lease" "$HOLDER" gateway-b

step "a second session for alice at gateway A is refused (the limit is the fleet's)"
"$BUILD/fixprov_initiator" --port "$A_FIX" --state-dir "$WORK/initiator-a" --sender "$SENDER" --username alice \
    --password-file "$WORK/alice.password" --timeout 15 >"$WORK/alice-a.out" 2>"$WORK/alice-a.err" ||
    fail "the initiator at A: $(cat "$WORK/alice-a.err")"
expect "alice at A: logon" "$(kv "$WORK/alice-a.out" logon)" refused
expect "alice at A: Logout 58" "$(kv "$WORK/alice-a.out" logon_text)" "Session limit reached"
expect "alice at A: Logout 1409" "$(kv "$WORK/alice-a.out" logon_1409)" 7

step "an operator kills alice's sessions through gateway A's admin API"
KILL_MS=$(now_ms)
api POST /admin/fix/sessions/kill '{"user": "alice"}'
expect "POST /admin/fix/sessions/kill at A, HTTP" "$HTTP_CODE" 200
wait_until 15 "alice's initiator at B to be logged out" eval "! kill -0 $ALICE_B 2>/dev/null"
wait "$ALICE_B" || fail "alice's initiator at B: $(cat "$WORK/alice-b.err")"
expect "alice at B: logged out by gateway B" "$(kv "$WORK/alice-b.out" logged_out)" 1
expect "alice at B: Logout 58" "$(kv "$WORK/alice-b.out" logout_text)" "Session terminated by the venue"
KILL_LATENCY=$(($(kv "$WORK/alice-b.out" logout_unix_ms) - KILL_MS))
say "   the Logout reached alice at B ${KILL_LATENCY} ms after the HTTP call at A"

step "the audit chain is one, and verifies"
api GET /admin/fix/audit/verify
expect "GET /admin/fix/audit/verify at A: ok" "$(jq .ok <<<"$BODY")" true
PASSED=1

cat <<EOF

== summary (fleet mode)
  database  : PostgreSQL on 127.0.0.1:$PG_PORT, one store for two gateways (records sealed, one audit chain)
  provision : alice through A's admin API, SenderCompID $SENDER
  logon     : alice accepted at B
  refused   : a second session at A, "Session limit reached" (1409=7): max 1 session across the fleet
  killed    : through A's admin API; the Logout reached alice at B ${KILL_LATENCY} ms later
EOF
