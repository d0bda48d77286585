#!/usr/bin/env bash
# The main job: a real FIX session enforced end to end. A QuickFIX C++ acceptor loads fixprov (on
# its embedded encrypted store) and its admin API; QuickFIX initiators log on, send bursts, are
# throttled, refused, killed and suspended; the summary says what happened (accepted, throttled,
# refused, killed). Installs what it needs (libquickfix-dev, ...) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# --fleet: the same in fleet mode: a local PostgreSQL and two acceptors on it (ffi-examples/cpp/fleet.sh).
if [[ ${1:-} == --fleet ]]; then
    exec bash ffi-examples/cpp/fleet.sh
fi
exec bash ffi-examples/cpp/demo.sh "$@"
