#!/bin/bash
# Submits a CapitalEngine sweep to Slurm as job arrays, one task per array index.
#
# Usage: deploy/slurm/submit.sh SWEEP.json RESULTS_DIR [sbatch options...]
#   e.g. deploy/slurm/submit.sh sweep.json /shared/out --partition=gpu --array-limit=8
#
# --array-limit=K runs at most K tasks at once (--array=0-N%K). A sweep larger than the
# cluster's MaxArraySize (1001 by default) goes in several arrays, each with its offset.
# Prints each job's ID; `CapitalEngine sweep status RESULTS_DIR` follows the sweep.
set -euo pipefail
if (($# < 2)); then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
fi
file=$(realpath "$1") results=$(realpath -m "$2")
shift 2
limit="" options=()
for option in "$@"; do
    case $option in
        --array-limit=*) limit="%${option#--array-limit=}" ;;
        *) options+=("$option") ;;
    esac
done
engine=${CAPITALENGINE:-CapitalEngine}
# The plan checks the file before anything is queued.
count=$("$engine" sweep plan "$file" --json | sed -n 's/^  "count" : \([0-9]*\),$/\1/p')
[[ $count =~ ^[0-9]+$ ]] || { echo "submit.sh: cannot read the task count of $file" >&2; exit 1; }
max=$(scontrol show config 2>/dev/null | sed -n 's/^MaxArraySize *= *\([0-9]*\)$/\1/p')
max=${max:-1001}
mkdir -p "$results"
here=$(dirname "$(realpath "$0")")
for ((offset = 0; offset < count; offset += max)); do
    last=$((count - offset < max ? count - offset - 1 : max - 1))
    SWEEP_FILE=$file SWEEP_RESULTS=$results SWEEP_OFFSET=$offset CAPITALENGINE=$engine \
        sbatch --parsable --export=ALL --array="0-$last$limit" "${options[@]}" "$here/sweep.sbatch"
done
