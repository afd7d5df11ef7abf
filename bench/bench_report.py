"""bench/run's report: docs/benchmarks.md (tables) and its PNG plots, from one run's results.

Everything above the history marker is rewritten by each run; the text below it (the
before/after ratios of the optimisation work, written by hand with commits named) is kept.
"""
import os
import platform
import statistics
import subprocess

MARK = "<!-- bench/run keeps everything below this line -->"
LABEL = {"run": "session-syncd `run` (cold start)", "resync": "session-syncd `resync`",
         "python": "Python LISTEN daemon (bench/py_listen_daemon.py)", "floor": "PostgreSQL's floor (bench/floor_upsert.sql)"}


def percentiles(ms):
    if not ms:
        return (0.0, 0.0, 0.0)
    s = sorted(ms)
    return (s[int(0.5 * (len(s) - 1))], s[int(0.99 * (len(s) - 1))], s[-1])


def rate_label(rate):
    """A lag run's target rate: writes/s, or "flat out" for 0 (8 pgbench clients back to back)."""
    return "flat out" if rate == 0 else f"{rate:,}/s"


def sh(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def machine():
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    os_name = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")), "?")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    swift = sh("swift", "--version").splitlines()
    return {"os": os_name, "cores": os.cpu_count(), "mem_gib": int(mem) / 1024 / 1024, "cpu": cpu,
            "kernel": platform.release(), "swift": swift[0] if swift else "?"}


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def write(res, out, args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    plots = os.path.join(os.path.dirname(out), "benchmarks")
    os.makedirs(plots, exist_ok=True)
    m = machine()
    commit = sh("git", "-C", root, "rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if sh("git", "-C", root, "status", "--porcelain", "--untracked-files=no") else ""
    L = ["# Benchmarks", "",
         "Written by `bench/run`" + (" `--quick`" if res["quick"] else "") + " — do not edit above the marker at the end; "
         "it is rewritten by every run. Not a test: nothing asserts a time. Every figure on this page comes from one run, "
         "side by side, on one machine.", "",
         f"- **Machine**: {m['os']}, {m['cores']} cores ({m['cpu']}), {m['mem_gib']:.0f} GiB, Linux {m['kernel']}; "
         f"{m['swift']}; PostgreSQL {res['pg']} (throwaway cluster, unix socket, `track_commit_timestamp = on`, "
         "default durability; the daemons write with `synchronous_commit = off` on their own connection)",
         f"- **Commit**: `{commit}`{dirty}, release build as shipped (`scripts/build-release`: the Swift runtime and Foundation linked in)",
         f"- **Load average** (1/5/15 min): {' / '.join(res['load_start'])} at the start, {' / '.join(res['load_end'])} at the end "
         + ("(the cores were shared with other work: figures move with it; compare within this page only)"
            if float(res['load_start'][0]) >= 1.0 or float(res['load_end'][0]) >= 2.5 else "(nothing else was running)"),
         f"- **Data**: {res['n']:,} web.py sessions (web.utils.Storage, ~9 keys, pickle protocol 2, base64, ~0.5 KB), "
         "key `CHAR(128) UNIQUE`, 1,000 users; mapping `uid` → users(id), `current_page`, `user_role`",
         f"- **Priority**: nice {res.get('nice', 0)} for the whole run (cluster, daemons and contenders alike)"
         + ("" if res.get("nice", 0) < 0 else " (bench/run could not raise it: other work competed on equal terms)"),
         f"- **Run took** {res['duration'] / 60:.1f} min", ""]
    S = res["sections"]
    if "sync" in S:
        runs = S["sync"]
        reps = len(runs["run"])
        L += [f"## Sync of {res['n']:,} pending sessions", "",
              f"Time from start until every session is in its table (`session_fields` empty before each run; the Python "
              f"daemon's `py_fields` likewise), median of {reps} run(s), the order rotated per repetition. CPU: user + system "
              "seconds of the process (`wait4` rusage); PostgreSQL: CPU seconds of all server processes over the same run.", "",
              "| contender | time (s) | sessions/s | process CPU (s) | PostgreSQL CPU (s) | peak RSS (MiB) | runs (s) |",
              "|---|---|---|---|---|---|---|"]
        for w in ("run", "resync", "python", "floor"):
            rs = runs[w]
            L.append(f"| {LABEL[w]} | {med(rs, 'wall'):.2f} | {med(rs, 'rate'):,.0f} | {med(rs, 'cpu'):.2f} | "
                     f"{med(rs, 'server_cpu'):.2f} | {med(rs, 'maxrss'):.1f} | {', '.join('%.2f' % r['wall'] for r in rs)} |")
        run, py, fl = med(runs["run"], "rate"), med(runs["python"], "rate"), med(runs["floor"], "rate")
        rs_rate = med(runs["resync"], "rate")
        L.append("")
        L += ["The Python daemon: psycopg2, `LISTEN`, `pickle.loads` (it executes the pickles), `execute_values` upserts of "
              "1,000 rows with the uid checked against users in the statement and a real foreign key; no hash guard, no "
              "errors table. The floor: the guarded upsert of rows decoded beforehand, one prepared statement per batch "
              "of the same size from a `psql` script, so no decoding and no session data on the wire.", ""]
    if "batch" in S:
        bt = S["batch"]
        sizes = sorted(bt["resync"])
        L += ["## Throughput by batch size", "",
              "`resync` with `catchup_batch_size` = B, and the floor with batches of B (sessions/s, median of "
              f"{len(bt['resync'][sizes[0]])}).", "",
              "| batch size | `resync` | floor | `resync` / floor |", "|---|---|---|---|"]
        for b in sizes:
            a, f = med(bt["resync"][b], "rate"), med(bt["floor"][b], "rate")
            L.append(f"| {b:,} | {a:,.0f} | {f:,.0f} | {a / f:.2f} |")
        L += ["", "![throughput by batch size](benchmarks/throughput-by-batch.png)", ""]
        plot_batch(bt, os.path.join(plots, "throughput-by-batch.png"))
    if "lag" in S:
        lag = S["lag"]
        L += ["## Lag at steady write rates", "",
              f"pgbench changes random sessions (web.py's save) at R writes/s (and flat out: 8 clients back to back, the most "
              f"the machine takes with that daemon and feed) for {args.lag_seconds} s while the daemon "
              "runs (its sessions commit with `synchronous_commit = off`: with a WAL flush inside the cluster-wide NOTIFY commit lock this machine's ceiling is ~2,000 session-changing commits/s, see docs/daemon-figures.md); lag = commit of the session's last change → commit that made it visible in the daemon's table "
              "(`pg_xact_commit_timestamp`), over every session changed.", "",
              "| daemon | target writes | achieved writes/s | sessions | p50 (ms) | p99 (ms) | max (ms) | load |",
              "|---|---|---|---|---|---|---|---|"]
        for who, byrate in lag.items():
            for rate, r in byrate.items():
                p = percentiles(r["ms"])
                L.append(f"| {who} | {rate_label(rate)} | {r['achieved']:,.0f} | {len(r['ms']):,} | {p[0]:.1f} | {p[1]:.1f} | {p[2]:.1f} | {r['load']} |")
        if "idle" in S:
            L += ["", "**Idle CPU** of each daemon after its catch-up, no writes for a few seconds (share of one core, "
                  "`/proc/<pid>/stat`):", "", "| daemon | idle CPU |", "|---|---|"]
            for who, frac in S["idle"].items():
                L.append(f"| {who} | {frac * 100:.2f} % |")
        L += ["", "![lag distribution](benchmarks/lag.png)", ""]
        plot_lag(lag, os.path.join(plots, "lag.png"))
    if "rss" in S:
        r = S["rss"]
        L += ["## Memory of the daemon", "",
              f"One `run` process: cold start with {res['n']:,} pending sessions, idle, then {r['updates']:,} updates "
              "(SQL `UPDATE`s of 10,000 sessions each, as fast as the server takes them; one NOTIFY per session), "
              "idle again. VmRSS sampled every 0.1 s.", "",
              "VmRSS also counts the file pages it touched: its own code (the Swift runtime and Foundation are linked "
              "in) and libpq, libc and their libraries, about 20 MiB; RssAnon is the daemon's own memory.", "",
              "| phase | VmRSS (MiB) | RssAnon (MiB) |", "|---|---|---|",
              f"| peak during the {res['n']:,}-session sync | {r['sync_peak']:.1f} | {r.get('sync_peak_anon', 0):.1f} |",
              f"| idle after it | {r['idle']:.1f} | {r.get('idle_anon', 0):.1f} |",
              f"| after {r['updates']:,} updates, idle again | {r['after']:.1f} | {r.get('after_anon', 0):.1f} |",
              f"| peak over the whole run | {r['peak']:.1f} | {max((m for _, m in r.get('anon', [])), default=0):.1f} |", "",
              "![RSS over the run](benchmarks/rss.png)", ""]
        plot_rss(r, os.path.join(plots, "rss.png"))
    L += goals(res)
    history = ""
    if os.path.exists(out):
        old = open(out).read()
        if MARK in old:
            history = old.split(MARK, 1)[1]
    if not history.strip():
        history = "\n\n## History: before and after\n\n(Ratios from earlier runs, commits named.)\n"
    open(out, "w").write("\n".join(L) + "\n" + MARK + history)
    if not res["quick"] and os.path.basename(out) == "benchmarks.md":
        readme_table(res, m, commit, os.path.join(root, "README.md"))


def goals(res):
    """Issue 12's goals, each as a ratio from this run (only those whose section ran)."""
    S, rows = res["sections"], []
    if "sync" in S:
        r = S["sync"]
        fl, py, pycpu = med(r["floor"], "rate"), med(r["python"], "rate"), med(r["python"], "cpu")
        for w in ("run", "resync"):
            rate, cpu = med(r[w], "rate"), max(med(r[w], "cpu"), 1e-9)
            name = "`run` (cold start)" if w == "run" else "`resync`"
            rows += [f"| sync ≥ 0.8× PostgreSQL's floor | {name} | **{rate / fl:.2f}×** | {'met' if rate / fl >= 0.8 else 'not met'} |",
                     f"| ≥ 1.5× the Python daemon's rate | {name} | **{rate / py:.2f}×** | {'met' if rate / py >= 1.5 else 'not met'} |",
                     f"| ≤ 1/5 of the Python daemon's CPU time | {name} | **1/{pycpu / cpu:.1f}** | {'met' if pycpu / cpu >= 5 else 'not met'} |"]
    if "rss" in S:
        x = S["rss"]
        steady = max(x["idle"], x["after"])
        rows.append(f"| daemon RSS ≤ 30 MB steady | `run`, idle after the sync and after {x['updates']:,} updates | "
                    f"**{steady:.1f} MiB** VmRSS ({max(x.get('idle_anon', 0), x.get('after_anon', 0)):.1f} MiB RssAnon) | "
                    f"{'met' if steady * 1.048576 <= 30 else 'not met'} (VmRSS); {'met' if max(x.get('idle_anon', 0), x.get('after_anon', 0)) * 1.048576 <= 30 else 'not met'} (RssAnon) |")
    if "lag" in S:
        for who, byrate in S["lag"].items():
            if who.startswith("session-syncd") and 1000 in byrate:
                p99 = percentiles(byrate[1000]["ms"])[1]
                rows.append(f"| lag p99 ≤ 10 ms at 1,000 writes/s | {who.split()[-1]} feed | **{p99:.1f} ms** | {'met' if p99 <= 10 else 'not met'} |")
    rows.append("| `decode --lines` ≥ 5× CPython's pickle + json | – | see [codec-benchmark.md](codec-benchmark.md) "
                "(`scripts/bench-codec`, its own run) | – |")
    return ["## Goals (issue 12), each as a ratio from this run", "",
            "| goal | measured on | ratio / figure | |", "|---|---|---|---|"] + rows + [""]


README_BEGIN = "<!-- bench/run writes this table (its last full run): -->"
README_END = "<!-- end of bench/run's table -->"


def readme_table(res, m, commit, path):
    """README's sync, lag and memory rows, from this run, between the two markers (added after the
    "Measured figures" heading if missing)."""
    S = res["sections"]
    rows = [README_BEGIN, "",
            f"`bench/run`, {m['cores']} cores, commit `{commit}`, load average {' / '.join(res['load_start'])} at the start "
            + ("(other work shared the machine; compare within the table only). " if float(res['load_start'][0]) >= 1.0
               else "(nothing else running). ")
            + "All figures: [docs/benchmarks.md](docs/benchmarks.md).", "",
            "| figure | session-syncd | the alternatives, same run |", "|---|---|---|"]
    if "sync" in S:
        r = S["sync"]
        run, rs, py, fl = (med(r[w], "rate") for w in ("run", "resync", "python", "floor"))
        rows.append(f"| sync of {res['n']:,} pending sessions (cold start, every row written) | `run` **{run:,.0f} sessions/s**, "
                    f"CPU {med(r['run'], 'cpu'):.2f} s; `resync` {rs:,.0f}/s | Python LISTEN daemon {py:,.0f}/s, CPU {med(r['python'], 'cpu'):.2f} s; "
                    f"PostgreSQL's floor (the same upsert of pre-decoded rows) {fl:,.0f}/s: `run` is **{run / fl:.2f}×** the floor, "
                    f"**{run / py:.2f}×** the Python daemon with 1/{med(r['python'], 'cpu') / max(med(r['run'], 'cpu'), 1e-9):.1f} of its CPU |")
    if "lag" in S:
        for who, byrate in S["lag"].items():
            if who.startswith("python"):
                continue
            cells = []
            for rate, x in byrate.items():
                p = percentiles(x["ms"])
                cells.append(f"{rate_label(rate)}: p50 {p[0]:.1f} / p99 {p[1]:.1f} ms")
            py = next((v for k, v in S["lag"].items() if k.startswith("python")), {})
            alt = "; ".join(f"{rate_label(rate)}: p50 {percentiles(x['ms'])[0]:.1f} / p99 {percentiles(x['ms'])[1]:.1f} ms" for rate, x in py.items())
            rows.append(f"| lag, commit → visible, {who.split()[-1]} feed | {'; '.join(cells)} | Python daemon (notify): {alt} |")
    if "rss" in S:
        x = S["rss"]
        rows.append(f"| daemon memory (VmRSS / own RssAnon) | idle {x['idle']:.1f} / {x.get('idle_anon', 0):.1f} MiB; "
                    f"after {x['updates']:,} updates {x['after']:.1f} / {x.get('after_anon', 0):.1f} MiB | – |")
    rows += ["", README_END]
    text = open(path).read()
    if README_BEGIN in text and README_END in text:
        a, rest = text.split(README_BEGIN, 1)
        text = a + "\n".join(rows) + rest.split(README_END, 1)[1]
    else:
        text = text.replace("## Measured figures\n", "## Measured figures\n\n" + "\n".join(rows) + "\n", 1)
    open(path, "w").write(text)


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_batch(bt, path):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    for w in ("resync", "floor"):
        sizes = sorted(bt[w])
        ax.plot(sizes, [med(bt[w][b], "rate") for b in sizes], marker="o", label=LABEL[w])
    ax.set_xscale("log")
    ax.set_xlabel("batch size (sessions)")
    ax.set_ylabel("sessions/s")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title("Full sync throughput by batch size")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_lag(lag, path):
    """One panel per daemon and feed: the lag CDF at each write rate."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(lag), figsize=(4.5 * len(lag), 4), sharey=True, squeeze=False)
    for ax, (who, byrate) in zip(axes[0], lag.items()):
        for rate, r in byrate.items():
            s = sorted(r["ms"])
            if s:
                ax.plot(s, [(i + 1) / len(s) for i in range(len(s))], label=f"{rate_label(rate)} ({r['achieved']:,.0f}/s)")
        ax.set_xscale("log")
        ax.set_xlabel("lag, commit → visible (ms)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(who, fontsize=10)
    axes[0][0].set_ylabel("fraction of sessions")
    fig.suptitle("Lag distribution (CDF) per daemon and feed")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_rss(r, path):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([t for t, _ in r["samples"]], [m for _, m in r["samples"]], label="VmRSS")
    if r.get("anon"):
        ax.plot([t for t, _ in r["anon"]], [m for _, m in r["anon"]], label="RssAnon (own memory)")
        ax.legend(fontsize=8, loc="lower right")
    for name, t in r["marks"].items():
        ax.axvline(t, color="grey", alpha=0.4)
        ax.text(t, ax.get_ylim()[1] * 0.95, name, rotation=90, fontsize=7, va="top")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("RSS (MiB)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title("session-syncd run: RSS over the run")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
