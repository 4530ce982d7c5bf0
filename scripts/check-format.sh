#!/usr/bin/env bash
# Checks the formatting of every Swift file against .swift-format (lines of at most 120
# characters, among its rules) with the toolchain's `swift format`: nothing to reformat and
# no line too long. `swift format format -i -r Sources Tests Plugins` fixes most of what it
# finds; a string literal too long for a line becomes a multi-line literal with `\`
# continuations, which leaves its value as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
FORMATTED=(Sources Tests Plugins Package.swift)
swift format lint --strict -r "${FORMATTED[@]}"
long=$(find "${FORMATTED[@]}" -name '*.swift' -exec awk 'length > 120 { print FILENAME ":" FNR ": " length " characters" }' {} +)
if [[ -n $long ]]; then
    echo "check-format.sh: lines over 120 characters:" >&2
    echo "$long" >&2
    exit 1
fi
echo "check-format.sh: ${FORMATTED[*]} formatted"
