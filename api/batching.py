"""Dynamic batching for the chat-scoring route: messages that arrive together are scored together.

A worker serves requests on one event loop. Under load, one turn of the loop reads many
requests at once; each used to be scored on its own, paying the model's fixed per-call cost
(a few dozen NumPy calls) every time. :class:`MessageBatcher` instead queues the messages that
reach the route in the same turn and scores them with one vectorized
:meth:`Detector.score_messages` call at the start of the next turn. Nothing waits on a timer:
a lone request is scored one loop turn later, so batching costs no latency when the service
is idle and saves CPU when it is busy.

The result of a message does not depend on its batch-mates beyond float rounding (the
vectorized and single-message paths agree to 1e-9, tested). A message whose batch fails is
scored again on its own, so one bad input only fails its own request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from api.observability import SCORE_BATCH
from detector.engine import Detector
from detector.results import MessageAssessment

#: The most messages scored in one call; more pending messages wait for the next loop turn.
DEFAULT_MAX_BATCH = 64

_Key = tuple[str | None, str | None]  # (claimed organisation, channel)


class MessageBatcher:
    """Queue messages during one event-loop turn and score them together in the next."""

    def __init__(self, detector: Callable[[], Detector], max_batch: int = DEFAULT_MAX_BATCH):
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._detector = detector
        self.max_batch = max_batch
        self._pending: list[tuple[str, _Key, asyncio.Future[MessageAssessment]]] = []
        self._scheduled = False
        #: How many batches were scored, and how many messages they held (for metrics/tests).
        self.batches = 0
        self.messages = 0

    async def score(
        self, text: str, claimed_org: str | None = None, channel: str | None = None
    ) -> MessageAssessment:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[MessageAssessment] = loop.create_future()
        self._pending.append((text, (claimed_org, channel), future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch = self._pending[: self.max_batch]
        del self._pending[: self.max_batch]
        if self._pending:  # the rest waits one turn, so responses keep flowing
            asyncio.get_running_loop().call_soon(self._flush)
        else:
            self._scheduled = False
        batch = [item for item in batch if not item[2].done()]  # a cancelled request
        if not batch:
            return
        self.batches += 1
        self.messages += len(batch)
        SCORE_BATCH.observe(len(batch))
        groups: dict[_Key, list[tuple[str, asyncio.Future[MessageAssessment]]]] = {}
        for text, key, future in batch:
            groups.setdefault(key, []).append((text, future))
        detector = self._detector()
        for (org, channel), items in groups.items():
            try:
                scored = detector.score_messages(
                    [text for text, _ in items], claimed_org=org, channel=channel
                )
            except Exception:  # isolate the bad input: each message on its own
                for text, future in items:
                    _settle(future, detector, text, org, channel)
                continue
            for (_, future), assessment in zip(items, scored, strict=True):
                if not future.done():
                    future.set_result(assessment)


def _settle(
    future: asyncio.Future[MessageAssessment],
    detector: Detector,
    text: str,
    claimed_org: str | None,
    channel: str | None,
) -> None:
    try:
        result = detector.score_message(text, claimed_org, channel)
    except Exception as exc:  # delivered to the request, mapped by api.errors
        if not future.done():
            future.set_exception(exc)
        return
    if not future.done():
        future.set_result(result)
