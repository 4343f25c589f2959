"""The quickstart pipeline (scenarios/quickstart.toml) written in SimPy.

Same stages, distributions and schedule as amisim's model with the
scenario's settings and amisim's defaults (src/aws/facts.rs), as EC2 Image
Builder runs it (`tool = "image_builder"`): weekly cron, Mondays 06:00 UTC
over 28 days, a start delay uniform on 0-60 s; builder launch, then Image
Builder's wait for the SSM agent and status checks; three components (two
may fail); the Linux sanitize script; stop; one 8 GiB snapshot, full (AWS
base image); register; test instance (launch and the same readiness wait)
and two tests (one may fail); copies to three Regions in parallel (each on
a 300-slot Resource); terminations in the background. Image Builder runs
no test in the destinations. API throttling, the build quota, the
distribution quota and the step time-outs never bind in this scenario and
are left out.

Usage: python quickstart.py REPLICATIONS
Prints one JSON line: the time to all Regions of every succeeded run (s),
per replication, the events processed and the wall time.
"""
import json
import math
import random
import sys
import time

import simpy

Z95 = 1.6448536269514722
DAY = 86400.0


def lognormal(rnd, median, p95):
    mu = math.log(median)
    sigma = (math.log(p95) - mu) / Z95
    return rnd.lognormvariate(mu, sigma)


def triangular(rnd, lo, mode, hi):
    return rnd.triangular(lo, hi, mode)


def ms(x):
    """amisim rounds every duration to the millisecond."""
    return round(x * 1000.0) / 1000.0


def replication(seed):
    rnd = random.Random(seed)
    env = simpy.Environment()
    copy_slots = {r: simpy.Resource(env, capacity=300) for r in ("us-west-2", "eu-west-1", "ap-southeast-2")}
    results = []

    def launch_and_ready():
        # Image Builder's LaunchInstance: the launch, then the SSM agent and
        # the status checks (amisim's IMAGE_BUILDER_READY), one duration.
        return ms(lognormal(rnd, 25.0, 60.0) + lognormal(rnd, 120.0, 300.0))

    def background(d):
        yield env.timeout(d)

    def branch(region):
        with copy_slots[region].request() as slot:
            yield slot
            overhead = lognormal(rnd, 180.0, 600.0)
            rate = max(lognormal(rnd, 30.0, 100.0), 1e-3)
            yield env.timeout(ms(overhead + 8 * 1024 / rate))

    def execution(triggered):
        yield env.timeout(ms(rnd.uniform(0.0, 60.0)))
        yield env.timeout(launch_and_ready())
        yield env.timeout(ms(lognormal(rnd, 240.0, 540.0)))
        if rnd.random() < 0.01:
            return
        yield env.timeout(ms(lognormal(rnd, 360.0, 720.0)))
        yield env.timeout(ms(triangular(rnd, 120.0, 180.0, 480.0)))
        if rnd.random() < 0.005:
            return
        # CollectImageMetadata (enhanced image metadata, on by default):
        # amisim's IMAGE_BUILDER_METADATA.
        yield env.timeout(ms(lognormal(rnd, 45.0, 120.0)))
        yield env.timeout(ms(lognormal(rnd, 10.0, 30.0)))  # sanitize
        yield env.timeout(ms(lognormal(rnd, 60.0, 240.0)))
        overhead = lognormal(rnd, 120.0, 480.0)
        rate = max(lognormal(rnd, 25.0, 80.0), 1e-3)
        yield env.timeout(ms(overhead + 8 * 1024 / rate))
        yield env.timeout(ms(lognormal(rnd, 5.0, 20.0)))
        env.process(background(ms(lognormal(rnd, 30.0, 90.0))))
        yield env.timeout(launch_and_ready())
        yield env.timeout(ms(lognormal(rnd, 180.0, 300.0)))
        yield env.timeout(ms(lognormal(rnd, 480.0, 900.0)))
        if rnd.random() < 0.02:
            return
        env.process(background(ms(lognormal(rnd, 30.0, 90.0))))
        yield simpy.AllOf(env, [env.process(branch(r)) for r in ("us-west-2", "eu-west-1", "ap-southeast-2")])
        results.append(env.now - triggered)

    def cron():
        # Mondays 06:00 from Monday 2026-01-05 00:00, for 28 days.
        t = 6 * 3600.0
        while t < 28 * DAY:
            yield env.timeout(t - env.now)
            env.process(execution(env.now))
            t += 7 * DAY

    env.process(cron())
    events = 0
    while True:
        try:
            env.step()
        except simpy.core.EmptySchedule:
            break
        events += 1
    return results, events


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    t0 = time.perf_counter()
    per_rep, events = [], 0
    for i in range(reps):
        r, e = replication(1000 + i)
        per_rep.append(r)
        events += e
    dt = time.perf_counter() - t0
    print(json.dumps({"model": "quickstart", "replications": reps, "events": events, "seconds": dt, "time_to_all_regions_s": per_rep}))
