#!/usr/bin/env bash
# Every fixprov test, from a fresh machine: installs what it needs, then runs formatting, lints,
# the Rust and C-ABI tests, the C smoke test under valgrind, the C, C++/QuickFIX and Java examples,
# the loom models (bounded preemptions), the benchmarks compiled and the latency harness's short
# mode, the callgrind instruction counts, the C-ABI and stress tests under AddressSanitizer and
# ThreadSanitizer, and every fuzz target for a short while. .ci/run calls this script.
#
#   bash scripts/test.sh           the CI run (short campaigns; about 30 minutes on 2 cores, of a
#                                  45-minute budget; each step's wall time is printed at the end)
#   bash scripts/test.sh --long    the same with the long campaigns: 1,000 crash rounds, a denser
#                                  corruption sweep, 10-minute soak and load, the sanitizers' soak
#                                  and load at 60 s and their race test at full count, and an hour
#                                  per fuzz target, and 10,000 generated admin requests per
#                                  OpenAPI operation (FIXPROV_LONG=1). FIXPROV_FUZZ_SECS,
#                                  FIXPROV_SOAK_SECS, FIXPROV_CRASH_ROUNDS,
#                                  FIXPROV_CORRUPTION_STRIDE and FIXPROV_OPENAPI_CASES override each.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
started=$(date +%s)

long=0
case "${1:-}" in
    "") ;;
    --long) long=1 ;;
    *) echo "usage: bash scripts/test.sh [--long]" >&2; exit 2 ;;
esac
fuzz_args=()
sanitize_args=()
if ((long)); then
    export FIXPROV_CRASH_ROUNDS=${FIXPROV_CRASH_ROUNDS:-1000}
    export FIXPROV_SOAK_SECS=${FIXPROV_SOAK_SECS:-600}
    export FIXPROV_CORRUPTION_STRIDE=${FIXPROV_CORRUPTION_STRIDE:-16}
    # tests/openapi_generated.rs: 10,000 generated admin requests per operation instead of 100.
    export FIXPROV_LONG=1
    fuzz_args=(--long "${FIXPROV_FUZZ_SECS:-3600}")
    sanitize_args=(--long)
fi

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need cc || missing+=(gcc)
need c++ || missing+=(g++)
need make || missing+=(make)
need valgrind || missing+=(valgrind)
# tests/signed.rs checks signatures made by the OpenSSL command line.
need openssl || missing+=(openssl)
# The fleet tests (tests/fleet.rs, tests/store_contract.rs) start a real PostgreSQL server.
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
need cargo || { echo "cargo (Rust 1.85 or newer) is required" >&2; exit 1; }

log=$(mktemp)
# Each step's wall time, printed at the end (also when a step fails), so the CI budget can be
# balanced from any run's output.
step_at=$started
step_name="set-up (what was missing installed)"
timings=()
lap() {
    local now
    now=$(date +%s)
    [[ -n $step_name ]] && timings+=("$(printf '%5d s  %s' $((now - step_at)) "$step_name")")
    step_at=$now
}
report_times() {
    lap
    step_name=
    echo
    echo "== wall time per step =="
    printf '%s\n' "${timings[@]}"
    printf '%5d s  in all\n' $(($(date +%s) - started))
}
trap 'report_times; rm -f "$log"' EXIT
step() {
    lap
    step_name="$*"
    printf '\n== %s ==\n' "$*"
}

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets --features test-hooks --quiet -- -D warnings
cargo clippy -p fixprov-cli --all-targets --quiet -- -D warnings

step "tests (unit, core, C ABI, header, allocation-free hot path)"
cargo test --features test-hooks 2>&1 | tee -a "$log"

step "the operator's command line (cli/): every command against a real admin server; --help, completions and man page drift"
cargo test -p fixprov-cli 2>&1 | tee -a "$log"

step "C smoke test against the shared library, under valgrind memcheck"
cargo build --release --quiet
make -s -C tests/c run VALGRIND=1

step "C example: installed layout, pkg-config and CMake builds, valgrind (ffi-examples/c)"
bash ffi-examples/c/run.sh

step "Debian package: built, installed with dpkg into a scratch root, the C example built against it (packaging/deb-test.sh)"
bash packaging/deb-test.sh

step "C++: the wrapper under valgrind, a real QuickFIX acceptor end to end, and two on PostgreSQL (ffi-examples/cpp)"
bash ffi-examples/cpp/e2e.sh
bash ffi-examples/cpp/fleet.sh

step "Java: the JNI binding's JUnit 5 tests and a short benchmark (ffi-examples/java)"
bash ffi-examples/java/run.sh

step "loom models (LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:=3})"
RUSTFLAGS="--cfg fixprov_loom" LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS CARGO_TARGET_DIR=target/loom \
    cargo test --release --lib loom 2>&1 | tee -a "$log"

step "benchmarks compile (not timed here; see BENCHMARKS.md), and the latency harness's short mode"
cargo bench --no-run --quiet
FIXPROV_BENCH_SHORT=1 cargo bench --quiet --bench latency >/dev/null
FIXPROV_BENCH_SHORT=1 cargo bench --quiet --bench fleet >/dev/null
cargo bench --quiet --bench logon_storm -- --test >/dev/null

step "instructions per check under callgrind, against benches/callgrind-baseline.json (+20% fails)"
bash scripts/callgrind-check.sh

step "C-ABI, concurrency and soak tests under AddressSanitizer and LeakSanitizer (scripts/sanitize.sh)"
bash scripts/sanitize.sh "${sanitize_args[@]}" 2>&1 | tee -a "$log"

step "the same under ThreadSanitizer, with an instrumented standard library (scripts/sanitize.sh --tsan)"
bash scripts/sanitize.sh --tsan "${sanitize_args[@]}" 2>&1 | tee -a "$log"

step "fuzzing (scripts/fuzz.sh): regressions and seeds replayed, then each target for ${fuzz_args[1]:-20} s"
bash scripts/fuzz.sh "${fuzz_args[@]}"

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')
echo
echo "fixprov: ${passed} passed, ${failed} failed"
