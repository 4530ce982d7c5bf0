#!/usr/bin/env bash
# Installs what is missing, builds a release binary and runs a simulation on the best
# device. Arguments are passed to `CapitalEngine run` (default: a 4096-particle Plummer sphere).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product CapitalEngine >&2
exec .build/release/CapitalEngine run "$@"
