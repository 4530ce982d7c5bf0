#!/usr/bin/env bash
# Makes the capitalengine:rpi image (linux/arm64, for a Raspberry Pi 4/5) on an x86-64 machine
# without compiling anything under emulation: the cross-built binary (scripts/build-arm64.sh)
# and an arm64 runtime root of Debian bookworm packages (the Vulkan loader, Mesa's V3DV and
# lavapipe drivers with their manifests, and their shared-library closure), FROM scratch,
# non-root, like the mesa image. Nothing runs at build time, so it builds in seconds once the
# binary is there. Needs root (the cross build's chroot) and a Docker engine.
#
# Usage: docker/build-rpi-image.sh [--cache DIR] [--tag NAME]
#   --cache DIR   the arm64 toolchain cache (see scripts/arm64-toolchain.sh)
#   --tag NAME    the image's name (default capitalengine:rpi)
# Environment: RPI_MESA_PACKAGES, RPI_APT_SOURCES: a newer Mesa for a Raspberry Pi 5
# (bookworm's 22.3 predates its V3D 7.1; see scripts/arm64-toolchain.sh).
# On an arm64 machine (the Pi itself) the image is built natively from docker/Dockerfile
# instead (./run-docker.sh rpi does either).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
cache_args=() tag=capitalengine:rpi
while (($#)); do
    case "$1" in
        --cache) cache_args=(--cache "${2:?--cache needs a directory}"); shift 2 ;;
        --tag) tag=${2:?--tag needs a name}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-rpi-image.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
fail() { echo "build-rpi-image.sh: error: $*" >&2; exit 1; }

scripts/build-arm64.sh "${cache_args[@]}" >&2 || fail "the arm64 cross build failed"
cache=$(scripts/arm64-toolchain.sh "${cache_args[@]}" --print-cache)
context=$(mktemp -d /tmp/capitalengine-rpi.XXXXXX)
trap 'rm -rf "$context"' EXIT
docker/collect-rootfs.sh --from "$cache/rpi-runtime" "$context/rootfs" out/arm64/CapitalEngine
# The run-time settings of docker/Dockerfile's mesa image, which this image is on arm64. A
# read-only root file system still needs somewhere for Mesa's shader cache: /tmp (tmpfs).
cat > "$context/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV XDG_CACHE_HOME=/tmp/.cache HOME=/data PATH=/usr/local/bin:/usr/bin
WORKDIR /data
USER 10001:10001
HEALTHCHECK --interval=5m --timeout=60s CMD ["CapitalEngine", "devices"]
ENTRYPOINT ["CapitalEngine"]
CMD ["run", "--headless"]
DOCKERFILE
# The classic builder: it records the platform of a FROM scratch image as asked (BuildKit
# needs buildx, and `docker import --platform` is ignored by Docker 20.10).
DOCKER_BUILDKIT=0 docker build -q --platform linux/arm64 -t "$tag" "$context" >/dev/null || fail "docker build of $tag failed"
echo "$tag: linux/$(docker image inspect "$tag" --format '{{.Architecture}}'), $(( $(docker image inspect "$tag" --format '{{.Size}}') / 1000000 )) MB" >&2
