#!/usr/bin/env bash
# Every fixprov test, from a fresh machine: installs what it needs, then runs formatting, lints,
# the Rust and C-ABI tests, the C smoke test under valgrind, the loom models (bounded preemptions)
# and compiles the benchmarks without timing them. .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need cc || missing+=(gcc)
need c++ || missing+=(g++)
need make || missing+=(make)
need valgrind || missing+=(valgrind)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
need cargo || { echo "cargo (Rust 1.85 or newer) is required" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
step() { printf '\n== %s ==\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets --features test-hooks --quiet -- -D warnings

step "tests (unit, core, C ABI, header, allocation-free hot path)"
cargo test --features test-hooks 2>&1 | tee -a "$log"

step "C smoke test against the shared library, under valgrind memcheck"
cargo build --release --quiet
make -s -C tests/c run VALGRIND=1

step "C example: installed layout, pkg-config and CMake builds, valgrind (ffi-examples/c)"
bash ffi-examples/c/run.sh

step "C++: the wrapper under valgrind, and a real QuickFIX acceptor end to end (ffi-examples/cpp)"
bash ffi-examples/cpp/e2e.sh

step "Java: the JNI binding's JUnit 5 tests and a short benchmark (ffi-examples/java)"
bash ffi-examples/java/run.sh

step "loom models (LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:=3})"
RUSTFLAGS="--cfg fixprov_loom" LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS CARGO_TARGET_DIR=target/loom \
    cargo test --release --lib loom 2>&1 | tee -a "$log"

step "benchmarks compile (not timed here; see BENCHMARKS.md), and the latency harness's short mode"
cargo bench --no-run --quiet
FIXPROV_BENCH_SHORT=1 cargo bench --quiet --bench latency >/dev/null

step "instructions per check under callgrind, against benches/callgrind-baseline.json (+20% fails)"
bash scripts/callgrind-check.sh

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')
echo
echo "fixprov: ${passed} passed, ${failed} failed"
