#!/bin/bash
# Makes the OCI bundle that `srun --container` runs (SWEEP_CONTAINER=srun in sweep.sbatch):
# a root file system holding CapitalEngine and what it loads, and a config.json from
# `runc spec` with the shared folders the tasks read and write, and the GPU's device nodes.
#
#   make-bundle.sh BUNDLE --image IMAGE [--engine docker|podman] [--bind DIR]... [--device NODE]...
#   make-bundle.sh BUNDLE --binary PATH [--bind DIR]... [--device NODE]...
#
# --image takes the root file system from an image (the `mesa` one, say), exported without
#   running it; --binary collects it around a binary, as the mesa image is made
#   (docker/collect-rootfs.sh: the binary, the Vulkan loader, Mesa's drivers, their libraries).
# --bind DIR mounts DIR at the same path, read-write: the sweep file's folder and the results
#   folder, on a file system every node sees, so that the paths in sweep.sbatch hold inside.
# --device NODE passes a device node, or every node of a folder (/dev/dri), with read-write
#   access. NVIDIA's driver comes in through the NVIDIA Container Toolkit's OCI hook instead
#   (`nvidia-ctk`), which the site's oci.conf adds.
#
# The bundle goes on a file system every node sees; Slurm's oci.conf (deploy/slurm/oci.conf)
# says how slurmstepd runs it. Slurm puts the step's command, environment and user into a copy
# of config.json; the arguments here are only a default.
set -euo pipefail
usage() {
    echo "usage: make-bundle.sh BUNDLE (--image IMAGE [--engine docker|podman] | --binary PATH) [--bind DIR]... [--device NODE]..." >&2
    exit 64
}
bundle=${1:-}
[[ -n $bundle && $bundle != -* ]] || usage
shift
image= binary= engine=${CONTAINER_ENGINE:-docker}
binds=() devices=()
while (($#)); do
    case $1 in
        --image) image=${2:?--image needs an image}; shift 2 ;;
        --engine) engine=${2:?--engine needs docker or podman}; shift 2 ;;
        --binary) binary=${2:?--binary needs a path}; shift 2 ;;
        --bind) binds+=("$(realpath -m "${2:?--bind needs a folder}")"); shift 2 ;;
        --device) devices+=("${2:?--device needs a node}"); shift 2 ;;
        *) echo "make-bundle.sh: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n $image || -n $binary ]] || { echo "make-bundle.sh: give --image or --binary" >&2; usage; }
[[ -z $image || -z $binary ]] || { echo "make-bundle.sh: --image and --binary both give the root file system; use one" >&2; exit 64; }
command -v runc >/dev/null || { echo "make-bundle.sh: runc is not installed (apt-get install runc)" >&2; exit 1; }
for dir in "${binds[@]}"; do
    [[ -d $dir ]] || { echo "make-bundle.sh: --bind $dir: no such folder" >&2; exit 1; }
done
[[ ! -e $bundle/config.json ]] || { echo "make-bundle.sh: $bundle already holds a bundle; remove it first" >&2; exit 1; }

here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$bundle"
bundle=$(realpath "$bundle")
# Made in a folder beside the bundle's and moved into place at the end: an interrupted run
# leaves no half bundle for Slurm to start.
staging=$(mktemp -d "$bundle/.staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
if [[ -n $binary ]]; then
    [[ -x $binary ]] || { echo "make-bundle.sh: $binary is not an executable" >&2; exit 1; }
    "$here/docker/collect-rootfs.sh" "$staging/rootfs" "$(realpath "$binary")"
else
    container=$("$engine" create "$image")
    mkdir -p "$staging/rootfs"
    "$engine" export "$container" | tar -x -C "$staging/rootfs"
    "$engine" rm "$container" >/dev/null
fi
[[ -x $staging/rootfs/usr/local/bin/CapitalEngine ]] \
    || { echo "make-bundle.sh: the root file system has no /usr/local/bin/CapitalEngine" >&2; exit 1; }
(cd "$staging" && runc spec)

device_entries=()
for node in "${devices[@]}"; do
    if [[ -d $node ]]; then
        for each in "$node"/*; do [[ -c $each ]] && device_entries+=("$each"); done
    elif [[ -c $node ]]; then
        device_entries+=("$node")
    else
        echo "make-bundle.sh: --device $node is not a character device or a folder of them" >&2
        exit 1
    fi
done
devices_text=()
for node in "${device_entries[@]}"; do
    devices_text+=("$node $(stat -c '%t %T' "$node")")
done

python3 - "$staging/config.json" "${binds[@]/#/bind:}" "${devices_text[@]/#/device:}" <<'PY'
import json, sys
path, items = sys.argv[1], sys.argv[2:]
config = json.load(open(path))
process = config["process"]
process["args"] = ["/usr/local/bin/CapitalEngine", "--help"]
process["terminal"] = False
process["cwd"] = "/"
process["env"] = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp"]
for item in items:
    kind, _, value = item.partition(":")
    if kind == "bind":
        config["mounts"].append(
            {"destination": value, "type": "bind", "source": value, "options": ["rbind", "rw"]})
    else:
        node, major, minor = value.split()
        major, minor = int(major, 16), int(minor, 16)
        config["linux"].setdefault("devices", []).append(
            {"path": node, "type": "c", "major": major, "minor": minor, "fileMode": 0o666, "uid": 0, "gid": 0})
        config["linux"].setdefault("resources", {}).setdefault("devices", []).append(
            {"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
json.dump(config, open(path, "w"), indent=2)
PY
mv "$staging/rootfs" "$bundle/rootfs.new"
[[ ! -e $bundle/rootfs ]] || rm -rf "$bundle/rootfs"
mv "$bundle/rootfs.new" "$bundle/rootfs"
mv "$staging/config.json" "$bundle/config.json"
echo "make-bundle.sh: $bundle (rootfs $(du -sh "$bundle/rootfs" | cut -f1); binds: ${binds[*]:-none}; devices: ${#device_entries[@]})"
