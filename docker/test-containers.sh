#!/usr/bin/env bash
# Tests the images, compose file and run-docker.sh on a real Docker engine: installs and
# starts one when none runs, builds the images offline, and checks what a user relies on.
# Ends with "N passed, M failed" and a non-zero status when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
failure() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else failure "$name"; fi; }

# An engine: the one running, or Debian's, started here.
if ! docker info >/dev/null 2>&1; then
    if ! command -v dockerd >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
    fi
    nohup dockerd > /tmp/capitalengine-dockerd.log 2>&1 &
    dockerd_pid=$!
    # Stop the engine this script started, so nothing outlives the test run.
    trap 'kill -TERM $dockerd_pid 2>/dev/null; wait $dockerd_pid 2>/dev/null' EXIT
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "FAIL: dockerd did not start (see /tmp/capitalengine-dockerd.log)"; echo "0 passed, 1 failed"; exit 1; }
fi
command -v docker-compose >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

# --- run-docker.sh without images -------------------------------------------------------
# One list of hardening: run-docker.sh reads it from the compose file's x-hardened block.
flags=$(source <(sed -n '/^hardening_flags() {/,/^}/p' run-docker.sh); hardening_flags | tr '\n' ' ')
check "run-docker.sh takes its hardening from docker-compose.yml" \
    test "$flags" = "--read-only --cap-drop ALL --security-opt no-new-privileges:true --network none --tmpfs /tmp "
out=$(./run-docker.sh --help); check "run-docker.sh --help explains every mode" \
    bash -c '[[ "$0" == *mesa* && "$0" == *nvidia* && "$0" == *rpi* && "$0" == *dev* && "$0" == *build* && "$0" == *doctor* ]]' "$out"
./run-docker.sh frobnicate >/dev/null 2>&1; check "an unknown mode is a usage error (64)" test $? -eq 64
msg=$(DOCKER_HOST=unix:///nonexistent.sock ./run-docker.sh mesa 2>&1); status=$?
check "no engine: a specific error" bash -c '[[ $1 -eq 1 && "$2" == *"no Docker engine is reachable"* ]]' _ "$status" "$msg"
if ! docker info --format '{{json .Runtimes}}' | grep -q nvidia && ! command -v nvidia-ctk >/dev/null; then
    msg=$(./run-docker.sh nvidia devices 2>&1); status=$?
    check "nvidia without the toolkit: a specific error" bash -c '[[ $1 -eq 1 && "$2" == *"NVIDIA container toolkit is not installed"* ]]' _ "$status" "$msg"
fi

# --- compose, v1 (Debian 12's docker-compose 1.29) and v2 (docker compose) --------------------
docker compose version >/dev/null 2>&1 || docker/install-compose-v2.sh >/dev/null 2>&1
compose_v2=$(docker compose version --short 2>/dev/null)
[[ -n $compose_v2 ]] || failure "compose v2 could not be installed (docker/install-compose-v2.sh)"
for profile in mesa nvidia nvidia-cdi rpi sweep dev; do
    check "compose v1 config is valid for profile $profile" docker-compose --profile "$profile" config -q
    if [[ -n $compose_v2 ]]; then
        # v2 warns of what it reads differently (an obsolete `version:`, say): none may remain.
        out=$(docker compose --profile "$profile" config -q 2>&1); status=$?
        check "compose v2 ($compose_v2) config is valid, with no warning, for profile $profile" \
            bash -c '[[ $1 -eq 0 && -z $2 ]]' _ "$status" "$out"
        [[ -z $out ]] || echo "$out" | head -3
    fi
done

if [[ -n $compose_v2 ]]; then
    check "deploy/swarm/sweep-stack.yml is a valid compose file (v2 config)" \
        env SWEEP_FILE=/tmp/sweep.json SWEEP_RESULTS=/tmp/results docker compose -f deploy/swarm/sweep-stack.yml config -q
fi

# --- images -----------------------------------------------------------------------------
start=$(date +%s)
if ./run-docker.sh build; then pass "images build offline in $(( $(date +%s) - start )) s"; else failure "images build"; fi
size=$(docker image inspect capitalengine:mesa --format '{{.Size}}' 2>/dev/null || echo 0)
echo "capitalengine:mesa is $((size / 1000000)) MB; capitalengine:nvidia is $(( $(docker image inspect capitalengine:nvidia --format '{{.Size}}' 2>/dev/null || echo 0) / 1000000 )) MB"
check "the mesa image is under half the reference project's 609 MB ($((size / 1000000)) MB)" test "$size" -lt 304500000
check "the runtime image runs as a non-root user" test "$(docker image inspect capitalengine:mesa --format '{{.Config.User}}')" = "10001:10001"
check "the runtime image has a health check running 'CapitalEngine devices'" \
    bash -c 'docker image inspect capitalengine:mesa --format "{{json .Config.Healthcheck}}" | grep -q "CapitalEngine\",\"devices"'

# --- the mesa container -------------------------------------------------------------------
out=$(./run-docker.sh mesa devices 2>&1); check "the mesa container lists lavapipe" grep -q "llvmpipe" <<<"$out"
out=$(./run-docker.sh mesa verify --particles 300 --steps 3 2>&1); check "the mesa container passes verify" grep -q "^PASS" <<<"$out"
# Tuning outlives the container: it lands in ./out, and the next container's run uses it.
rm -f out/tuning.json
out=$(./run-docker.sh mesa tune --particles 300 --budget 1 2>&1)
winner=$(sed -n 's/^winner: \(.*\): [0-9.e+]* interactions\/s.*/\1/p' <<<"$out")
check "tune in a container keeps its result in ./out/tuning.json" test -s out/tuning.json -a -n "$winner"
out=$(./run-docker.sh mesa run --particles 300 --steps 2 2>&1)
check "a later container's run uses the tuned kernel ($winner)" grep -qF "kernel: $winner (tuned, from /data/out/tuning.json)" <<<"$out"
rm -f out/container.npy
./run-docker.sh mesa run --particles 200 --steps 10 --output out/container.npy >/dev/null 2>&1
check "output lands in ./out, owned by the invoking user" test "$(stat -c %u out/container.npy 2>/dev/null)" = "$(id -u)"
out=$(./run-docker.sh mesa run --particles 10 --steps 1 --output /data/x.npy 2>&1); status=$?
check "the root file system is read-only to the run" bash -c '[[ $1 -eq 64 && "$2" == *"cannot be written: Read-only file system"* ]]' _ "$status" "$out"
out=$(./run-docker.sh doctor --no-verify 2>&1); check "doctor runs in the container" grep -q "The setup works" <<<"$out"
rm -f out/coral.png
./run-docker.sh mesa run gray-scott --size 64x48 --steps 200 --png out/coral.png >/dev/null 2>&1
# A PNG of the default image size: its IHDR's width and height.
check "the mesa container draws a Gray-Scott field into ./out" \
    python3 -c "import struct; d = open('out/coral.png', 'rb').read(24); assert struct.unpack('>II', d[16:24]) == (1024, 768)"

# `up` of the mesa profile, with each compose: the default run, its output in ./out as the user.
# Docker refuses a device that does not exist: with no GPU here, the compose file is told so.
[[ -d /dev/dri ]] || export CAPITALENGINE_DRI=/dev/null
for compose in docker-compose "docker compose"; do
    [[ $compose == docker-compose || -n $compose_v2 ]] || continue
    rm -f out/final.npy
    # shellcheck disable=SC2086 # the command is one or two words
    CAPITALENGINE_UID=$(id -u) CAPITALENGINE_GID=$(id -g) $compose --profile mesa up --exit-code-from mesa > /tmp/capitalengine-compose.out 2>&1
    status=$?
    $compose --profile mesa down >/dev/null 2>&1
    check "$compose --profile mesa up: the default run, exit 0, its output in ./out" \
        bash -c '[[ $1 -eq 0 ]] && python3 -c "import numpy as np; assert np.load(\"out/final.npy\").shape == (4096, 8)"' _ "$status"
    ((status == 0)) || tail -5 /tmp/capitalengine-compose.out
done

# Sweep workers scaled by compose, which gives them no index: they share the tasks through
# claims, every task runs once, and each worker stops when none is left.
if [[ -n $compose_v2 ]]; then
    rm -rf out/sweep
    sweep_file=$(mktemp /tmp/capitalengine-sweep.XXXXXX.json)
    echo '{"workload": "life", "axes": {"seed": {"from": 1, "to": 6}}, "fixed": {"size": "96x64", "steps": 50}}' > "$sweep_file"
    chmod 644 "$sweep_file"
    CAPITALENGINE_SWEEP=$sweep_file CAPITALENGINE_UID=$(id -u) CAPITALENGINE_GID=$(id -g) \
        docker compose --profile sweep up --scale sweep=2 > /tmp/capitalengine-sweep.out 2>&1
    status=$?
    docker compose --profile sweep down >/dev/null 2>&1
    sweep_status=$(docker run --rm --read-only --network none --user "$(id -u):$(id -g)" -v "$PWD/out:/data/out" \
        capitalengine:mesa sweep status /data/out/sweep 2>&1)
    check "compose --scale sweep=2: the workers claim and complete all 6 tasks, each once" \
        bash -c '[[ $1 -eq 0 && $2 == "6 tasks: 6 done, 0 running, 0 failed, 0 pending" ]] && (( $(grep -c ": completed" /tmp/capitalengine-sweep.out) == 6 ))' \
        _ "$status" "$sweep_status"
    ((status == 0)) || tail -5 /tmp/capitalengine-sweep.out
    rm -f "$sweep_file"
fi

# docker stop during a run: the run stops at a step boundary and writes its output.
rm -f out/stopped.npy
docker run -d --name capitalengine-stop-test --read-only --tmpfs /tmp --cap-drop ALL --network none \
    --security-opt no-new-privileges:true --user "$(id -u):$(id -g)" -v "$PWD/out:/data/out" \
    capitalengine:mesa run --particles 2048 --steps 100000000 --output out/stopped.npy >/dev/null
# Mid-run: the announcement comes once the run listens for signals and is about to step.
for _ in $(seq 1 240); do
    [[ $(docker logs capitalengine-stop-test 2>&1) == *"simulating 2048 particles"* ]] && break
    sleep 0.5
done
stop_start=$(date +%s.%N)
docker stop -t 10 capitalengine-stop-test >/dev/null
stop_seconds=$(echo "$(date +%s.%N) - $stop_start" | bc)
status=$(docker inspect capitalengine-stop-test --format '{{.State.ExitCode}}')
docker rm capitalengine-stop-test >/dev/null
check "docker stop: exit 0 within 2 s (took ${stop_seconds}s, status $status)" bash -c '[[ $1 -eq 0 ]] && (( $(echo "$2 < 2" | bc) ))' _ "$status" "$stop_seconds"
check "docker stop: a complete, loadable output file" python3 -c "import numpy as np; a = np.load('out/stopped.npy'); assert a.shape == (2048, 8)"

# --- the dev container: build inside it, as the invoking user, and smoke-test the result ----
# As root (CI), a member of the docker group stands in for a developer. What the build writes
# into the checkout (Package.resolved, the .build mount point) must be theirs, not root's.
# The suite itself runs natively and with Swift 6.0.3; here the container's toolchain builds.
workspace=$(mktemp -d /tmp/capitalengine-dev.XXXXXX)
git ls-files -z | tar --null -T - -c | tar -x -C "$workspace"
as_user=()
if [[ $(id -u) -eq 0 ]]; then
    getent group docker >/dev/null || groupadd docker
    id capitalengine-dev >/dev/null 2>&1 || useradd --create-home --groups docker capitalengine-dev
    id -nG capitalengine-dev | tr ' ' '\n' | grep -qx docker || usermod -aG docker capitalengine-dev
    chown -R capitalengine-dev: "$workspace"
    as_user=(runuser -u capitalengine-dev --)
fi
start=$(date +%s)
out=$("${as_user[@]}" bash -c 'cd "$1" && ./run-docker.sh dev swift build --build-tests' _ "$workspace" 2>&1); status=$?
check "dev: swift build --build-tests succeeds in the container ($(( $(date +%s) - start )) s)" test "$status" -eq 0
((status == 0)) || grep -E "error:" <<<"$out" | head -20
owner=$("${as_user[@]}" id -u)
strangers=$(find "$workspace" ! -uid "$owner" | head -3)
check "dev: what the build writes into the checkout is the invoking user's${strangers:+ (not: $strangers)}" test -z "$strangers"
out=$("${as_user[@]}" bash -c 'cd "$1" && ./run-docker.sh dev .build/debug/CapitalEngine verify --particles 200 --steps 3' _ "$workspace" 2>&1)
check "dev: the binary built there passes verify in the container" grep -q "^PASS" <<<"$out"
rm -rf "$workspace"

# --- Podman as the engine: rootful, rootless, and NVIDIA through CDI ------------------------------
command -v podman >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman uidmap slirp4netns fuse-overlayfs >/dev/null
# This machine's quirks, not the product's: no open-file limit above its hard 20000 (Podman
# asks for more) and a hybrid cgroup hierarchy that crun refuses. A private configuration.
podman_conf=$(mktemp /tmp/capitalengine-containers.XXXXXX.conf)
printf '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' > "$podman_conf"
chmod 644 "$podman_conf"
export CONTAINERS_CONF=$podman_conf
images=$(mktemp /tmp/capitalengine-images.XXXXXX.tar)
docker save capitalengine:mesa capitalengine:nvidia -o "$images" && chmod 644 "$images"
if podman load -q -i "$images" >/dev/null 2>&1; then
    out=$(CONTAINER_ENGINE=podman ./run-docker.sh mesa verify --particles 300 --steps 3 2>&1)
    check "podman (rootful): the mesa container passes verify" grep -q "^PASS" <<<"$out"
    rm -f out/podman.npy
    CONTAINER_ENGINE=podman ./run-docker.sh mesa run --particles 200 --steps 5 --output out/podman.npy >/dev/null 2>&1
    check "podman (rootful): a run writes its output into ./out" \
        python3 -c "import numpy as np; assert np.load('out/podman.npy').shape == (200, 8)"
    # NVIDIA through CDI, end to end but for the GPU: a CDI spec whose nvidia.com/gpu=all
    # injects stand-in device nodes and NVIDIA_VISIBLE_DEVICES=void, as nvidia-ctk's does.
    spec=/var/run/cdi/capitalengine-test-nvidia.yaml
    mkdir -p /var/run/cdi
    printf '%s\n' 'cdiVersion: "0.5.0"' 'kind: nvidia.com/gpu' 'devices:' '  - name: all' '    containerEdits:' \
        '      deviceNodes:' '        - {path: /dev/nvidia0, hostPath: /dev/null}' '        - {path: /dev/nvidiactl, hostPath: /dev/zero}' \
        'containerEdits:' '  env: [NVIDIA_VISIBLE_DEVICES=void]' > "$spec"
    out=$(CONTAINER_ENGINE=podman ./run-docker.sh nvidia doctor --no-verify 2>&1)
    check "podman: ./run-docker.sh nvidia asks for the GPUs through CDI, and doctor sees them come in" \
        bash -c 'grep -q "the GPUs through CDI ($1)" <<<"$2" && grep -q "nvidia-cdi: the GPUs came in through CDI: /dev/nvidia0" <<<"$2"' _ "$spec" "$out"
    check "podman: doctor names the driver the stand-in GPU lacks" grep -q "nvidia-driver: NVIDIA's Vulkan driver (libGLX_nvidia.so.0) is not mounted" <<<"$out"
    rm -f "$spec"
    # Rootless, as a developer: their own image store, and files in ./out that are theirs.
    getent group docker >/dev/null || groupadd docker
    id capitalengine-dev >/dev/null 2>&1 || useradd --create-home --groups docker capitalengine-dev
    workspace=$(mktemp -d /tmp/capitalengine-rootless.XXXXXX)
    git ls-files -z | tar --null -T - -c | tar -x -C "$workspace"
    chown -R capitalengine-dev: "$workspace"
    user_id=$(id -u capitalengine-dev)
    runtime_dir=/tmp/capitalengine-runtime-$user_id
    install -d -m 0700 -o capitalengine-dev "$runtime_dir"
    out=$(runuser -u capitalengine-dev -- env XDG_RUNTIME_DIR="$runtime_dir" CONTAINERS_CONF="$podman_conf" bash -c '
        cd "$1" && podman load -q -i "$2" >/dev/null && CONTAINER_ENGINE=podman ./run-docker.sh mesa run --particles 200 --steps 5 --output out/rootless.npy' \
        _ "$workspace" "$images" 2>&1); status=$?
    check "podman (rootless): a run writes its output into ./out as the invoking user" \
        bash -c '[[ $1 -eq 0 && $(stat -c %u "$2/out/rootless.npy") -eq $3 ]]' _ "$status" "$workspace" "$user_id"
    ((status == 0)) || tail -5 <<<"$out"
    runuser -u capitalengine-dev -- env XDG_RUNTIME_DIR="$runtime_dir" CONTAINERS_CONF="$podman_conf" podman system reset -f >/dev/null 2>&1
    rm -rf "$workspace" "$runtime_dir"
    podman rmi -f capitalengine:mesa capitalengine:nvidia >/dev/null 2>&1
else
    failure "podman could not load the images"
fi
rm -f "$images" "$podman_conf"
unset CONTAINERS_CONF

# --- X11 from the container into Xvfb -----------------------------------------------------
display_number=$(for n in $(seq 150 199); do [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] || { echo "$n"; break; }; done)
cookie=$(mktemp /tmp/capitalengine-test-xauth.XXXXXX)
xauth -f "$cookie" add ":$display_number" MIT-MAGIC-COOKIE-1 "$(mcookie)" 2>/dev/null
Xvfb ":$display_number" -screen 0 640x480x24 -auth "$cookie" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 1 100); do [[ -e /tmp/.X11-unix/X$display_number ]] && break; sleep 0.1; done
export DISPLAY=":$display_number" XAUTHORITY=$cookie
./run-docker.sh mesa run --particles 1500 --steps 100000000 --window 320x240 > /tmp/capitalengine-x11.out 2>&1 &
runner=$!
for _ in $(seq 1 120); do grep -q "first frame presented" /tmp/capitalengine-x11.out && break; sleep 0.5; done
# Screenshots until one shows the particles (frames reach the server late on a busy machine).
lit=0
deadline=$((SECONDS + 60))
while ((lit <= 100 && SECONDS < deadline)); do
    xwd -root -silent > /tmp/capitalengine-x11.xwd 2>/dev/null
    lit=$(python3 - /tmp/capitalengine-x11.xwd <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
h = struct.unpack('>25I', data[:100])
size, width, height, order, bpp, stride, ncolors = h[0], h[4], h[5], h[7], h[11], h[12], h[19]
start = size + ncolors * 12
lit = 0
for y in range(240):
    row = data[start + y * stride:start + y * stride + 320 * 4]
    lit += sum(1 for x in range(320) if max(row[4 * x:4 * x + 3]) > 12)
print(lit)
PY
)
done
check "the X11 path draws into Xvfb from inside the container ($lit lit pixels)" test "${lit:-0}" -gt 100
xdotool key --window "$(xdotool search --name CapitalEngine | head -1)" q >/dev/null 2>&1
wait $runner; status=$?
check "q closes the containerised window cleanly" test "$status" -eq 0
kill -9 $xvfb 2>/dev/null; rm -f "$cookie" "/tmp/.X11-unix/X$display_number" "/tmp/.X$display_number-lock"
unset DISPLAY XAUTHORITY

# --- Wayland from the container into a headless Weston --------------------------------------
# The compositor's socket alone goes in (run-docker.sh), read-only; the container runs as the
# socket's owner. Screenshots (weston-screenshooter, which needs --debug) until one shows the
# particles; then the compositor is killed, and the run stops with the reason.
wayland_dir=$(mktemp -d /tmp/capitalengine-wayland.XXXXXX)
chmod 700 "$wayland_dir"
printf '[core]\nidle-time=0\n[shell]\npanel-position=none\nbackground-color=0xff203040\nlocking=false\nanimation=none\nstartup-animation=none\n' \
    > "$wayland_dir/weston.ini"
XDG_RUNTIME_DIR=$wayland_dir weston --backend=headless-backend.so --use-pixman --width=640 --height=480 \
    --socket=wayland-test --config="$wayland_dir/weston.ini" --debug >/dev/null 2>&1 &
weston_pid=$!
for _ in $(seq 1 100); do [[ -S $wayland_dir/wayland-test ]] && break; sleep 0.1; done
XDG_RUNTIME_DIR=$wayland_dir WAYLAND_DISPLAY=wayland-test \
    ./run-docker.sh mesa run --particles 1500 --steps 100000000 --window 320x240 > /tmp/capitalengine-wayland.out 2>&1 &
runner=$!
for _ in $(seq 1 120); do grep -q "first frame presented" /tmp/capitalengine-wayland.out && break; sleep 0.5; done
drawn=0
mkdir -p "$wayland_dir/shots"
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
    rm -f "$wayland_dir"/shots/*.png
    (cd "$wayland_dir/shots" && XDG_RUNTIME_DIR=$wayland_dir WAYLAND_DISPLAY=wayland-test weston-screenshooter >/dev/null 2>&1)
    shot=$(ls "$wayland_dir"/shots/*.png 2>/dev/null | head -1)
    [[ -n $shot ]] || continue
    drawn=$(python3 - "$shot" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
pos, idat, width, height = 8, b'', 0, 0
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR': width, height, depth, colour = struct.unpack('>IIBB', body[:10])
    if kind == b'IDAT': idat += body
    pos += 12 + length
raw, bpp = zlib.decompress(idat), 3 if colour == 2 else 4
stride, previous, drawn = width * bpp, bytearray(width * bpp), 0
for y in range(height):
    kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b, c = previous[i], previous[i - bpp] if i >= bpp else 0
        if kind == 1: row[i] = (row[i] + a) & 255
        elif kind == 2: row[i] = (row[i] + b) & 255
        elif kind == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    drawn += sum(1 for x in range(width) if max(row[bpp * x], row[bpp * x + 1]) > 100)
    previous = row
print(drawn)
PY
)
    ((drawn > 100)) && break
done
check "the Wayland socket passed into the mesa container: its window draws on Weston ($drawn pixels)" \
    test "${drawn:-0}" -gt 100
check "the containerised window opened on Wayland" grep -q "window: swapchain 320x240" /tmp/capitalengine-wayland.out
kill -9 $weston_pid 2>/dev/null
wait $runner; status=$?
check "the compositor gone, the containerised run stops with the reason (exit 1)" \
    bash -c "[[ $status -eq 1 ]] && grep -q 'connection to the Wayland compositor was lost' /tmp/capitalengine-wayland.out"
((status == 1)) || tail -5 /tmp/capitalengine-wayland.out
rm -rf "$wayland_dir"

# --- the rpi image (linux/arm64), under QEMU when this machine is not arm64 ---------------------
# Assembled from the cross-built binary: nothing is compiled under emulation.
if reason=$(docker/register-binfmt.sh 2>&1 && docker/register-binfmt.sh --check 2>&1); then
    start=$(date +%s)
    if out=$(./run-docker.sh build rpi 2>&1); then
        pass "the rpi image builds without compiling under emulation ($(( $(date +%s) - start )) s)"
        check "the rpi image is linux/arm64" test "$(docker image inspect capitalengine:rpi --format '{{.Os}}/{{.Architecture}}')" = linux/arm64
        check "the rpi image runs as a non-root user" test "$(docker image inspect capitalengine:rpi --format '{{.Config.User}}')" = "10001:10001"
        echo "capitalengine:rpi is $(( $(docker image inspect capitalengine:rpi --format '{{.Size}}') / 1000000 )) MB"
        out=$(./run-docker.sh rpi devices 2>&1); check "the rpi container lists arm64 lavapipe" grep -q "llvmpipe" <<<"$out"
        out=$(./run-docker.sh rpi verify --particles 300 --steps 3 2>&1)
        check "./run-docker.sh rpi verify passes" grep -q "^PASS" <<<"$out"
        out=$(./run-docker.sh rpi doctor --no-verify 2>&1)
        check "doctor in the rpi container: V3DV installed, no Pi here, the setup works" \
            bash -c 'grep -q "this machine is not a Raspberry Pi" <<<"$1" && grep -q "The setup works" <<<"$1"' _ "$out"
        for compose in docker-compose "docker compose"; do
            [[ $compose == docker-compose || -n $compose_v2 ]] || continue
            # shellcheck disable=SC2086
            out=$(CAPITALENGINE_UID=$(id -u) CAPITALENGINE_GID=$(id -g) $compose --profile rpi run --rm rpi verify --particles 300 --steps 3 2>&1)
            check "$compose --profile rpi run: verify passes in the arm64 container" grep -q "^PASS" <<<"$out"
            grep -q "^PASS" <<<"$out" || tail -5 <<<"$out"
        done
    else
        failure "the rpi image build"; tail -10 <<<"$out"
    fi
else
    for name in "the rpi image build" "./run-docker.sh rpi verify" "the compose rpi profile (v1 and v2)"; do
        skip "$name: this machine cannot run arm64 containers ($(tail -1 <<<"$reason"))"
    done
fi

# The Kubernetes Job's pod command in the image, as a pod runs it: read-only, as the image's
# user, its index in JOB_COMPLETION_INDEX, the sweep file where the ConfigMap puts it.
if [[ -x .build/debug/CapitalEngine ]]; then
    k8s=$(mktemp -d /tmp/capitalengine-k8s.XXXXXX)
    chmod 755 "$k8s"
    mkdir -m 777 "$k8s/results"
    echo '{"workload": "life", "axes": {"seed": [1, 2]}, "fixed": {"size": "40x30", "steps": 10}}' > "$k8s/sweep.json"
    chmod 644 "$k8s/sweep.json"
    CAPITALENGINE=.build/debug/CapitalEngine deploy/kubernetes/make-job.sh "$k8s/sweep.json" capitalengine:mesa > "$k8s/job.yaml"
    mapfile -t pod_args < <(python3 -c 'import sys, yaml
job = list(yaml.safe_load_all(open(sys.argv[1])))[1]
print("\n".join(job["spec"]["template"]["spec"]["containers"][0]["args"]))' "$k8s/job.yaml")
    for index in 0 1; do
        docker run --rm --read-only --cap-drop ALL --network none --security-opt no-new-privileges:true \
            -e JOB_COMPLETION_INDEX=$index -v "$k8s/sweep.json:/sweep/sweep.json:ro" -v "$k8s/results:/results" \
            capitalengine:mesa "${pod_args[@]}" >/dev/null 2>>"$k8s/pods.log"
    done
    out=$(.build/debug/CapitalEngine sweep status "$k8s/results" 2>&1)
    check "the Kubernetes Job's pod command in the image completes each index's task" \
        test "$out" = "2 tasks: 2 done, 0 running, 0 failed, 0 pending"
    [[ $out == "2 tasks: 2 done, 0 running, 0 failed, 0 pending" ]] || { echo "$out"; tail -5 "$k8s/pods.log"; }
    rm -rf "$k8s"
else
    skip "the Kubernetes Job's pod command in the image: no .build/debug/CapitalEngine to write the Job with"
fi

# A sweep on a real Docker Swarm: a private dockerd in its own network namespace, the mesa
# image loaded into it, workers as a replicated job taking tasks through claims.
if deploy/swarm/test-swarm.sh > /tmp/capitalengine-swarm.log 2>&1; then
    pass "a sweep on a real Docker Swarm: workers as a replicated job complete every task once"
else
    failure "a sweep on a real Docker Swarm (deploy/swarm/test-swarm.sh)"
    grep -v '^time=' /tmp/capitalengine-swarm.log | tail -10
fi

echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
