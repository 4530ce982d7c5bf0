#!/usr/bin/env bash
# Prepares a checkout for the lent GPU machine, which has NVIDIA's Vulkan driver but no Vulkan
# loader, no Swift and no network: builds a release binary with the Swift runtime linked in
# (.devbin/CapitalEngine) and downloads the loader, the X client libraries, libdrm, zlib and
# the validation layers as Debian packages (.gl/), both kept out of git. Device time is short
# (minutes a session), so everything that can happen here happens here.
#
#   scripts/prepare-device.sh [FETCH_SCRIPT]
#
# FETCH_SCRIPT: the workplace's loader download script (default ../shared/device/fetch-vulkan-debs.sh
# beside the checkout). Then, with the device tool, carrying .gl and .devbin:
#
#   scripts/device-benchmarks.sh [PART...]      # on the machine; see scripts/gpu-benchmarks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
fetch=${1:-../shared/device/fetch-vulkan-debs.sh}
if [[ ! -x "$fetch" ]]; then
    echo "error: no loader download script at $fetch (pass its path as the first argument)" >&2
    exit 1
fi

swift build -c release --static-swift-stdlib --product CapitalEngine
mkdir -p .devbin
cp .build/release/CapitalEngine .devbin/
strip .devbin/CapitalEngine

"$fetch" .gl >/dev/null
# What the binary links besides the loader (libdrm, zlib), and the validation layers for the
# validate part; the package lists are the ones the fetch script just updated.
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64-lists'
(cd .gl && apt-get $o download vulkan-validationlayers libdrm2 zlib1g 2>&1 |
    grep -v '^W: Download is performed unsandboxed' || true)
for package in libvulkan1 vulkan-validationlayers libdrm2 zlib1g; do
    compgen -G ".gl/${package}_*.deb" >/dev/null || { echo "error: .gl lacks $package" >&2; exit 1; }
done

for path in /.gl/ /.devbin/; do
    grep -qxF "$path" .git/info/exclude 2>/dev/null || echo "$path" >>.git/info/exclude
done
echo "ready: .devbin/CapitalEngine ($(du -h .devbin/CapitalEngine | cut -f1)), $(ls .gl/*.deb | wc -l) packages in .gl"
echo "device tool: carry [\".gl\", \".devbin\"], command: scripts/device-benchmarks.sh [PART...]"
