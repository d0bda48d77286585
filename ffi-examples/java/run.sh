#!/usr/bin/env bash
# The Java binding of fixprov over JNI, end to end: builds libfixprov.so (release) if missing, the JNI
# companion library and the Java classes, runs the JUnit 5 tests under -Xcheck:jni (any failure, or
# any JNI warning, fails the run), then the benchmark.
#
#   bash ffi-examples/java/run.sh                       quick benchmark (about 2 s)
#   FIXPROV_BENCH=full bash ffi-examples/java/run.sh    the full benchmark (the numbers to quote)
#
# Installs what it needs with apt-get when missing: a JDK 17, gcc, junit5 (Debian's package ships
# the JUnit console launcher; no Maven).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$HERE/build"
LIB_DIR="$ROOT/target/release"
cd "$HERE"

say() { printf '== %s\n' "$*"; }
die() { printf 'java example: %s\n' "$*" >&2; exit 1; }

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing $*; install it (apt-get install $*) or run as root"
        sudo="sudo"
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing $*, and no apt-get to install it"
    say "installing $*"
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
        $sudo apt-get update -qq >/dev/null
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}

command -v javac >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
command -v gcc >/dev/null 2>&1 || apt_install gcc libc6-dev

JUNIT_JAR=/usr/share/java/junit-platform-console-standalone.jar
[ -f "$JUNIT_JAR" ] || apt_install junit5
if [ -f "$JUNIT_JAR" ]; then
    JUNIT_RUN=(-jar "$JUNIT_JAR")
    JUNIT_CP="$JUNIT_JAR"
else
    # No standalone jar: assemble the launcher's class path from the jars Debian ships.
    JUNIT_CP=""
    for jar in junit-platform-console junit-platform-launcher junit-platform-engine junit-platform-commons \
        junit-platform-reporting junit-jupiter-api junit-jupiter-engine junit-jupiter-params opentest4j \
        apiguardian-api; do
        [ -f "/usr/share/java/$jar.jar" ] || die "no /usr/share/java/$jar.jar (apt-get install junit5)"
        JUNIT_CP="${JUNIT_CP:+$JUNIT_CP:}/usr/share/java/$jar.jar"
    done
    JUNIT_RUN=(-cp "$JUNIT_CP" org.junit.platform.console.ConsoleLauncher)
fi

JAVAC="$(readlink -f "$(command -v javac)")"
JDK="$(dirname "$(dirname "$JAVAC")")"
[ -f "$JDK/include/jni.h" ] || die "no jni.h under $JDK/include (is a full JDK installed?)"
JAVA="$JDK/bin/java"
"$JAVAC" --version 2>&1 | grep -Eq '^javac (1[7-9]|[2-9][0-9])' || die "JDK 17 or newer is needed ($("$JAVAC" --version 2>&1))"

if [ ! -f "$LIB_DIR/libfixprov.so" ]; then
    command -v cargo >/dev/null 2>&1 || die "target/release/libfixprov.so is missing and cargo (Rust 1.85+) is not installed"
    say "building libfixprov.so (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet)
fi

start=$(date +%s)
rm -rf "$BUILD"
mkdir -p "$BUILD"

say "javac --release 17 (binding) and javac -h (JNI header)"
"$JAVAC" --release 17 -Xlint:all -Werror -encoding UTF-8 -h "$BUILD/jni" -d "$BUILD/classes" \
    src/main/java/io/fixprov/*.java
if ! cmp -s "$BUILD/jni/io_fixprov_FixProv.h" native/io_fixprov_FixProv.h; then
    if [ "${FIXPROV_JNI_UPDATE_HEADER:-0}" = 1 ]; then
        cp "$BUILD/jni/io_fixprov_FixProv.h" native/io_fixprov_FixProv.h
        say "refreshed native/io_fixprov_FixProv.h"
    else
        diff -u native/io_fixprov_FixProv.h "$BUILD/jni/io_fixprov_FixProv.h" || true
        die "native/io_fixprov_FixProv.h is stale: rerun with FIXPROV_JNI_UPDATE_HEADER=1"
    fi
fi

say "gcc: build/libfixprov_jni.so"
gcc -std=c11 -O2 -g -Wall -Wextra -Wconversion -Wno-sign-conversion -Werror -shared -fPIC -fvisibility=hidden \
    -I"$JDK/include" -I"$JDK/include/linux" -I"$ROOT/include" -I"$BUILD/jni" \
    native/fixprov_jni.c -o "$BUILD/libfixprov_jni.so" \
    -L"$LIB_DIR" -lfixprov -Wl,-rpath,"\$ORIGIN/../../../target/release" -Wl,--no-undefined

say "javac: tests and benchmark"
"$JAVAC" --release 17 -Xlint:all -Werror -encoding UTF-8 -cp "$BUILD/classes:$JUNIT_CP" -d "$BUILD/test-classes" \
    src/test/java/io/fixprov/*.java
"$JAVAC" --release 17 -Xlint:all -Werror -encoding UTF-8 -cp "$BUILD/classes" -d "$BUILD/bench-classes" \
    src/bench/java/io/fixprov/Bench.java

say "JUnit 5 (-Xcheck:jni)"
if ! "$JAVA" -Xcheck:jni -Djava.library.path="$BUILD" "${JUNIT_RUN[@]}" \
    --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests \
    --class-path "$BUILD/classes:$BUILD/test-classes" --select-package io.fixprov 2>&1 | tee "$BUILD/junit.log"; then
    die "JUnit tests failed"
fi
if grep -Eq 'WARNING in native method|FATAL ERROR in native method' "$BUILD/junit.log"; then
    die "-Xcheck:jni reported a problem (see above)"
fi
passed="$(sed -n 's/^\[ *\([0-9][0-9]*\) tests successful *\]$/\1/p' "$BUILD/junit.log" | tail -1)"
failed="$(sed -n 's/^\[ *\([0-9][0-9]*\) tests failed *\]$/\1/p' "$BUILD/junit.log" | tail -1)"
[ -n "$passed" ] && [ "$passed" -gt 0 ] && [ "${failed:-1}" = 0 ] || die "could not read the test summary"

say "benchmark (${FIXPROV_BENCH:-quick})"
bench_args=(--quick)
[ "${FIXPROV_BENCH:-quick}" = full ] && bench_args=()
"$JAVA" -Djava.library.path="$BUILD" -cp "$BUILD/classes:$BUILD/bench-classes" io.fixprov.Bench "${bench_args[@]}"

echo "java example: $passed tests passed ($(( $(date +%s) - start )) s after the Rust build)"
