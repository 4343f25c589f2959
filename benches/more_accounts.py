#!/usr/bin/env python3
"""Writes scenarios/enterprise.toml with idle accounts added, for the
memory-against-the-organisation rows of BENCHMARKS.md.

    python3 benches/more_accounts.py 20000 > /tmp/ent20000.toml
    amisim run /tmp/ent20000.toml -n 4 -j 1 --rows none -q --out /tmp/e --peak-memory

The file is enterprise.toml with N − 500 [[account]] tables (ids from
900000000000, names idle-NNNNN) inserted before its first [[pipeline]]:
accounts that receive nothing, so the work is enterprise's own.
"""
import pathlib
import sys


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    src = (pathlib.Path(__file__).parent.parent / "scenarios" / "enterprise.toml").read_text()
    extra = "".join(
        f'\n[[account]]\nid = "{900000000000 + i}"\nname = "idle-{i:05d}"\n'
        for i in range(max(total - 500, 0))
    )
    at = src.index("\n[[pipeline]]\n")
    sys.stdout.write(src[:at] + extra + "\n" + src[at:])


if __name__ == "__main__":
    main()
