#!/bin/bash
# Writes the Kubernetes manifests of a CapitalEngine sweep to stdout: a ConfigMap with the
# sweep file, and an Indexed Job with one completion per task. Kubernetes gives each pod its
# index as JOB_COMPLETION_INDEX, which `sweep run` reads; results go to a ReadWriteMany
# volume claim that every pod mounts.
#
# Usage: deploy/kubernetes/make-job.sh SWEEP.json IMAGE [NAME] [PARALLELISM] [PVC] | kubectl apply -f -
#   IMAGE        e.g. registry.example.com/capitalengine:nvidia (the nvidia image and a GPU per pod)
#   NAME         the Job's name (default capitalengine-sweep)
#   PARALLELISM  pods at once (default 4)
#   PVC          an existing ReadWriteMany claim for the results (default NAME-results)
# Then: kubectl wait --for=condition=complete job/NAME, and `sweep status` on the volume.
set -euo pipefail
if (($# < 2)); then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
fi
file=$1 image=$2 name=${3:-capitalengine-sweep} parallelism=${4:-4} claim=${5:-${3:-capitalengine-sweep}-results}
engine=${CAPITALENGINE:-CapitalEngine}
count=$("$engine" sweep plan "$file" --json | sed -n 's/^  "count" : \([0-9]*\),$/\1/p')
[[ $count =~ ^[0-9]+$ ]] || { echo "make-job.sh: cannot read the task count of $file" >&2; exit 1; }
cat <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: $name-sweep
data:
  sweep.json: |
$(sed 's/^/    /' "$file")
---
apiVersion: batch/v1
kind: Job
metadata:
  name: $name
spec:
  completionMode: Indexed
  completions: $count
  parallelism: $parallelism
  # A task that fails (exit 1) is retried this often, for its index alone; a completed one
  # is never run twice, and a killed one resumes from its checkpoint.
  backoffLimitPerIndex: 2
  maxFailedIndexes: $count
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: task
          image: $image
          args: ["sweep", "run", "/sweep/sweep.json", "--results", "/results", "--quiet"]
          env:
            # The node's name goes into each task's summary.
            - name: CAPITALENGINE_NODE
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          resources:
            limits:
              nvidia.com/gpu: 1
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: sweep
              mountPath: /sweep
              readOnly: true
            - name: results
              mountPath: /results
      volumes:
        - name: sweep
          configMap:
            name: $name-sweep
        - name: results
          persistentVolumeClaim:
            claimName: $claim
YAML
