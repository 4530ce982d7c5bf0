#!/usr/bin/env bash
# Builds an arm64 (aarch64) CapitalEngine binary for a Raspberry Pi 4/5, into out/arm64/.
#   On an arm64 machine (the Pi itself): a native release build.
#   On x86-64: a cross build with a Swift SDK for aarch64 Debian bookworm, which
#   swift-sdk-generator makes (https://github.com/swiftlang/swift-sdk-generator):
#       swift run swift-sdk-generator make-linux-sdk --target aarch64-unknown-linux-gnu \
#           --distribution-name debian --distribution-version 12
#       swift sdk install Bundles/<the bundle it prints>
#   The SDK's sysroot must also hold the arm64 -dev packages this project links
#   (libvulkan-dev libx11-dev libdrm-dev zlib1g-dev). Building under QEMU user emulation
#   (docker buildx --platform linux/arm64) is known to crash the Swift compiler: do not.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/arm64

case "$(uname -m)" in
    aarch64|arm64)
        scripts/install-deps.sh
        swift build -c release --static-swift-stdlib --product CapitalEngine
        cp .build/release/CapitalEngine out/arm64/CapitalEngine
        ;;
    *)
        sdk=$(swift sdk list 2>/dev/null | grep -i aarch64 | head -1 || true)
        if [[ -z "$sdk" ]]; then
            sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2
            echo "error: no aarch64 Swift SDK installed (swift sdk list); make one as above" >&2
            exit 1
        fi
        swift build -c release --static-swift-stdlib --product CapitalEngine --swift-sdk "$sdk" \
            --scratch-path .build-arm64
        cp .build-arm64/release/CapitalEngine out/arm64/CapitalEngine
        ;;
esac
file out/arm64/CapitalEngine 2>/dev/null || true
echo "out/arm64/CapitalEngine: copy it to the Pi and run ./CapitalEngine doctor" >&2
