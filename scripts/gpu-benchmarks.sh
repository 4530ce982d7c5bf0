#!/bin/bash
# Verifies and benchmarks a release binary on a real GPU, in one go, for the lent GPU machine
# (see docs/history.md, "Measuring on a GPU machine"). Writes logs and JSON reports to OUT
# and prints a short summary last.
#
#   scripts/gpu-benchmarks.sh BINARY OUT [PART...]
#
# PARTs (default: all but life-kernels and tune-life): check nbody pairs unroll life
# life-wide life-streamed life-generations life-kernels gray-scott overhead tune-nbody tune-life
# validate
# Parts run in the order above, whatever the order given. Each step runs under its own time
# limit so that one slow step cannot eat the whole lease, and the whole run under
# GPU_BENCH_SECONDS (default 540, inside the device tool's 600 s a command): a step is cut to
# the time left, or skipped and said so, and the logs are always archived, since a command the
# tool kills brings back only what fits in its few files.
set -u
if (($# < 2)); then
    echo "usage: $0 BINARY OUT [PART...]" >&2
    exit 64
fi
BIN=$1 OUT=$2
shift 2
DEADLINE=${GPU_BENCH_SECONDS:-540}
RESERVE=25  # seconds kept for a step's grace after TERM, archiving the logs and the summary
PARTS=${*:-check nbody pairs unroll life life-wide life-streamed life-generations gray-scott overhead tune-nbody validate}
mkdir -p "$OUT"
export CAPITALENGINE_TUNE_CACHE=$OUT/tuning.json
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"

step() {  # step NAME SECONDS ARGS... : runs the binary, logs to OUT/NAME.log
    local name=$1 limit=$2
    shift 2
    local left=$((DEADLINE - RESERVE - SECONDS))
    if ((left < 20)); then
        printf '%-28s skipped: out of time (GPU_BENCH_SECONDS=%s)  %s\n' "$name" "$DEADLINE" "$*" | tee -a "$SUMMARY"
        return
    fi
    ((limit > left)) && limit=$left
    local start=$SECONDS
    # TERM first: bench reports what it measured, tune stores its best so far; KILL 10 s later.
    timeout -s TERM -k 10 "$limit" "$BIN" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    printf '%-28s rc=%-3s %4ss  %s\n' "$name" "$rc" "$((SECONDS - start))" "$*" | tee -a "$SUMMARY"
    grep -E 'interactions/s|cell updates/s|steps/s|error|winner|fastest|PASS|FAIL|wrong|repeat:' "$OUT/$name.log" | head -12 | sed 's/^/    /' >>"$SUMMARY"
}

want() { [[ " $PARTS " == *" $1 "* ]]; }

json_of() {  # json_of NAME : the --json report in OUT/NAME.log, without the notes stderr put beside it
    [ -f "$OUT/$1.log" ] && awk '/^\{/,/^\}/' "$OUT/$1.log" >"$OUT/$1.json"
    [ -s "$OUT/$1.json" ] || { rm -f "$OUT/$1.json"; echo "    $1: no JSON report" >>"$SUMMARY"; }
}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu --format=csv >"$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt" >>"$SUMMARY"

if want check; then
    step devices 60 devices
    step verify-nbody-4096 120 verify --particles 4096 --steps 10
    step verify-nbody-65536 200 verify --particles 65536 --steps 2
    # The target size itself, one step of 8192 sampled bodies checked exactly (K·N on the CPU).
    step verify-nbody-1048576-sampled 200 verify --particles 1048576 --steps 1 --sample 8192
    # Sizes that are not powers of two: a torus seam bug hid behind power-of-two sizes once.
    step verify-life 200 verify life --size 4099x1027 --steps 50
    step verify-life-bounded 200 verify life --size 4099x1027 --steps 50 --bounded
    step verify-life-small 100 verify life --size 97x75 --steps 9
fi
if want nbody; then
    step bench-nbody-default 240 bench --no-tune-cache --particles 16384 65536 262144 1048576 --repeats 7 --json
    json_of bench-nbody-default
fi
if want pairs; then
    # The atomic pair-once form (nbody_pairs_atomic.glsl), written without a GPU: check it,
    # then time it at three blockings beside the defaults above. It adds in 64-bit fixed
    # point; with --softening 0 it adds floats, so the last two steps, each against the
    # default kernel under the same zero-softening guard, show what fixed point costs.
    step verify-pairs-4096 120 verify --particles 4096 --steps 10 --kernel 32,8,0a
    step verify-pairs-65536 200 verify --particles 65536 --steps 2 --kernel 32,8,0a
    step verify-pairs-1048576-sampled 200 verify --particles 1048576 --steps 1 --sample 8192 --kernel 32,8,0a
    for bodies in 8 4 16; do
        step bench-pairs-$bodies 240 bench --no-tune-cache --particles 16384 65536 262144 1048576 --repeats 7 \
            --kernel 32,$bodies,0a
    done
    step bench-pairs-8-float 120 bench --no-tune-cache --particles 1048576 --repeats 5 --softening 0 --kernel 32,8,0a
    step bench-default-unsoftened 120 bench --no-tune-cache --particles 1048576 --repeats 5 --softening 0
fi
if want unroll; then
    # The tile loop written out (seventh session, not yet run on a GPU), on the shapes the H100
    # tuned best at 2^20 and 65536: u1 is the driver's own unrolling, as measured before.
    for unroll in 1 4 8 16; do
        step bench-unroll-128-$unroll 120 bench --no-tune-cache --particles 1048576 --repeats 5 --kernel 128,1,128u$unroll
        step bench-unroll-512-$unroll 120 bench --no-tune-cache --particles 65536 --repeats 5 --kernel 512,1,1024u$unroll
    done
fi
if want life; then
    step bench-life-default 200 bench life --no-tune-cache --grid 2048x2048 4096x4096 8192x8192 16384x16384 65536x65536 --repeats 5
fi
if want life-wide; then
    # The wide kernel made for CPU drivers (64-bit words, several an invocation) on the GPU:
    # verified, then timed beside bits.
    step verify-life-wide 200 verify life --size 4099x1027 --steps 50 --life-kernel wide
    step verify-life-wide-aligned 200 verify life --size 4096x1027 --steps 50 --life-kernel wide --bounded
    step bench-life-wide 200 bench life --life-kernel bits wide --grid 4096x4096 16384x16384 65536x65536 --repeats 5
fi
if want life-streamed; then
    # Generations streamed through registers, a subgroup per strip of words: verified at every
    # blocking factor timed, torus and bounded, then timed beside bits.
    for k in 4 8 16 32; do
        step verify-life-streamed-$k 100 verify life --size 4099x1027 --steps 70 --life-kernel streamed:$k
        step verify-life-streamed-$k-bounded 100 verify life --size 4099x1027 --steps 70 --life-kernel streamed:$k --bounded
    done
    step bench-life-streamed 300 bench life --life-kernel bits streamed:4 streamed:8 streamed:16 streamed:32 \
        --grid 4096x4096 16384x16384 65536x65536 --repeats 5
fi
if want life-generations; then
    # Generations rules in bit planes against Conway, each verified first.
    for rule in B3/S23 B2/S/C3 B2/S345/C4 B3/S23/C256; do
        name=$(echo "$rule" | tr / -)
        step bench-life-$name 150 bench life --rule "$rule" --grid 4096x4096 16384x16384 --repeats 5
    done
fi
if want life-kernels; then
    step bench-life 300 bench life --life-kernel bits tiled:4 tiled:8 tiled:16 tiled:32 \
        --grid 4096x4096 16384x16384 65536x65536 --repeats 5
fi
if want gray-scott; then
    step verify-gray-scott 60 verify gray-scott --size 4099x1027 --steps 50
    step verify-gray-scott-quads 60 verify gray-scott --size 4100x1027 --columns 4 --steps 50
    # Kernel shapes too: long strips and wide blocks leave few invocations to fill a GPU on
    # small fields; blocks of two read and write cells in pairs, blocks of four four at a time.
    step bench-gray-scott 300 bench gray-scott --size 1024x1024 4096x4096 16384x16384 --rows 1 4 16 64 \
        --columns 1 2 4 --repeats 5 --json
    json_of bench-gray-scott
    # What tune picks per size, and the rates run and bench then get from it.
    step tune-gray-scott-1024 60 tune gray-scott --size 1024x1024 --budget 30
    step tune-gray-scott-16384 60 tune gray-scott --size 16384x16384 --budget 40
    step bench-gray-scott-tuned 120 bench gray-scott --size 1024x1024 16384x16384 --repeats 5 --json
    json_of bench-gray-scott-tuned
fi
if want overhead; then
    step run-nbody-1024x10000 120 run --particles 1024 --steps 10000
fi
if want tune-nbody; then
    step tune-nbody-16384 60 tune --particles 16384 --budget 30
    step tune-nbody-65536 60 tune --particles 65536 --budget 30
    step tune-nbody-262144 60 tune --particles 262144 --budget 30
    step tune-nbody-1048576 100 tune --particles 1048576 --budget 60
    step bench-nbody-tuned 240 bench --particles 16384 65536 262144 1048576 --repeats 7 --json
    json_of bench-nbody-tuned
    # Against the last H100 record, where the machine has Python.
    record=$(dirname "$0")/../docs/results/h100-nbody-tuned-2026-11-23.json
    if command -v python3 >/dev/null && [ -f "$record" ] && [ -f "$OUT/bench-nbody-tuned.json" ]; then
        echo "tuned, against $(basename "$record"):" >>"$SUMMARY"
        python3 "$(dirname "$0")/compare-bench.py" "$record" "$OUT/bench-nbody-tuned.json" 2>&1 | sed 's/^/    /' >>"$SUMMARY"
    fi
fi
if want tune-life; then
    step tune-life-16384 100 tune life --size 16384x16384 --budget 50
    step tune-life-65536 150 tune life --size 65536x65536 --budget 70
fi
if want validate; then
    # The Khronos validation layer with synchronization validation, on NVIDIA's driver.
    if [ -n "${VK_LAYER_PATH:-}" ]; then
        step validate-nbody 200 verify --validate --particles 4096 --steps 10
        step validate-pairs 200 verify --validate --particles 4096 --steps 10 --kernel 32,8,0a
        step validate-unroll 200 verify --validate --particles 4096 --steps 10 --kernel 128,1,128pu8
        step validate-life 200 verify --validate --workload life --size 1029x515 --steps 20
        step validate-bench 200 bench --validate --particles 65536 --repeats 2 --steps 2
    else
        echo "validate: skipped, VK_LAYER_PATH is not set" | tee -a "$SUMMARY"
    fi
fi
# The device tool returns at most 8 files: keep the JSON reports, summary and cache loose,
# the logs in one archive.
logs=$(cd "$OUT" && ls *.log 2>/dev/null)
[ -n "$logs" ] && tar -C "$OUT" -czf "$OUT/logs.tgz" --remove-files $logs
echo "=== summary"
cat "$SUMMARY"
