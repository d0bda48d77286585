#!/usr/bin/env bash
# The main job of the C++ integration: from a fresh machine, install what is needed, build, start a
# QuickFIX C++ acceptor enforced by fixprov with its admin HTTP API, provision users, run QuickFIX
# initiators (a wrong password, a burst past the tier, a second session, a kill over HTTP, a
# suspension, an escalation) and print what happened: accepted, throttled, refused, killed.
# The same scenarios as e2e.sh, told as a story; every count is still checked.
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/e2e.sh" --demo
