#!/usr/bin/env bash
# Runs on the lent GPU machine, in a checkout carried with .gl and .devbin (made here by
# scripts/prepare-device.sh): installs the carried Vulkan loader, points it at NVIDIA's
# driver and the carried validation layers, and runs scripts/gpu-benchmarks.sh on
# .devbin/CapitalEngine with its results in $OUT (the device tool's folder that comes back).
#
#   scripts/device-benchmarks.sh [PART...]
set -uo pipefail
cd "$(dirname "$0")/.."
for need in .gl/device-setup.sh .devbin/CapitalEngine; do
    [[ -e $need ]] || { echo "error: $need is missing: run scripts/prepare-device.sh here first and carry .gl and .devbin" >&2; exit 1; }
done
[[ -n "${OUT:-}" ]] || { echo "error: OUT is not set (the device tool sets it)" >&2; exit 1; }

. .gl/device-setup.sh .gl
# libdrm and zlib beside the X libraries, never over the machine's own; the layers apart.
for f in .gl/libdrm2_*.deb .gl/zlib1g_*.deb; do dpkg -x "$f" /tmp/xlibs; done
dpkg -x .gl/vulkan-validationlayers_*.deb /tmp/vvl
export LD_LIBRARY_PATH=/tmp/xlibs/lib/x86_64-linux-gnu:/tmp/xlibs/usr/lib/x86_64-linux-gnu:/tmp/vvl/usr/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH
export VK_LAYER_PATH=/tmp/vvl/usr/share/vulkan/explicit_layer.d
exec scripts/gpu-benchmarks.sh .devbin/CapitalEngine "$OUT" "$@"
