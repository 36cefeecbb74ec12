"""Speed and memory of a batch audit against ``pandas.read_csv`` of the same file.

Targets (issue #6), 1,000,000 report rows with ~200,000 distinct contacts on this machine:
audit ≤ 60 s, ≤ 6× the ``read_csv`` time of the same file (measured in the same run), peak
RSS ≤ 2 GB. The reports are generated here (``generate``): a realistic mix of Chinese
mobiles, virtual-operator numbers, 400/95 lines, landlines and foreign numbers written in
several formats, a heavy-tailed number of reports per contact, reporter ids with repeats,
texts from scam and complaint templates for 40 % of the rows (campaign texts repeat with other
digits), and noise: empty or malformed contacts, unreadable and future dates.

Run: ``.venv/bin/python benchmarks/bench_audit.py [--rows 1000000] [--engine pandas|dask]
[--repeat 3]``. The audit is the real CLI (``kefuguard audit``, start-up included) in a
subprocess; on a busy machine use ``--repeat`` and compare the medians.

Last measured (pandas engine, a shared 2-core VM, medians of 3): audit 11.1 s, ``read_csv``
2.56 s: 4.3×; peak RSS 748 MB (largest process), 835 MB (process tree). The PSS sampling
of this script takes some of the CPU the audit uses: run alone, the audit takes ~10 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from detector.reports import REPORT_CATEGORIES

TEXTS = [
    "自称{o}客服说我订单异常要退款，让我把验证码发给他",
    "冒充客服，让我下载会议软件共享屏幕，说要解冻账户",
    "【{o}】您的订单{n}异常，点击链接办理退款 http://t.cn/{n}",
    "说我开通了百万保障每月扣费{a}元，要关闭就转账到安全账户",
    "快递员打电话说包裹丢了要理赔，让我加QQ {n}",
    "这个号码一直打骚扰电话推销贷款",
    "打错了，其实是快递，误报",
    "冒充公安说我涉嫌洗钱，要把钱转到安全账户配合调查",
    "游戏账号被盗，对方冒充客服要我的卡密",
    "Caller said my refund failed and asked for the code sent to my phone",
    "Fake support asked me to pay a {a} yuan unlock fee",
    "推销电话，没有诈骗，但很烦",
    "对方说是{o}官方客服，要我提供银行卡号和有效期",
    "送外卖的，点错了",
]
ORGS = ["示例卡盟", "速充卡盟", "游卡网", "PlayKey"]
CATEGORIES = list(REPORT_CATEGORIES)
CHANNELS = ["call", "sms", "chat", "qq", "wechat", "web"]


def _numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    kind = rng.choice(
        ["mobile", "virtual", "400", "landline", "95", "intl"],
        size=n,
        p=[0.76, 0.09, 0.04, 0.06, 0.01, 0.04],
    )
    out = np.empty(n, dtype=object)
    mobile_pre = np.array(
        [
            "138",
            "139",
            "135",
            "136",
            "150",
            "151",
            "186",
            "187",
            "188",
            "199",
            "177",
            "133",
            "153",
            "189",
            "180",
            "181",
            "158",
            "159",
        ]
    )
    for i, k in enumerate(kind):
        if k == "mobile":
            out[i] = f"{rng.choice(mobile_pre)}{rng.integers(0, 10**8):08d}"
        elif k == "virtual":
            out[i] = (
                f"{rng.choice(['170', '171', '165', '167', '162'])}{rng.integers(0, 10**8):08d}"
            )
        elif k == "400":
            out[i] = f"400{rng.integers(0, 10**7):07d}"
        elif k == "landline":
            area = rng.choice(["10", "21", "20", "755", "571"])
            out[i] = f"0{area}{rng.integers(2 * 10**7, 10**8):08d}"
        elif k == "95":
            out[i] = f"95{rng.integers(0, 1000):03d}"
        else:
            out[i] = f"+{rng.choice(['852', '63', '855', '1'])}{rng.integers(10**7, 10**9)}"
    return out


def _written(rng: np.random.Generator, number: str) -> str:
    """The same number the way people type it."""
    r = rng.random()
    if r < 0.55 or not number[0].isdigit() or len(number) != 11:
        return number
    if r < 0.70:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if r < 0.80:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if r < 0.92:
        return "+86 " + number
    return number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def generate(path: Path, rows: int = 1_000_000, contacts: int = 200_000, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    numbers = _numbers(rng, contacts)
    # Heavy tail: most numbers are reported once or twice, a few thousands of times.
    weights = rng.pareto(1.2, size=contacts) + 1.0
    which = rng.choice(contacts, size=rows, p=weights / weights.sum())
    which[:contacts] = np.arange(contacts)  # every contact appears at least once
    rng.shuffle(which)
    contact = np.array([_written(rng, numbers[i]) for i in which], dtype=object)
    noise = rng.random(rows)
    contact[noise < 0.004] = ""
    contact[(noise >= 0.004) & (noise < 0.007)] = rng.choice(["n/a", "不详", "??", "1234"])
    days = rng.integers(0, 60 * 86400, size=rows)
    when = (pd.Timestamp("2026-11-27", tz="UTC") - pd.to_timedelta(days, unit="s")).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    when = np.asarray(when, dtype=object)
    bad = rng.random(rows)
    when[bad < 0.002] = "not a date"
    when[(bad >= 0.002) & (bad < 0.003)] = "2031-01-01 00:00:00"
    has_text = rng.random(rows) < 0.4
    template = rng.integers(0, len(TEXTS), size=rows)
    text = np.array(
        [
            TEXTS[t].format(
                o=ORGS[i % len(ORGS)],
                n=int(rng.integers(10**5, 10**9)),
                a=int(rng.integers(9, 999)),
            )
            if h
            else ""
            for i, (t, h) in enumerate(zip(template, has_text, strict=True))
        ],
        dtype=object,
    )
    frame = pd.DataFrame(
        {
            "contact": contact,
            "reported_at": when,
            "reporter_id": np.char.add("u", rng.integers(0, rows // 3, size=rows).astype(str)),
            "category": rng.choice(CATEGORIES, size=rows),
            "text": text,
            "channel": rng.choice(CHANNELS, size=rows),
        }
    )
    frame.to_csv(path, index=False)
    return path


def _tree_pss_mb(proc) -> float:
    """Proportional set size of a process and its descendants (pages shared by forked
    processes counted once), in MB; 0 where it cannot be read."""
    try:
        import psutil

        root = psutil.Process(proc.pid)
        total = 0
        for p in [root, *root.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss
            except (psutil.Error, AttributeError):
                continue
        return total / 2**20
    except Exception:  # a best-effort extra figure
        return 0.0


def _run_audit(cmd: list[str]) -> tuple[float, float, float]:
    """Wall time of the CLI run, the peak RSS of its largest process (the kernel's
    ``ru_maxrss`` of waited-for children: the audit forks a helper process) and the peak
    PSS of the whole process tree, sampled every 0.25 s."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    tree = 0.0
    while proc.poll() is None:
        tree = max(tree, _tree_pss_mb(proc))
        time.sleep(0.25)
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024, tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--engine", default="pandas", choices=["pandas", "dask"])
    parser.add_argument("--keep", type=Path, help="Keep the generated CSV here.")
    parser.add_argument(
        "--repeat", type=int, default=1, help="Runs of each; medians are compared (noisy hosts)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "reports.csv"
        t0 = time.perf_counter()
        generate(path, args.rows, args.contacts)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        exe = str(Path(sys.executable).with_name("kefuguard"))
        cmd = [
            exe,
            "audit",
            str(path),
            "--output",
            str(Path(tmp) / "out.csv"),
            "--rejects",
            str(Path(tmp) / "rej.csv"),
            "--report",
            str(Path(tmp) / "r.html"),
            "--engine",
            args.engine,
            "--no-progress",
        ]
        env_note = os.environ.get("KEFUGUARD_DATABASE_URL", "default database")
        reads, audits, peaks, trees = [], [], [], []
        for _ in range(max(args.repeat, 1)):
            t0 = time.perf_counter()
            pd.read_csv(path, dtype=str, keep_default_na=False)
            reads.append(time.perf_counter() - t0)
            audit_s, peak, tree = _run_audit(cmd)
            audits.append(audit_s)
            peaks.append(peak)
            trees.append(tree)
            print(
                f"pandas.read_csv: {reads[-1]:.2f} s; audit ({args.engine}, registry from "
                f"{env_note}): {audit_s:.2f} s, {audit_s / reads[-1]:.1f}× read_csv, peak RSS "
                f"{peak:,.0f} MB (largest process), {tree:,.0f} MB (process tree, PSS)"
            )
        read_s, audit_s = statistics.median(reads), statistics.median(audits)
        peak = max(peaks)
        if len(audits) > 1:
            print(
                f"median of {len(audits)}: read_csv {read_s:.2f} s, audit {audit_s:.2f} s, "
                f"{audit_s / read_s:.1f}× read_csv; peak RSS {peak:,.0f} MB"
            )
        print(
            f"targets: ≤ 60 s {'PASS' if audit_s <= 60 else 'FAIL'}; "
            f"≤ 6× read_csv {'PASS' if audit_s <= 6 * read_s else 'FAIL'}; "
            f"≤ 2 GB {'PASS' if peak <= 2048 and max(trees) <= 2048 else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
