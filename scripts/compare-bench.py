#!/usr/bin/env python3
"""Compares two `CapitalEngine bench --json` reports, N by N, so a regression shows in review.

    scripts/compare-bench.py before.json after.json [--threshold 5]

Prints the median interactions/s of each N in both, the change in percent, and whether the
change is beyond the run-to-run spread of the two runs; exits 1 when any N got slower by
more than the threshold (percent) and beyond that spread, 2 when a file is not such a report.
"""
import argparse
import json
import sys


def load(path):
    try:
        with open(path) as f:
            report = json.load(f)
        return report, {r["particles"]: r for r in report["results"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"compare-bench.py: {path} is not a readable `CapitalEngine bench --json` report ({error})", file=sys.stderr)
        sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--threshold", type=float, default=5.0, help="regression threshold in percent (default 5)")
    args = parser.parse_args()
    (before, old), (after, new) = load(args.before), load(args.after)
    if before.get("device") != after.get("device") or before.get("driver") != after.get("driver"):
        print(f"note: different devices or drivers: {before.get('device')} ({before.get('driver')}) "
              f"vs {after.get('device')} ({after.get('driver')})")
    for name, report in (("before", before), ("after", after)):
        if report.get("stoppedBy"):
            print(f"note: the {name} run was stopped early by {report['stoppedBy']}; its sizes may be fewer, "
                  f"and its last size may have fewer repeats")
    regressions = 0
    print(f"{'N':>9}  {'before':>10}  {'after':>10}  {'change':>8}  kernel (after)")
    for n in sorted(set(old) & set(new)):
        a, b = old[n]["interactionsPerSecond"], new[n]["interactionsPerSecond"]
        change = (b["median"] - a["median"]) / a["median"] * 100
        # Outside the spread: the new best is below the old worst, or the reverse.
        beyond_spread = b["max"] < a["min"] or b["min"] > a["max"]
        slower = change < -args.threshold and beyond_spread
        regressions += slower
        kernel = new[n]["kernel"]
        shape = f"{kernel['workgroupSize']}x{kernel['bodiesPerInvocation']}, tile {kernel['tileSize']}"
        if kernel.get("prefetchesTiles"):
            shape += " prefetched"
        if kernel.get("tileUnroll", 1) > 1:
            shape += f", unrolled by {kernel['tileUnroll']}"
        if kernel.get("force") == "quotient":
            shape += ", force as a quotient"
        if kernel.get("eachPairOnce"):
            atomic = ""
            if kernel.get("addsSharesAtomically"):
                atomic = " (atomic shares, floats)" if new[n].get("bitReproducible") is False else " (atomic shares)"
            shape += ", each pair once" + atomic
        flag = "  REGRESSION" if slower else ("" if beyond_spread else "  (within noise)")
        print(f"{n:>9}  {a['median']:>10.3e}  {b['median']:>10.3e}  {change:>+7.1f}%  {shape}{flag}")
    for n in sorted(set(old) ^ set(new)):
        print(f"{n:>9}  only in {'before' if n in old else 'after'}")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
