#!/usr/bin/env bash
# The C-ABI tests and the concurrency stress tests under a sanitizer.
#
#   bash scripts/sanitize.sh              AddressSanitizer (with LeakSanitizer)
#   bash scripts/sanitize.sh --tsan       ThreadSanitizer (installs the standard library's source; see below)
#   bash scripts/sanitize.sh --long       the same, with the soak and load tests run for 60 s each and
#                                         the logon/revocation race at its full 200 rounds (CI: 20)
# CI (scripts/test.sh) runs both sanitizers.
#
# Tests: tests/ffi.rs and tests/ffi_matrix/ (every export with bad input and an injected panic),
# tests/ffi_access.rs, tests/core.rs, tests/threads.rs (racing opens, checks and kills) and
# tests/soak.rs (the load test and the open/close soak). The stable toolchain ships the sanitizer
# runtimes; RUSTC_BOOTSTRAP=1 lets it take the nightly-only -Zsanitizer flag. Builds go to
# target/asan and target/tsan, never touching target/.
#
# ThreadSanitizer needs every line of code that synchronizes to be instrumented, the standard library
# included: std's Mutex, Condvar and Arc synchronize in precompiled code (futexes, fences) that an
# uninstrumented std hides from TSan, which then reports races on data those primitives protect (a
# run without an instrumented std: 60-odd reports, every one on a Mutex- or Arc-protected access).
# So --tsan builds std itself, instrumented, with -Zbuild-std from the rust-src component. Where
# rustup cannot fetch that component (no access to its server), the script takes the same source
# from Debian's rust-src package of this exact rustc version (deb.debian.org; its library/ is
# upstream's, with Debian's packaging patches) and installs it where rustup would. --tsan also
# raises the matrix's "prompt" bound (FIXPROV_PROMPT_SECS, 20 s): TSan instruments the PBKDF2 hash
# too, and a master password change derives two keys at 600,000 iterations. The lock-free protocols
# themselves are also model-checked by loom (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

sanitizer=address
soak_secs=
while (($#)); do
    case "$1" in
        --tsan) sanitizer=thread ;;
        --asan) sanitizer=address ;;
        --long) soak_secs=60 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# Installs the standard library's source for this rustc into `$1` (the sysroot): with rustup where it
# can reach its server, else from Debian's rust-src package of the same version.
install_rust_src() {
    local sysroot=$1 version suite file="" tmp rc=0
    timeout 120 rustup component add rust-src >/dev/null 2>&1 || true
    [[ -d "$sysroot/lib/rustlib/src/rust/library" ]] && return 0
    version=$(rustc -V | cut -d' ' -f2)
    for suite in trixie-backports trixie forky sid; do
        file=$(curl -fsS -m 120 "http://deb.debian.org/debian/dists/$suite/main/binary-all/Packages.xz" 2>/dev/null |
            xz -dc 2>/dev/null |
            awk -v want="$version+dfsg" '/^Package: /{p = ($2 == "rust-src")} p && /^Version: /{v = $2}
                p && /^Filename: /{if (index(v, want) == 1) print $2}' | tail -n 1) || true
        [[ -n $file ]] && break
    done
    [[ -n $file ]] || return 1
    echo "installing the standard library's source: Debian's ${file##*/} ($suite) into $sysroot"
    tmp=$(mktemp -d)
    curl -fsS -m 600 -o "$tmp/rust-src.deb" "http://deb.debian.org/debian/$file" &&
        dpkg-deb -x "$tmp/rust-src.deb" "$tmp/x" &&
        [[ -d "$tmp/x/usr/src/rustc-$version/library" ]] &&
        mkdir -p "$sysroot/lib/rustlib/src/rust" &&
        cp -r "$tmp/x/usr/src/rustc-$version/library" "$sysroot/lib/rustlib/src/rust/" || rc=1
    rm -rf "$tmp"
    return $rc
}

host=$(rustc -vV | sed -n 's/^host: //p')
tests=(--test ffi --test ffi_matrix --test ffi_access --test core --test threads --test soak)
flags="-Zsanitizer=$sanitizer"
build_std=()
# The open/close soak asserts that RSS does not grow; under ASan freed memory waits in a quarantine
# (256 MiB by design), so RSS grows whatever the code does. scripts/test.sh runs that bound without a
# sanitizer, and LeakSanitizer reports any leak here, at exit of every test binary.
skip=(--skip soak_leaves_no_thread_and_no_memory_behind)
case "$sanitizer" in
    address)
        dir=target/asan
        export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=0:${ASAN_OPTIONS:-}"
        ;;
    thread)
        dir=target/tsan
        sysroot=$(rustc --print sysroot)
        if [[ ! -d "$sysroot/lib/rustlib/src/rust/library" ]] && ! install_rust_src "$sysroot"; then
            echo "ThreadSanitizer needs an instrumented standard library, built with -Zbuild-std from the" >&2
            echo "rust-src component of rustc $(rustc -V | cut -d' ' -f2), which neither rustup nor Debian's" >&2
            echo "rust-src package could provide here ($sysroot/lib/rustlib/src)." >&2
            exit 3
        fi
        build_std=(-Zbuild-std)
        export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:${TSAN_OPTIONS:-}"
        export FIXPROV_PROMPT_SECS=${FIXPROV_PROMPT_SECS:-20}
        ;;
esac
[[ -n $soak_secs ]] && export FIXPROV_SOAK_SECS=$soak_secs
# tests/ffi_access.rs's logon-versus-revocation race: 200 rounds in the plain test step, which
# searches for the logical race; here a sanitizer judges the accesses of each round it sees, and 20
# rounds keep TSan's share of CI's budget (200 rounds take 70 s under it). --long runs all 200.
if [[ -n $soak_secs ]]; then
    export FIXPROV_RACE_ROUNDS=${FIXPROV_RACE_ROUNDS:-200}
else
    export FIXPROV_RACE_ROUNDS=${FIXPROV_RACE_ROUNDS:-20}
fi

echo "== build: ${tests[*]//--test /} under -Zsanitizer=$sanitizer ($host) =="
started=$(date +%s)
RUSTC_BOOTSTRAP=1 RUSTFLAGS="${RUSTFLAGS:-} $flags" CARGO_TARGET_DIR=$dir \
    cargo test "${build_std[@]}" --features test-hooks --target "$host" "${tests[@]}" --no-run --quiet
echo "built in $(($(date +%s) - started)) s"

echo "== run =="
started=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
RUSTC_BOOTSTRAP=1 RUSTFLAGS="${RUSTFLAGS:-} $flags" CARGO_TARGET_DIR=$dir \
    cargo test "${build_std[@]}" --features test-hooks --target "$host" "${tests[@]}" -- "${skip[@]}" \
    >"$log" 2>&1 || status=1
grep -E '^test result|^SUMMARY|panicked|FAILED' "$log" || true
if grep -q 'Sanitizer' "$log"; then
    echo "sanitizer reports:" >&2
    grep -A30 -m3 'ERROR: \|WARNING: ' "$log" >&2 || true
    status=1
fi
passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
if ((status)); then
    echo "sanitize ($sanitizer): FAILED" >&2
    exit 1
fi
echo "sanitize ($sanitizer): $passed tests passed, no reports, in $(($(date +%s) - started)) s"
