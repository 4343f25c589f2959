"""amisim against SimPy on the same machine, in one go.

1. The hold model (N pending events) in SimPy, beside amisim's criterion
   figures for the engine (run `cargo bench --bench engine` first).
2. The quickstart pipeline: amisim (scenarios/quickstart.toml) and its SimPy
   twin (quickstart.py), R replications each. The models must agree: the
   mean and the p95 of time to all Regions (over replication p95s) are
   compared with 95 % confidence intervals of each side; the check fails if
   the difference exceeds the sum of the half-widths.
3. The speed ratio: replications per second, and events per second as each
   side counts them; and in process, as quickstart.py times SimPy: amisim's
   time per replication with the whole aggregate and no output, from
   `amisim run -n 20001 --rows none -j 1` less `-n 1` (start-up and the
   aggregated files cancel), run beside SimPy so that both see the same
   machine (its speed swings between minutes).

Usage (from the crate root, after `cargo build --release`):
    python3 benches/simpy/compare.py [REPLICATIONS]
Writes target/simpy-compare.json and prints a summary; exits 1 if the
models disagree.
"""
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
T975 = {n: t for n, t in zip(range(1, 31), [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042])}


def ci(xs):
    n = len(xs)
    m = statistics.fmean(xs)
    h = T975.get(n - 1, 1.96) * statistics.stdev(xs) / math.sqrt(n)
    return m, h


def p95(xs):
    xs = sorted(xs)
    return xs[max(1, math.ceil(0.95 * len(xs))) - 1]


def ensure_simpy():
    try:
        import simpy  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "simpy"], check=True)


def criterion_ns(group, bench):
    path = os.path.join(ROOT, "target", "criterion", group, bench, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except OSError:
        return None


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    ensure_simpy()
    out = {"replications": reps}

    # 1. Hold model.
    hold = subprocess.run([sys.executable, os.path.join(HERE, "hold.py"), "1000", "100000"], check=True, capture_output=True, text=True)
    out["simpy_hold"] = {str(d["n"]): d["events_per_s"] for d in map(json.loads, hold.stdout.split("\n")[:-1])}
    out["amisim_hold"] = {}
    for n in ("1000", "100000", "1000000"):
        ns = criterion_ns("hold", f"engine_{n}")
        if ns is not None:
            out["amisim_hold"][n] = 100_000 / (ns / 1e9)

    # 2. Quickstart, both sides.
    sim = subprocess.run([sys.executable, os.path.join(HERE, "quickstart.py"), str(reps)], check=True, capture_output=True, text=True)
    s = json.loads(sim.stdout)
    amisim = os.path.join(ROOT, "target", "release", "amisim")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([amisim, "run", "scenarios/quickstart.toml", "-n", str(reps), "--rows", "runs", "-q", "--out", d], check=True, cwd=ROOT)
        a_seconds = time.perf_counter() - t0
        per_rep = {}
        with open(os.path.join(d, "runs.csv")) as f:
            for row in csv.DictReader(f):
                if row["time_to_all_regions_s"]:
                    per_rep.setdefault(int(row["replication"]), []).append(float(row["time_to_all_regions_s"]))
        with open(os.path.join(d, "manifest.json")) as f:
            a_events = json.load(f)["events"]
    a_runs = [v for v in per_rep.values() if v]
    s_runs = [v for v in s["time_to_all_regions_s"] if v]
    agree = True
    for name, stat in (("mean", statistics.fmean), ("p95", p95)):
        am, ah = ci([stat(v) for v in a_runs])
        sm, sh = ci([stat(v) for v in s_runs])
        ok = abs(am - sm) <= ah + sh
        agree &= ok
        out[f"{name}_time_to_all_regions_s"] = {"amisim": [am, ah], "simpy": [sm, sh], "agree": ok}
    # Events and speed (amisim's wall time includes its start-up and runs.csv).
    out["amisim"] = {"seconds": a_seconds, "events": a_events, "replications_per_s": reps / a_seconds, "events_per_s": a_events / a_seconds}
    out["simpy"] = {"seconds": s["seconds"], "events": s["events"], "replications_per_s": reps / s["seconds"], "events_per_s": s["events"] / s["seconds"]}
    out["speed_ratio_replications"] = out["amisim"]["replications_per_s"] / out["simpy"]["replications_per_s"]
    # In process: the best of three differences, each beside a SimPy run of
    # the same length as the one above, so that the ratio is of one moment.
    best = None
    for _ in range(3):
        with tempfile.TemporaryDirectory() as d:
            walls = {}
            for n in (1, 20001):
                t0 = time.perf_counter()
                subprocess.run([amisim, "run", "scenarios/quickstart.toml", "-n", str(n), "--rows", "none", "-j", "1",
                                "-q", "--out", os.path.join(d, str(n))], check=True, cwd=ROOT)
                walls[n] = time.perf_counter() - t0
        per_rep = (walls[20001] - walls[1]) / 20000
        sim = subprocess.run([sys.executable, os.path.join(HERE, "quickstart.py"), str(reps)], check=True,
                             capture_output=True, text=True)
        ratio = (json.loads(sim.stdout)["seconds"] / reps) / per_rep
        if best is None or ratio > best[0]:
            best = (ratio, 1 / per_rep, reps / json.loads(sim.stdout)["seconds"])
    out["in_process"] = {"ratio": best[0], "amisim_replications_per_s": best[1], "simpy_replications_per_s": best[2]}
    out["agree"] = agree
    os.makedirs(os.path.join(ROOT, "target"), exist_ok=True)
    with open(os.path.join(ROOT, "target", "simpy-compare.json"), "w") as f:
        json.dump(out, f, indent=2)
    for name in ("mean", "p95"):
        r = out[f"{name}_time_to_all_regions_s"]
        print(f"{name} time to all Regions: amisim {r['amisim'][0]:.0f} ± {r['amisim'][1]:.0f} s, SimPy {r['simpy'][0]:.0f} ± {r['simpy'][1]:.0f} s: {'agree' if r['agree'] else 'DISAGREE'}")
    print(f"quickstart, {reps} replications: amisim {out['amisim']['replications_per_s']:.0f}/s, SimPy {out['simpy']['replications_per_s']:.0f}/s: {out['speed_ratio_replications']:.1f}x")
    ip = out["in_process"]
    print(f"in process: amisim {ip['amisim_replications_per_s']:.0f}/s, SimPy {ip['simpy_replications_per_s']:.0f}/s: {ip['ratio']:.1f}x")
    for n, eps in out["simpy_hold"].items():
        a = out["amisim_hold"].get(n)
        ratio = f", amisim engine {a / 1e6:.2f} M/s ({a / eps:.0f}x)" if a else ""
        print(f"hold N={n}: SimPy {eps / 1e6:.2f} M events/s{ratio}")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
