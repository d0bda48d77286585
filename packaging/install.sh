#!/usr/bin/env bash
# Installs fixprov for C and C++ users, in the conventional layout:
#
#   PREFIX/include/fixprov.h
#   PREFIX/lib/libfixprov.so -> libfixprov.so.MAJOR -> libfixprov.so.VERSION   (SONAME libfixprov.so.MAJOR)
#   PREFIX/lib/libfixprov.a
#   PREFIX/lib/pkgconfig/fixprov.pc                    pkg-config --cflags --libs fixprov
#   PREFIX/lib/cmake/fixprov/fixprovConfig.cmake       find_package(fixprov): fixprov::fixprov,
#   PREFIX/lib/cmake/fixprov/fixprovConfigVersion.cmake                       fixprov::fixprov_static
#
# Usage: packaging/install.sh [--prefix DIR] [--no-build] [--strip]
#   --prefix DIR  where to install (default /usr/local)
#   --no-build    install what target/release already holds instead of running cargo build --release
#   --strip       strip debug information from the installed libraries (the release profile keeps
#                 it: about 30 MB + 100 MB with it, 4.5 MB + 45 MB without)
# DESTDIR=/staging is honoured as by make install: files go under DESTDIR/PREFIX, while the
# generated files name PREFIX. CARGO_TARGET_DIR is honoured.
#
# The cdylib is built without a SONAME (nothing in Cargo.toml or build.rs sets one); when it has
# none, the installed copy gets SONAME libfixprov.so.MAJOR with patchelf. Without patchelf only
# libfixprov.so (no SONAME, no version chain) is installed, with a warning.
set -euo pipefail

prefix=/usr/local
build=1
strip_debug=0
while (($#)); do
    case $1 in
        --prefix) [[ $# -ge 2 ]] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --no-build) build=0; shift ;;
        --strip) strip_debug=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
[[ -n $prefix ]] || { echo "install.sh: empty prefix" >&2; exit 2; }
# The generated files name the prefix: make it absolute.
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
prefix=${prefix%/}
[[ -n $prefix ]] || prefix=/

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packaging=$root/packaging
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
release=$target_dir/release
destdir=${DESTDIR:-}

warn() { echo "install.sh: warning: $*" >&2; }
die() { echo "install.sh: $*" >&2; exit 1; }

# The version: the first `version = "..."` of Cargo.toml's [package] table.
version=$(awk '/^\[/ { in_package = ($0 == "[package]") }
               in_package && /^version *= *"/ { gsub(/^version *= *"|".*$/, ""); print; exit }' "$root/Cargo.toml")
[[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]] || die "cannot read the version from Cargo.toml (got '$version')"
major=${BASH_REMATCH[1]}
header=$root/include/fixprov.h
grep -q "^#define FIXPROV_VERSION_STRING \"$version\"" "$header" ||
    die "include/fixprov.h is not version $version: refresh it (FIXPROV_UPDATE_HEADER=1 cargo build)"

if ((build)); then
    command -v cargo >/dev/null || die "cargo is needed to build (or pass --no-build)"
    echo "building the release library (cargo build --release)"
    (cd "$root" && cargo build --release --quiet)
fi
so=$release/libfixprov.so
archive=$release/libfixprov.a
[[ -f $so && -f $archive ]] || die "$so or $archive is missing: build first (cargo build --release)"
[[ $header -nt $so ]] && warn "include/fixprov.h is newer than the library: is the build up to date?"

# What the static library needs from the system. rustc prints std's needs for any staticlib; a
# dependency's build script may add its own (cargo:rustc-link-lib without static=, which would be
# bundled into the archive). The order matters to the linker: dependencies' first, then std's.
std_libs=
if command -v "${RUSTC:-rustc}" >/dev/null; then
    scratch=$(mktemp -d)
    : >"$scratch/empty.rs"
    std_libs=$(cd "$scratch" && "${RUSTC:-rustc}" --crate-type staticlib --print native-static-libs \
        empty.rs -o empty.a 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -n 1) || true
    rm -rf "$scratch"
fi
if [[ -z $std_libs ]]; then
    std_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
    warn "could not ask rustc for its native-static-libs; assuming: $std_libs"
fi
dep_libs=$(cat "$release"/build/*/output 2>/dev/null |
    sed -n -E 's/^cargo::?rustc-link-lib=(dylib=)?([^=:]+)$/-l\2/p' | awk '!seen[$0]++' | tr '\n' ' ') || true
libs_private=
for flag in $dep_libs $std_libs; do
    [[ " $libs_private " == *" $flag "* ]] || libs_private+="${libs_private:+ }$flag"
done
static_link_libs=$(sed -e 's/^-l//' -e 's/ -l/;/g' <<<"$libs_private")

# The ELF class of the library (byte 4: 1 is 32-bit, 2 is 64-bit), for the CMake version check.
case $(od -An -tu1 -j4 -N1 "$so" | tr -d ' ') in
    1) pointer_size=4 ;;
    2) pointer_size=8 ;;
    *) die "$so is not an ELF library" ;;
esac

# The SONAME: the library's own, or libfixprov.so.MAJOR set on the installed copy with patchelf.
soname=$(LC_ALL=C readelf -d "$so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p') || true
set_soname=
if [[ -z $soname ]]; then
    if command -v patchelf >/dev/null; then
        soname=libfixprov.so.$major
        set_soname=$soname
    else
        warn "libfixprov.so has no SONAME and patchelf is missing: installing it unversioned"
    fi
fi

lib=$destdir$prefix/lib
include=$destdir$prefix/include
mkdir -p "$include" "$lib/pkgconfig" "$lib/cmake/fixprov"

# Each file is written beside its destination, then renamed over it: a program running with the
# old library keeps its mapping intact instead of crashing when the file changes under it.
put() { # put SOURCE DEST MODE [FIXUP...]: each FIXUP runs on the copy before the rename
    local source=$1 dest=$2 mode=$3 tmp fixup
    shift 3
    tmp=$(mktemp "$dest.XXXXXX")
    cp "$source" "$tmp"
    for fixup in "$@"; do "$fixup" "$tmp" || { rm -f "$tmp"; die "$fixup failed on $dest"; }; done
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
}
set_soname() { patchelf --set-soname "$soname" "$1"; }
strip_debug() { if ((strip_debug)); then strip --strip-debug "$1"; fi; }
render() { # render TEMPLATE DEST: fills the @NAME@ placeholders
    local tmp
    tmp=$(mktemp "$2.XXXXXX")
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@VERSION_MAJOR@|$major|g" \
        -e "s|@LIBS_PRIVATE@|$libs_private|g" -e "s|@STATIC_LINK_LIBS@|$static_link_libs|g" \
        -e "s|@SONAME@|$soname|g" -e "s|@SHARED_FILE@|$shared_file|g" \
        -e "s|@POINTER_SIZE@|$pointer_size|g" -e "s|@POINTER_BITS@|$((pointer_size * 8))|g" "$1" >"$tmp"
    ! grep -n '@[A-Z_]*@' "$tmp" >&2 || { rm -f "$tmp"; die "unfilled placeholder in $1"; }
    chmod 644 "$tmp"
    mv -f "$tmp" "$2"
}

put "$header" "$include/fixprov.h" 644

# Any previous install's libraries go first (another version, or an unversioned one).
rm -f "$lib"/libfixprov.so "$lib"/libfixprov.so.*
if [[ -n $soname ]]; then
    shared_file=libfixprov.so.$version
    if [[ -n $set_soname ]]; then
        put "$so" "$lib/$shared_file" 755 set_soname strip_debug
    else
        put "$so" "$lib/$shared_file" 755 strip_debug
    fi
    [[ $soname == "$shared_file" ]] || ln -sfn "$shared_file" "$lib/$soname"
    ln -sfn "$soname" "$lib/libfixprov.so"
else
    shared_file=libfixprov.so
    put "$so" "$lib/$shared_file" 755 strip_debug
fi
put "$archive" "$lib/libfixprov.a" 644 strip_debug

render "$packaging/fixprov.pc.in" "$lib/pkgconfig/fixprov.pc"
render "$packaging/fixprovConfig.cmake.in" "$lib/cmake/fixprov/fixprovConfig.cmake"
render "$packaging/fixprovConfigVersion.cmake.in" "$lib/cmake/fixprov/fixprovConfigVersion.cmake"

echo "installed fixprov $version in $destdir$prefix (shared: lib/$shared_file${soname:+, SONAME $soname}; Libs.private: $libs_private)"
