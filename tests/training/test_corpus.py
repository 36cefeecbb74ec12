"""The shipped corpus meets its contract and matches its seeds."""

from __future__ import annotations

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
    return pd.read_csv(build.ensure_corpus(), dtype=str, keep_default_na=False)


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


def test_the_build_is_deterministic_and_ensure_corpus_refreshes_a_stale_file(tmp_path):
    first = build.csv_text(build.build()[1])
    assert first == build.csv_text(build.build()[1])
    path = tmp_path / "messages.csv"
    assert build.ensure_corpus(path).read_text(encoding="utf-8") == first
    path.write_text("text,label\nstale,scam\n", encoding="utf-8")
    assert build.ensure_corpus(path).read_text(encoding="utf-8") == first


def test_scenario_groups_never_mix_labels(corpus):
    assert (corpus.groupby("group").label.nunique() == 1).all()


def test_sender_headers_are_not_a_label_cue(corpus):
    zh = corpus[corpus.lang == "zh"]
    has_header = zh.text.str.startswith("【")
    rates = has_header.groupby(zh.label).mean()
    assert rates["scam"] > 0 and rates["benign"] > 0
    assert max(rates) <= 2 * min(rates), rates.to_dict()
