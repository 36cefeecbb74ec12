"""Speed of the message model in-process.

Targets (issue #3): one message p50 <= 1 ms and p99 <= 5 ms; batch >= 5,000 messages/s on one
core; artifact <= 30 MB; load <= 2 s.

Messages come from ``bench_signals.make_messages`` (templates written for the benchmarks).
Run: ``.venv/bin/python benchmarks/bench_messages.py [--model DIR] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_signals import make_messages

from detector.engine import Detector
from detector.model import COMPILED_FILE, DEFAULT_MODEL_DIR, MODEL_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--single", type=int, default=2_000, help="messages timed one by one")
    parser.add_argument("--batch", type=int, default=10_000, help="messages per batch run")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    loads = []
    for _ in range(3):
        t0 = time.perf_counter()
        detector = Detector.load(args.model)
        loads.append(time.perf_counter() - t0)
    size_mb = (args.model / MODEL_FILE).stat().st_size / 1e6
    compiled = args.model / COMPILED_FILE
    compiled_mb = compiled.stat().st_size / 1e6 if compiled.is_file() else float("nan")
    print(
        f"artifact {size_mb:.1f} MB (target <= 30), compiled form {compiled_mb:.1f} MB; load "
        f"median {statistics.median(loads):.2f} s (target <= 2, includes the sha256 checks; "
        f"scores with the {'compiled model' if detector.model.compiled else 'Pipeline'})"
    )

    messages = make_messages(max(args.single, args.batch))
    detector.score_messages(messages[:100])  # warm up

    p50s, p99s = [], []
    for run in range(args.runs):
        lat = []
        for m in messages[: args.single]:
            t0 = time.perf_counter()
            detector.score_message(m)
            lat.append((time.perf_counter() - t0) * 1e3)
        lat.sort()
        p50s.append(lat[len(lat) // 2])
        p99s.append(lat[int(len(lat) * 0.99)])
        print(f"run {run + 1}: one message p50 {p50s[-1]:.3f} ms, p99 {p99s[-1]:.3f} ms")
    print(
        f"one message: median p50 {statistics.median(p50s):.3f} ms (target <= 1), "
        f"median p99 {statistics.median(p99s):.3f} ms (target <= 5)"
    )

    # The batch target is the message model's (the CSV path scores without contacts); the
    # same batch with contact extraction and checks is measured beside it, for the API.
    for label, with_contacts in (("model only", False), ("with contacts", True)):
        rates = []
        for run in range(args.runs):
            batch = messages[: args.batch]
            t0 = time.perf_counter()
            for i in range(0, len(batch), 1000):
                detector.score_messages(batch[i : i + 1000], with_contacts=with_contacts)
            rates.append(len(batch) / (time.perf_counter() - t0))
            print(f"run {run + 1}: batch ({label}) {rates[-1]:,.0f} messages/s")
        print(
            f"batch ({label}): median {statistics.median(rates):,.0f} messages/s on one core"
            + (" (target >= 5,000)" if not with_contacts else "")
        )


if __name__ == "__main__":
    main()
