#!/usr/bin/env bash
# Makes, or reuses, what building and testing CapitalEngine for arm64 (Raspberry Pi 4/5) on an
# x86-64 Debian/Ubuntu machine needs, from Debian's archive alone, in a cache directory outside
# the checkout (about 6 GB, 5 to 10 minutes the first time):
#   build-root/   Debian trixie amd64 with Swift 6.0.3, glslc and git: the compiler runs
#                 natively in this chroot. It also has what the tests need (Mesa, the
#                 validation layers, Xvfb), so the package is tested with Swift 6.0.3 there.
#   sysroot/      Debian bookworm arm64 with the -dev packages the project links, Mesa's
#                 Vulkan drivers (V3DV, lavapipe) and the loader: the target's libraries,
#                 and the root the arm64 binary runs in under QEMU.
#   rpi-runtime/  bookworm arm64 with the loader and Mesa's drivers alone: what the rpi image
#                 is made of (RPI_MESA_PACKAGES, RPI_APT_SOURCES: see below).
#   sdk/          an aarch64 Swift SDK bundle: that sysroot, trixie's arm64 Swift 6.0.3 runtime
#                 and a small glibc shim, so the binary needs no glibc newer than bookworm's.
#   test-root/    trixie arm64 userland with Swift's dynamic runtime and Mesa, for the
#                 cross-built test bundle (swift-testing has no static runtime in 6.0.3).
# Why trixie's Swift: it is the one Swift with both an amd64 compiler and an arm64 runtime in
# Debian, and a module only loads in the compiler that built it. Needs root (debootstrap,
# chroot); the system's apt sources are never touched (private apt configurations).
#
# Usage: scripts/arm64-toolchain.sh [--cache DIR]                 make what is missing
#        scripts/arm64-toolchain.sh [--cache DIR] run [--bind DIR]... -- COMMAND...
#                         make what is missing, then run COMMAND in the build root, with the
#                         cache and each DIR mounted at their own paths (private mounts that
#                         end with COMMAND); CI, TERM and CAPITALENGINE_* pass through
#        scripts/arm64-toolchain.sh [--cache DIR] --print-cache
#   --cache DIR     where to keep it (default $CAPITALENGINE_ARM64_CACHE, else
#                   /var/cache/capitalengine-arm64)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian); SWIFT_PACKAGE_MIRROR, a
# folder of bare git repositories laid out as OWNER/NAME.git (default /opt/swift-packages when
# it exists), copied into the cache for offline package resolution.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
cache=${CAPITALENGINE_ARM64_CACHE:-/var/cache/capitalengine-arm64}
print_cache=0 action=make binds=() command=()
while (($#)); do
    case "$1" in
        --cache) cache=${2:?--cache needs a directory}; shift 2 ;;
        --print-cache) print_cache=1; shift ;;
        run) action=run; shift ;;
        --bind) [[ $action == run ]] || { echo "arm64-toolchain.sh: error: --bind goes after run" >&2; exit 64; }
                binds+=("$(realpath "${2:?--bind needs a directory}")"); shift 2 ;;
        --) [[ $action == run ]] || { echo "arm64-toolchain.sh: error: -- goes after run" >&2; exit 64; }
            shift; command=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) echo "arm64-toolchain.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
[[ $action == make || ${#command[@]} -gt 0 ]] || { echo "arm64-toolchain.sh: error: run needs -- COMMAND" >&2; exit 64; }
cache=$(realpath -m "$cache")
if ((print_cache)); then echo "$cache"; exit 0; fi

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
note() { echo "arm64-toolchain: $*" >&2; }
fail() { echo "arm64-toolchain: error: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap and chroot): sudo $0"
for tool in debootstrap dpkg-deb apt-get; do
    command -v "$tool" >/dev/null || { note "installing debootstrap"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; break; }
done
[[ -r $keyring ]] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debian-archive-keyring >/dev/null
mkdir -p "$cache"

# A part is ready when its stamp exists; a part cut short is made again from scratch.
ready() { [[ -e $1/.capitalengine-ready ]]; }
mark_ready() { date -u +%FT%TZ > "$1/.capitalengine-ready"; }

# A private apt configuration for one suite and architecture; its empty dpkg status makes
# `install --download-only` fetch the whole dependency closure.
apt_root() {
    local name=$1 suite=$2 arch=$3 extra_sources=${4:-} r=$cache/apt/$1
    mkdir -p "$r/lists/partial" "$r/cache/archives/partial" "$r/state/updates" "$r/etc/preferences.d"
    [[ -e $r/state/status ]] || : > "$r/state/status"
    cat > "$r/apt.conf" <<CONF
APT::Architecture "$arch"; APT::Architectures { "$arch"; };
Dir::Etc::sourcelist "$r/sources.list"; Dir::Etc::sourceparts "-";
Dir::Etc::preferences "$r/etc/preferences"; Dir::Etc::preferencesparts "$r/etc/preferences.d";
Dir::State::Lists "$r/lists"; Dir::State::status "$r/state/status"; Dir::Cache "$r/cache";
Dir::Log "$r"; APT::Install-Recommends "false"; APT::Sandbox::User "root";
CONF
    printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$arch" "$keyring" "$mirror" "$suite" > "$r/sources.list"
    [[ -z $extra_sources ]] || printf '%s\n' "$extra_sources" >> "$r/sources.list"
    APT_CONFIG=$r/apt.conf apt-get update -qq >/dev/null || fail "apt-get update for $suite $arch failed (is $mirror reachable?)"
}
# Downloads PACKAGES and everything they depend on; prints the .deb paths.
download_closure() {
    local name=$1; shift
    local r=$cache/apt/$name
    APT_CONFIG=$r/apt.conf DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only "$@" >/dev/null \
        || fail "downloading $* for $name failed"
    find "$r/cache/archives" -maxdepth 1 -name '*.deb' | sort
}
# Extracts debs into ROOT, keeping the merged-/usr links.
extract_debs() {
    local root=$1; shift
    mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib"
    for dir in bin sbin lib; do [[ -e $root/$dir ]] || ln -s "usr/$dir" "$root/$dir"; done
    local deb
    for deb in "$@"; do dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"; done
}
# lld skips absolute links that point outside the sysroot (and would link libm.a instead of
# libm.so): make every absolute link relative to the root.
relativize_links() {
    local root=$1 link target
    while IFS= read -r -d '' link; do
        target=$(readlink "$link")
        [[ $target == /* ]] || continue
        ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
    done < <(find "$root" -type l -print0)
}

# Runs a command in the build root with /proc, /dev, /sys, the cache and DIRS mounted, in a
# mount namespace of its own: nothing stays mounted when it ends, however it ends.
#   in_build_root DIR... -- COMMAND...
in_build_root() {
    local dirs=("$cache")
    while [[ $1 != -- ]]; do dirs+=("$1"); shift; done
    shift
    local environment=(PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 "TERM=${TERM:-dumb}")
    local name
    for name in $(compgen -e); do
        [[ $name == CI || $name == CAPITALENGINE_* ]] && environment+=("$name=${!name}")
    done
    unshare --mount --propagation private -- bash -c '
        set -e
        root=$1 count=$2; shift 2
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        for ((i = 0; i < count; i++)); do mkdir -p "$root$1"; mount --bind "$1" "$root$1"; shift; done
        exec chroot "$root" /usr/bin/env -i "$@"' _ "$build_root" "${#dirs[@]}" "${dirs[@]}" "${environment[@]}" "$@"
}

# --- the build root: trixie amd64, Swift 6.0.3 ------------------------------------------------
build_root=$cache/build-root
build_root_packages=(
    swiftlang git ca-certificates pkg-config glslc binutils gcc g++ libc6-dev libstdc++-14-dev
    libvulkan-dev libx11-dev libdrm-dev zlib1g-dev wayland-protocols
    # The tests, run here with Swift 6.0.3 (the Wayland window's need Weston, which is not here).
    mesa-vulkan-drivers vulkan-validationlayers spirv-tools vulkan-tools python3 python3-numpy
    xvfb x11-apps xdotool xauth procps bc
)
# apt-get install of the build root's packages inside it (what is there already is kept).
install_in_build_root() {
    cp /etc/resolv.conf "$build_root/etc/resolv.conf"
    unshare --mount --propagation private -- bash -c '
        set -e
        mount -t proc proc "$1/proc"
        chroot "$1" apt-get update -qq
        chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${@:2}"
        chroot "$1" apt-get clean' _ "$build_root" "${build_root_packages[@]}" >> "$cache/build-root.log" 2>&1
}
if ! ready "$build_root"; then
    rm -rf "$build_root" "$cache/build-root.log"
    start=$SECONDS
    note "making the trixie amd64 build root with Swift 6.0.3 (about 6 minutes)"
    debootstrap --variant=minbase --keyring="$keyring" trixie "$build_root" "$mirror" > "$cache/debootstrap.log" 2>&1 \
        || fail "debootstrap of trixie failed: see $cache/debootstrap.log"
    install_in_build_root || fail "installing Swift and the build tools in the build root failed: see $cache/build-root.log"
    in_build_root -- swift --version 2>&1 | head -1 >&2 || fail "Swift does not run in the build root"
    echo "${build_root_packages[*]}" > "$build_root/.capitalengine-packages"
    mark_ready "$build_root"
    note "build root ready in $((SECONDS - start)) s"
fi
# A build root made for an older list gets what the list gained, without being made again.
if [[ $(cat "$build_root/.capitalengine-packages" 2>/dev/null) != "${build_root_packages[*]}" ]]; then
    note "adding to the build root: what its package list gained"
    install_in_build_root || fail "installing the build root's new packages failed: see $cache/build-root.log"
    echo "${build_root_packages[*]}" > "$build_root/.capitalengine-packages"
fi

# --- the Swift packages, for builds with no network ---------------------------------------------
# The package's dependencies are read from a copy of the local mirror's repositories (git's
# insteadOf in the build root), so the build root needs no network and no host paths.
package_mirror=${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}
if [[ -d $package_mirror ]]; then
    dependencies=(apple/swift-argument-parser.git)
    for dependency in "${dependencies[@]}"; do
        if [[ ! -d $cache/spm-mirror/$dependency ]] || [[ $package_mirror/$dependency -nt $cache/spm-mirror/$dependency ]]; then
            rm -rf "${cache:?}/spm-mirror/$dependency"
            mkdir -p "$(dirname "$cache/spm-mirror/$dependency")"
            cp -a "$package_mirror/$dependency" "$cache/spm-mirror/$dependency"
        fi
    done
    if ! grep -qF "$cache/spm-mirror/" "$build_root/etc/gitconfig" 2>/dev/null; then
        chroot "$build_root" git config --system url."$cache/spm-mirror/".insteadOf https://github.com/
        chroot "$build_root" git config --system --add safe.directory '*'
    fi
fi

# --- the sysroot: bookworm arm64 --------------------------------------------------------------
sysroot=$cache/sysroot
if ! ready "$sysroot"; then
    rm -rf "$sysroot" "$cache/apt/bookworm-arm64"
    start=$SECONDS
    note "making the bookworm arm64 sysroot"
    apt_root bookworm-arm64 bookworm arm64
    mapfile -t debs < <(download_closure bookworm-arm64 libc6-dev libgcc-12-dev libstdc++-12-dev libvulkan-dev \
        libx11-dev libxext6 libdrm-dev zlib1g-dev libvulkan1 vulkan-validationlayers mesa-vulkan-drivers)
    extract_debs "$sysroot" "${debs[@]}"
    relativize_links "$sysroot"
    rm -f "$cache/sdk/.capitalengine-ready"   # the SDK's runtime lives in the sysroot
    mark_ready "$sysroot"
    note "sysroot ready (${#debs[@]} packages) in $((SECONDS - start)) s"
fi

# --- the rpi image's runtime: bookworm arm64 -------------------------------------------------
# What the capitalengine:rpi image holds besides the binary: the loader, Xlib, libwayland-client
# and libxkbcommon (Wayland windows), libdrm, zlib and Mesa's Vulkan drivers (V3DV, lavapipe). RPI_MESA_PACKAGES and RPI_APT_SOURCES let a Raspberry
# Pi 5 owner take a newer Mesa (bookworm's 22.3 predates the Pi 5's V3D 7.1), e.g.
# RPI_APT_SOURCES="deb [signed-by=KEYRING] URL bookworm main" with that archive's Mesa.
rpi_runtime=$cache/rpi-runtime
mesa_packages=${RPI_MESA_PACKAGES:-mesa-vulkan-drivers}
rpi_base_packages=(libvulkan1 libx11-6 libxext6 libwayland-client0 libxkbcommon0 libdrm2 zlib1g libstdc++6)
rpi_key="${rpi_base_packages[*]}|$mesa_packages|${RPI_APT_SOURCES:-}"
if ! ready "$rpi_runtime" || [[ $(cat "$rpi_runtime/.capitalengine-packages" 2>/dev/null) != "$rpi_key" ]]; then
    rm -rf "$rpi_runtime" "$cache/apt/rpi-runtime"
    note "making the rpi image's arm64 runtime ($mesa_packages)"
    apt_root rpi-runtime bookworm arm64 "${RPI_APT_SOURCES:-}"
    read -r -a mesa_list <<<"$mesa_packages"
    mapfile -t debs < <(download_closure rpi-runtime "${rpi_base_packages[@]}" "${mesa_list[@]}")
    extract_debs "$rpi_runtime" "${debs[@]}"
    relativize_links "$rpi_runtime"
    rm -f "$cache"/apt/rpi-runtime/cache/archives/*.deb
    echo "$rpi_key" > "$rpi_runtime/.capitalengine-packages"
    mark_ready "$rpi_runtime"
fi

# --- trixie's arm64 Swift runtime ---------------------------------------------------------------
runtime=$cache/swift-runtime-arm64
# swiftlang holds the static runtime and the resource folders, libswiftlang the shared runtime
# (which the test bundle links).
if ! ready "$runtime" || [[ ! -e $runtime/lib/swift/linux/libswiftCore.so ]]; then
    rm -rf "$runtime" "$cache/apt/trixie-arm64"
    note "fetching trixie's arm64 Swift 6.0.3 runtime"
    apt_root trixie-arm64 trixie arm64
    r=$cache/apt/trixie-arm64
    (cd "$r/cache/archives" && APT_CONFIG=$r/apt.conf apt-get download -qq swiftlang libswiftlang >/dev/null) \
        || fail "downloading trixie's arm64 swiftlang failed"
    mkdir -p "$runtime/extract"
    dpkg-deb --fsys-tarfile "$r"/cache/archives/swiftlang_*_arm64.deb \
        | tar -x -C "$runtime/extract" ./usr/libexec/swift/lib/swift ./usr/libexec/swift/lib/swift_static ./usr/libexec/swift/lib/clang
    dpkg-deb --fsys-tarfile "$r"/cache/archives/libswiftlang_*_arm64.deb | tar -x -C "$runtime/extract" ./usr/libexec/swift/lib/swift
    mv "$runtime/extract/usr/libexec/swift/lib" "$runtime/lib"
    rm -rf "$runtime/extract" "$r"/cache/archives/*swiftlang_*.deb
    rm -f "$cache/sdk/.capitalengine-ready" "$cache/test-root/.capitalengine-ready"
    mark_ready "$runtime"
fi

# --- the Swift SDK bundle ---------------------------------------------------------------------
sdk=$cache/sdk
bundle=$sdk/capitalengine-aarch64.artifactbundle
variant=$bundle/capitalengine-aarch64
shim_source=$(dirname "$(realpath "$0")")/arm64-glibc-shim.c
if ! ready "$sdk" || ! cmp -s "$shim_source" "$variant/glibc-shim.c"; then
    rm -rf "$sdk"
    note "making the aarch64 Swift SDK bundle"
    for dir in swift swift_static clang; do
        rm -rf "${sysroot:?}/usr/lib/$dir"
        cp -a "$runtime/lib/$dir" "$sysroot/usr/lib/$dir"
    done
    mkdir -p "$variant"
    cp "$shim_source" "$variant/glibc-shim.c"
    # Compiled by the build root's clang, against the bookworm sysroot.
    in_build_root -- /usr/libexec/swift/bin/clang --target=aarch64-linux-gnu --sysroot="$sysroot" -O2 -fPIC \
        -c "$variant/glibc-shim.c" -o "$variant/glibc-shim.o" || fail "compiling the glibc shim failed"
    mark_ready "$sdk"
fi
# The descriptions are cheap: written every time, so they always name this cache's paths.
# No supportedTriples: Debian's Swift calls its host x86_64-pc-linux-gnu, swift.org's
# x86_64-unknown-linux-gnu.
cat > "$bundle/info.json" <<JSON
{
  "schemaVersion": "1.0",
  "artifacts": {
    "capitalengine-aarch64": {
      "type": "swiftSDK",
      "version": "6.0.3",
      "variants": [{"path": "capitalengine-aarch64"}]
    }
  }
}
JSON
cat > "$variant/swift-sdk.json" <<JSON
{
  "schemaVersion": "4.0",
  "targetTriples": {
    "aarch64-unknown-linux-gnu": {
      "sdkRootPath": "$sysroot",
      "swiftResourcesPath": "$sysroot/usr/lib/swift",
      "swiftStaticResourcesPath": "$sysroot/usr/lib/swift_static",
      "toolsetPaths": ["toolset.json"]
    }
  }
}
JSON
cat > "$variant/toolset.json" <<JSON
{
  "schemaVersion": "1.0",
  "rootPath": "/usr/libexec/swift/bin",
  "swiftCompiler": {"extraCLIOptions": ["-use-ld=lld", "-Xlinker", "$variant/glibc-shim.o"]},
  "cxxCompiler": {"extraCLIOptions": ["-lstdc++"]},
  "linker": {"path": "ld.lld"}
}
JSON

# --- the arm64 test root: trixie, for the test bundle's dynamic Swift runtime -----------------
test_root=$cache/test-root
if ! ready "$test_root"; then
    rm -rf "$test_root"
    start=$SECONDS
    note "making the trixie arm64 root for the cross-built tests"
    [[ -e $cache/apt/trixie-arm64/apt.conf ]] || apt_root trixie-arm64 trixie arm64
    rm -f "$cache"/apt/trixie-arm64/cache/archives/*.deb
    mapfile -t debs < <(download_closure trixie-arm64 libc6 libstdc++6 libgcc-s1 libvulkan1 mesa-vulkan-drivers \
        vulkan-validationlayers libx11-6 libxext6 libdrm2 zlib1g)
    extract_debs "$test_root" "${debs[@]}"
    relativize_links "$test_root"
    mkdir -p "$test_root/usr/lib/swift"
    cp -a "$runtime/lib/swift/linux" "$test_root/usr/lib/swift/linux"
    mkdir -p "$test_root/etc/ld.so.conf.d"
    echo /usr/lib/swift/linux > "$test_root/etc/ld.so.conf.d/swift.conf"
    rm -f "$cache"/apt/trixie-arm64/cache/archives/*.deb
    mark_ready "$test_root"
    note "test root ready (${#debs[@]} packages) in $((SECONDS - start)) s"
fi

if [[ $action == run ]]; then
    in_build_root "${binds[@]}" -- "${command[@]}"
else
    note "ready in $cache ($(du -sh "$cache" 2>/dev/null | cut -f1))"
fi
