#!/bin/bash
# A sweep on a real Slurm cluster, started here: munge, slurmctld and three slurmd on loopback
# ports, each node with one CPU and a fake GPU (GRES), with no systemd. A sweep of 9 tasks, one
# made to fail, goes through submit.sh and sweep.sbatch, in three arrays under a MaxArraySize
# of 4; then the checks: every task ended,
# they ran on several nodes, each result equals a direct `run` of its parameters bit for bit,
# and the failed task is FAILED with exit code 1 in Slurm's job-completion records. Then a long
# task is requeued mid-run and must resume from its checkpoint, bit for bit. Last, four of the
# tasks again in containers, through sweep.sbatch's container paths: `srun --container` with
# an OCI bundle of the binary (make-bundle.sh, runc through oci.conf), and podman with an
# image made of the same root file system; each must equal the direct runs.
#
# Usage (root): deploy/slurm/test-slurm.sh [BINARY]   (default: .build/debug/CapitalEngine)
# Installs Debian's slurm-wlm, munge, runc and podman where they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) -eq 0 ]] || { echo "test-slurm.sh: needs root (it starts munged and the Slurm daemons)" >&2; exit 1; }
binary=$(realpath "${1:-.build/debug/CapitalEngine}")
[[ -x $binary ]] || { echo "test-slurm.sh: no binary at $binary (swift build first)" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v runc >/dev/null \
    || ! command -v podman >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        slurm-wlm slurm-wlm-basic-plugins munge runc podman uidmap slirp4netns fuse-overlayfs >/dev/null
fi

work=$(mktemp -d /tmp/capitalengine-slurm.XXXXXX)
chmod 755 "$work"
pids=()
image=localhost/capitalengine:slurm-test
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    podman rmi -f "$image" >/dev/null 2>&1 || true
    if [[ ${KEEP_SLURM_WORK:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
    echo "test-slurm.sh: FAIL: $*" >&2
    for log in "$work"/*.log; do echo "--- $log"; tail -n 20 "$log"; done >&2
    exit 1
}
# Waits until the command succeeds: evidence, not a fixed time; gives up after $1 seconds.
until_true() {
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# munge: its own key, socket and files.
mkdir -p "$work/munge"
chmod 755 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket=$work/munge/munge.socket
munged --force --key-file="$work/munge/munge.key" --socket="$socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge.log" --seed-file="$work/munge/seed"
until_true 10 test -S "$socket" || fail "munged did not start"
pids+=("$(cat "$work/munge/munged.pid")")

# Ports that nothing here uses: the controller's, then one per node.
ports=($(python3 -c '
import socket
sockets = [socket.socket() for _ in range(4)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))'))
host=$(hostname)
mkdir -p "$work/state" "$work/spool" "$work/results" "$work/jobs"
cat > "$work/slurm.conf" <<CONF
ClusterName=capitalengine
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool/%n
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd-%n.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
JobRequeue=1
GresTypes=gpu
JobCompType=jobcomp/filetxt
JobCompLoc=$work/jobcomp.txt
# Small, so that the 9 tasks go in three arrays, as a large sweep does past the default 1001.
MaxArraySize=4
NodeName=n1 NodeHostname=$host NodeAddr=127.0.0.1 Port=${ports[1]} CPUs=1 Gres=gpu:1 State=UNKNOWN
NodeName=n2 NodeHostname=$host NodeAddr=127.0.0.1 Port=${ports[2]} CPUs=1 Gres=gpu:1 State=UNKNOWN
NodeName=n3 NodeHostname=$host NodeAddr=127.0.0.1 Port=${ports[3]} CPUs=1 Gres=gpu:1 State=UNKNOWN
PartitionName=gpu Nodes=n1,n2,n3 Default=YES MaxTime=INFINITE State=UP
CONF
# A character device per node stands in for its GPU: Slurm counts it and hands it out.
: > "$work/gres.conf"
echo "AutoDetect=off" >> "$work/gres.conf"
for node in n1 n2 n3; do
    mknod "$work/gpu-$node" c 1 3
    echo "NodeName=$node Name=gpu File=$work/gpu-$node" >> "$work/gres.conf"
done
# srun --container: runc, its state under the work folder (deploy/slurm/oci.conf otherwise).
sed "s|/run/slurm-oci|$work/oci|" deploy/slurm/oci.conf > "$work/oci.conf"
export SLURM_CONF=$work/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" > "$work/slurmctld.out" 2>&1 &
pids+=($!)
for node in n1 n2 n3; do
    slurmd -D -N "$node" -f "$SLURM_CONF" > "$work/slurmd-$node.out" 2>&1 &
    pids+=($!)
done
nodes_idle() { [[ $(timeout 5 sinfo -h -N -o '%N %T' | grep -c ' idle$') == 3 ]]; }
until_true 60 nodes_idle || fail "the three nodes did not come up idle: $(timeout 5 sinfo -N 2>&1)"
echo "slurm: controller and 3 nodes up"

# 6 tasks from the axes, 2 extra points, and one whose kernel no device has a workgroup for.
cat > "$work/sweep.json" <<'JSON'
{"workload": "nbody",
 "axes": {"particles": [128, 160, 192], "seed": [1, 2]},
 "fixed": {"steps": 40, "checkpointEvery": 10},
 "extra": [{"particles": 100, "seed": 5}, {"particles": 96, "seed": 3, "steps": 30},
           {"particles": 64, "kernel": "65536,1,64"}]}
JSON
jobs=$(cd "$work/jobs" && CAPITALENGINE=$binary timeout 30 "$OLDPWD/deploy/slurm/submit.sh" \
    "$work/sweep.json" "$work/results" --array-limit=3)
(($(wc -l <<<"$jobs") == 3)) || fail "9 tasks under MaxArraySize=4 are not 3 arrays: $jobs"
echo "slurm: submitted job arrays $(tr '\n' ' ' <<<"$jobs")(MaxArraySize 4)"
records() { [[ -f $work/jobcomp.txt ]] && (($(grep -c 'JobState=' "$work/jobcomp.txt") >= 9)); }
until_true 300 records || fail "9 job-completion records did not arrive: $(timeout 5 squeue 2>&1)"

status=$("$binary" sweep status "$work/results")
echo "$status"
grep -q '^9 tasks: 8 done, 0 running, 1 failed, 0 pending$' <<<"$status" || fail "sweep status: $status"
grep -q '^failed 8 (.*kernel=65536,1,64 particles=64 .*exceeds the device' <<<"$status" || fail "task 8 is not the failed one"
used=$(sed -n 's/^  "node" : "\(n[0-9]\)",$/\1/p' "$work"/results/*/summary.json | sort -u | tr '\n' ' ')
(($(wc -w <<<"$used") >= 2)) || fail "the tasks ran on one node only: $used"
echo "slurm: tasks ran on nodes $used"
# Each completed task equals a direct run of its parameters.
while read -r id particles seed steps; do
    "$binary" run --particles "$particles" --seed "$seed" --steps "$steps" --no-tune-cache --quiet \
        --output "$work/direct-$id.npy" >/dev/null 2>>"$work/direct.log"
    cmp -s "$work/direct-$id.npy" "$work/results/$id/state.npy" || fail "task $id differs from a direct run"
done <<'TASKS'
0 128 1 40
3 160 2 40
5 192 2 40
7 96 3 30
TASKS
echo "slurm: tasks 0, 3, 5 and 7 equal direct runs bit for bit"
# Slurm itself recorded the failure: the array's task 8 FAILED, exit code 1.
grep -E "JobState=FAILED.*ExitCode=1:0|ExitCode=1:0.*JobState=FAILED" "$work/jobcomp.txt" >/dev/null \
    || fail "no FAILED record with exit code 1: $(cat "$work/jobcomp.txt")"
(($(grep -c 'JobState=COMPLETED' "$work/jobcomp.txt") == 8)) || fail "not 8 COMPLETED records"
echo "slurm: job-completion records: 8 COMPLETED, 1 FAILED with exit code 1"

# Requeued mid-run (as preemption does): Slurm signals the task, which saves a checkpoint and
# exits; the requeued task goes on from it, and ends with the bits of an uninterrupted run.
cat > "$work/long.json" <<'JSON'
{"workload": "nbody", "fixed": {"particles": 1024, "steps": 1500, "seed": 6, "checkpointEvery": 25}}
JSON
job=$(cd "$work/jobs" && CAPITALENGINE=$binary timeout 30 "$OLDPWD/deploy/slurm/submit.sh" \
    "$work/long.json" "$work/long" --requeue)
checkpointed() { [[ -f $work/long/0/checkpoint-b.npy.json ]]; }
until_true 120 checkpointed || fail "the long task wrote no checkpoint"
timeout 10 scontrol requeue "${job}_0" || fail "scontrol requeue ${job}_0 failed"
# Slurm holds a requeued job back for a while before it may start again; here, start it now.
pending() { [[ $(timeout 5 squeue -h -j "${job}_0" -o %t) == PD ]]; }
until_true 60 pending || fail "the requeued task did not go back to the queue"
timeout 10 scontrol update JobId="${job}_0" StartTime=now || fail "cannot start the requeued task now"
echo "slurm: requeued ${job}_0 mid-run"
finished() { grep -q '"status" : "completed"' "$work/long/0/summary.json" 2>/dev/null; }
until_true 300 finished || fail "the requeued task did not complete: $(timeout 5 squeue 2>&1)"
grep -q "resuming at step" "$work/jobs/slurm-${job}_0.out" || fail "the requeued task did not resume: $(cat "$work/jobs/slurm-${job}_0.out")"
"$binary" run --particles 1024 --seed 6 --steps 1500 --no-tune-cache --quiet --output "$work/direct-long.npy" \
    >/dev/null 2>>"$work/direct.log"
cmp -s "$work/direct-long.npy" "$work/long/0/state.npy" || fail "the requeued task differs from an uninterrupted run"
echo "slurm: the requeued task resumed from its checkpoint and equals an uninterrupted run bit for bit"

# The same tasks in containers. The bundle mounts the shared folder at its own path.
mkdir -p "$work/share"
cat > "$work/share/sweep.json" <<'JSON'
{"workload": "nbody", "axes": {"particles": [128, 160], "seed": [1, 2]}, "fixed": {"steps": 40, "checkpointEvery": 10}}
JSON
bash -x deploy/slurm/make-bundle.sh "$work/bundle" --binary "$binary" --bind "$work/share" > "$work/bundle.log" 2>&1 \
    || fail "make-bundle.sh: $(tail -20 "$work/bundle.log")"
all_done() { [[ $("$binary" sweep status "$1" 2>/dev/null | sed -n 1p) == "4 tasks: 4 done, 0 running, 0 failed, 0 pending" ]]; }
same_as_direct() {  # results folder, what ran them
    cmp -s "$work/direct-0.npy" "$1/0/state.npy" || fail "$2: task (128, 1) differs from a direct run"
    cmp -s "$work/direct-3.npy" "$1/3/state.npy" || fail "$2: task (160, 2) differs from a direct run"
}
(cd "$work/jobs" && SWEEP_CONTAINER=srun SWEEP_BUNDLE=$work/bundle CAPITALENGINE=$binary timeout 30 \
    "$OLDPWD/deploy/slurm/submit.sh" "$work/share/sweep.json" "$work/share/srun") >/dev/null
until_true 180 all_done "$work/share/srun" || fail "srun --container: $("$binary" sweep status "$work/share/srun" 2>&1)"
# runc made its state folder: the tasks ran in containers that Slurm started.
[[ -d $work/oci ]] || fail "srun --container: runc never ran"
same_as_direct "$work/share/srun" "srun --container"
echo "slurm: srun --container ran 4 tasks in an OCI bundle (runc), equal to direct runs bit for bit"

# podman: an image of the same root file system, as the mesa image is; no /dev/dri here.
podman_conf=$work/containers.conf
printf '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' > "$podman_conf"
export CONTAINERS_CONF=$podman_conf
tar -C "$work/bundle/rootfs" -c . | podman import -q --change 'ENTRYPOINT ["/usr/local/bin/CapitalEngine"]' - "$image" \
    > "$work/podman.log" 2>&1 || fail "podman import: $(tail -5 "$work/podman.log")"
(cd "$work/jobs" && SWEEP_CONTAINER=podman SWEEP_IMAGE=$image SWEEP_DEVICES= CAPITALENGINE=$binary timeout 30 \
    "$OLDPWD/deploy/slurm/submit.sh" "$work/share/sweep.json" "$work/share/podman") >/dev/null
until_true 240 all_done "$work/share/podman" \
    || fail "podman: $("$binary" sweep status "$work/share/podman" 2>&1; tail -n 5 "$work"/jobs/slurm-*.out)"
same_as_direct "$work/share/podman" "podman"
echo "slurm: podman ran 4 tasks from an image, equal to direct runs bit for bit"
echo "test-slurm.sh: PASS"
