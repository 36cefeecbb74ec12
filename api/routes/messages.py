"""Agent warnings in chat: score a message (and its contacts) as it arrives."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ScoringServices
from api.observability import VERDICTS
from api.schemas import MessageAssessmentOut, MessageBatchIn, MessageBatchOut, MessageIn

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.post("/score", response_model=MessageAssessmentOut)
async def score_message(body: MessageIn, services: ScoringServices) -> JSONResponse:
    """One message as it arrives in a chat. Scored on the event loop (well under a millisecond
    of CPU, so first come, first served instead of contending for the GIL in a thread pool),
    together with the messages that arrived in the same loop turn (api/batching.py)."""
    services.fresh_checker()
    a = await services.batcher.score(body.text, body.claimed_org, body.channel)
    VERDICTS.labels("messages", a.verdict).inc()
    return JSONResponse(a.to_dict())


@router.post("/score-batch", response_model=MessageBatchOut)
def score_batch(body: MessageBatchIn, services: ScoringServices) -> dict:
    """Up to 1,000 messages in one vectorized pass (grouped by claimed organisation)."""
    services.fresh_checker()
    out: list[dict | None] = [None] * len(body.items)
    groups: dict[tuple[str | None, str | None], list[int]] = {}
    for i, item in enumerate(body.items):
        groups.setdefault((item.claimed_org, item.channel), []).append(i)
    for (org, channel), idx in groups.items():
        scored = services.detector.score_messages(
            [body.items[i].text for i in idx], claimed_org=org, channel=channel
        )
        for i, a in zip(idx, scored, strict=True):
            VERDICTS.labels("messages", a.verdict).inc()
            out[i] = a.to_dict()
    return {"items": out}
