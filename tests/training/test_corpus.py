"""The shipped corpus meets its contract and matches its seeds."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pandas as pd
import pytest

from training.corpus import build

SCAM = {
    "fake_customer_service",
    "impersonation_authority",
    "impersonation_acquaintance",
    "phishing",
    "payment_lure",
}
BENIGN = {
    "support_reply",
    "otp_notice",
    "safety_notice",
    "user_question",
    "user_complaint",
    "transaction_notice",
    "marketing",
    "chat",
}


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return pd.read_csv(build.OUT_FILE, dtype=str, keep_default_na=False)


def test_corpus_meets_size_and_balance_contract(corpus):
    assert list(corpus.columns) == ["text", "label", "category", "lang", "group"]
    by_lang = Counter(corpus.lang)
    assert by_lang["zh"] >= 5000 and by_lang["en"] >= 1500
    assert (corpus.label == "benign").mean() >= 0.5
    assert set(corpus.loc[corpus.label == "scam", "category"]) == SCAM
    assert set(corpus.loc[corpus.label == "benign", "category"]) == BENIGN
    assert corpus.text.str.strip().ne("").all() and not corpus.text.duplicated().any()
    assert corpus.group.nunique() >= 100


def test_corpus_has_enough_distinct_templates():
    templates = build.load_templates()
    assert len(templates) >= 800
    assert len({t["id"] for t in templates}) == len(templates)


def test_committed_corpus_is_what_the_seeds_build():
    _, rows = build.build()
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=build.COLUMNS, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    assert buf.getvalue() == build.OUT_FILE.read_text(encoding="utf-8"), (
        "messages.csv is stale: run `make corpus` (python -m training.corpus.build)"
    )


def test_scenario_groups_never_mix_labels(corpus):
    assert (corpus.groupby("group").label.nunique() == 1).all()
