#!/usr/bin/env bash
# Installs what CapitalEngine needs on Debian/Ubuntu, through sudo when not root.
#   scripts/install-deps.sh          build + run: Vulkan loader and headers, Mesa drivers, glslc,
#                                    Xlib and zlib headers, wayland-protocols, libwayland-client
#                                    and libxkbcommon (Wayland windows, loaded when one opens)
#   scripts/install-deps.sh --test   also the validation layers, spirv-tools, NumPy, Xvfb,
#                                    xwd, xdotool and Weston for the tests, and debootstrap, QEMU and
#                                    binutils for the Swift 6.0 and arm64 (Raspberry Pi) tests
set -euo pipefail

packages=(libvulkan-dev libvulkan1 mesa-vulkan-drivers glslc pkg-config libx11-dev zlib1g-dev libdrm-dev
          wayland-protocols libwayland-client0 libxkbcommon0)
if [[ "${1:-}" == "--test" ]]; then
    # Validation layers, spirv-val, NumPy for .npy interop, an X server with screenshot and
    # window tools and Wayland compositors (Weston and sway, headless) for the window tests,
    # wayland-scanner to check the protocol tables against, and YAML and virtual environments for the Kubernetes
    # manifests' checks.
    packages+=(vulkan-validationlayers spirv-tools vulkan-tools python3 python3-numpy xvfb x11-apps xdotool weston sway libwayland-bin
               debootstrap debian-archive-keyring qemu-user-static binutils python3-yaml python3-venv)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    if ! command -v apt-get >/dev/null; then
        echo "error: apt-get not found; install these packages with your package manager: ${missing[*]}" >&2
        exit 1
    fi
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "error: not root and no sudo; install as root: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "Installing: ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v swift >/dev/null; then
    cat >&2 <<'MSG'
error: no Swift toolchain on PATH. CapitalEngine needs Swift 6.0 or newer: install it from
swift.org (e.g. with swiftly), or build and run in the dev container (./run-docker.sh dev).
MSG
    exit 1
fi
