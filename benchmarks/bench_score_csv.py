"""Streaming batch scoring: rows/s and peak memory of ``kefuguard messages score``.

Writes a CSV of N generated messages (default 200,000), scores it in chunks through the same
code as the CLI, and reports rows/s and peak RSS, to show memory stays flat as N grows.
Run: ``.venv/bin/python benchmarks/bench_score_csv.py [--rows 200000]``.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_signals import make_messages

from detector.batch import score_csv
from detector.engine import Detector


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    detector = Detector.load()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        pool = make_messages(20_000)
        with open(src, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text"])
            for i in range(args.rows):
                w.writerow([i, pool[i % len(pool)]])
        before = peak_rss_mb()
        t0 = time.perf_counter()
        counts = score_csv(detector, src, out)
        elapsed = time.perf_counter() - t0
    print(
        f"{counts['rows']:,} rows in {elapsed:.1f} s = {counts['rows'] / elapsed:,.0f} rows/s; "
        f"peak RSS {peak_rss_mb():.0f} MB (after loading the model: {before:.0f} MB)"
    )


if __name__ == "__main__":
    main()
