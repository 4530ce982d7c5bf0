#!/usr/bin/env bash
# Builds the package and runs its whole test suite with Swift 6.0.3, the oldest Swift the
# manifest promises (swift-tools-version 6.0), natively on x86-64: in the Debian trixie build
# root that the arm64 cross build uses too (scripts/arm64-toolchain.sh makes it, or reuses
# it), with trixie's Mesa, loader and validation layers. The build goes to .build-swift6.0.
# Needs root (chroot). Ends with swift test's own summary; non-zero when anything failed.
#
# Usage: scripts/test-swift-6.0.sh [--cache DIR] [swift test arguments...]
#   --cache DIR   the toolchain cache (see scripts/arm64-toolchain.sh)
#   e.g. scripts/test-swift-6.0.sh --filter LifeGPUTests
set -euo pipefail
cd "$(dirname "$0")/.."

cache_args=()
case "${1:-}" in
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --cache) cache_args=(--cache "${2:?--cache needs a directory}"); shift 2 ;;
esac
[[ $(id -u) -eq 0 ]] || { echo "test-swift-6.0.sh: error: the build root is a chroot and needs root: sudo $0" >&2; exit 1; }
scripts/arm64-toolchain.sh "${cache_args[@]}"
scripts/arm64-toolchain.sh "${cache_args[@]}" run --bind "$PWD" -- bash -c '
    set -e
    cd "$1"; shift
    swift --version 2>&1 | head -1
    swift build --build-tests --scratch-path .build-swift6.0
    swift test --skip-build --scratch-path .build-swift6.0 "$@"' _ "$PWD" "$@"
