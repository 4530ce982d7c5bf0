#!/bin/bash
# What of a Kubernetes sweep this machine can check without a cluster (no Kubernetes server
# runs from Debian's archive): the manifests make-job.sh writes pass the API's schemas
# (kubernetes-validate --strict, from PyPI, in a private virtual environment), the Job is
# Indexed with one completion per task, and the pods' command, run once per index with
# JOB_COMPLETION_INDEX set as Kubernetes sets it, completes every task of the sweep in the
# ConfigMap.
#
# Usage: deploy/kubernetes/test-kubernetes.sh [BINARY]   (default: .build/debug/CapitalEngine)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=$(realpath "${1:-.build/debug/CapitalEngine}")
[[ -x $binary ]] || { echo "test-kubernetes.sh: no binary at $binary (swift build first)" >&2; exit 1; }
work=$(mktemp -d /tmp/capitalengine-kubernetes.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-kubernetes.sh: FAIL: $*" >&2; exit 1; }

cat > "$work/sweep.json" <<'JSON'
{"workload": "life", "axes": {"rule": ["B3/S23", "B36/S23"], "seed": [1, 2, 3]},
 "fixed": {"size": "64x48", "steps": 20}}
JSON
CAPITALENGINE=$binary deploy/kubernetes/make-job.sh "$work/sweep.json" capitalengine:nvidia sweep 3 > "$work/job.yaml"

# The API's own schemas, strictly (unknown fields fail too), for the versions around now.
venv=${CAPITALENGINE_VALIDATE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/capitalengine/kubernetes-validate}
if [[ ! -x $venv/bin/kubernetes-validate ]]; then
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >/dev/null 2>&1 || true
    timeout 300 "$venv/bin/pip" install --quiet kubernetes-validate >/dev/null 2>&1 \
        || { rm -rf "$venv"; echo "SKIP: schema validation: kubernetes-validate could not be installed from PyPI"; }
fi
if [[ -x $venv/bin/kubernetes-validate ]]; then
    for version in 1.29.0 1.31.0; do
        "$venv/bin/kubernetes-validate" --strict -k "$version" "$work/job.yaml" >/dev/null \
            || fail "the manifests do not pass Kubernetes $version's schemas: $("$venv/bin/kubernetes-validate" --strict -k "$version" "$work/job.yaml" 2>&1)"
    done
    echo "kubernetes: the manifests pass the schemas of 1.29 and 1.31 (strict)"
fi

# The Job's shape, and the pods' command taken from it.
python3 - "$work/job.yaml" "$work" <<'PY' || fail "the Job is not what a sweep needs"
import json, sys, yaml
config, job = list(yaml.safe_load_all(open(sys.argv[1])))
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec["completionMode"]
assert spec["completions"] == 6, spec["completions"]
assert spec["parallelism"] == 3
container = spec["template"]["spec"]["containers"][0]
assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
assert volumes["sweep"]["configMap"]["name"] == config["metadata"]["name"]
assert json.loads(config["data"]["sweep.json"]) == json.load(open(sys.argv[2] + "/sweep.json"))
args = [a.replace("/sweep/sweep.json", sys.argv[2] + "/from-configmap.json").replace("/results", sys.argv[2] + "/results")
        for a in container["args"]]
open(sys.argv[2] + "/from-configmap.json", "w").write(config["data"]["sweep.json"])
open(sys.argv[2] + "/args", "w").write("\n".join(args))
PY
mapfile -t args < "$work/args"
for index in 0 1 2 3 4 5; do
    JOB_COMPLETION_INDEX=$index "$binary" "${args[@]}" >/dev/null 2>>"$work/pods.log" \
        || fail "the pod of index $index failed: $(tail -n 5 "$work/pods.log")"
done
status=$("$binary" sweep status "$work/results")
[[ $status == "6 tasks: 6 done, 0 running, 0 failed, 0 pending" ]] || fail "sweep status: $status"
echo "kubernetes: the pods' command completed all 6 tasks by JOB_COMPLETION_INDEX"
echo "test-kubernetes.sh: PASS"
