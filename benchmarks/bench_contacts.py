"""Speed of the contact path: extraction from messages, number analysis, contact checks.

Targets (issue #4 names none; these keep the message path's budgets in view):
- extraction: >= 5,000 messages/s on one core over the bench_signals messages (contacts in
  most of them), so finding contacts does not dominate scoring;
- number analysis: >= 3,000 distinct numbers/s, >= 20,000/s for repeated numbers (cached);
- one contact check (registry + numbers + number model, no database): p50 <= 2 ms.
Run: ``.venv/bin/python benchmarks/bench_contacts.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_signals import make_messages

from detector.contact_check import ContactChecker
from detector.contacts import default_extractor
from detector.normalize import default_normalizer
from detector.numbers import NumberAnalyzer
from detector.registry import demo_registry


def numbers(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    prefixes = ["138", "139", "170", "171", "186", "199", "400", "010", "021", "+852", "+63"]
    out = []
    for _ in range(n):
        p = rng.choice(prefixes)
        width = 7 if p in ("400", "010", "021") else 8
        out.append(f"{p}{rng.randrange(10**width):0{width}d}")
    return out


def rate(fn, items, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(items)
        times.append(time.perf_counter() - t0)
    return len(items) / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core

    extractor, normalizer = default_extractor(), default_normalizer()
    msgs = [normalizer.normalize(m) for m in make_messages(args.messages)]
    extractor.extract(msgs[0])
    found = sum(len(extractor.extract(m)) for m in msgs)
    per_s = rate(lambda ms: [extractor.extract(m) for m in ms], msgs, args.runs)
    print(f"extract: {per_s:,.0f} normalized messages/s ({found} contacts in {len(msgs)})")

    distinct = numbers(20_000)

    def fresh(items):
        analyzer = NumberAnalyzer()
        for x in items:
            analyzer.analyze(x)

    print(f"numbers, distinct: {rate(fresh, distinct, args.runs):,.0f}/s")
    warm = NumberAnalyzer()
    repeated = [distinct[i % 500] for i in range(20_000)]
    hits = rate(lambda xs: [warm.analyze(x) for x in xs], repeated, args.runs)
    print(f"numbers, repeated: {hits:,.0f}/s")

    checker = ContactChecker.load(demo_registry())
    values = distinct[:2_000]
    lat = []
    for v in values:
        t0 = time.perf_counter()
        checker.check(v, claimed_org="示例卡盟", channel="call")
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    print(
        f"contact check: p50 {lat[len(lat) // 2]:.3f} ms, "
        f"p99 {lat[int(len(lat) * 0.99)]:.3f} ms over {len(values)} distinct numbers"
    )


if __name__ == "__main__":
    main()
