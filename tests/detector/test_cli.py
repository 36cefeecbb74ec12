"""The kefuguard CLI, run as a user runs it: the installed console script in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("kefuguard", path=str(Path(sys.executable).parent))


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert EXE, "the kefuguard console script is not installed in this environment"
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, timeout=60)


def test_when_messages_check_then_json_signals_with_original_spans():
    text = "我是平台客服，请把驗證碼发给我"
    proc = run("messages", "check", text)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    codes = {s["code"] for s in out["signals"]}
    assert {"official_claim", "requests_otp"} <= codes
    for s in out["signals"]:
        assert text[s["start"] : s["end"]] == s["text"]


def test_when_text_on_stdin_then_read_from_stdin():
    proc = run("messages", "check", "-", "--explain", stdin=b"send me the verification code")
    assert proc.returncode == 0, proc.stderr
    (signal,) = json.loads(proc.stdout)["signals"]
    assert signal["code"] == "requests_otp"
    assert signal["explanation"]["rule_id"] == "requests_otp.en"


def test_when_benign_then_no_signals():
    proc = run("messages", "check", "【速充】您的验证码为482913，5分钟内有效，请勿泄露。")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["signals"] == []


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        (("messages", "check", "-"), b"\xff\xfe\xfa", "invalid_input"),
        (("messages", "check", "-"), "验".encode() * 30_000, "text_too_long"),
    ],
)
def test_when_bad_input_then_error_shape_and_exit_2(args, stdin, code):
    proc = run(*args, stdin=stdin)
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = json.loads(proc.stderr)["error"]
    assert err["code"] == code and err["message"]


def test_when_normalize_then_prints_normalized_text():
    proc = run("messages", "normalize", "加薇信，幺三八 一二三四 五六七八")
    assert json.loads(proc.stdout)["normalized"] == "加微信,13812345678"
