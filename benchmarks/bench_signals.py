"""Throughput of normalize + signals on one core.

Target (issue #2): >= 5,000 messages/s on one core over 10,000 realistic messages.

The messages are generated from templates written for this benchmark (scam and benign
after-sales chat, Chinese and English, some obfuscated), so the run needs no data files.
Run: ``.venv/bin/python benchmarks/bench_signals.py [--runs 5] [--messages 10000]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from detector.signals import default_analyzer

TEMPLATES = [
    "您好，我是{p}客服，您的订单{o}充值异常，需要为您退款，请添加客服薇信 kf{n} 处理",
    "亲，请把手机收到的驗證碼发给我，我这边帮您操作退款，{m}分钟内不处理账户会被冻结",
    "【{p}】您的验证码为{c}，5分钟内有效，请勿泄露给他人。客服不会索要验证码。",
    "您好，麻烦提供一下订单号和付款截图，我们帮您查询{o}的充值进度",
    "我买的{g}点卡卡密显示无效，已经等了两个小时了，你们到底管不管？",
    "有人自称{p}客服让我开屏幕共享，还让我把验证码报给他，是真的吗？",
    "您涉嫌洗钱，需要把资金转入安全账户配合调查，请勿告诉家人",
    "晚上开黑吗？我先帮你代充个月卡，钱回头微信转我就行",
    "您尾号{n}的储蓄卡于今日支出{a}元，余额{b}元。",
    "为保障资金安全，请下载腾讯会议，会议号{c}，开启共享屏幕后按我的指导操作",
    "Hi, this is {p} support. Your refund failed, please send me the 6-digit code we texted you.",
    "Your {p} verification code is {c}. Never share it with anyone, including our staff.",
    "Can you share the order number and a screenshot of the payment? We'll check it today.",
    "Someone claiming to be from the bank asked me for my card number, is this legit?",
    "URGENT: your account will be suspended within 24 hours. Pay the unlock fee with gift cards.",
    "充值到账了，谢谢客服小姐姐，效率很高👍👍",
    "退款已原路返回，预计1-3个工作日到账，请注意查收。",
    "請提供您的銀行卡號和有效期，以便我們為您辦理理賠",
    "加我扣扣 幺二三四五六七八 详聊，平台上说不方便",
    "I'm from the customer service team, download AnyDesk so I can fix your account remotely.",
]


def make_messages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        t = rng.choice(TEMPLATES)
        out.append(
            t.format(
                p=rng.choice(["速充卡盟", "游卡网", "星点卡城", "PlayKey"]),
                o=rng.randint(10**9, 10**10),
                n=rng.randint(1000, 9999),
                m=rng.choice([10, 30, 60]),
                c=rng.randint(100000, 999999),
                g=rng.choice(["王者荣耀", "原神", "和平精英"]),
                a=rng.randint(10, 5000),
                b=rng.randint(10, 50000),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    analyzer = default_analyzer()
    messages = make_messages(args.messages)
    analyzer.analyze(messages[0])  # warm up: build tables, compile rules
    rates = []
    for run in range(args.runs):
        t0 = time.perf_counter()
        n_signals = sum(len(analyzer.analyze(m)) for m in messages)
        elapsed = time.perf_counter() - t0
        rates.append(len(messages) / elapsed)
        print(f"run {run + 1}: {rates[-1]:,.0f} messages/s ({n_signals} signals)")
    median = statistics.median(rates)
    print(f"median over {args.runs} runs: {median:,.0f} messages/s on one core (target >= 5,000)")


if __name__ == "__main__":
    main()
