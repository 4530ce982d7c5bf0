#!/usr/bin/env bash
# Runs CapitalEngine in a container that uses the host's GPU driver.
set -euo pipefail

usage() {
    cat <<'HELP'
Usage: ./run-docker.sh MODE [CapitalEngine arguments...]

Modes:
  mesa     AMD, Intel and other Mesa GPUs through /dev/dri (lavapipe on the CPU when there is
           no GPU). Default arguments: run --output out/final.npy
  nvidia   NVIDIA GPUs through the NVIDIA container toolkit (--gpus all, with the graphics
           and display capabilities Vulkan and windows need).
  rpi      Raspberry Pi 4/5 (linux/arm64) through /dev/dri; /dev/vchiq only when present.
           On the Pi the image is built there; on an x86-64 machine it is assembled from a
           cross-built binary (docker/build-rpi-image.sh, root) and runs under QEMU
           (docker/register-binfmt.sh), for trying it out before copying it to a Pi.
  dev      The development container: the source mounted at /workspace, the build cache in
           the volume capitalengine-build. Default command: swift build.
  build    Build the images: mesa, nvidia and dev, or those named (`build rpi`). Without
           Docker Hub, the base images are made from the Debian mirror and this machine's Swift
           toolchain (docker/build-base-images.sh).
  doctor   Run `CapitalEngine doctor` in the mesa container: what is missing, and the fix.

Images are built when missing. Containers run hardened: read-only root, no capabilities,
no-new-privileges, no network, as you (files in ./out are yours). With DISPLAY set, the X
socket and a cookie for it are passed in (never `xhost +`); without it, runs are headless.

Examples:
  ./run-docker.sh mesa run --particles 8192 --steps 2000 --png out/final.png
  ./run-docker.sh nvidia bench --particles 65536 262144
  ./run-docker.sh mesa run --window 1280x800 --model galaxies
  ./run-docker.sh dev swift test
HELP
}

fail() { echo "run-docker.sh: error: $*" >&2; exit 1; }
note() { echo "run-docker.sh: $*" >&2; }

cd "$(dirname "$0")"
mode=${1:-}
case "$mode" in
    -h|--help|help) usage; exit 0 ;;
    mesa|nvidia|rpi|dev|build|doctor) shift ;;
    "") usage >&2; exit 64 ;;
    *) echo "run-docker.sh: error: unknown mode '$mode'" >&2; usage >&2; exit 64 ;;
esac

command -v docker >/dev/null || fail "the docker command is not installed (Debian/Ubuntu: apt-get install docker.io)"
docker info >/dev/null 2>&1 || fail "no Docker engine is reachable: start it (sudo systemctl start docker), check DOCKER_HOST, or add yourself to the docker group"

builder_image=${BUILDER_IMAGE:-swift:6.0-bookworm}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# Swift package dependencies for builds without GitHub: copies of the machine's own mirrors.
prepare_package_mirror() {
    local source=${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}
    [[ -d "$source/apple/swift-argument-parser.git" ]] || return 0
    mkdir -p docker/spm-mirror/apple
    [[ -d docker/spm-mirror/apple/swift-argument-parser.git ]] || cp -a "$source/apple/swift-argument-parser.git" docker/spm-mirror/apple/
}

build_images() {
    local targets=("$@")
    if [[ -z "${BUILDER_IMAGE:-}" ]] && ! have_image "$builder_image" && have_image capitalengine/swift-builder:bookworm; then
        builder_image=capitalengine/swift-builder:bookworm
    fi
    if ! have_image "$builder_image" && ! timeout 120 docker pull -q "$builder_image" >/dev/null 2>&1; then
        note "$builder_image cannot be pulled; making the base images locally"
        if [[ $(id -u) -ne 0 ]]; then fail "making base images offline needs root (debootstrap): sudo ./run-docker.sh build"; fi
        docker/build-base-images.sh
        builder_image=capitalengine/swift-builder:bookworm
    fi
    have_image debian:bookworm-slim || timeout 120 docker pull -q debian:bookworm-slim >/dev/null 2>&1 \
        || { [[ $(id -u) -eq 0 ]] && docker/build-base-images.sh; } || fail "debian:bookworm-slim is missing and cannot be pulled"
    prepare_package_mirror
    for target in "${targets[@]}"; do
        local build_args=() tag=$target
        # On the Pi the mesa target is the rpi image, with RPI_MESA_PACKAGES' Mesa.
        if [[ $target == rpi ]]; then target=mesa; build_args=(--build-arg "MESA_PACKAGES=${RPI_MESA_PACKAGES:-mesa-vulkan-drivers}"); fi
        note "building capitalengine:$tag"
        docker build -q "${build_args[@]}" -f docker/Dockerfile --target "$target" \
            --build-arg BUILDER_IMAGE="$builder_image" -t "capitalengine:$tag" . >/dev/null
    done
}

# The rpi image: built natively on an arm64 machine; elsewhere assembled from the cross-built
# binary, since Swift's compiler crashes under emulation.
build_rpi_image() {
    case "$(uname -m)" in
        aarch64|arm64) build_images rpi ;;
        *)
            [[ $(id -u) -eq 0 ]] || fail "the rpi image is cross-built on this $(uname -m) machine, in a chroot: sudo ./run-docker.sh rpi"
            note "building capitalengine:rpi from a cross-built arm64 binary (the first time: about 10 minutes)"
            docker/build-rpi-image.sh
            ;;
    esac
}

ensure_image() {
    have_image "capitalengine:$1" && return
    if [[ $1 == rpi ]]; then build_rpi_image; else build_images "$1"; fi
}

# Flags shared by every run: hardening, the invoking user, ./out, and X11 when there is a display.
# The tuning cache lives in ./out: anywhere else in a read-only container is a tmpfs, and
# `tune` would be forgotten when the container ends.
run_flags=(--rm --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true --network none
           --user "$(id -u):$(id -g)" -v "$PWD/out:/data/out" -w /data
           -e "CAPITALENGINE_TUNE_CACHE=/data/out/tuning.json")
[[ -t 0 && -t 1 ]] && run_flags+=(-it)
mkdir -p out

if [[ -n "${DISPLAY:-}" ]]; then
    command -v xauth >/dev/null || fail "DISPLAY is set but xauth is missing (apt-get install xauth); unset DISPLAY to run headless"
    cookie=$(mktemp /tmp/capitalengine-xauth.XXXXXX)
    trap 'rm -f "$cookie"' EXIT
    # FamilyWild (ffff): the cookie works whatever the container's host name is.
    xauth nlist "$DISPLAY" 2>/dev/null | sed 's/^..../ffff/' | xauth -f "$cookie" nmerge - 2>/dev/null || true
    chmod 644 "$cookie"
    run_flags+=(-e "DISPLAY=$DISPLAY" -e XAUTHORITY=/tmp/.Xauthority-host -v "$cookie:/tmp/.Xauthority-host:ro"
                -v /tmp/.X11-unix:/tmp/.X11-unix:ro)
fi
[[ -n "${CAPITALENGINE_DEVICE:-}" ]] && run_flags+=(-e "CAPITALENGINE_DEVICE=$CAPITALENGINE_DEVICE")

# /dev/dri and the render nodes' groups, by number.
dri_flags() {
    if [[ ! -d /dev/dri ]]; then
        note "no /dev/dri on this host: no Mesa GPU is visible; the CPU driver (lavapipe) still works"
        return
    fi
    run_flags+=(--device /dev/dri)
    local node gid
    for node in /dev/dri/renderD* /dev/dri/card*; do
        [[ -e $node ]] || continue
        gid=$(stat -c %g "$node")
        run_flags+=(--group-add "$gid")
        if [[ $(id -u) -ne 0 && ! -r $node ]] && ! id -G | tr ' ' '\n' | grep -qx "$gid"; then
            fail "you cannot open $node (group $(stat -c %G "$node"), GID $gid): sudo usermod -aG $(stat -c %G "$node") $USER, then log in again"
        fi
    done
}

case "$mode" in
    build)
        (($#)) || set -- mesa nvidia dev
        for target in "$@"; do
            case "$target" in
                mesa|nvidia|dev) build_images "$target" ;;
                rpi) build_rpi_image ;;
                *) fail "unknown image '$target' (mesa, nvidia, dev, rpi)" ;;
            esac
        done
        docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' capitalengine
        ;;
    mesa|doctor)
        ensure_image mesa
        dri_flags
        if [[ $mode == doctor ]]; then set -- doctor "$@"; fi
        (($#)) || set -- run --output out/final.npy
        exec docker run "${run_flags[@]}" capitalengine:mesa "$@"
        ;;
    nvidia)
        docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q nvidia || command -v nvidia-container-toolkit >/dev/null \
            || command -v nvidia-ctk >/dev/null \
            || fail "the NVIDIA container toolkit is not installed: install nvidia-container-toolkit, run 'sudo nvidia-ctk runtime configure --runtime=docker' and restart Docker"
        ensure_image nvidia
        (($#)) || set -- run --output out/final.npy
        exec docker run "${run_flags[@]}" --gpus all -e NVIDIA_DRIVER_CAPABILITIES=graphics,compute,utility,display capitalengine:nvidia "$@"
        ;;
    rpi)
        ensure_image rpi
        docker/register-binfmt.sh --check >/dev/null \
            || fail "this $(uname -m) machine cannot run arm64 containers: sudo docker/register-binfmt.sh registers QEMU for them"
        dri_flags
        [[ -e /dev/vchiq ]] && run_flags+=(--device /dev/vchiq)
        (($#)) || set -- run --output out/final.npy
        exec docker run --platform linux/arm64 "${run_flags[@]}" capitalengine:rpi "$@"
        ;;
    dev)
        ensure_image dev
        (($#)) || set -- swift build
        tty=(); [[ -t 0 && -t 1 ]] && tty=(-it)
        # As you (the image's entry drops to your IDs), so that what the build writes into the
        # checkout is yours; .build is made here first, or Docker would make it as root.
        mkdir -p .build
        exec docker run --rm "${tty[@]}" -e "CAPITALENGINE_UID=$(id -u)" -e "CAPITALENGINE_GID=$(id -g)" \
            -v "$PWD:/workspace" -v capitalengine-build:/workspace/.build -w /workspace capitalengine:dev "$@"
        ;;
esac
