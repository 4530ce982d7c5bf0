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
           and display capabilities Vulkan and windows need), or through CDI
           (--device nvidia.com/gpu=all) where the host has a CDI spec for them
           (sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml) and the engine reads it.
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

The engine is Docker, or Podman where Docker is absent or CONTAINER_ENGINE=podman is set
(rootless too: your files stay yours through --userns=keep-id).

Images are built when missing. Containers run hardened: read-only root, no capabilities,
no-new-privileges, no network, as you (files in ./out are yours). With WAYLAND_DISPLAY set,
the compositor's socket is passed in read-only (no cookie: it is yours, and the container
runs as you); with DISPLAY set, the X socket and a cookie for it (never `xhost +`). A window
opens on Wayland first, as natively; with neither, runs are headless.

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

# The container engine: CONTAINER_ENGINE (docker or podman), else Docker, else Podman.
engine=${CONTAINER_ENGINE:-}
if [[ -z $engine ]]; then
    if command -v docker >/dev/null; then engine=docker; elif command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi
case "$engine" in
    docker)
        command -v docker >/dev/null || fail "neither docker nor podman is installed (Debian/Ubuntu: apt-get install docker.io, or podman)"
        docker info >/dev/null 2>&1 || fail "no Docker engine is reachable: start it (sudo systemctl start docker), check DOCKER_HOST, or add yourself to the docker group"
        ;;
    podman)
        command -v podman >/dev/null || fail "CONTAINER_ENGINE=podman but podman is not installed (Debian/Ubuntu: apt-get install podman)"
        podman info >/dev/null 2>&1 || fail "podman does not work for this user: podman info says why"
        ;;
    *) fail "CONTAINER_ENGINE must be docker or podman, not '$engine'" ;;
esac

builder_image=${BUILDER_IMAGE:-swift:6.0-bookworm}

have_image() { "$engine" image inspect "$1" >/dev/null 2>&1; }

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
    if ! have_image "$builder_image" && ! timeout 120 "$engine" pull -q "$builder_image" >/dev/null 2>&1; then
        note "$builder_image cannot be pulled; making the base images locally"
        if [[ $(id -u) -ne 0 ]]; then fail "making base images offline needs root (debootstrap): sudo ./run-docker.sh build"; fi
        docker/build-base-images.sh
        builder_image=capitalengine/swift-builder:bookworm
    fi
    have_image debian:bookworm-slim || timeout 120 "$engine" pull -q debian:bookworm-slim >/dev/null 2>&1 \
        || { [[ $(id -u) -eq 0 ]] && docker/build-base-images.sh; } || fail "debian:bookworm-slim is missing and cannot be pulled"
    prepare_package_mirror
    for target in "${targets[@]}"; do
        local build_args=() tag=$target
        # On the Pi the mesa target is the rpi image, with RPI_MESA_PACKAGES' Mesa.
        if [[ $target == rpi ]]; then target=mesa; build_args=(--build-arg "MESA_PACKAGES=${RPI_MESA_PACKAGES:-mesa-vulkan-drivers}"); fi
        note "building capitalengine:$tag"
        "$engine" build -q "${build_args[@]}" -f docker/Dockerfile --target "$target" \
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
            note "building capitalengine:rpi from a cross-built arm64 binary (the first time: 5 to 10 minutes, to make its toolchain)"
            docker/build-rpi-image.sh
            ;;
    esac
}

ensure_image() {
    have_image "capitalengine:$1" && return
    if [[ $1 == rpi ]]; then build_rpi_image; else build_images "$1"; fi
}

# A CDI spec on this host that names NVIDIA's GPUs (nvidia-ctk cdi generate writes one).
nvidia_cdi_spec() {
    local spec
    for spec in /etc/cdi/*.yaml /etc/cdi/*.json /var/run/cdi/*.yaml /var/run/cdi/*.json; do
        [[ -r $spec ]] && grep -q 'nvidia.com/gpu' "$spec" && { echo "$spec"; return 0; }
    done
    return 1
}
# Podman always reads CDI specs; Docker from version 25 when its CDI feature is on, which
# `docker info` shows as the folders it reads them from.
engine_reads_cdi() {
    [[ $engine == podman ]] && return 0
    local folders
    folders=$(docker info --format '{{json .CDISpecDirs}}' 2>/dev/null) || return 1
    [[ -n $folders && $folders != null && $folders != '[]' ]]
}

# The hardening docker-compose.yml declares in its x-hardened block (read_only, cap_drop,
# security_opt, network_mode, tmpfs), as `docker run` flags, so that the two ways of running
# share one list; the block's other keys (user, volumes, ...) are set below for this script.
hardening_flags() {
    awk '
        /^x-hardened:/ { inside = 1; next }
        inside && /^[^ #]/ { exit }
        inside && /^  [a-z_]+:/ {
            key = $1; sub(/:$/, "", key)
            value = $0; sub(/^  [a-z_]+: */, "", value); gsub(/[\[\]"]/, "", value); gsub(/, */, " ", value)
            if (key == "read_only") { if (value == "true") print "--read-only" }
            else if (key == "cap_drop") { n = split(value, items, " "); for (i = 1; i <= n; i++) print "--cap-drop\n" items[i] }
            else if (key == "security_opt") { n = split(value, items, " "); for (i = 1; i <= n; i++) print "--security-opt\n" items[i] }
            else if (key == "network_mode") print "--network\n" value
            else if (key == "tmpfs") { n = split(value, items, " "); for (i = 1; i <= n; i++) print "--tmpfs\n" items[i] }
        }
    ' docker-compose.yml
}
mapfile -t hardening < <(hardening_flags)
[[ " ${hardening[*]} " == *" --read-only "* && " ${hardening[*]} " == *" --cap-drop "* ]] \
    || fail "cannot read the hardening from docker-compose.yml's x-hardened block"

# Flags shared by every run: hardening, the invoking user, ./out, and Wayland and X11 where the
# host has them.
# The tuning cache lives in ./out: anywhere else in a read-only container is a tmpfs, and
# `tune` would be forgotten when the container ends.
run_flags=(--rm "${hardening[@]}"
           --user "$(id -u):$(id -g)" -v "$PWD/out:/data/out" -w /data
           -e "CAPITALENGINE_TUNE_CACHE=/data/out/tuning.json")
if [[ $engine == podman ]]; then
    # The image's health check needs systemd's timers under Podman: a run does not need it.
    run_flags+=(--no-healthcheck)
    # Rootless: keep-id maps you to yourself inside, so files in ./out are yours.
    [[ $(id -u) -eq 0 ]] || run_flags+=(--userns=keep-id)
fi
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
# Wayland: the compositor's socket alone, read-only, as /run/wayland/wayland-0.
if [[ -n "${WAYLAND_DISPLAY:-}" ]]; then
    if [[ $WAYLAND_DISPLAY == /* ]]; then socket=$WAYLAND_DISPLAY; else socket=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/$WAYLAND_DISPLAY; fi
    if [[ -S $socket ]]; then
        run_flags+=(-e XDG_RUNTIME_DIR=/run/wayland -e WAYLAND_DISPLAY=wayland-0 -v "$socket:/run/wayland/wayland-0:ro")
    else
        note "WAYLAND_DISPLAY is set but $socket is not a socket: no Wayland window"
    fi
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
        "$engine" image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep capitalengine
        ;;
    mesa|doctor)
        ensure_image mesa
        dri_flags
        if [[ $mode == doctor ]]; then set -- doctor "$@"; fi
        (($#)) || set -- run --output out/final.npy
        exec "$engine" run "${run_flags[@]}" capitalengine:mesa "$@"
        ;;
    nvidia)
        # CDI where the host has a spec for NVIDIA's GPUs and the engine reads them (Podman,
        # Docker 25+ with CDI enabled); the toolkit's --gpus otherwise.
        if spec=$(nvidia_cdi_spec) && engine_reads_cdi; then
            note "the GPUs through CDI ($spec)"
            gpu_flags=(--device nvidia.com/gpu=all)
        else
            [[ $engine == docker ]] || fail "podman reaches NVIDIA GPUs through CDI, and this host has no CDI spec for them: sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml"
            docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q nvidia || command -v nvidia-container-toolkit >/dev/null \
                || command -v nvidia-ctk >/dev/null \
                || fail "the NVIDIA container toolkit is not installed: install nvidia-container-toolkit, run 'sudo nvidia-ctk runtime configure --runtime=docker' and restart Docker"
            gpu_flags=(--gpus all)
        fi
        ensure_image nvidia
        (($#)) || set -- run --output out/final.npy
        exec "$engine" run "${run_flags[@]}" "${gpu_flags[@]}" -e NVIDIA_DRIVER_CAPABILITIES=graphics,compute,utility,display capitalengine:nvidia "$@"
        ;;
    rpi)
        ensure_image rpi
        docker/register-binfmt.sh --check >/dev/null \
            || fail "this $(uname -m) machine cannot run arm64 containers: sudo docker/register-binfmt.sh registers QEMU for them"
        dri_flags
        [[ -e /dev/vchiq ]] && run_flags+=(--device /dev/vchiq)
        (($#)) || set -- run --output out/final.npy
        exec "$engine" run --platform linux/arm64 "${run_flags[@]}" capitalengine:rpi "$@"
        ;;
    dev)
        ensure_image dev
        (($#)) || set -- swift build
        tty=(); [[ -t 0 && -t 1 ]] && tty=(-it)
        # As you (the image's entry drops to your IDs), so that what the build writes into the
        # checkout is yours; .build is made here first, or Docker would make it as root.
        mkdir -p .build
        exec "$engine" run --rm "${tty[@]}" -e "CAPITALENGINE_UID=$(id -u)" -e "CAPITALENGINE_GID=$(id -g)" \
            -v "$PWD:/workspace" -v capitalengine-build:/workspace/.build -w /workspace capitalengine:dev "$@"
        ;;
esac
