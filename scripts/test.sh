#!/usr/bin/env bash
# Installs what the tests need, then builds and runs them on the real Vulkan driver
# (lavapipe when there is no GPU), under the validation layer where a test asks for it; then,
# as root, the same suite with Swift 6.0.3 (the oldest Swift the package supports), the arm64
# (Raspberry Pi) build under QEMU, the container images on a real Docker engine and a sweep on
# a real Slurm cluster; and a minute of fuzzing every reader of user input.
# Each later part can be skipped: CAPITALENGINE_SKIP_FORMAT=1, CAPITALENGINE_SKIP_FUZZ=1, CAPITALENGINE_SKIP_SWIFT60_TESTS=1,
# CAPITALENGINE_SKIP_ARM64_TESTS=1, CAPITALENGINE_SKIP_CONTAINER_TESTS=1,
# CAPITALENGINE_SKIP_SLURM_TESTS=1, CAPITALENGINE_SKIP_KUBERNETES_TESTS=1. A part that cannot
# run says so (SKIP) and why; the run fails when any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test || exit 1
swift build --build-tests || exit 1

# Runs a command with at most LIMIT seconds, in a session of its own. Past that, what still
# runs is shown, with the threads of any test process that hangs, and the session is ended:
# one stuck part fails the run and leaves the rest their time, and its log says where it
# stuck. Each limit is several times what the part takes on 2 cores.
limited() {
    local limit=$1; shift
    setsid "$@" &
    local session=$! waited=0
    while kill -0 "$session" 2>/dev/null; do
        if ((waited >= limit)); then
            echo "test.sh: did not finish within $limit s: $*; still running:" >&2
            ps -o pid,etime,stat,args --forest -s "$session" >&2 || true
            local pid
            for pid in $(pgrep -s "$session" -f '\.xctest' || true); do
                echo "test.sh: the threads of $pid:" >&2
                timeout 120 gdb -p "$pid" -batch -ex "set sysroot /proc/$pid/root" -ex 'thread apply all bt 20' \
                    2>/dev/null | grep -E '^(Thread|#)' | head -n 400 >&2 || true
            done
            kill -TERM -- "-$session" 2>/dev/null
            for ((waited = 0; waited < 30; waited++)); do kill -0 "$session" 2>/dev/null && sleep 1; done
            kill -KILL -- "-$session" 2>/dev/null
            wait "$session"
            return 124
        fi
        sleep 1
        waited=$((waited + 1))
    done
    wait "$session"
}

failed=()
limited 900 swift test --skip-build || failed+=("the test suite")

# A part of the run, which a variable can skip, with its time limit in seconds; with --root,
# one that needs root (a chroot, a Docker engine).
part() {
    local root=0
    if [[ $1 == --root ]]; then root=1; shift; fi
    local name=$1 variable=$2 limit=$3; shift 3
    if [[ ${!variable:-0} == 1 ]]; then echo "SKIP: $name ($variable=1)"; return; fi
    if ((root)) && [[ $(id -u) -ne 0 ]]; then echo "SKIP: $name: needs root: sudo $0"; return; fi
    echo "=== $name"
    local start=$SECONDS
    limited "$limit" "$@" || failed+=("$name")
    echo "=== $name: $((SECONDS - start)) s"
}
part "the formatting (.swift-format)" CAPITALENGINE_SKIP_FORMAT 300 scripts/check-format.sh
# Any new crash fails the run and joins Tests/FuzzCorpus (scripts/fuzz.sh).
part "a minute of fuzzing" CAPITALENGINE_SKIP_FUZZ 480 scripts/fuzz.sh 60
# The Kubernetes manifests against the API's schemas, and the pods' command by index.
part "the Kubernetes manifests" CAPITALENGINE_SKIP_KUBERNETES_TESTS 300 deploy/kubernetes/test-kubernetes.sh
part --root "the test suite with Swift 6.0.3" CAPITALENGINE_SKIP_SWIFT60_TESTS 1200 scripts/test-swift-6.0.sh
part --root "the arm64 (Raspberry Pi) build under QEMU" CAPITALENGINE_SKIP_ARM64_TESTS 1800 scripts/test-arm64.sh
# The images, compose file and run-docker.sh on a real Docker engine (installed and started
# when none runs; the images are built offline).
part --root "the container images" CAPITALENGINE_SKIP_CONTAINER_TESTS 1200 bash docker/test-containers.sh
# A sweep through deploy/slurm on a Slurm cluster started here (Debian's slurm-wlm and munge).
part --root "a sweep on a real Slurm cluster" CAPITALENGINE_SKIP_SLURM_TESTS 600 deploy/slurm/test-slurm.sh

if ((${#failed[@]})); then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
