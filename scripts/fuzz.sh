#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets in fuzz/ (a cargo-fuzz project) the way `cargo fuzz build`
# does, without needing cargo-fuzz, replays every saved regression input, then fuzzes each target.
#
#   bash scripts/fuzz.sh                     short run for CI: 20 s per target
#   bash scripts/fuzz.sh --long [SECONDS]    long run: SECONDS per target (default 3600)
#   bash scripts/fuzz.sh --seconds N         N seconds per target
#   bash scripts/fuzz.sh rules admin         only these targets (any mode)
#   bash scripts/fuzz.sh --build-only        build the targets and stop
#   bash scripts/fuzz.sh --replay-only       build, replay fuzz/regressions/ and the seed corpora, stop
#   bash scripts/fuzz.sh --merge-seeds       after fuzzing, add to fuzz/corpus/ the few inputs that
#                                            cover what the seeds miss (to refresh the seeds)
#
# Targets (fuzz/fuzz_targets/): rules (rule document parser, round trip), admin (every admin route),
# logon (fixprov_logon inputs), stateful (random C-ABI call sequences against a model).
# Environment: FUZZ_JOBS (targets run at once; default: the number of cores), FUZZ_SANITIZER
# (address, the default, or none), FUZZ_TIMEOUT (seconds one input may take; default 10), and
# RUSTFLAGS / ASAN_OPTIONS, which are added to. The toolchain is stable Rust: RUSTC_BOOTSTRAP=1 lets
# it take the nightly-only sanitizer flag. The build goes to fuzz/target, never touching target/.
#
# A crash, leak, timeout or out-of-memory fails the script (exit 1) and prints where the input is,
# its base64, and how to reproduce and minimize it. Keep a fixed crash as a regression test by
# copying its input to fuzz/regressions/<target>/: every run replays those first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

all_targets=(rules admin logon stateful)
seconds=20
mode=short
build_only=0
replay_only=0
merge_seeds=0
targets=()
while (($#)); do
    case "$1" in
        --long)
            mode=long
            seconds=3600
            if [[ ${2:-} =~ ^[0-9]+$ ]]; then seconds=$2; shift; fi
            ;;
        --seconds) mode=custom; seconds=${2:?--seconds needs a number}; shift ;;
        --build-only) build_only=1 ;;
        --replay-only) replay_only=1 ;;
        --merge-seeds) merge_seeds=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
        *)
            [[ " ${all_targets[*]} " == *" $1 "* ]] || { echo "unknown target $1 (${all_targets[*]})" >&2; exit 2; }
            targets+=("$1")
            ;;
    esac
    shift
done
((${#targets[@]})) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "seconds must be a positive number" >&2; exit 2; }

need() { command -v "$1" >/dev/null 2>&1; }
need cargo || { echo "cargo (Rust 1.85 or newer) is required" >&2; exit 1; }
if ! need c++; then
    # libfuzzer-sys compiles libFuzzer (C++); libsqlite3-sys compiles SQLite (C).
    echo "installing: g++"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
sanitizer=${FUZZ_SANITIZER:-address}
timeout_s=${FUZZ_TIMEOUT:-10}
cores=$(nproc 2>/dev/null || echo 2)
jobs=${FUZZ_JOBS:-$cores}
((jobs >= 1)) || jobs=1
((jobs <= ${#targets[@]})) || jobs=${#targets[@]}
bin_dir=fuzz/target/$triple/release
started=$(date +%s)

# ----- build: cargo-fuzz's flags (cargo-fuzz 0.12/0.13 `cargo fuzz build`, release, ASan) -----
flags=(
    -Cpasses=sancov-module
    -Cllvm-args=-sanitizer-coverage-level=4
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
    -Cllvm-args=-sanitizer-coverage-pc-table
    -Cllvm-args=-sanitizer-coverage-trace-compares
    -Cllvm-args=-simplifycfg-branch-fold-threshold=0
    --cfg fuzzing
)
[[ $triple == *-linux-* ]] && flags+=(-Cllvm-args=-sanitizer-coverage-stack-depth)
case "$sanitizer" in
    none) ;;
    address | leak | thread) flags+=("-Zsanitizer=$sanitizer") ;;
    *) echo "FUZZ_SANITIZER must be address, leak, thread or none" >&2; exit 2 ;;
esac
echo "== build ($triple, sanitizer: $sanitizer) =="
RUSTC_BOOTSTRAP=1 RUSTFLAGS="${flags[*]} ${RUSTFLAGS:-}" \
    cargo build --release --quiet --manifest-path fuzz/Cargo.toml --target "$triple" \
    --target-dir fuzz/target --bins
built=$(date +%s)
echo "built in $((built - started)) s"
((build_only)) && exit 0

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
logs=fuzz/target/logs
mkdir -p "$logs"

# ----- regressions and seeds: every saved input must pass -----
failed=()
echo "== replay: fuzz/regressions/<target>/ and fuzz/corpus/<target>/ =="
for t in "${targets[@]}"; do
    inputs=()
    for dir in "fuzz/regressions/$t" "fuzz/corpus/$t"; do
        [[ -d $dir ]] || continue
        while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$dir" -type f ! -name '.*' -print0 | sort -z)
    done
    ((${#inputs[@]})) || { echo "$t: nothing to replay"; continue; }
    if "$bin_dir/$t" -timeout="$timeout_s" -rss_limit_mb=4096 "${inputs[@]}" >"$logs/$t.replay.log" 2>&1; then
        echo "$t: ${#inputs[@]} inputs pass"
    else
        echo "$t: REPLAY FAILED (log: $logs/$t.replay.log)"
        { grep -E "Running: |panicked at|ERROR: |SUMMARY: " "$logs/$t.replay.log" || true; } | tail -n 8 | sed 's/^/    /'
        failed+=("$t (replay)")
    fi
done
if ((replay_only)) || ((${#failed[@]})); then
    ((${#failed[@]})) && { echo "fuzz: replay failed: ${failed[*]}"; exit 1; }
    exit 0
fi

# ----- fuzz: each target for $seconds, $jobs at a time -----
echo "== fuzz ($mode: $seconds s per target, $jobs at a time) =="
fuzz_one() {
    local t=$1
    local work=fuzz/target/corpus/$t artifacts=fuzz/artifacts/$t
    mkdir -p "$work" "$artifacts"
    local args=(
        -artifact_prefix="$artifacts/"
        -max_total_time="$seconds"
        -timeout="$timeout_s"
        -rss_limit_mb=4096
        -print_final_stats=1
    )
    [[ -f fuzz/dict/$t.dict ]] && args+=(-dict="fuzz/dict/$t.dict")
    # The structured targets need long inputs from the start (libFuzzer otherwise grows the length
    # limit slowly from a few bytes): a call sequence or a list of requests, not one short value.
    case "$t" in
        stateful | logon) args+=(-max_len=2048 -len_control=0) ;;
        admin) args+=(-max_len=4096 -len_control=0) ;;
    esac
    local corpora=("$work")
    [[ -d fuzz/corpus/$t ]] && corpora+=("fuzz/corpus/$t")
    local rc=0
    "$bin_dir/$t" "${args[@]}" "${corpora[@]}" >"$logs/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$logs/$t.rc"
}
stamp=$logs/.started
touch "$stamp"
running=0
for t in "${targets[@]}"; do
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    fuzz_one "$t" &
    running=$((running + 1))
done
wait

printf '%-9s %-7s %12s %9s %7s\n' target result executions "exec/s" cov
for t in "${targets[@]}"; do
    log=$logs/$t.log
    rc=$(cat "$logs/$t.rc" 2>/dev/null || echo "?")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$({ grep -Eo 'cov: [0-9]+' "$log" || true; } | tail -n 1 | cut -d' ' -f2)
    result=ok
    [[ $rc == 0 ]] || result=FAILED
    printf '%-9s %-7s %12s %9s %7s\n' "$t" "$result" "${execs:-?}" "${rate:-?}" "${cov:-?}"
    [[ $rc == 0 ]] || failed+=("$t")
done

for t in "${failed[@]}"; do
    echo
    echo "== $t failed (exit $(cat "$logs/$t.rc")); log: $logs/$t.log =="
    { grep -E "ERROR: libFuzzer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: " "$logs/$t.log" || true; } \
        | head -n 6 | sed 's/^/    /'
    { grep -A 12 "panicked at" "$logs/$t.log" || true; } | head -n 14 | sed 's/^/    /'
    while IFS= read -r -d '' input; do
        echo "  input: $input ($(wc -c <"$input") bytes)"
        if (($(wc -c <"$input") <= 4096)); then
            echo "  base64: $(base64 -w0 "$input")"
        fi
        echo "  reproduce: $bin_dir/$t $input"
        echo "  minimize:  $bin_dir/$t -minimize_crash=1 -max_total_time=60 -exact_artifact_path=$input.min $input"
        echo "  then keep the (minimized) input as a regression test: fuzz/regressions/$t/"
    done < <(find "fuzz/artifacts/$t" -type f -newer "$stamp" -print0)
done

if ((merge_seeds)) && ((${#failed[@]} == 0)); then
    echo "== merge into the seed corpora =="
    for t in "${targets[@]}"; do
        mkdir -p "fuzz/corpus/$t"
        # A set cover of edge coverage (no hit counts), so the checked-in seeds stay few.
        "$bin_dir/$t" -set_cover_merge=1 -use_counters=0 -timeout="$timeout_s" -max_len=4096 \
            "fuzz/corpus/$t" "fuzz/target/corpus/$t" \
            >"$logs/$t.merge.log" 2>&1
        echo "$t: $(find "fuzz/corpus/$t" -type f | wc -l) seed inputs"
    done
fi

echo
echo "fuzz: $mode run of ${targets[*]} in $(($(date +%s) - started)) s (build $((built - started)) s)"
if ((${#failed[@]})); then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
