"""Figures from one bench/trigger_cost run (stdlib only; used by bench/daemon-lag).

    python3 trigger_cost_report.py PREFIX "label"

Reads PREFIX.windows (window pair config measured_s updates all_updates notifications)
and PREFIX.lat (window latency_us) and prints, per configuration (with / without the
trigger), the median, p99 and mean of the per-UPDATE latency over all measured windows
and the UPDATEs/s; then the paired differences, with minus without, one per pair of
adjacent windows: the median over the pairs, the smallest and largest pair, and a
bootstrap 95% interval of that median (pairs resampled). Figures only, no verdict.
"""
import random
import statistics
import sys


def quantile(sorted_xs, q):
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not sorted_xs:
        return float("nan")
    pos = q * (len(sorted_xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def bootstrap_median(xs, reps=5000, seed=0):
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(reps))
    return quantile(meds, 0.025), quantile(meds, 0.975)


def main():
    prefix, label = sys.argv[1], sys.argv[2]
    windows = {}
    for line in open(prefix + ".windows"):
        w, pair, config, secs, measured, all_updates, notes = line.split("\t")
        windows[int(w)] = dict(w=int(w), pair=int(pair), config=config, secs=float(secs), measured=int(measured),
                               all=int(all_updates), notes=int(notes), lat=[])
    for line in open(prefix + ".lat"):
        w, us = line.split("\t")
        windows[int(w)]["lat"].append(float(us) / 1000.0)  # ms
    for v in windows.values():
        v["lat"].sort()

    per_config = {}
    for config in ("with", "without"):
        ws = [v for v in windows.values() if v["config"] == config]
        lat = sorted(x for v in ws for x in v["lat"])
        secs = sum(v["secs"] for v in ws)
        per_config[config] = dict(
            n=len(lat), median=quantile(lat, 0.5), p99=quantile(lat, 0.99), mean=statistics.fmean(lat),
            rate=len(lat) / secs, notes=sum(v["notes"] for v in ws), all=sum(v["all"] for v in ws))

    pairs = {}
    for v in windows.values():
        pairs.setdefault(v["pair"], {})[v["config"]] = v
    d_med, d_p99, d_rate, first_with = [], [], [], 0
    for p in sorted(pairs):
        a, b = pairs[p]["with"], pairs[p]["without"]
        d_med.append(quantile(a["lat"], 0.5) - quantile(b["lat"], 0.5))
        d_p99.append(quantile(a["lat"], 0.99) - quantile(b["lat"], 0.99))
        d_rate.append((len(a["lat"]) / a["secs"]) / (len(b["lat"]) / b["secs"]) * 100 - 100)
        first_with += a["w"] < b["w"]

    def spread(xs, fmt, unit):
        lo, hi = bootstrap_median(xs)
        return "%s%s (pairs %s..%s, bootstrap 95%% %s..%s)" % (
            fmt % statistics.median(xs), unit, fmt % min(xs), fmt % max(xs), fmt % lo, fmt % hi)

    secs = statistics.median(v["secs"] for v in windows.values())
    print("%s: %d pairs of %.1f s windows (%d started with the trigger)" % (label, len(pairs), secs, first_with))
    for config, name in (("with", "with trigger   "), ("without", "without trigger")):
        c = per_config[config]
        print("  %s  median %.3f ms  p99 %.3f ms  mean %.3f ms  %6.0f UPDATEs/s  (%d UPDATEs)" % (
            name, c["median"], c["p99"], c["mean"], c["rate"], c["n"]))
    print("  with - without, per pair: median %s; p99 %s; UPDATEs/s %s" % (
        spread(d_med, "%+.3f", " ms"), spread(d_p99, "%+.3f", " ms"), spread(d_rate, "%+.1f", " %")))
    print("  NOTIFYs received: %d for %d UPDATEs with the trigger, %d for %d without" % (
        per_config["with"]["notes"], per_config["with"]["all"], per_config["without"]["notes"],
        per_config["without"]["all"]))


if __name__ == "__main__":
    main()
