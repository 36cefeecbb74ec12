"""An incoming contact — who is calling/writing, and what they say — in one verdict.

The sender is checked as a contact (registry, number intelligence, channel rules such as a
400/95xxx number shown as a caller, reports, number model); the text, if any, as a message
(model, signals, the contacts inside it). The combined verdict is the worse of the two:

* ``block``: the content says block, or the sender is a known scam;
* ``warn``: the content says warn, or the sender is suspicious (or invalid on a call/SMS,
  a malformed caller ID);
* ``allow`` otherwise. An official sender does not whitewash risky content.

``risk`` is the larger of the content risk and the sender risk.
"""

from __future__ import annotations

from typing import Any

from detector.contact_check import STRONG_NUMBER_REASONS, ContactChecker
from detector.engine import Detector, detect_language, load_warnings
from detector.normalize import default_normalizer

#: Contact type of the sender, by channel (None: guess from the value).
SENDER_TYPE = {"qq": "qq", "wechat": "wechat", "email": "email"}
_RANK = {"allow": 0, "warn": 1, "block": 2}


def score_incoming(
    detector: Detector,
    checker: ContactChecker,
    *,
    channel: str,
    sender: str,
    text: str | None = None,
    claimed_org: str | None = None,
    display_name: str | None = None,
) -> dict[str, Any]:
    if claimed_org is None and display_name:
        org = checker.registry.organization(display_name) or next(
            (
                checker.registry.organization(s)
                for s in checker.registry.claims_in(
                    default_normalizer().normalize(display_name).text
                )
            ),
            None,
        )
        claimed_org = org.slug if org else None
    sender_a = checker.check(
        sender, SENDER_TYPE.get(channel), claimed_org=claimed_org, channel=channel
    )
    content = (
        detector.score_message(text, claimed_org=claimed_org, channel=channel) if text else None
    )

    verdict = content.verdict if content else "allow"
    if sender_a.verdict == "known_scam":
        sender_says = "block"
    elif sender_a.verdict == "suspicious" or (
        sender_a.verdict == "invalid" and channel in ("call", "sms")
    ):
        sender_says = "warn"
    else:
        sender_says = "allow"
    if _RANK[sender_says] > _RANK[verdict]:
        verdict = sender_says

    reasons = [{**r.to_dict(), "source": "sender"} for r in sender_a.reasons]
    if content is not None:
        seen: set[str] = set()
        for s in content.signals:
            if s.code not in seen:
                seen.add(s.code)
                reasons.append({"code": s.code, "message": f"'{s.text}'", "source": "content"})
        for c in content.contacts:
            if c["verdict"] in ("suspicious", "known_scam"):
                reasons.append(
                    {
                        "code": f"contact_{c['verdict']}",
                        "message": f"{c['type']} in the text is {c['verdict']}",
                        "source": "content",
                    }
                )
    warning = content.warning if content and content.verdict != "allow" else None
    if warning is None and verdict != "allow":
        lang = detect_language(text or display_name or claimed_org or "")
        spoofed = {r.code for r in sender_a.reasons} & STRONG_NUMBER_REASONS
        warning = load_warnings()["spoofed_sender" if spoofed else "unofficial_contact"][lang]
    return {
        "verdict": verdict,
        "risk": round(max(sender_a.risk, content.risk if content else 0.0), 4),
        "reasons": reasons,
        "warning": warning,
        "sender": sender_a.to_dict(),
        "content": content.to_dict() if content else None,
    }
