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

failed=()
swift test --skip-build || failed+=("the test suite")

# A part of the run, which a variable can skip; with --root, one that needs root (a chroot,
# a Docker engine).
part() {
    local root=0
    if [[ $1 == --root ]]; then root=1; shift; fi
    local name=$1 variable=$2; shift 2
    if [[ ${!variable:-0} == 1 ]]; then echo "SKIP: $name ($variable=1)"; return; fi
    if ((root)) && [[ $(id -u) -ne 0 ]]; then echo "SKIP: $name: needs root: sudo $0"; return; fi
    echo "=== $name"
    local start=$SECONDS
    "$@" || failed+=("$name")
    echo "=== $name: $((SECONDS - start)) s"
}
part "the formatting (.swift-format)" CAPITALENGINE_SKIP_FORMAT scripts/check-format.sh
# Any new crash fails the run and joins Tests/FuzzCorpus (scripts/fuzz.sh).
part "a minute of fuzzing" CAPITALENGINE_SKIP_FUZZ scripts/fuzz.sh 60
# The Kubernetes manifests against the API's schemas, and the pods' command by index.
part "the Kubernetes manifests" CAPITALENGINE_SKIP_KUBERNETES_TESTS deploy/kubernetes/test-kubernetes.sh
part --root "the test suite with Swift 6.0.3" CAPITALENGINE_SKIP_SWIFT60_TESTS scripts/test-swift-6.0.sh
part --root "the arm64 (Raspberry Pi) build under QEMU" CAPITALENGINE_SKIP_ARM64_TESTS scripts/test-arm64.sh
# The images, compose file and run-docker.sh on a real Docker engine (installed and started
# when none runs; the images are built offline).
part --root "the container images" CAPITALENGINE_SKIP_CONTAINER_TESTS bash docker/test-containers.sh
# A sweep through deploy/slurm on a Slurm cluster started here (Debian's slurm-wlm and munge).
part --root "a sweep on a real Slurm cluster" CAPITALENGINE_SKIP_SLURM_TESTS deploy/slurm/test-slurm.sh

if ((${#failed[@]})); then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
