#!/usr/bin/env bash
# Tests the arm64 (Raspberry Pi) build on an x86-64 machine: cross-builds the binary and the
# test bundle (scripts/build-arm64.sh), checks what the binary needs of a Pi's system, then runs
# it under QEMU user-mode emulation against Mesa's arm64 lavapipe in the bookworm arm64 root
# the binary was linked against, and runs a chosen part of the Swift test suite the same way
# in the trixie arm64 root. Ends with "N passed, M failed"; non-zero when anything failed.
#
# Usage: scripts/test-arm64.sh [--cache DIR] [--no-build]
#   --cache DIR   the toolchain cache (see scripts/arm64-toolchain.sh)
#   --no-build    test what out/arm64 and .build-arm64-tests already hold
#
# The Swift tests run here, and why these: emulation runs lavapipe at a small fraction of its
# speed (the whole suite would take hours on 2 cores), so the part chosen, about 3 minutes, is
# what can differ on an arm64 CPU:
#   - GPU results against the CPU reference, where llvmpipe compiles the shaders for NEON with
#     4-wide subgroups instead of AVX's 8 and the reference runs Arm float arithmetic: N-body
#     at several sizes, the pair-once kernel at every block count (its blocks follow the
#     subgroup: this test trapped on arm64 once, on a negative body count), the byte Life
#     kernel bit for bit on 7 rules, and the N-body and Life kernels chosen for a Pi's V3DV;
#   - a validated run without messages, and that the layer really watches;
#   - the .npy and RLE readers and writers (byte order, alignment);
#   - device selection and kernel choice for every fabricated device, and doctor on a Pi.
# Left out: the bit-packed Life kernels' exhaustive test (over 3 minutes alone; `verify`
# above checks every kernel bit for bit), the hostile-input cases (64-bit integer arithmetic,
# the same on both), the command-line tests (the binary's own checks above cover what a Pi
# user runs), windows and rendering (Xvfb), tuning and timing tests.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
cache_args=() build=1
while (($#)); do
    case "$1" in
        --cache) cache_args=(--cache "${2:?--cache needs a directory}"); shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "test-arm64.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done

passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
failure() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else failure "$name"; fi; }
finish() { echo "arm64: $passed passed, $failed failed"; ((failed == 0)); exit; }

command -v qemu-aarch64-static >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
command -v qemu-aarch64-static >/dev/null || { failure "qemu-aarch64-static is missing (apt-get install qemu-user-static)"; finish; }

start=$SECONDS
if ((build)); then
    if scripts/build-arm64.sh "${cache_args[@]}" --tests; then
        pass "the arm64 binary and test bundle cross-build ($((SECONDS - start)) s)"
    else
        failure "the arm64 cross build"; finish
    fi
fi
cache=$(scripts/arm64-toolchain.sh "${cache_args[@]}" --print-cache)
sysroot=$cache/sysroot test_root=$cache/test-root
binary=out/arm64/CapitalEngine
[[ -x $binary ]] || { failure "$binary is missing"; finish; }

# --- what the binary needs of a Pi's system ----------------------------------------------------
check "the binary is an ELF for AArch64" bash -c 'readelf -h "$1" | grep -q "Machine:.*AArch64"' _ "$binary"
newest=$(readelf -V "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
check "it needs no glibc newer than bookworm's 2.36 (newest: $newest)" \
    test "$(printf '%s\n' "$newest" GLIBC_2.36 | sort -V | tail -1)" = GLIBC_2.36
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
allowed=" libvulkan.so.1 libX11.so.6 libdrm.so.2 libz.so.1 libstdc++.so.6 libgcc_s.so.1 libm.so.6 libc.so.6 ld-linux-aarch64.so.1 "
strangers=$(for library in $needed; do [[ $allowed == *" $library "* ]] || echo "$library"; done | tr '\n' ' ')
check "it links only the loader, Xlib, libdrm, zlib and the C/C++ runtime (${strangers:+also: }${strangers:-$needed})" test -z "$strangers"

# --- the binary under emulation, on arm64 lavapipe --------------------------------------------
# The loader finds manifests inside QEMU's prefix but then opens their paths outside it:
# name them with the prefix.
# (Debian 12 names them lvp_icd.aarch64.json, Debian 13 lvp_icd.json.)
manifest() { compgen -G "$1/usr/share/vulkan/icd.d/$2_icd*.json" | head -1; }
lavapipe=$(manifest "$sysroot" lvp) v3dv=$(manifest "$sysroot" broadcom)
work=$(mktemp -d /tmp/capitalengine-arm64.XXXXXX)
trap 'rm -rf "$work"' EXIT
arm64() {
    timeout 900 env VK_ICD_FILENAMES="${ICD:-$lavapipe}" VK_LAYER_PATH="$sysroot/usr/share/vulkan/explicit_layer.d" \
        XDG_CACHE_HOME="$work/cache" qemu-aarch64-static -L "${ROOT:-$sysroot}" "$binary" "$@" 2>&1
}

out=$(arm64 devices); check "devices lists arm64 lavapipe" grep -q "llvmpipe" <<<"$out"
out=$(arm64 verify --particles 500 --steps 3); status=$?
check "verify passes for N-body ($(grep -m1 -o 'kernel: [^)]*' <<<"$out" || echo "?"))" bash -c '[[ $1 -eq 0 ]] && grep -q "^PASS" <<<"$2"' _ "$status" "$out"
((status == 0)) || tail -5 <<<"$out"
out=$(arm64 verify --workload life --size 100x70 --steps 13); status=$?
kernels=$(sed -n 's/.*, \([^ ]*\) kernel, .*: 0 cells differ.*/\1/p' <<<"$out" | tr '\n' ' ')
check "verify passes for Life, every kernel the rule allows, bit for bit (${kernels:-none})" \
    bash -c '[[ $1 -eq 0 ]] && grep -q "^PASS" <<<"$2" && (( $(grep -c ": 0 cells differ" <<<"$2") >= 4 ))' _ "$status" "$out"
((status == 0)) || tail -5 <<<"$out"
out=$(arm64 verify --workload life --rule B2/S/C3 --size 64x48 --steps 9 --bounded); status=$?
check "verify passes for a Generations rule (Brian's Brain, bounded)" bash -c '[[ $1 -eq 0 ]] && grep -q "^PASS" <<<"$2"' _ "$status" "$out"
out=$(arm64 verify --particles 256 --steps 2 --validate); status=$?
check "a validated verify reports no validation message" bash -c '[[ $1 -eq 0 ]] && ! grep -q "^validation" <<<"$2"' _ "$status" "$out"
((status == 0)) || tail -5 <<<"$out"

# A frame, decoded: a valid PNG whose pixels are not all black.
decode_png() {
    python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
chunks, offset = {}, 8
while offset < len(data):
    length, kind = struct.unpack('>I4s', data[offset:offset + 8])
    body = data[offset + 8:offset + 8 + length]
    assert zlib.crc32(kind + body) == struct.unpack('>I', data[offset + 8 + length:offset + 12 + length])[0], 'bad CRC'
    chunks[kind] = chunks.get(kind, b'') + body
    offset += 12 + length
width, height, depth, colour = struct.unpack('>IIBB', chunks[b'IHDR'][:10])
channels = {2: 3, 6: 4}[colour]
pixels = zlib.decompress(chunks[b'IDAT'])
assert len(pixels) == height * (1 + width * channels * depth // 8), 'wrong size'
lit = sum(1 for byte in pixels if byte > 16)
assert lit > 50, f'only {lit} bright bytes'
print(f'{width}x{height}, {lit} bright bytes')
PY
}
export -f decode_png
for workload in nbody life; do
    if [[ $workload == nbody ]]; then
        out=$(arm64 run --particles 400 --steps 5 --png "$work/$workload.png" --window 160x120); status=$?
    else
        out=$(arm64 run --workload life --size 96x96 --steps 4 --png "$work/$workload.png"); status=$?
    fi
    decoded=$(decode_png "$work/$workload.png" 2>&1 | tail -1)
    check "run --png ($workload) writes a frame that decodes, lit ($decoded)" \
        bash -c '[[ $1 -eq 0 ]] && decode_png "$2" >/dev/null 2>&1' _ "$status" "$work/$workload.png"
done

# doctor, as a Pi owner would meet it: V3DV is installed (the sysroot has Mesa's arm64 build);
# off a Pi it lists nothing and doctor says that is expected; on a Pi whose GPU driver is not
# loaded, doctor names the cause and the fix. QEMU reads /proc/device-tree/model from its
# prefix first, so a root of hard links with that file added stands in for a Pi.
out=$(ICD="$lavapipe:$v3dv" arm64 doctor --no-verify); status=$?
check "doctor off a Pi: V3DV installed, no device, expected; the setup works" \
    bash -c '[[ $1 -eq 0 ]] && grep -q "this machine is not a Raspberry Pi" <<<"$2" && grep -q "The setup works" <<<"$2"' _ "$status" "$out"
((status == 0)) || tail -8 <<<"$out"
pi_root=$work/pi-root
cp -al "$sysroot" "$pi_root"
mkdir -p "$pi_root/proc/device-tree"
printf 'Raspberry Pi 4 Model B Rev 1.5\0' > "$pi_root/proc/device-tree/model"
out=$(ROOT=$pi_root ICD="$lavapipe:$v3dv" arm64 doctor --no-verify); status=$?
check "doctor on a Pi without its GPU driver: names it, the fix, and that only lavapipe runs" \
    bash -c '[[ $1 -ne 0 ]] && grep -q "Raspberry Pi 4 Model B Rev 1.5, but there is no V3D GPU device" <<<"$2" && grep -q "dtoverlay=vc4-kms-v3d" <<<"$2"' _ "$status" "$out"
rm -rf "$pi_root"
out=$(ICD=$work/missing.json arm64 devices); status=$?
check "no driver: a clear error pointing at doctor, not a crash" \
    bash -c '[[ $1 -eq 1 ]] && grep -q "no Vulkan device found" <<<"$2" && grep -q "CapitalEngine doctor" <<<"$2"' _ "$status" "$out"

# --- the chosen Swift tests, cross-built, in the trixie arm64 root ----------------------------
bundle=.build-arm64-tests/debug/CapitalEnginePackageTests.xctest
if [[ -x $bundle ]]; then
    # Each measured alone under QEMU on 2 cores: 1 to 58 s; about 3 minutes together.
    filters=(
        'NBodyGPUTests/matchesReference' 'NBodyGPUTests/theKernelsChosenForAPiMatchTheReference'
        'NBodyGPUTests/aValidatedRunReportsNoMessages' 'NBodyGPUTests/validationCatchesAMissingBarrier'
        'PairOnceKernelTests/blockCountsMatchReference'
        'LifeGPUTests/matchesReference' 'LifeGPUTests/theKernelChosenForAPiMatchesTheReference'
        'NPYFileTests' 'LifeTests' 'DeviceSelectionTests' 'LifeKernelChoiceTests' 'TuningCacheTests'
        'RaspberryPiFindingsTests'
    )
    arguments=(--testing-library swift-testing)
    for filter in "${filters[@]}"; do arguments+=(--filter "$filter"); done
    start=$SECONDS
    out=$(timeout 1800 env VK_ICD_FILENAMES="$(manifest "$test_root" lvp)" \
        VK_LAYER_PATH="$test_root/usr/share/vulkan/explicit_layer.d" LD_LIBRARY_PATH=/usr/lib/swift/linux \
        XDG_CACHE_HOME="$work/cache" qemu-aarch64-static -L "$test_root" "$bundle" "${arguments[@]}" 2>&1); status=$?
    summary=$(grep -aE "Test run with [0-9]+ tests" <<<"$out" | tail -1 | sed 's/^[^T]*//')
    check "the chosen Swift tests pass on arm64 ($((SECONDS - start)) s: ${summary:-no summary, status $status})" \
        bash -c '[[ $1 -eq 0 && -n $2 && $2 != *failed* ]]' _ "$status" "$summary"
    ((status == 0)) || grep -aE "✘|Fatal|error" <<<"$out" | head -20
else
    failure "the arm64 test bundle $bundle is missing"
fi
finish
