#!/usr/bin/env bash
# Lets this x86-64 machine run arm64 (Raspberry Pi) programs and containers, such as the
# capitalengine:rpi image, through QEMU user-mode emulation: registers Debian's
# qemu-user-static with the kernel's binfmt_misc, with the F flag (the interpreter is opened
# now, so it works inside containers too). The package's own setup does this through systemd,
# which does not run on some machines (containers, CI runners). Needs root.
#
# Usage: docker/register-binfmt.sh [--check]
#   --check   only say whether arm64 programs can run here (exit 0) or not (exit 1)
# Undo: echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
binfmt=/proc/sys/fs/binfmt_misc
case "${1:-}" in
    "") ;;
    --check)
        if [[ $(uname -m) == aarch64 ]] || grep -qx enabled "$binfmt/qemu-aarch64" 2>/dev/null; then
            echo "arm64 programs run here"; exit 0
        fi
        echo "arm64 programs do not run here: docker/register-binfmt.sh (as root) registers QEMU for them"; exit 1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "register-binfmt.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
esac
fail() { echo "register-binfmt.sh: error: $*" >&2; exit 1; }

[[ $(uname -m) != aarch64 ]] || { echo "this machine is arm64: nothing to register" >&2; exit 0; }
[[ $(id -u) -eq 0 ]] || fail "needs root: sudo $0"
if [[ ! -e /usr/lib/binfmt.d/qemu-aarch64.conf ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null || fail "installing qemu-user-static failed"
fi
if [[ ! -e $binfmt/register ]]; then
    mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || fail "binfmt_misc cannot be mounted at $binfmt (a container without the privilege to mount?)"
fi
if grep -qx enabled "$binfmt/qemu-aarch64" 2>/dev/null; then
    grep -q '^flags: .*F' "$binfmt/qemu-aarch64" || fail "qemu-aarch64 is registered without the F flag, so containers cannot use it: echo -1 > $binfmt/qemu-aarch64, then run this again"
    echo "qemu-aarch64 is already registered" >&2
    exit 0
fi
line=$(grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf | head -1)
[[ ${line##*:} == *F* ]] || line="${line}F"   # the last field holds the flags
echo "$line" > "$binfmt/register" 2>/dev/null || fail "the kernel refused the registration (writing $binfmt/register)"
echo "registered qemu-aarch64 ($(sed -n 's/^interpreter //p' "$binfmt/qemu-aarch64"), flags $(sed -n 's/^flags: //p' "$binfmt/qemu-aarch64"))" >&2
