#!/usr/bin/env bash
# Installs what the tests need, then builds and runs them on the real Vulkan driver
# (lavapipe when there is no GPU), under the validation layer where a test asks for it,
# then tests the container images on a real Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
swift build --build-tests
swift test --skip-build
# The images, compose file and run-docker.sh on a real Docker engine (installed and started
# when none runs; the images are built offline). CAPITALENGINE_SKIP_CONTAINER_TESTS=1 skips.
if [[ "${CAPITALENGINE_SKIP_CONTAINER_TESTS:-0}" != 1 ]]; then
    bash docker/test-containers.sh
fi
