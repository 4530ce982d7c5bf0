#!/usr/bin/env bash
# Makes the base images the Dockerfile builds FROM when no image registry is reachable
# (air-gapped sites, and machines where Docker Hub is blocked):
#   debian:bookworm-slim          from a Debian mirror with debootstrap, then docker import
#   capitalengine/swift-builder   that base plus the Swift toolchain already on this machine
# Images that already exist are kept. Needs root (debootstrap) and a running Docker engine.
#
# Usage: docker/build-base-images.sh [--debian-mirror URL] [--swift-toolchain DIR]
set -euo pipefail

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
toolchain=${SWIFT_TOOLCHAIN:-}
while (($#)); do
    case "$1" in
        --debian-mirror) mirror=$2; shift 2 ;;
        --swift-toolchain) toolchain=$2; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "error: unknown argument $1" >&2; exit 64 ;;
    esac
done

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
work=$(mktemp -d /tmp/capitalengine-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! have_image debian:bookworm-slim; then
    command -v debootstrap >/dev/null || { echo "error: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
    echo "building debian:bookworm-slim from $mirror with debootstrap" >&2
    debootstrap --variant=minbase bookworm "$work/root" "$mirror" >/dev/null
    # What a slim image leaves out: documentation, locales, apt lists and caches.
    rm -rf "$work"/root/usr/share/{doc,man,info,locale}/* "$work"/root/var/lib/apt/lists/* "$work"/root/var/cache/apt/*
    tar -C "$work/root" -c . | docker import - debian:bookworm-slim >/dev/null
    rm -rf "$work/root"
fi
# A plain `FROM debian:bookworm` must not reach for Docker Hub either.
have_image debian:bookworm || docker tag debian:bookworm-slim debian:bookworm

if ! have_image capitalengine/swift-builder:bookworm; then
    if [[ -z "$toolchain" ]]; then
        swift_bin=$(command -v swift || true)
        [[ -n "$swift_bin" ]] || { echo "error: no Swift toolchain here to make the builder image from; pass --swift-toolchain DIR (the folder holding usr/)" >&2; exit 1; }
        toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_bin")")")")
    fi
    echo "building capitalengine/swift-builder:bookworm from the toolchain in $toolchain" >&2
    mkdir -p "$work/context"
    # Hard links where possible: the toolchain is gigabytes. The debugger and the editor
    # service are not needed to build.
    cp -al "$toolchain/usr" "$work/context/usr" 2>/dev/null || cp -a "$toolchain/usr" "$work/context/usr"
    rm -rf "$work"/context/usr/lib/liblldb* "$work"/context/usr/bin/lldb* "$work"/context/usr/lib/libsourcekitdInProc.so \
        "$work"/context/usr/bin/sourcekit-lsp "$work"/context/usr/bin/repl_swift
    cat > "$work/context/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        binutils gcc libc6-dev libstdc++-12-dev libcurl4-openssl-dev libxml2-dev libsqlite3-dev libncurses-dev \
        libedit-dev libicu-dev uuid-dev zlib1g-dev pkg-config tzdata git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY usr /usr
DOCKERFILE
    docker build -q -t capitalengine/swift-builder:bookworm "$work/context" >/dev/null
fi
echo "base images ready: debian:bookworm-slim, capitalengine/swift-builder:bookworm" >&2
