#!/usr/bin/env python3
"""Writes scenarios/enterprise.toml with its 40 pipelines repeated to N, for
the memory-against-the-organisation rows of BENCHMARKS.md.

    python3 benches/more_pipelines.py 1000 > /tmp/pipes1000.toml
    amisim run /tmp/pipes1000.toml -n 4 -j 1 --rows none -q --out /tmp/e --peak-memory

The file is enterprise.toml whose [[pipeline]] tables (its last section)
are written again, in order, with `-rN` after each name, until there are N:
more pipelines into the same 30 Regions and 500 accounts, each doing what
its original does (the copy quotas they share queue more).
"""
import pathlib
import re
import sys


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    src = (pathlib.Path(__file__).parent.parent / "scenarios" / "enterprise.toml").read_text()
    at = src.index("\n[[pipeline]]\n")
    head, body = src[: at + 1], src[at + 1 :]
    blocks = ["[[pipeline]]\n" + b for b in body.split("[[pipeline]]\n") if b.strip()]
    out = [head]
    for i in range(total):
        block = blocks[i % len(blocks)]
        if i >= len(blocks):
            block = re.sub(r'^name = "([^"]+)"', rf'name = "\1-r{i // len(blocks)}"', block, count=1, flags=re.M)
        out.append(block)
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
