#!/usr/bin/env bash
# Instructions per check under callgrind, against the checked-in baseline (benches/callgrind-baseline.json).
#
#   bash scripts/callgrind-check.sh            # fails (exit 1) when a path grew more than 20% over the baseline
#   bash scripts/callgrind-check.sh --update   # rewrites the baseline with this run's counts
#
# For each path, examples/callgrind_check runs N and 2N checks through the C ABI under
# `valgrind --tool=callgrind`, collecting only inside its loop function (--toggle-collect) on the main
# thread (--separate-threads=yes); instructions per check = (Ir(2N) - Ir(N)) / N, so start-up and the
# loop's fixed cost cancel. Instruction counts do not depend on the machine's load, so this runs in CI;
# they do depend on the compiler, so a toolchain upgrade may need --update (say so in the commit).
# Environment: FIXPROV_CALLGRIND_N (default 100000), FIXPROV_CALLGRIND_TOLERANCE (percent, default 20),
# FIXPROV_CALLGRIND_BASELINE (default benches/callgrind-baseline.json).
# Writes target/latency/callgrind.json, which scripts/bench.sh puts into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

update=0
for arg in "$@"; do
    case "$arg" in
        --update) update=1 ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg (use --update)" >&2; exit 2 ;;
    esac
done

n=${FIXPROV_CALLGRIND_N:-100000}
tolerance=${FIXPROV_CALLGRIND_TOLERANCE:-20}
baseline=${FIXPROV_CALLGRIND_BASELINE:-benches/callgrind-baseline.json}
modes=(check_order check_other check_at_order check_order_throttled check_msgtype_order check_order_owned
    check_other_owned batch8_order batch8_order_owned)

if ! command -v valgrind >/dev/null 2>&1; then
    echo "installing: valgrind"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi

target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --example callgrind_check
bin="$target_dir/release/examples/callgrind_check"
work="$target_dir/latency/callgrind"
rm -rf "$work"
mkdir -p "$work"

# Ir collected on the main thread for `mode` with `count` checks.
instructions() {
    local mode=$1 count=$2 prefix="$work/$1-$2"
    valgrind --tool=callgrind --separate-threads=yes --toggle-collect='fixprov_cg_loop_*' \
        --callgrind-out-file="$prefix.%p" "$bin" "$mode" "$count" >"$prefix.log" 2>&1 || {
        echo "callgrind failed for $mode $count:" >&2
        cat "$prefix.log" >&2
        exit 1
    }
    local main
    main=$(ls "$prefix".*-01 2>/dev/null | head -n 1)
    [[ -n "$main" ]] || { echo "no main-thread profile for $mode $count" >&2; exit 1; }
    awk '/^totals:/ {print $2; found = 1} END {if (!found) exit 1}' "$main"
}

# The baseline's value for `mode` (one "mode": value per line), or empty.
baseline_of() {
    [[ -f "$baseline" ]] || return 0
    sed -n "s/^ *\"$1\": *\([0-9.]*\),\{0,1\} *$/\1/p" "$baseline" | head -n 1
}

echo "instructions per check, N = $n and 2N under callgrind ($(valgrind --version)), tolerance +${tolerance}%"
printf '%-24s %12s %12s %9s  %s\n' path per-check baseline change verdict
declare -A per
failed=0
json_modes=""
for mode in "${modes[@]}"; do
    one=$(instructions "$mode" "$n")
    two=$(instructions "$mode" $((2 * n)))
    per[$mode]=$(awk -v a="$one" -v b="$two" -v n="$n" 'BEGIN {printf "%.2f", (b - a) / n}')
    base=$(baseline_of "$mode")
    if [[ -n "$base" ]]; then
        change=$(awk -v p="${per[$mode]}" -v b="$base" 'BEGIN {printf "%+.1f%%", (p / b - 1) * 100}')
        if awk -v p="${per[$mode]}" -v b="$base" -v t="$tolerance" 'BEGIN {exit !(p > b * (1 + t / 100))}'; then
            verdict="FAIL: more than +${tolerance}%"
            ok=false
            failed=1
        else
            verdict="ok"
            ok=true
        fi
        json_base=$base
    else
        change="-"
        verdict="no baseline"
        ok=null
        json_base=null
    fi
    printf '%-24s %12s %12s %9s  %s\n' "$mode" "${per[$mode]}" "${base:--}" "$change" "$verdict"
    json_modes+="${json_modes:+,}
    \"$mode\": {\"instructions_per_check\": ${per[$mode]}, \"baseline\": $json_base, \"ok\": $ok}"
done

cat >"$target_dir/latency/callgrind.json" <<EOF
{
  "n": $n,
  "tolerance_percent": $tolerance,
  "valgrind": "$(valgrind --version)",
  "rustc": "$(rustc -V)",
  "baseline_file": "$baseline",
  "modes": {$json_modes
  }
}
EOF

if ((update)); then
    {
        echo "{"
        echo "  \"what\": \"instructions per check through the C ABI (callgrind Ir, main thread, (Ir(2N) - Ir(N)) / N); scripts/callgrind-check.sh fails when a path grows more than tolerance_percent over this; --update rewrites it\","
        echo "  \"n\": $n,"
        echo "  \"tolerance_percent\": $tolerance,"
        echo "  \"valgrind\": \"$(valgrind --version)\","
        echo "  \"rustc\": \"$(rustc -V)\","
        echo "  \"instructions_per_check\": {"
        last=$((${#modes[@]} - 1))
        for i in "${!modes[@]}"; do
            sep=","
            ((i == last)) && sep=""
            echo "    \"${modes[$i]}\": ${per[${modes[$i]}]}$sep"
        done
        echo "  }"
        echo "}"
    } >"$baseline"
    echo "baseline updated: $baseline"
    exit 0
fi

if ((failed)); then
    echo "callgrind check FAILED: instructions per check grew more than ${tolerance}% over $baseline" >&2
    echo "(if the growth is intended, rerun with --update and commit the new baseline)" >&2
    exit 1
fi
if [[ ! -f "$baseline" ]]; then
    echo "no baseline at $baseline: run with --update to create it" >&2
    exit 1
fi
echo "callgrind check passed"
