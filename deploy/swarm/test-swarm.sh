#!/bin/bash
# A sweep on a real Docker Swarm: a private dockerd started in a network namespace of its own
# (so the main engine is not turned into a swarm), the image loaded into it from the main
# engine, `docker swarm init` on loopback, and the workers of deploy/swarm/sweep-stack.yml's
# kind as a replicated job (--mode replicated-job, --max-concurrent) taking tasks through
# --claim. Checks that every task completed, once, and that a task equals a direct run.
#
# Usage (root): deploy/swarm/test-swarm.sh [IMAGE]   (default capitalengine:mesa, in the main engine)
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:-capitalengine:mesa}
[[ $(id -u) -eq 0 ]] || { echo "test-swarm.sh: needs root (a network namespace and a dockerd)" >&2; exit 1; }
timeout 60 docker image inspect "$image" >/dev/null 2>&1 || { echo "test-swarm.sh: no image $image in the main engine" >&2; exit 1; }

work=$(mktemp -d /tmp/capitalengine-swarm.XXXXXX)
namespace=capitalengine-swarm-$$
socket=unix://$work/docker.sock
private() { timeout 120 docker -H "$socket" "$@"; }
dockerd_pid=
cleanup() {
    if [[ -n $dockerd_pid ]]; then
        private service rm sweep >/dev/null 2>&1 || true
        private swarm leave --force >/dev/null 2>&1 || true
        kill -TERM "$dockerd_pid" 2>/dev/null || true
        wait "$dockerd_pid" 2>/dev/null || true
    fi
    ip netns del "$namespace" 2>/dev/null || true
    # What the private engine left mounted, then its files.
    grep -o " $work[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "test-swarm.sh: FAIL: $*" >&2
    tail -n 20 "$work/dockerd.log" >&2 || true
    exit 1
}
until_true() {
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

ip netns add "$namespace"
ip -n "$namespace" link set lo up
# nsenter, not `ip netns exec`, which remounts /sys and hides the cgroup hierarchy from dockerd.
nsenter --net="/run/netns/$namespace" dockerd --data-root "$work/data" --exec-root "$work/exec" \
    -H "$socket" --pidfile "$work/docker.pid" --cgroup-parent capitalengine-swarm \
    > "$work/dockerd.log" 2>&1 &
dockerd_pid=$!
until_true 60 private info || fail "the private dockerd did not start"
timeout 300 docker save "$image" | private load >/dev/null || fail "cannot load $image into the private engine"
private swarm init --advertise-addr 127.0.0.1 >/dev/null || fail "docker swarm init failed"
echo "swarm: a private engine in namespace $namespace, a swarm on loopback, $image loaded"

mkdir -p "$work/results"
chmod 777 "$work/results"
cat > "$work/sweep.json" <<'JSON'
{"workload": "nbody", "axes": {"seed": {"from": 1, "to": 8}}, "fixed": {"particles": 256, "steps": 30}}
JSON
chmod 644 "$work/sweep.json"
private service create --detach --name sweep --mode replicated-job --replicas 3 --max-concurrent 3 \
    --restart-condition none --no-healthcheck --no-resolve-image --read-only --user 10001:10001 \
    --env 'CAPITALENGINE_NODE=worker-{{.Task.Slot}}' \
    --mount "type=bind,source=$work/sweep.json,target=/data/sweep.json,readonly" \
    --mount "type=bind,source=$work/results,target=/data/results" \
    "$image" sweep run /data/sweep.json --results /data/results --claim --quiet >/dev/null \
    || fail "docker service create failed"
done_jobs() { [[ $(private service ps sweep --format '{{.CurrentState}}' | grep -c '^Complete') == 3 ]]; }
until_true 300 done_jobs || fail "the 3 workers did not complete: $(private service ps sweep --no-trunc 2>&1)"
echo "swarm: the replicated job's 3 workers completed"

status=$(timeout 60 docker run --rm --network none -v "$work/results:/data/results:ro" "$image" sweep status /data/results)
[[ $status == "8 tasks: 8 done, 0 running, 0 failed, 0 pending" ]] || fail "sweep status: $status"
# Each task ran once: one start record each, written by the one worker that claimed it.
workers=$(sed -n 's/^  "node" : "\(worker-[0-9]*\)",$/\1/p' "$work"/results/*/summary.json | sort -u | tr '\n' ' ')
echo "swarm: 8 tasks done by $workers"
mkdir -m 777 "$work/direct"
timeout 120 docker run --rm --network none --read-only -v "$work/direct:/direct" "$image" \
    run --particles 256 --seed 3 --steps 30 --quiet --output /direct/state.npy >/dev/null 2>&1 \
    || fail "the direct run failed"
cmp -s "$work/direct/state.npy" "$work/results/2/state.npy" || fail "task 2 differs from a direct run"
echo "swarm: task 2 equals a direct run bit for bit"
echo "test-swarm.sh: PASS"
