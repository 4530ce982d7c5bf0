#!/usr/bin/env bash
# Fuzzes everything that reads user input (RLE, .npy, rules, kernel names and shapes, device
# selectors, tuning-cache shapes, pattern placement) with libFuzzer and AddressSanitizer, for
# a while, starting from Tests/FuzzCorpus. Inputs that trap land in OUT (default
# .build-fuzz/crashes); copy each into Tests/FuzzCorpus once fixed, where the tests replay
# them on every run.
#
#   scripts/fuzz.sh [SECONDS] [OUT]      (default: 300 seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
out=${2:-.build-fuzz/crashes}
resource=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")/lib/clang
library=$(find "$resource" -name 'libclang_rt.fuzzer_no_main-x86_64.a' -print -quit 2>/dev/null || true)
if [[ -z "$library" ]]; then
    echo "fuzz.sh: libclang_rt.fuzzer_no_main-x86_64.a is not in the Swift toolchain ($resource)" >&2
    exit 1
fi
CAPITALENGINE_FUZZER_LIBRARY=$library swift build --scratch-path .build-fuzz --product ParserFuzzer >&2
mkdir -p "$out" .build-fuzz/corpus
cp Tests/FuzzCorpus/* .build-fuzz/corpus/
# An RLE header may declare 2^30 cells, which the parser allocates (1 GiB): hence the memory
# limit. Swift's own crash reporter reads memory AddressSanitizer guards; libFuzzer reports instead.
# libFuzzer's line per new input goes to a log; its summary, or what it found, is shown. An
# input that takes over two minutes (the largest sweep a file may declare takes seconds) is a
# hang, reported as one; libFuzzer's own default would wait twenty minutes.
status=0
log=.build-fuzz/fuzz.log
SWIFT_BACKTRACE=enable=no .build-fuzz/debug/ParserFuzzer .build-fuzz/corpus \
    -max_total_time="$seconds" -timeout=120 -max_len=4096 -rss_limit_mb=4096 -artifact_prefix="$out/" -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
if ((status)); then cat "$log" >&2; else grep -E '^(stat::|Done|INFO: A corpus)' "$log" >&2 || tail -5 "$log" >&2; fi
# A new crash joins the corpus, which the tests replay on every run, and is printed, so that
# one found on a CI machine can be taken from its log.
for artifact in "$out"/crash-* "$out"/oom-* "$out"/timeout-*; do
    [[ -f $artifact ]] || continue
    cp "$artifact" Tests/FuzzCorpus/
    echo "fuzz.sh: $(basename "$artifact") added to Tests/FuzzCorpus; its bytes (base64): $(base64 -w0 "$artifact")" >&2
done
exit "$status"
