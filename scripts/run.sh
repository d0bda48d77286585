#!/usr/bin/env bash
# The main job: a FIX session's inbound messages enforced end to end through the C ABI, with a
# readable summary (accepted, throttled, refused, killed).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo (Rust 1.85 or newer) is required" >&2; exit 1; }
cargo run --release --quiet --example session
