#!/usr/bin/env bash
# The Debian package, installed and used as a user would, without a container: builds it
# (packaging/deb.sh), installs it with dpkg into a scratch root (dpkg --root, its own package
# database), then, knowing only that root, builds the C example against the installed files with
# its Makefile (pkg-config, shared and static) and with CMake (find_package), runs both, runs the
# installed command line, reads its man page and loads its bash completion; removes the package and
# checks nothing of it is left. The last line is "deb: ok".
# Usage: packaging/deb-test.sh [--no-build]   (--no-build: package what target/release holds)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$SECONDS
step() { printf '== %s\n' "$*"; }
die() { echo "deb: FAILED: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need dpkg-shlibdeps || missing+=(dpkg-dev)
need patchelf || missing+=(patchelf)
need make || missing+=(make)
need cc || missing+=(gcc)
need cmake || missing+=(cmake)
need pkg-config || missing+=(pkg-config)
need man || missing+=(man-db)
if ((${#missing[@]})); then
    step "installing: ${missing[*]}"
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        die "installing ${missing[*]}"
    fi
    rm -f "$log"
fi

step "build the package (packaging/deb.sh $*)"
bash packaging/deb.sh "$@"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
version=$(awk '/^\[/ { in_package = ($0 == "[package]") }
               in_package && /^version *= *"/ { gsub(/^version *= *"|".*$/, ""); print; exit }' Cargo.toml)
deb=$target_dir/debian/fixprov_${version}-1_$(dpkg --print-architecture).deb
[[ -f $deb ]] || die "$deb was not built"

scratch=$target_dir/deb-root
rm -rf "$scratch"
mkdir -p "$scratch/var/lib/dpkg/updates" "$scratch/var/lib/dpkg/info"
: >"$scratch/var/lib/dpkg/status"
dpkg_root() { dpkg --root="$scratch" --log=/dev/null --force-not-root "$@"; }

step "dpkg --root $scratch -i $(basename "$deb")"
# The scratch database knows no other package: its Depends (libc6, libgcc-s1) are this machine's.
dpkg_root --force-depends -i "$deb" >"$scratch.log" 2>&1 || { cat "$scratch.log" >&2; die "dpkg -i"; }
dpkg_root -s fixprov | grep -q '^Status: install ok installed' || die "dpkg does not list fixprov as installed"
for file in usr/include/fixprov.h usr/lib/libfixprov.so usr/lib/libfixprov.so.0 "usr/lib/libfixprov.so.$version" \
    usr/lib/libfixprov.a usr/lib/pkgconfig/fixprov.pc usr/lib/cmake/fixprov/fixprovConfig.cmake \
    usr/lib/cmake/fixprov/fixprovConfigVersion.cmake usr/bin/fixprov usr/share/man/man1/fixprov.1.gz \
    usr/share/bash-completion/completions/fixprov usr/share/zsh/vendor-completions/_fixprov \
    usr/share/fish/vendor_completions.d/fixprov.fish usr/share/doc/fixprov/copyright; do
    [[ -e $scratch/$file ]] || die "/$file is not installed"
    dpkg_root -L fixprov | grep -qx "/$file" || die "/$file is not in dpkg -L fixprov"
done
[[ $(readelf -d "$scratch/usr/lib/libfixprov.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p') == libfixprov.so.0 ]] ||
    die "the installed library's SONAME is not libfixprov.so.0"

# The C example's sources, away from the repository; a clean environment that knows only the root.
work=$target_dir/deb-example
rm -rf "$work"
mkdir -p "$work/src"
cp ffi-examples/c/fixprov_example.c ffi-examples/c/Makefile ffi-examples/c/CMakeLists.txt "$work/src/"
clean_env() { env -i PATH="$PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" "$@"; }

step "the C example: Makefile + pkg-config against the installed .pc (sysroot $scratch)"
# The installed fixprov.pc names /usr, as on a machine where the package is installed for real;
# PKG_CONFIG_SYSROOT_DIR puts the scratch root in front of its paths.
clean_env PKG_CONFIG_SYSROOT_DIR="$scratch" PKG_CONFIG_LIBDIR="$scratch/usr/lib/pkgconfig" \
    make -s -C "$work/src" PREFIX="$scratch/usr" FIXPROV_LIBDIR="$scratch/usr/lib" all static
resolved=$(clean_env ldd "$work/src/fixprov_example" | awk '/libfixprov/ { print $3 }')
[[ $resolved == "$scratch/usr/lib/libfixprov.so.0" ]] || die "the example resolves libfixprov to '$resolved'"
clean_env "$work/src/fixprov_example" >/dev/null
clean_env "$work/src/fixprov_example_static" >/dev/null

step "the C example: CMake find_package(fixprov) in the installed root"
clean_env cmake -S "$work/src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$scratch/usr" -DCMAKE_BUILD_TYPE=Release \
    >"$work/cmake.log" || { cat "$work/cmake.log" >&2; die "cmake"; }
clean_env cmake --build "$work/cmake" -- -s >/dev/null
clean_env "$work/cmake/fixprov_example" >/dev/null
clean_env "$work/cmake/fixprov_example_static" >/dev/null

step "the command line: --version, its man page, its bash completion"
clean_env "$scratch/usr/bin/fixprov" --version | grep -qx "fixprov $version" || die "fixprov --version"
code=0
clean_env "$scratch/usr/bin/fixprov" stats 2>/dev/null || code=$?
[[ $code == 2 ]] || die "fixprov stats without a URL exits $code, not 2"
clean_env MANWIDTH=100 man -l "$scratch/usr/share/man/man1/fixprov.1.gz" 2>/dev/null | grep -q 'fixprov provision' ||
    die "the man page does not render the provision command"
clean_env bash -c "source '$scratch/usr/share/bash-completion/completions/fixprov' && complete -p fixprov" |
    grep -q fixprov || die "the bash completion does not register"

step "dpkg --root $scratch -r fixprov: nothing is left"
dpkg_root -r fixprov >/dev/null
left=$(if [[ -d $scratch/usr ]]; then find "$scratch/usr" -type f; fi)
[[ -z $left ]] || die "files left after removal: $left"

echo "deb: ok ($(du -h "$deb" | cut -f1) package, $((SECONDS - start)) s)"
