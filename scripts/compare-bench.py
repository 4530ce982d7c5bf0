#!/usr/bin/env python3
"""Compares two `CapitalEngine bench --json` reports, measurement by measurement, so a regression
shows in review.

    scripts/compare-bench.py before.json after.json [--threshold 5]

Takes the reports of `bench` (N-body: each N), `bench life` (each kernel at each grid size) and
`bench gray-scott` (each kernel shape at each field size), both of one workload. Prints the
median rate of each measurement in both (by size alone where each report measured one kernel a
size, so that a changed default kernel is compared with the old one), the change in percent,
and whether the change is beyond the run-to-run spread of the two runs; exits 1 when any measurement got slower by more
than the threshold (percent) and beyond that spread, 2 when a file is not such a report or the
two are of different workloads.
"""
import argparse
import json
import sys


def nbody_shape(kernel):
    """An N-body kernel as the comparison prints it."""
    shape = f"{kernel['workgroupSize']}x{kernel['bodiesPerInvocation']}, tile {kernel['tileSize']}"
    if kernel.get("prefetchesTiles"):
        shape += " prefetched"
    if kernel.get("tileUnroll", 1) > 1:
        shape += f", unrolled by {kernel['tileUnroll']}"
    if kernel.get("force") == "quotient":
        shape += ", force as a quotient"
    return shape


def measurements(report):
    """The workload's name, its rate's unit, and each measurement: key -> (label, rates, kernel)."""
    results = report["results"]
    if all("particles" in r for r in results):
        def describe(r):
            shape = nbody_shape(r["kernel"])
            if r["kernel"].get("eachPairOnce"):
                atomic = ""
                if r["kernel"].get("addsSharesAtomically"):
                    atomic = " (atomic shares, floats)" if r.get("bitReproducible") is False else " (atomic shares)"
                shape += ", each pair once" + atomic
            return shape
        return "nbody", "interactions/s", {
            r["particles"]: (f"N={r['particles']}", r["interactionsPerSecond"], describe(r)) for r in results}
    if all("rows" in r for r in results):
        # Reports from before blocks of columns ran a cell an invocation.
        def shape(r):
            return r["rows"], r.get("columns", 1)

        # As the binary names a shape (GrayScottKernel.description).
        def describe(rows, columns):
            return f"a strip of {rows} row{'s' * (rows != 1)} of {columns} cell{'s' * (columns != 1)}"
        return "gray-scott", "cell updates/s", {
            (r["width"], r["height"]) + shape(r): (f"{r['width']}x{r['height']}", r["cellUpdatesPerSecond"],
                                                   describe(*shape(r)))
            for r in results}
    if all("kernel" in r and "cellUpdatesPerSecond" in r for r in results):
        return "life " + report.get("rule", ""), "cell updates/s", {
            (r["width"], r["height"], r["kernel"]): (f"{r['width']}x{r['height']}", r["cellUpdatesPerSecond"],
                                                     r["kernel"]) for r in results}
    raise KeyError("results of no workload bench reports")


def load(path):
    try:
        with open(path) as f:
            report = json.load(f)
        return report, measurements(report)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        print(f"compare-bench.py: {path} is not a readable `CapitalEngine bench --json` report ({error})", file=sys.stderr)
        sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--threshold", type=float, default=5.0, help="regression threshold in percent (default 5)")
    args = parser.parse_args()
    (before, (workload, unit, old)), (after, (other, _, new)) = load(args.before), load(args.after)
    if workload != other:
        print(f"compare-bench.py: the reports are of different workloads ({workload} in {args.before}, "
              f"{other} in {args.after}); compare reports of one workload", file=sys.stderr)
        return 2
    if before.get("device") != after.get("device") or before.get("driver") != after.get("driver"):
        print(f"note: different devices or drivers: {before.get('device')} ({before.get('driver')}) "
              f"vs {after.get('device')} ({after.get('driver')})")
    for name, report in (("before", before), ("after", after)):
        if report.get("stoppedBy"):
            print(f"note: the {name} run was stopped early by {report['stoppedBy']}; its sizes may be fewer, "
                  f"and its last size may have fewer repeats")
    def one_kernel_a_size(measured):
        sizes = [key[:2] for key in measured if isinstance(key, tuple)]
        return len(sizes) == len(measured) and len(set(sizes)) == len(sizes)
    if one_kernel_a_size(old) and one_kernel_a_size(new):
        old = {key[:2]: value for key, value in old.items()}
        new = {key[:2]: value for key, value in new.items()}
    regressions = 0
    print(f"{workload}, {unit}:")
    print(f"{'':>13}  {'before':>10}  {'after':>10}  {'change':>8}  kernel (after)")
    for key in sorted(set(old) & set(new)):
        label, a, before_kernel = old[key]
        _, b, kernel = new[key]
        if before_kernel != kernel:
            kernel += f" (before: {before_kernel})"
        change = (b["median"] - a["median"]) / a["median"] * 100
        # Outside the spread: the new best is below the old worst, or the reverse.
        beyond_spread = b["max"] < a["min"] or b["min"] > a["max"]
        slower = change < -args.threshold and beyond_spread
        regressions += slower
        flag = "  REGRESSION" if slower else ("" if beyond_spread else "  (within noise)")
        print(f"{label:>13}  {a['median']:>10.3e}  {b['median']:>10.3e}  {change:>+7.1f}%  {kernel}{flag}")
    for key in sorted(set(old) ^ set(new)):
        label, _, kernel = (old.get(key) or new[key])
        print(f"{label:>13}  {kernel}: only in {'before' if key in old else 'after'}")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
