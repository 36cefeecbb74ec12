"""Rule files are data, validated when loaded: a bad file is a clear error at start-up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detector.errors import ConfigError
from detector.signals import SIGNAL_CODES, SignalAnalyzer
from detector.signals.analyzer import RULES_DIR

GOOD_RULE = """
code: requests_otp
description: test rule
weight: 0.9
rules:
  - id: test.otp
    lang: zh
    kind: request
    objects: ['验证码']
"""


@pytest.fixture
def rule_dir(tmp_path: Path) -> Path:
    shutil.copy(RULES_DIR / "lexicon.yaml", tmp_path / "lexicon.yaml")
    (tmp_path / "otp.yaml").write_text(GOOD_RULE, encoding="utf-8")
    return tmp_path


def test_when_shipped_rules_loaded_then_every_code_has_zh_and_en_rules():
    analyzer = SignalAnalyzer.from_directory()
    assert analyzer.codes == sorted(SIGNAL_CODES)
    for code in SIGNAL_CODES:
        langs = {r.rule_id.split(".")[1] for r in analyzer.rules if r.code == code}
        assert {"zh", "en"} <= langs, code


def test_when_rule_file_valid_then_it_is_used(rule_dir):
    analyzer = SignalAnalyzer.from_directory(rule_dir)
    assert [s.code for s in analyzer.analyze("请把验证码发给我")] == ["requests_otp"]


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("code: requests_otp", "code: steals_cookies", "unknown signal code"),
        ("weight: 0.9", "weight: 1.5", "less than or equal to 1"),
        ("objects: ['验证码']", "objects: ['验证码(']", "does not compile"),
        ("objects: ['验证码']", "objects: ['(a+)+验证码']", "unbounded repetition"),
        ("objects: ['验证码']", "objects: ['验证.*码']", "unbounded repetition"),
        ("objects: ['验证码']", "objects: ['x{2,}']", "unbounded repetition"),
        ("objects: ['验证码']", "objects: ['OTP']", "upper-case"),
        ("objects: ['验证码']", "patterns: ['验证码']", "request rule needs"),
        ("kind: request", "kind: regex", "kind"),
        ("lang: zh", "lang: fr", "lang"),
        ("id: test.otp", "id: Bad Id!", "id"),
        ("description: test rule", "description: test rule\nextra: 1", "extra"),
        ("rules:", "rules: []\nold_rules:", "rules"),
        ("objects: ['验证码']", "objects: ['验证码'\n", "cannot read rule file"),
    ],
)
def test_when_rule_file_bad_then_config_error_names_it(rule_dir, replace, by, message):
    path = rule_dir / "otp.yaml"
    path.write_text(GOOD_RULE.replace(replace, by), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        SignalAnalyzer.from_directory(rule_dir)
    assert "otp.yaml" in err.value.message


def test_when_rule_id_declared_twice_then_config_error(rule_dir):
    (rule_dir / "otp2.yaml").write_text(GOOD_RULE, encoding="utf-8")
    with pytest.raises(ConfigError, match="declared twice"):
        SignalAnalyzer.from_directory(rule_dir)


def test_when_lexicon_missing_then_config_error(rule_dir):
    (rule_dir / "lexicon.yaml").unlink()
    with pytest.raises(ConfigError, match="lexicon"):
        SignalAnalyzer.from_directory(rule_dir)


def test_when_directory_has_no_rules_then_config_error(tmp_path):
    shutil.copy(RULES_DIR / "lexicon.yaml", tmp_path / "lexicon.yaml")
    with pytest.raises(ConfigError, match="no rule files"):
        SignalAnalyzer.from_directory(tmp_path)
