#!/usr/bin/env bash
# Installs what the tests need, then builds and runs them on the real Vulkan driver
# (lavapipe when there is no GPU), under the validation layer where a test asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
swift build --build-tests
swift test --skip-build
