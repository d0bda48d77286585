#!/usr/bin/env bash
# The C example end to end, from a fresh machine: installs the tools it needs, builds the release
# library, installs it into target/prefix (packaging/install.sh), then, in a clean environment that
# knows only that prefix, builds fixprov_example with its Makefile (pkg-config; shared and static)
# and with CMake (find_package(fixprov)), and runs every binary, the Makefile one under valgrind.
# Exits non-zero on any failure; the last line is "c example: ok".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
start=$SECONDS
step() { printf '== %s\n' "$*"; }

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need cc || missing+=(gcc)
need make || missing+=(make)
need pkg-config || missing+=(pkg-config)
need valgrind || missing+=(valgrind)
need cmake || missing+=(cmake)
need patchelf || missing+=(patchelf) # gives the installed libfixprov.so its SONAME
need readelf || missing+=(binutils)
if ((${#missing[@]})); then
    step "installing: ${missing[*]}"
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "c example: FAILED installing ${missing[*]}" >&2
        exit 1
    fi
    rm -f "$log"
fi
need cargo || { echo "c example: cargo (Rust 1.85 or newer) is required" >&2; exit 1; }

step "release library (cargo build --release)"
cargo build --release --quiet

prefix=$root/target/prefix
step "install into $prefix"
bash packaging/install.sh --prefix "$prefix" --no-build

# The example's sources, copied away from the repository, so that nothing but the prefix (no
# ../../include, no target/release) can be found by the builds below.
work=$root/target/c-example
rm -rf "$work"
mkdir -p "$work/src"
cp "$here/fixprov_example.c" "$here/Makefile" "$here/CMakeLists.txt" "$work/src/"

# A clean environment: no PKG_CONFIG_PATH, CPATH, LIBRARY_PATH, LD_LIBRARY_PATH, CMAKE_PREFIX_PATH.
clean_env() { env -i PATH="$PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" "$@"; }

# A binary must find libfixprov in the prefix by itself (its rpath), not in the repository.
check_links() { # check_links BINARY
    local resolved
    resolved=$(clean_env ldd "$1" | awk '/libfixprov/ { print $3 }')
    [[ $resolved == "$prefix/lib/"* ]] || { echo "c example: $1 resolves libfixprov to '$resolved'" >&2; exit 1; }
}

step "Makefile + pkg-config: build, static build, run under valgrind"
clean_env make -s -C "$work/src" PREFIX="$prefix" all static
check_links "$work/src/fixprov_example"
clean_env make -s -C "$work/src" PREFIX="$prefix" valgrind
clean_env "$work/src/fixprov_example_static" >/dev/null

step "CMake + find_package(fixprov): configure, build, run"
clean_env cmake -S "$work/src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" ||
    { cat "$work/cmake.log" >&2; exit 1; }
clean_env cmake --build "$work/cmake" -- -s >/dev/null
check_links "$work/cmake/fixprov_example"
clean_env "$work/cmake/fixprov_example" >/dev/null
clean_env "$work/cmake/fixprov_example_static" >/dev/null

echo "c example: ok ($((SECONDS - start)) s)"
