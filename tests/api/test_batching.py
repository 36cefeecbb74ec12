"""Dynamic batching of the chat-scoring route: same answers, fewer model calls."""

from __future__ import annotations

import asyncio

import pytest

from api.batching import MessageBatcher
from detector.engine import Detector
from detector.errors import TextTooLongError
from detector.model import load_message_model

TEXTS = [
    "您好，我是平台客服，您的订单异常，请把收到的验证码发给我办理退款",
    "您的充值已到账，如有问题请在APP内联系官方客服",
    "This is support. Share your screen on the meeting app so I can fix the refund.",
    "Your order has shipped. Track it in the app.",
    "加我QQ 12345678，转账到安全账户",
    "谢谢，问题解决了",
]


def _run(batcher: MessageBatcher, calls: list[tuple[str, str | None, str | None]]):
    async def main():
        return await asyncio.gather(
            *(batcher.score(*call) for call in calls), return_exceptions=True
        )

    return asyncio.run(main())


def _same(a, b) -> None:
    assert a.verdict == b.verdict and a.category == b.category
    assert a.risk == pytest.approx(b.risk, abs=1e-9)
    assert a.signals == b.signals and a.contacts == b.contacts and a.warning == b.warning


def test_when_messages_arrive_together_then_one_call_and_same_answers(tiny_detector):
    batcher = MessageBatcher(lambda: tiny_detector)
    results = _run(batcher, [(t, None, None) for t in TEXTS])
    assert (batcher.batches, batcher.messages) == (1, len(TEXTS))
    for text, got in zip(TEXTS, results, strict=True):
        _same(got, tiny_detector.score_message(text))


def test_when_claims_differ_then_each_message_keeps_its_own(tiny_detector):
    calls = [
        (t, "示例卡盟" if i % 2 else None, "chat" if i % 3 else None) for i, t in enumerate(TEXTS)
    ]
    results = _run(MessageBatcher(lambda: tiny_detector), calls)
    for (text, org, channel), got in zip(calls, results, strict=True):
        _same(got, tiny_detector.score_message(text, org, channel))


def test_when_more_than_max_batch_then_split_over_turns(tiny_detector):
    batcher = MessageBatcher(lambda: tiny_detector, max_batch=4)
    results = _run(batcher, [(t, None, None) for t in TEXTS * 2])
    assert (batcher.batches, batcher.messages) == (3, 12)
    assert all(not isinstance(r, BaseException) for r in results)


def test_when_one_input_is_bad_then_only_its_request_fails(tiny_model_dir):
    detector = Detector(load_message_model(tiny_model_dir), max_chars=100)
    batcher = MessageBatcher(lambda: detector)
    calls = [(TEXTS[0], None, None), ("验证码" * 60, None, None), (TEXTS[1], None, None)]
    results = _run(batcher, calls)
    assert isinstance(results[1], TextTooLongError)
    _same(results[0], detector.score_message(TEXTS[0]))
    _same(results[2], detector.score_message(TEXTS[1]))


def test_when_a_request_is_cancelled_then_the_others_are_answered(tiny_detector):
    batcher = MessageBatcher(lambda: tiny_detector)

    async def main():
        tasks = [asyncio.ensure_future(batcher.score(t)) for t in TEXTS[:3]]
        await asyncio.sleep(0)  # the three are queued; the flush is scheduled
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(main())
    assert isinstance(results[1], asyncio.CancelledError)
    _same(results[0], tiny_detector.score_message(TEXTS[0]))
    _same(results[2], tiny_detector.score_message(TEXTS[2]))
    assert batcher.messages == 2


def test_when_max_batch_below_one_then_error(tiny_detector):
    with pytest.raises(ValueError, match="max_batch"):
        MessageBatcher(lambda: tiny_detector, max_batch=0)
