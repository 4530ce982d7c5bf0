#!/usr/bin/env bash
# Checks the formatting of the targets already kept to .swift-format (lines of at most 120
# characters, among its rules) with the toolchain's `swift format`: nothing to reformat and
# no line too long. A target joins FORMATTED once `swift format format -i -r` and a pass over
# its long string literals leave it clean.
set -euo pipefail
cd "$(dirname "$0")/.."
FORMATTED=(Sources/Simulation Tests/SimulationTests Sources/Present Sources/Engine/Vulkan)
swift format lint --strict -r "${FORMATTED[@]}"
long=$(find "${FORMATTED[@]}" -name '*.swift' -exec awk 'length > 120 { print FILENAME ":" FNR ": " length " characters" }' {} +)
if [[ -n $long ]]; then
    echo "check-format.sh: lines over 120 characters:" >&2
    echo "$long" >&2
    exit 1
fi
echo "check-format.sh: ${FORMATTED[*]} formatted"
