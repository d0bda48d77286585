#!/usr/bin/env bash
# The one command that regenerates the benchmark results from a fresh clone: BENCHMARKS.md, its data
# file benches/results/latency.json and the plot benches/results/latency.svg.
#
#   bash scripts/bench.sh                        # full run (a few minutes; run it on a quiet machine)
#   bash scripts/bench.sh --threads 1,2,8,16     # other thread counts for the scaling table
#   FIXPROV_BENCH_SHORT=1 bash scripts/bench.sh  # smoke test: every part with tiny counts (numbers meaningless)
#
# Steps: build everything first (so no compilation competes with the timings), count instructions per
# check under callgrind (scripts/callgrind-check.sh, against benches/callgrind-baseline.json), then run
# the latency harness (cargo bench --bench latency -- --publish), which writes all three files, and
# last the Java binding's benchmark (ffi-examples/java, full mode) and QuickFIX's per-message cost
# beside fixprov's (ffi-examples/cpp/bench/overhead.cpp), whose tables replace BENCHMARKS.md's
# Java / QuickFIX section. Arguments go to the harness.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

command -v cargo >/dev/null 2>&1 || { echo "cargo (Rust 1.85 or newer) is required" >&2; exit 1; }
if ! command -v valgrind >/dev/null 2>&1; then
    echo "installing: valgrind"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi

started=$(date +%s)
echo "== build (bench profile and the callgrind example) =="
cargo bench --bench latency --no-run --quiet
cargo build --release --example callgrind_check --quiet

echo
echo "== instructions per check (callgrind) =="
callgrind=ok
bash scripts/callgrind-check.sh || callgrind=failed

echo
echo "== latency harness =="
cargo bench --quiet --bench latency -- --publish "$@"

echo
echo "== fleet mode (a real PostgreSQL on loopback) =="
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || {
    echo "installing: postgresql"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}
cargo bench --quiet --bench fleet -- --publish

echo
echo "== signed logons (Ed25519 and HMAC) =="
FIXPROV_PUBLISH=1 cargo bench --quiet --bench logon

echo
echo "== a logon storm: 10,000 logons from 1, 2 and 8 threads, each structure of the logon tables =="
FIXPROV_PUBLISH=1 cargo bench --quiet --bench logon_storm

echo
echo "== Java (JNI) and QuickFIX C++ =="
# The C++ overhead benchmark builds against QuickFIX (as ffi-examples/cpp/e2e.sh, which installs the
# same packages); without them it would print nothing and leave an empty table behind.
need_packages=()
command -v g++ >/dev/null || need_packages+=(g++)
command -v make >/dev/null || need_packages+=(make)
[[ -f /usr/include/quickfix/Application.h ]] || need_packages+=(libquickfix-dev)
[[ -f /usr/include/nlohmann/json.hpp ]] || need_packages+=(nlohmann-json3-dev)
if ((${#need_packages[@]})); then
    echo "installing: ${need_packages[*]}"
    SUDO=
    [[ $(id -u) == 0 ]] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need_packages[@]}" >/dev/null 2>&1 ||
        { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq &&
            $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need_packages[@]}" >/dev/null; }
fi
java_out=$(mktemp)
cpp_out=$(mktemp)
trap 'rm -f "$java_out" "$cpp_out"' EXIT
# Plain commands, not `a && b`: under `set -e` a failed build then stops the script before the
# section is rewritten.
make -s -C ffi-examples/cpp bench
if [[ -n ${FIXPROV_BENCH_SHORT:-} ]]; then
    bash ffi-examples/java/run.sh >"$java_out"
    ffi-examples/cpp/build/overhead 20000 >"$cpp_out"
else
    FIXPROV_BENCH=full bash ffi-examples/java/run.sh >"$java_out"
    ffi-examples/cpp/build/overhead 200000 >"$cpp_out"
fi
python3 - "$java_out" "$cpp_out" <<'PY'
import re, sys
java = open(sys.argv[1]).read().splitlines()
cpp = open(sys.argv[2]).read().splitlines()
table = [l for l in java if l.startswith("| ")]
head = [l for l in java if l.startswith(("fixprov Java binding", "OpenJDK", "binding ="))]
rows = ["| " + " | ".join(c.strip() for c in l.strip("|").split("|")) + " |" for l in table]
java_md = [rows[0], "| --- | ---: | ---: | ---: |"] + rows[1:] if rows else ["(the Java benchmark printed no table)"]
section = "\n".join([
    "<!-- BEGIN SECTION: java-cpp (written by scripts/bench.sh from ffi-examples/java and ffi-examples/cpp) -->",
    "## Java (JNI) and QuickFIX C++ overhead",
    "",
    "### From Java",
    "",
    "`FIXPROV_BENCH=full bash ffi-examples/java/run.sh` (`ffi-examples/java/src/bench/java/io/fixprov/Bench.java`):",
    "each check from Java beside the same call in a C loop, and an empty JNI call; \"binding\" is the",
    "difference, the cost of the JNI transition and the wrapper.",
    "",
    *["    " + h for h in head],
    "",
    *java_md,
    "",
    "### From a QuickFIX C++ gateway",
    "",
    "`make -C ffi-examples/cpp bench && ffi-examples/cpp/build/overhead` (`ffi-examples/cpp/bench/overhead.cpp`):",
    "per inbound NewOrderSingle, QuickFIX's own work on it (parsing it; building and serializing the",
    "ExecutionReport answer) against what the acceptor adds for fixprov (reading 35 and",
    "`fixprov_check_msgtype`). QuickFIX's figures are a lower bound of its real cost: sequence numbers,",
    "its message store and the socket come on top.",
    "",
    *[l for l in cpp if l.startswith("|")],
    "",
    *[l for l in cpp if l.startswith("fixprov's share")],
    "<!-- END SECTION: java-cpp -->",
])
path = "BENCHMARKS.md"
text = open(path).read()
new, n = re.subn(r"<!-- BEGIN (?:MANUAL )?SECTION: java-cpp.*?<!-- END (?:MANUAL )?SECTION: java-cpp -->", lambda m: section, text, flags=re.S)
if n != 1:
    new = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(new + ("" if new.endswith("\n") else "\n"))
PY

echo
echo "regenerated BENCHMARKS.md, benches/results/latency.json and benches/results/latency.svg in $(($(date +%s) - started)) s"
if [[ $callgrind != ok ]]; then
    echo "WARNING: the callgrind check failed (instructions per check grew over the baseline); BENCHMARKS.md shows it" >&2
fi
