"""Whole conversations: when did it turn dangerous?"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ScoringServices
from api.observability import VERDICTS
from api.schemas import ConversationIn, ConversationOut
from detector.conversation import score_conversation

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


@router.post("/score", response_model=ConversationOut)
def score(body: ConversationIn, services: ScoringServices) -> dict:
    """A conversation risk, each turn's assessment, and the first turn at which a warning
    should have fired. Only the side claiming to be support (``agent``) can raise it."""
    services.fresh_checker()
    result = score_conversation(
        services.detector,
        [(t.role, t.text) for t in body.turns],
        claimed_org=body.claimed_org,
    )
    VERDICTS.labels("conversations", result.verdict).inc()
    return result.to_dict()
