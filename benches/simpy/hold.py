"""SimPy hold model: N processes each waiting Exp(1) in a loop (N pending events).

Prints one JSON line per N: events per second over STEPS events.
"""
import json
import random
import sys
import time

import simpy

STEPS = 2_000_000


def run(n, steps):
    env = simpy.Environment()
    rnd = random.Random(1)

    def proc():
        while True:
            yield env.timeout(rnd.expovariate(1.0))

    for _ in range(n):
        env.process(proc())
    # Warm up: let every process schedule its first timeout.
    for _ in range(2 * n):
        env.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        env.step()
    dt = time.perf_counter() - t0
    return steps / dt


if __name__ == "__main__":
    ns = [int(x) for x in sys.argv[1:]] or [1000, 100000]
    for n in ns:
        eps = run(n, STEPS if n <= 1000 else STEPS // 2)
        print(json.dumps({"model": "hold", "n": n, "events_per_s": eps}))
