#!/usr/bin/env bash
# Builds CapitalEngine for a Raspberry Pi 4/5 (arm64, aarch64) into out/arm64/CapitalEngine: a
# release binary with the Swift runtime linked in, which runs on Raspberry Pi OS and Debian 12
# (bookworm) or newer with only the Vulkan loader and Mesa installed.
#
#   On an arm64 machine (the Pi itself): a native release build with the Swift on PATH.
#   On x86-64: a cross build, offline once its toolchain is made. The compiler runs natively:
#   Debian trixie's Swift 6.0.3 in a chroot, with an aarch64 Swift SDK made from Debian's
#   archive (scripts/arm64-toolchain.sh: 5 to 10 minutes and about 6 GB the first time, in a cache
#   outside the checkout, reused afterwards). Needs root for the chroot. Nothing is compiled
#   under emulation: Swift's compiler crashes under QEMU.
#
# Usage: scripts/build-arm64.sh [--cache DIR] [--tests]
#   --cache DIR   the toolchain cache (default $CAPITALENGINE_ARM64_CACHE, else
#                 /var/cache/capitalengine-arm64)
#   --tests       also cross-build the test bundle (x86-64 only), into .build-arm64-tests
# Then on the Pi:  scp out/arm64/CapitalEngine pi@raspberrypi.local: && ssh pi@raspberrypi.local ./CapitalEngine doctor
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
cache_args=() tests=0
while (($#)); do
    case "$1" in
        --cache) cache_args=(--cache "${2:?--cache needs a directory}"); shift 2 ;;
        --tests) tests=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-arm64.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
fail() { echo "build-arm64.sh: error: $*" >&2; exit 1; }
mkdir -p out/arm64

case "$(uname -m)" in
    aarch64|arm64)
        ((tests == 0)) || fail "--tests is for cross builds; on arm64 run swift test"
        scripts/install-deps.sh
        swift build -c release --static-swift-stdlib --product CapitalEngine
        install -m 0755 .build/release/CapitalEngine out/arm64/CapitalEngine.partial
        ;;
    x86_64|amd64)
        [[ $(id -u) -eq 0 ]] || fail "the cross build runs the compiler in a chroot and needs root: sudo $0"
        toolchain=(scripts/arm64-toolchain.sh "${cache_args[@]}")
        "${toolchain[@]}"
        cache=$("${toolchain[@]}" --print-cache)
        sysroot=$cache/sysroot
        pkgconfig="$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig"
        sdk=(--swift-sdks-path "$cache/sdk" --swift-sdk capitalengine-aarch64)
        # pkg-config must look in the sysroot only: otherwise SwiftPM adds the host's
        # /usr/lib/x86_64-linux-gnu to the link, and lld meets x86-64 archives.
        # A command in the build root, in this checkout, with that pkg-config.
        in_checkout=("${toolchain[@]}" run --bind "$PWD" -- env PKG_CONFIG_SYSROOT_DIR="$sysroot" PKG_CONFIG_LIBDIR="$pkgconfig"
                     PKG_CONFIG_PATH="$pkgconfig" bash -c 'cd "$1" && shift && "$@"' _ "$PWD")
        "${in_checkout[@]}" swift build -c release --product CapitalEngine --static-swift-stdlib "${sdk[@]}" --scratch-path .build-arm64 \
                -Xlinker --strip-all \
            || fail "the cross build failed"
        install -m 0755 .build-arm64/release/CapitalEngine out/arm64/CapitalEngine.partial
        if ((tests)); then
            # swift-testing has no static runtime in Swift 6.0.3: the bundle links the dynamic
            # one, which needs a newer glibc than the sysroot's, and runs in the trixie arm64
            # test root (scripts/test-arm64.sh).
            "${in_checkout[@]}" swift build --build-tests "${sdk[@]}" --scratch-path .build-arm64-tests -Xlinker --allow-shlib-undefined \
                || fail "the cross build of the tests failed"
        fi
        ;;
    *) fail "unsupported build machine $(uname -m): build on the Pi itself or on x86-64" ;;
esac

# What a Pi running bookworm needs: an aarch64 ELF, and glibc 2.36 at most (scripts/test-arm64.sh
# also checks the libraries it links).
binary=out/arm64/CapitalEngine.partial
if command -v readelf >/dev/null; then
    machine=$(readelf -h "$binary" | sed -n 's/.*Machine:[[:space:]]*//p')
    [[ $machine == AArch64 ]] || fail "the binary is for '$machine', not AArch64"
    newest=$(readelf -V "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
    [[ $(printf '%s\n' "$newest" GLIBC_2.36 | sort -V | tail -1) == GLIBC_2.36 ]] \
        || fail "the binary needs $newest, newer than bookworm's glibc 2.36"
fi
mv -f "$binary" out/arm64/CapitalEngine
echo "out/arm64/CapitalEngine: $(du -h out/arm64/CapitalEngine | cut -f1), aarch64, glibc ${newest:-?} at most" >&2
if [[ $(uname -m) == aarch64 || $(uname -m) == arm64 ]]; then
    echo "Next: out/arm64/CapitalEngine doctor" >&2
else
    cat >&2 <<'NEXT'
On the Pi (Raspberry Pi OS or Debian 12; sudo apt install libvulkan1 mesa-vulkan-drivers):
    scp out/arm64/CapitalEngine pi@raspberrypi.local:
    ssh pi@raspberrypi.local ./CapitalEngine doctor
NEXT
fi
