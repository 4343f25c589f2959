"""Regenerates BENCHMARKS.md: every benchmark, on this machine, in one go.

    python3 benches/benchmarks.py          # runs everything (several minutes)
    python3 benches/benchmarks.py --reuse  # re-renders from the last results

Runs `cargo bench --bench engine`, `--bench scale`, `--bench memory`,
benches/simpy/compare.py, the commands users type (whole processes of the
release binary, alternating, best of several) and benches/scale_bench.py
(the report against the run; memory against accounts and pipelines), then
writes BENCHMARKS.md from criterion's estimates (target/criterion), the
memory bench's output, target/simpy-compare.json, target/commands-bench.json
and target/scale-bench.json.
"""
import csv
import datetime
import gzip
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

import scale_bench

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(args, **kw):
    return subprocess.run(args, cwd=ROOT, check=True, text=True, capture_output=True, **kw).stdout


def median_ns(group, bench):
    with open(os.path.join(ROOT, "target", "criterion", group, bench, "new", "estimates.json")) as f:
        return json.load(f)["median"]["point_estimate"]


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        return f"{len(names)} × {names[0]}"
    except (OSError, IndexError):
        return platform.processor() or "unknown"


AMISIM = os.path.join(ROOT, "target", "release", "amisim")
# Whole-process figures take the best of this many alternating runs: the VM's
# speed swings by up to 1.5x between minutes, and the best run is the one
# least disturbed.
TRIES = 5


def run_cmd(args, out):
    """One `amisim run` into `out`: (wall seconds, CPU seconds, peak KiB, bytes written)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([AMISIM, "run", *args, "-q", "--peak-memory", "--out", out], cwd=ROOT, check=True,
                       text=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = next(int(l.split()[2]) for l in p.stderr.splitlines() if l.startswith("peak memory: "))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    return wall, cpu, peak, size


def load_columns(path):
    """Loads a CSV (plain, or gzip if its name ends in .gz) into typed columns
    with the standard library (the stand-in for a dataframe: no pandas or
    polars on this machine)."""
    t0 = time.perf_counter()
    with (gzip.open(path, "rt", newline="") if path.endswith(".gz") else open(path, newline="")) as f:
        r = csv.reader(f)
        header = next(r)
        cols = [[] for _ in header]
        for row in r:
            for c, v in zip(cols, row):
                c.append(v)
    for i, c in enumerate(cols):
        try:
            cols[i] = [float(v) if v else None for v in c]
        except ValueError:
            pass
    return time.perf_counter() - t0, len(cols[0]) if cols else 0


def commands():
    """The commands users type: the default command against `--rows none`, one
    thread against two with rows, enterprise rows on and off, and the time
    from the command to stages.csv loaded in memory."""
    cases = {
        "quickstart default -j 2": ["scenarios/quickstart.toml", "-n", "20000", "-j", "2"],
        "quickstart default -j 1": ["scenarios/quickstart.toml", "-n", "20000", "-j", "1"],
        "quickstart rows none -j 2": ["scenarios/quickstart.toml", "-n", "20000", "-j", "2", "--rows", "none"],
        "quickstart rows none -j 1": ["scenarios/quickstart.toml", "-n", "20000", "-j", "1", "--rows", "none"],
        "quickstart rows all -j 2": ["scenarios/quickstart.toml", "-n", "20000", "-j", "2", "--row-replications", "all"],
        "quickstart rows all -j 1": ["scenarios/quickstart.toml", "-n", "20000", "-j", "1", "--row-replications", "all"],
        "enterprise default -j 2": ["scenarios/enterprise.toml", "-j", "2"],
        "enterprise rows none -j 2": ["scenarios/enterprise.toml", "-j", "2", "--rows", "none"],
    }
    best = {}
    with tempfile.TemporaryDirectory() as d:
        for i in range(TRIES):
            for name, args in cases.items():
                out = os.path.join(d, f"{i}-{name.replace(' ', '_')}")
                wall, cpu, peak, size = run_cmd(args, out)
                b = best.setdefault(name, {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "bytes": size})
                b["wall_s"] = min(b["wall_s"], wall)
                b["cpu_s"] = min(b["cpu_s"], cpu)
                b["peak_kib"] = max(b["peak_kib"], peak)
                if name == "quickstart default -j 2":
                    load, rows = load_columns(os.path.join(out, "stages.csv"))
                    b["load_stages_s"] = min(b.get("load_stages_s", load), load)
                    b["stages_rows"] = rows
                    b["stages_bytes"] = os.path.getsize(os.path.join(out, "stages.csv"))
                    # The compressed design, measured on the same bytes: gzip
                    # level 1 (zlib, one thread), then the same load.
                    with open(os.path.join(out, "stages.csv"), "rb") as f:
                        raw = f.read()
                    t0 = time.perf_counter()
                    z = zlib.compressobj(1, zlib.DEFLATED, 31)
                    packed = z.compress(raw) + z.flush()
                    b["gzip_s"] = min(b.get("gzip_s", 1e9), time.perf_counter() - t0)
                    b["gzip_bytes"] = len(packed)
                    gz = os.path.join(out, "stages.csv.gz")
                    for key, path, data in (("write_plain_s", os.path.join(out, "copy.csv"), raw),
                                            ("write_gz_s", gz, packed)):
                        t0 = time.perf_counter()
                        with open(path, "wb") as f:
                            f.write(data)
                        b[key] = min(b.get(key, 1e9), time.perf_counter() - t0)
                    load, _ = load_columns(gz)
                    b["load_stages_gz_s"] = min(b.get("load_stages_gz_s", load), load)
                shutil.rmtree(out)
    with open(os.path.join(ROOT, "target", "commands-bench.json"), "w") as f:
        json.dump(best, f, indent=2)


def gzip_line(d):
    """The compressed-rows design against plain CSV, from the measured figures."""
    # Each worker would compress the rows it encodes: on 2 workers the command
    # pays about half the one-core time and writes fewer bytes, and every load
    # pays the decompression.
    saved = d["write_plain_s"] - d["write_gz_s"]
    cost = d["gzip_s"] / 2 - saved + d["load_stages_gz_s"] - d["load_stages_s"]
    verdict = ("row files stay plain CSV (README, `--rows`)" if cost > 0 else
               "on this run compressed rows would have been faster, against the earlier measurements behind "
               "plain CSV (README, `--rows`)")
    return (f"- Compressed rows, the design measured against plain CSV: gzip level 1 makes that stages.csv "
            f"{d['stages_bytes'] / d['gzip_bytes']:.1f}× smaller ({d['gzip_bytes'] / 1e6:.1f} MB) in "
            f"{d['gzip_s']:.2f} s on one core ({d['stages_bytes'] / 1e6 / d['gzip_s']:.0f} MB/s, Python's zlib); "
            f"writing it takes {d['write_gz_s']:.3f} s instead of {d['write_plain_s']:.3f} s, and loading it "
            f"{d['load_stages_gz_s']:.2f} s instead of {d['load_stages_s']:.2f} s. Compressed by 2 workers as they "
            f"encode, that is {cost:+.2f} s to a user's time to a dataframe: {verdict}.")


def busy(v):
    """The share of two cores a two-thread command keeps busy."""
    return v["cpu_s"] / (2 * v["wall_s"])


def commands_section(c):
    """BENCHMARKS.md's section on the commands users type."""
    w = {k: v["wall_s"] for k, v in c.items()}
    dflt, none = c["quickstart default -j 2"], c["quickstart rows none -j 2"]
    lines = [
        "## The commands users type",
        "",
        f"Whole processes of the release binary (`amisim run … -q --peak-memory`), the best of {TRIES} alternating "
        "runs, start-up, aggregation and every file included. The default writes the rows of the first replications "
        "that fill about 64 MB (`--row-replications auto`, README) and the aggregated files of every replication.",
        "",
        "| command | wall time | CPU time | peak memory | files written |",
        "|---|---|---|---|---|",
    ]
    for name, v in c.items():
        scen, rest = name.split(" ", 1)
        flags = {"default": "", "rows none": " --rows none", "rows all": " --row-replications all"}
        kind = next(k for k in flags if rest.startswith(k))
        n = " -n 20000" if scen == "quickstart" else ""
        cmd = f"`amisim run scenarios/{scen}.toml{n}{rest[len(kind):]}{flags[kind]}`"
        lines.append(f"| {cmd} | {v['wall_s']:.2f} s | {v['cpu_s']:.2f} s | {v['peak_kib'] / 1024:.0f} MiB | "
                     f"{v['bytes'] / 1e6:.1f} MB |")
    lines += [
        "",
        f"- The default command against `--rows none` (quickstart, 2 threads): "
        f"**{w['quickstart default -j 2'] / w['quickstart rows none -j 2']:.2f}×** (target: within 2×).",
        f"- Two threads against one with row files: **{w['quickstart default -j 1'] / w['quickstart default -j 2']:.2f}×** "
        f"with the default rows, {w['quickstart rows all -j 1'] / w['quickstart rows all -j 2']:.2f}× with every row, "
        f"{w['quickstart rows none -j 1'] / w['quickstart rows none -j 2']:.2f}× without (target: 1.7×). On two threads "
        f"the default command keeps the cores {busy(dflt):.0%} busy (CPU time / 2 × wall time), against "
        f"{busy(none):.0%} with `--rows none`: the workers wait while each chunk of rows is written, in order, by "
        f"one thread (stages.csv alone, {dflt['stages_bytes'] / 1e6:.0f} MB, takes {dflt['write_plain_s']:.3f} s to "
        "write), and the CPU time itself grows with the second thread.",
        f"- Time to a dataframe: the default command, then its stages.csv ({dflt['stages_bytes'] / 1e6:.0f} MB, "
        f"{dflt['stages_rows']:,} rows) loaded into typed columns, takes {dflt['wall_s']:.2f} s + "
        f"{dflt['load_stages_s']:.2f} s. This machine has neither pandas nor polars, so the load is Python's own "
        "`csv` module, a slow stand-in: a dataframe library reads the same file several times faster, and the "
        "write is then the larger share.",
        gzip_line(dflt),
        f"- Peak memory, enterprise at its default replications, 2 threads: "
        f"{c['enterprise default -j 2']['peak_kib'] * 1.024 / 1e3:.0f} MB with the default rows, "
        f"{c['enterprise rows none -j 2']['peak_kib'] * 1.024 / 1e3:.0f} MB with `--rows none` (target: ≤ 100 MB). "
        "Each worker holds its own model and, with rows, the encoded rows of the replication it ran until they are "
        f"written: {c['enterprise default -j 2']['bytes'] / 1e6:.0f} MB of row files for the first "
        "replications of enterprise.",
        "",
    ]
    return lines


def main():
    reuse = "--reuse" in sys.argv
    memory_line = ""
    mem_path = os.path.join(ROOT, "target", "memory-bench.txt")
    if not reuse:
        sh(["cargo", "build", "--release", "--quiet"])
        sh(["cargo", "bench", "--bench", "engine", "--quiet"])
        sh(["cargo", "bench", "--bench", "scale", "--quiet"])
        out = sh(["cargo", "bench", "--bench", "memory", "--quiet"])
        with open(mem_path, "w") as f:
            f.write(out)
        subprocess.run([sys.executable, os.path.join(ROOT, "benches", "simpy", "compare.py")], cwd=ROOT, check=True)
        commands()
        # In a fresh process: a child's ru_maxrss (scale_bench's `amisim
        # validate` peaks) starts at its parent's RSS when it forks, and this
        # one has loaded a 43 MB stages.csv by now.
        subprocess.run([sys.executable, os.path.join(ROOT, "benches", "scale_bench.py")], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    with open(scale_bench.RESULT) as f:
        scale = json.load(f)
    with open(os.path.join(ROOT, "target", "commands-bench.json")) as f:
        cmds = json.load(f)
    with open(mem_path) as f:
        memory_line = next((l.strip() for l in f if l.startswith("enterprise peak memory")), "")
    with open(os.path.join(ROOT, "target", "simpy-compare.json")) as f:
        cmp = json.load(f)
    steps = 100_000
    rows = []
    for n in ("1000", "100000", "1000000"):
        e = median_ns("hold", f"engine_{n}") / steps
        b = median_ns("hold", f"bare-heap_{n}") / steps
        s = cmp["simpy_hold"].get(n)
        rows.append((n, 1e3 / e, e, 1e3 / b, e and b / e, f"{s / 1e6:.2f} M/s ({1e3 / e / (s / 1e6):.0f}×)" if s else "–"))
    rep = {}
    for name, per_iter in (("quickstart", 1024), ("enterprise", 32), ("quickstart-rows", 1024)):
        rep[name] = [per_iter / (median_ns(name, f"threads-{t}") / 1e9) for t in (1, 2)]
    q = median_ns("replication", "quickstart")
    ent = median_ns("replication", "enterprise")
    q_agg = median_ns("replication", "quickstart+aggregate")
    ent_agg = median_ns("replication", "enterprise+aggregate")
    mem = re.findall(r"(\d+) KiB", memory_line)
    lines = [
        "# Benchmarks",
        "",
        f"Regenerated by `python3 benches/benchmarks.py` on {datetime.date.today().isoformat()}.",
        f"Machine: {cpu()}, {platform.system()} {platform.release()}, rustc {sh(['rustc', '--version']).split()[1]}, "
        f"Python {platform.python_version()} with SimPy. A shared, noisy VM: small-heap figures repeat to a few per cent, "
        "the 10^6 heap ones to ±25 % (shared/TOOLCHAIN.md).",
        "",
        "## Event loop: the hold model",
        "",
        "N pending events; each step pops the earliest and schedules one Exp(1 s) later (`cargo bench --bench engine`, "
        "`benches/simpy/hold.py`). `bare heap` is a `BinaryHeap<Reverse<(u64, u64)>>` doing the same work with the same "
        "random numbers and nothing else: the reference limit.",
        "",
        "| N | amisim engine, events/s | ns/event | bare heap, events/s | engine / bare heap | SimPy (amisim ×) |",
        "|---|---|---|---|---|---|",
    ]
    for n, eps, e, beps, ratio, simpy in rows:
        lines.append(f"| {int(n):,} | {eps:.2f} M | {e:.1f} | {beps:.2f} M | {ratio:.2f} | {simpy} |")
    lines += [
        "",
        "## The whole model",
        "",
        f"One replication (`cargo bench --bench engine`, group `replication`): quickstart {q / 1e3:.1f} µs, "
        f"enterprise (40 pipelines, 30 Regions, 500 accounts, one simulated year) {ent / 1e6:.1f} ms. Each also added "
        f"to the aggregate, as `amisim run` does (`+aggregate`, measured beside them): quickstart {q_agg / 1e3:.1f} µs, "
        f"**{q_agg / q:.2f}×** the model alone; enterprise {ent_agg / 1e6:.1f} ms, **{ent_agg / ent:.2f}×** "
        f"({1e9 / ent_agg:.0f} replications/s on one thread; the target is 1.3×, 100/s).",
        "",
        "Replications per second, aggregation included, no row files except in `quickstart-rows`, which also writes "
        "runs, stages, images and cost.csv as `amisim run` does by default (`cargo bench --bench scale`):",
        "",
        "| scenario | 1 thread | 2 threads | 2 / 1 |",
        "|---|---|---|---|",
    ]
    for name, (one, two) in rep.items():
        lines.append(f"| {name} | {one:,.1f} | {two:,.1f} | {two / one:.2f} |")
    lines += [
        "",
        "The 2 / 1 ratios move between runs on this shared VM (a disturbed one-thread run can even give a ratio "
        "above 2): rerun `cargo bench --bench scale` to see the spread. A run of 1,024 quickstart "
        "replications on 2 threads also pays for waking the pool and merging the partial aggregates, which longer runs "
        "amortize (compare `amisim run scenarios/quickstart.toml -n 200000 --rows none -q` with `-j 1` and `-j 2`). "
        "With row files a second thread gains less: *The commands users type*, below, measures it and says why.",
    ]
    a, s = cmp["amisim"], cmp["simpy"]
    lines += [
        "",
        f"## Against SimPy: the quickstart pipeline, {cmp['replications']} replications (`benches/simpy/compare.py`)",
        "",
        "The same stages, distributions and schedule in SimPy (`benches/simpy/quickstart.py`). The models agree when the "
        "difference of the estimates is within the sum of their 95 % confidence half-widths:",
        "",
        "| statistic of time to all Regions | amisim | SimPy | agree |",
        "|---|---|---|---|",
    ]
    for name in ("mean", "p95"):
        r = cmp[f"{name}_time_to_all_regions_s"]
        lines.append(f"| {name} | {r['amisim'][0]:.0f} ± {r['amisim'][1]:.0f} s | {r['simpy'][0]:.0f} ± {r['simpy'][1]:.0f} s | {'yes' if r['agree'] else 'NO'} |")
    lines += [
        "",
        f"Speed: amisim {a['replications_per_s']:,.0f} replications/s ({a['events_per_s'] / 1e6:.2f} M of its events/s; "
        f"wall time of the whole command, start-up and runs.csv included), SimPy {s['replications_per_s']:,.0f} "
        f"replications/s ({s['events_per_s'] / 1e6:.2f} M of its events/s): **{cmp['speed_ratio_replications']:.1f}×** "
        "per replication. The two count events differently (SimPy also counts process starts and resource grants; "
        "amisim one event per stage), so the replication ratio is the fair one.",
        "",
        f"In process, as `quickstart.py` times SimPy (its event loop only: no start-up, no output), amisim runs "
        f"{cmp['in_process']['amisim_replications_per_s']:,.0f} quickstart replications/s on one thread with the whole "
        f"aggregate on (`amisim run -n 20001 --rows none -j 1` less `-n 1`, beside a SimPy run at "
        f"{cmp['in_process']['simpy_replications_per_s']:,.0f}/s): **{cmp['in_process']['ratio']:.0f}×** SimPy per "
        "replication (target: 50×, on the way to 100×).",
        "",
        *commands_section(cmds),
        *scale_bench.section(scale),
        "## Memory",
        "",
        f"`cargo bench --bench memory`: {memory_line}." if memory_line else "",
        (f"Replications stream through the aggregate, whose histograms widen with their count: a range as rarer "
         f"values arrive, a counter from one byte to two once a count passes 255 (at most to the eight bytes every "
         f"counter took before). The peak from {mem[0]} KiB to {mem[1]} KiB here: "
         f"+{(int(mem[1]) - int(mem[0])) / 1024:.1f} MiB. With two workers the first folds straight into the "
         "aggregate and only the second holds a partial one.") if len(mem) == 2 else "",
        "",
    ]
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
