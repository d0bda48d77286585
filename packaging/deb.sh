#!/usr/bin/env bash
# Builds the Debian package of fixprov: target/debian/fixprov_VERSION-1_ARCH.deb, holding
#
#   /usr/include/fixprov.h
#   /usr/lib/libfixprov.so -> libfixprov.so.MAJOR -> libfixprov.so.VERSION, /usr/lib/libfixprov.a
#   /usr/lib/pkgconfig/fixprov.pc, /usr/lib/cmake/fixprov/fixprovConfig{,Version}.cmake
#   /usr/bin/fixprov                                   the operator's command line
#   /usr/share/man/man1/fixprov.1.gz                   its man page (docs/cli/fixprov.1)
#   /usr/share/bash-completion/completions/fixprov     its completions (docs/cli/), and zsh's and fish's
#   /usr/share/doc/fixprov/copyright
#
# Usage: packaging/deb.sh [--no-build]
#   --no-build  package what target/release already holds (libfixprov and the fixprov binary)
# The libraries and the binary are stripped of debug information; Depends is what dpkg-shlibdeps
# finds they link. Needs dpkg-dev (dpkg-deb, dpkg-shlibdeps) and patchelf. CARGO_TARGET_DIR is honoured.
set -euo pipefail

build=1
while (($#)); do
    case $1 in
        --no-build) build=0; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "deb.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
die() { echo "deb.sh: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps patchelf gzip; do
    command -v "$tool" >/dev/null || die "$tool is needed (apt-get install dpkg-dev patchelf gzip)"
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
version=$(awk '/^\[/ { in_package = ($0 == "[package]") }
               in_package && /^version *= *"/ { gsub(/^version *= *"|".*$/, ""); print; exit }' "$root/Cargo.toml")
cli_version=$(awk '/^version *= *"/ { gsub(/^version *= *"|".*$/, ""); print; exit }' "$root/cli/Cargo.toml")
[[ $version == "$cli_version" ]] || die "the library is $version and the command line $cli_version: one version for both"
arch=$(dpkg --print-architecture)
package=fixprov_${version}-1_${arch}

if ((build)); then
    echo "building the release library and the command line"
    (cd "$root" && cargo build --release --quiet && cargo build --release --quiet -p fixprov-cli)
fi
[[ -x $target_dir/release/fixprov ]] || die "$target_dir/release/fixprov is missing: cargo build --release -p fixprov-cli"

stage=$target_dir/debian/$package
rm -rf "$stage"
mkdir -p "$stage"
# The libraries, header, pkg-config and CMake files: the same layout install.sh makes anywhere.
DESTDIR=$stage bash "$root/packaging/install.sh" --prefix /usr --no-build --strip >/dev/null

install -D -m 755 "$target_dir/release/fixprov" "$stage/usr/bin/fixprov"
strip --strip-unneeded "$stage/usr/bin/fixprov"
install -d "$stage/usr/share/man/man1"
gzip -9n <"$root/docs/cli/fixprov.1" >"$stage/usr/share/man/man1/fixprov.1.gz"
chmod 644 "$stage/usr/share/man/man1/fixprov.1.gz"
install -D -m 644 "$root/docs/cli/fixprov.bash" "$stage/usr/share/bash-completion/completions/fixprov"
install -D -m 644 "$root/docs/cli/_fixprov" "$stage/usr/share/zsh/vendor-completions/_fixprov"
install -D -m 644 "$root/docs/cli/fixprov.fish" "$stage/usr/share/fish/vendor_completions.d/fixprov.fish"
install -d "$stage/usr/share/doc/fixprov"
cat >"$stage/usr/share/doc/fixprov/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fixprov
Source: https://github.com/fixprov/fixprov

Files: *
Copyright: fixprov authors
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
EOF
chmod 644 "$stage/usr/share/doc/fixprov/copyright"

# Depends: the shared libraries the library and the binary link, as dpkg-shlibdeps finds them (it
# reads a debian/control, so it runs in a scratch directory that has one).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/debian"
printf 'Source: fixprov\n\nPackage: fixprov\nArchitecture: any\n' >"$scratch/debian/control"
depends=$(cd "$scratch" && dpkg-shlibdeps -O -e "$stage/usr/bin/fixprov" -e "$stage/usr/lib/libfixprov.so.$version" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || die "dpkg-shlibdeps found no dependencies"

install -d "$stage/DEBIAN"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
cat >"$stage/DEBIAN/control" <<EOF
Package: fixprov
Version: ${version}-1
Architecture: $arch
Maintainer: fixprov authors <fixprov@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Section: libs
Priority: optional
Description: FIX API provisioning and enforcement engine
 A library FIX gateways (QuickFIX C++, QuickFIX/J, any engine with a C FFI) load to decide who may
 log on and how fast each session may send: lock-free per-message rate checks behind a C ABI, an
 encrypted credential store, an audit log and an admin HTTP API.
 .
 This package holds the shared and static library, its header, pkg-config and CMake files, and
 fixprov, the operator's command line, with its man page and shell completions.
EOF
find "$stage" -type d -exec chmod 755 {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$target_dir/debian/$package.deb" >/dev/null
echo "built $target_dir/debian/$package.deb (Depends: $depends)"
