"""The console in a real browser: headless Chromium (Debian's) against ``kefuguard serve``.

One server for the module, on a free 127.0.0.1 port with a temporary SQLite database that
holds the demo registry, and one browser; each test opens a fresh context. The tests paste a
scam message and look for the highlight and the warning, check a registry number, edit the
registry, run a small audit end to end, switch the language, paste an XSS attempt, and look
at the page on a phone-sized screen. Each saves a screenshot of its tab under its own
``tmp_path``. Every request the page makes is recorded: all of them must go to the server
itself, and the page must not trip its own Content-Security-Policy.

The module is skipped when ``/usr/bin/chromium`` or Playwright for Python is missing.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import (
    ADMIN_KEY,
    READY_TIMEOUT_S,
    SCORE_KEY,
    auth,
    stop_server,
    wait_ready,
)

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "console browser tests need Debian's chromium at /usr/bin/chromium "
        "(apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="console browser tests need Playwright for Python"
)

REPO = Path(__file__).resolve().parents[2]
DEMO_REGISTRY = REPO / "detector" / "data" / "demo_registry.yaml"
TEST_DEADLINE_S = 60
ACTION_TIMEOUT_MS = 15_000
AUDIT_TIMEOUT_MS = 45_000
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCAM = "您好，我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999，并把手机收到的验证码发给我"
CONVERSATION = (
    "用户: 我充值的点卡一直没到账\n"
    "客服: 您好，请问是哪个订单？\n"
    "客服: 我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999\n"
    "customer: 好的\n"
    "agent: 请把手机收到的验证码发给我"
)
XSS = "<img src=x onerror=alert(1)>"
AUDIT_CSV = (
    "contact,reported_at,reporter_id,text\n"
    + "".join(f"170 1234 5678,2026-11-{1 + i % 20:02d},u{i},请把验证码发给客服\n" for i in range(6))
    + "400-820-5678,2026-11-03,u9,来电自称客服\n"
    + ",2026-11-02,u1,\n"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log: Path, n: int = 40) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(lines[-n:])


# -- fixtures --------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``kefuguard serve --workers 1`` on a free port, the demo registry imported first."""
    root = tmp_path_factory.mktemp("console-server")
    script = Path(sys.executable).with_name("kefuguard")
    assert script.exists(), f"console script missing: {script}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFUGUARD_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "TMPDIR": str(root),
            "KEFUGUARD_DATABASE_URL": f"sqlite:///{root / 'k.db'}",
            "KEFUGUARD_DATA_DIR": str(root / "data"),
            "KEFUGUARD_API_KEYS": f"{ADMIN_KEY}:admin,{SCORE_KEY}:score",
            "KEFUGUARD_RATE_LIMIT_PER_MINUTE": "0",
            "KEFUGUARD_LOG_LEVEL": "WARNING",
        }
    )
    imported = subprocess.run(
        [str(script), "registry", "import", str(DEMO_REGISTRY)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT_S,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    port = _free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, url, lambda: _log_tail(log))
        yield url
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS, timeout=30_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Console:
    """A page of the console plus what it did: requests, CSP reports, dialogs."""

    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("dialog", self._dialog)

    def _console(self, msg) -> None:
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.problems.append(msg.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str = "/console", key: str | None = ADMIN_KEY) -> Console:
        self.page.goto(self.url + path)
        self.page.wait_for_selector("body.ready")
        if key:
            if self.page.locator("details.widget-key:not([open])").count():
                self.page.click("details.widget-key summary")  # the widget folds the key away
            self.page.fill("#api-key", key)
            self.page.click("#key-form button[type=submit]")
            self.page.wait_for_selector("#key-state.is-set")
        return self

    def check_message(self, text: str) -> None:
        self.page.fill("#chat-text", text)
        self.page.click("#chat-form button[type=submit]")

    def shot(self, path: Path) -> None:
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0

    def assert_clean(self) -> None:
        """Only this server (or blob: URLs it made) was asked; no CSP or script errors."""
        foreign = [
            u for u in self.requests if not (u.startswith(self.url + "/") or u.startswith("blob:"))
        ]
        assert not foreign, foreign
        assert not self.problems, self.problems


@pytest.fixture
def console(browser, server, deadline, request):
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="en-US", accept_downloads=True)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        with deadline(TEST_DEADLINE_S):
            yield Console(context.new_page(), server)
    finally:
        context.close()


def _api(server: str, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, server + path, headers=auth(ADMIN_KEY), timeout=10, **kwargs)


# -- the pages as files ----------------


def test_when_console_served_then_strict_headers_and_own_files_only(server):
    page = httpx.get(f"{server}/console", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script
    assert not re.search(r"\son[a-z]+\s*=", page.text)  # no inline event handler
    for name, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
        resp = httpx.get(f"{server}/console/static/{name}", timeout=10)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(kind)
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert (
            "http://" not in resp.text and "https://" not in resp.text and "//cdn" not in resp.text
        )
        again = httpx.get(
            f"{server}/console/static/{name}",
            headers={"If-None-Match": resp.headers["etag"]},
            timeout=10,
        )
        assert again.status_code == 304
    widget = httpx.get(f"{server}/console/widget", timeout=10)
    assert (
        widget.status_code == 200
        and "frame-ancestors 'self'" in widget.headers["content-security-policy"]
    )
    report = httpx.get(f"{server}/console/report", timeout=10)
    policy = report.headers["content-security-policy"]
    assert report.status_code == 200 and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    for missing in ("/console/static/index.html", "/console/static/..%2Fmain.py"):
        resp = httpx.get(server + missing, timeout=10)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"


# -- chat check ------------------------


def test_when_scam_pasted_then_evidence_highlighted_and_warning_shown(console, tmp_path):
    expected = _api(
        server=console.url, method="POST", path="/v1/messages/score", json={"text": SCAM}
    ).json()
    console.open()
    console.check_message(SCAM)
    page = console.page
    page.wait_for_selector("#chat-result .assessment")
    assert expected["signals"], expected
    for signal_ in expected["signals"]:
        mark = page.locator(f"#chat-result mark.hl-signal[data-code={signal_['code']}]")
        assert mark.count() == 1
        assert mark.text_content() == signal_["text"]
    assert page.locator("#chat-result mark.hl-signal", has_text="验证码发给").count() == 1
    # The highlighted paragraph reads exactly as the pasted message.
    assert page.locator("#chat-result .highlighted").text_content() == SCAM
    warning = page.locator("#chat-result .warning")
    assert warning.is_visible() and warning.text_content() == expected["warning"]
    assert page.locator("#chat-result .badge-message").get_attribute("data-verdict") == "block"
    qq = page.locator("#chat-result li.contact-card[data-value='800099999']")
    assert qq.locator(".badge").get_attribute("data-verdict") == "suspicious"
    assert qq.locator(".badge").text_content() == "Suspicious"
    assert "not_official_for_claimed_org" in qq.locator(".reasons li").first.get_attribute(
        "data-code"
    )
    assert page.locator("#chat-result mark.hl-contact[data-verdict=suspicious]").text_content() == (
        "800099999"
    )
    console.shot(tmp_path / "tab-chat.png")
    console.assert_clean()


def test_when_conversation_pasted_then_turns_and_first_warning_turn(console, tmp_path):
    console.open()
    page = console.page
    page.check("input[name=chat-mode][value=conversation]")
    assert page.locator("label[for=chat-text]").text_content() == "Conversation"
    console.check_message(CONVERSATION)
    page.wait_for_selector("#chat-result .conversation")
    turns = page.locator("#chat-result li.turn")
    assert turns.count() == 5
    roles = [turns.nth(i).get_attribute("class") for i in range(5)]
    assert ["role-customer" in r for r in roles] == [True, False, False, True, False]
    first = page.locator("#chat-result li.turn.first")
    assert first.count() == 1
    index = int(first.get_attribute("data-index"))
    assert index in (2, 4) and first.get_attribute("aria-current") == "step"
    assert page.locator(".first-warning").text_content() == (
        f"The warning should fire at turn {index + 1}."
    )
    assert first.locator("mark.hl-signal").count() >= 1
    console.shot(tmp_path / "tab-chat-conversation.png")
    console.assert_clean()


def test_when_xss_pasted_then_shown_as_text_and_no_element_created(console, tmp_path):
    console.open()
    console.check_message(XSS)
    page = console.page
    page.wait_for_selector("#chat-result .assessment")
    assert page.locator("#chat-result .highlighted").text_content() == XSS
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert (
        page.locator("#chat-result *").evaluate_all(
            "els => els.filter(e => e.tagName === 'IMG' || e.hasAttribute('onerror')).length"
        )
        == 0
    )
    assert not console.dialogs
    console.shot(tmp_path / "tab-chat-xss.png")
    console.assert_clean()


def test_when_no_key_then_api_error_message_shown_in_alert(console):
    console.open(key=None)
    console.check_message(SCAM)
    alert = console.page.locator("#alert[role=alert]")
    alert.wait_for(state="visible")
    assert "this endpoint needs an API key" in alert.text_content()
    assert console.page.locator("#chat-result .assessment").count() == 0


# -- contact check ---------------------


def test_when_registry_number_checked_for_its_org_then_official(console, tmp_path):
    console.open("/console#contact")
    page = console.page
    assert page.locator("#tab-contact").get_attribute("aria-selected") == "true"
    page.fill("#contact-value", "400-820-5678")
    page.fill("#contact-org", "示例卡盟")
    page.click("#contact-form button[type=submit]")
    result = page.locator("#contact-result .contact-result")
    result.wait_for()
    verdict = result.locator(".badge-contact")
    assert verdict.get_attribute("data-verdict") == "official"
    assert verdict.text_content() == "Official"
    assert "demo-kameng" in result.locator(".explain").text_content()
    assert result.locator(".reasons li[data-code=official_contact]").count() == 1
    console.shot(tmp_path / "tab-contact.png")

    page.fill("#contact-value", "800099999")
    page.select_option("#contact-type", "qq")
    page.click("#contact-form button[type=submit]")
    page.wait_for_selector("#contact-result .badge-contact[data-verdict=suspicious]")
    console.assert_clean()


# -- registry --------------------------


def test_when_registry_edited_then_contact_listed_and_removed(console, tmp_path, server):
    console.open("/console#registry")
    page = console.page
    page.wait_for_selector("#registry-org option[value=demo-kameng]", state="attached")
    page.select_option("#registry-org", "demo-kameng")
    page.wait_for_selector("#registry-list tr[data-value='400-820-5678']")
    page.fill("#reg-value", "400-820-9999")
    page.select_option("#reg-type", "phone")
    page.fill("#reg-source", "console test")
    page.fill("#reg-verified", "2026-11-20")
    page.click("#registry-add button[type=submit]")
    row = page.locator("#registry-list tr[data-value='400-820-9999']")
    row.wait_for()
    assert "console test" in row.text_content()
    assert "400-820-9999" in page.locator("#notice").text_content()
    listed = _api(server, "GET", "/v1/registry/orgs/demo-kameng/contacts").json()
    assert any(c["value"] == "400-820-9999" for c in listed)
    console.shot(tmp_path / "tab-registry.png")

    remove = row.locator("button")
    assert remove.get_attribute("aria-label") == "Remove 400-820-9999"
    remove.click()
    assert remove.text_content() == "Confirm removal"  # armed, nothing removed yet
    assert row.count() == 1
    remove.click()
    row.wait_for(state="detached")
    listed = _api(server, "GET", "/v1/registry/orgs/demo-kameng/contacts").json()
    assert not any(c["value"] == "400-820-9999" for c in listed)
    assert page.locator("#registry-list tr[data-value='400-820-5678']").count() == 1
    console.assert_clean()


def test_when_registry_opened_with_score_key_then_forbidden_shown(console):
    console.open("/console#registry", key=SCORE_KEY)
    alert = console.page.locator("#alert")
    alert.wait_for(state="visible")
    assert "admin" in alert.text_content()


# -- audits ----------------------------


def test_when_audit_uploaded_then_progress_done_and_files_downloadable(console, tmp_path):
    reports = tmp_path / "reports.csv"
    reports.write_text(AUDIT_CSV, encoding="utf-8")
    console.open("/console#audits")
    page = console.page
    page.set_input_files("#audit-file", str(reports))
    page.click("#audit-form button[type=submit]")
    page.wait_for_selector("#audit-jobs li.job")
    job = page.locator("#audit-jobs li.job[data-state=done]")
    job.wait_for(timeout=AUDIT_TIMEOUT_MS)
    assert job.locator(".job-name").text_content() == "reports.csv"
    assert job.locator("progress").evaluate("p => p.value") == 1
    report = job.locator("a[data-kind=report]")
    result = job.locator("a[data-kind=result]")
    rejects = job.locator("a[data-kind=rejects]")
    assert report.is_visible() and result.is_visible() and rejects.is_visible()
    job_id = job.get_attribute("data-id")
    assert result.get_attribute("href") == f"/v1/audits/{job_id}/result"
    console.shot(tmp_path / "tab-audits.png")

    with page.expect_download() as got:
        result.click()
    saved = tmp_path / "result.csv"
    got.value.save_as(saved)
    assert "'+8617012345678" in saved.read_text(encoding="utf-8")

    # The report opens in the viewer tab, which fetches it with the key of this tab.
    assert report.get_attribute("href") == f"/console/report#{job_id}"
    errors: list[str] = []
    page.context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    with page.context.expect_page() as opened:
        report.click()
    shown = opened.value
    shown.wait_for_url(lambda url: url.startswith("blob:"))
    shown.wait_for_load_state()
    assert shown.locator("h1").text_content() == "kefuguard audit"
    # Its own style sheet and data: charts work in the viewer (and nothing else is loaded).
    header = shown.locator("header.page").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(15, 23, 42)"
    charts = shown.locator("img.chart").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert charts and all(width > 0 for width in charts)
    assert shown.evaluate("() => window.opener") is None
    shown.screenshot(path=str(tmp_path / "audit-report.png"), full_page=True)
    assert not errors, errors
    console.assert_clean()


# -- language, keyboard, phone width -----


def test_when_language_switched_then_ui_text_changes_and_is_remembered(
    browser, server, deadline, tmp_path
):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        with deadline(TEST_DEADLINE_S):
            console = Console(context.new_page(), server).open()
            page = console.page
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            assert page.locator("#tab-chat").text_content() == "聊天检测"
            console.check_message(SCAM)
            page.wait_for_selector("#chat-result .badge-message:text('疑似诈骗')")
            console.shot(tmp_path / "tab-chat-zh.png")
            page.click("#lang-switch")
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("#tab-chat").text_content() == "Chat check"
            assert page.locator("#tab-registry").text_content() == "Registry"
            assert page.locator("#chat-result .badge-message").text_content() == "Likely scam"
            assert page.locator("#lang-switch").text_content() == "中文"
            page.reload()
            page.wait_for_selector("body.ready")
            assert page.locator("#tab-audits").text_content() == "Audits"
            page.click("#lang-switch")
            assert page.locator("#tab-audits").text_content() == "审计"
            console.assert_clean()
    finally:
        context.close()


def test_when_arrow_keys_pressed_then_tabs_follow(console):
    console.open()
    page = console.page
    page.focus("#tab-chat")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-contact"
    assert page.locator("#panel-contact").is_visible()
    assert not page.locator("#panel-chat").is_visible()
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.id") == "tab-audits"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-chat"
    page.keyboard.press("ArrowLeft")
    assert page.locator("#tab-audits").get_attribute("aria-selected") == "true"
    assert page.locator("#tab-chat").get_attribute("tabindex") == "-1"
    # Every form control has a label.
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'radio' && e.labels.length === 0)
            .map(e => e.id)"""
    )
    assert unlabeled == []


@pytest.mark.parametrize("console", [{"width": 390, "height": 844}], indirect=True)
def test_when_phone_width_then_nothing_overflows(console, tmp_path):
    console.open()
    page = console.page
    console.check_message(SCAM)
    page.wait_for_selector("#chat-result .warning")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    console.shot(tmp_path / "phone-chat.png")
    for tab in ("contact", "registry", "audits"):
        page.click(f"#tab-{tab}")
        if tab == "registry":
            page.wait_for_selector("#registry-list tr")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, tab
        console.shot(tmp_path / f"phone-{tab}.png")
    console.assert_clean()


@pytest.mark.parametrize("console", [{"width": 360, "height": 520}], indirect=True)
def test_when_widget_checks_message_then_warning_shown(console, tmp_path):
    console.open("/console/widget?org=示例卡盟")
    page = console.page
    assert page.locator("#chat-org").input_value() == "示例卡盟"
    console.check_message(SCAM)
    page.wait_for_selector("#chat-result .warning")
    assert page.locator("#chat-result mark.hl-signal[data-code=requests_otp]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    console.shot(tmp_path / "widget.png")
    console.assert_clean()


def test_when_widget_embedded_then_parent_page_gets_the_verdict(console):
    """A same-origin page frames the widget, posts it a message and hears the verdict."""
    console.open()  # the key is in this tab's sessionStorage, which the frame shares
    result = console.page.evaluate(
        """async (text) => {
            const frame = document.createElement('iframe');
            frame.src = '/console/widget';
            frame.title = 'kefuguard';
            const loaded = new Promise(resolve => frame.addEventListener('load', resolve));
            document.body.append(frame);
            await loaded;
            const heard = new Promise(resolve => window.addEventListener('message', e => {
                if (e.origin === location.origin && e.data && e.data.type === 'kefuguard:result') {
                    resolve(e.data);
                }
            }));
            frame.contentWindow.postMessage({type: 'kefuguard:check', text}, location.origin);
            return await heard;
        }""",
        SCAM,
    )
    assert result["verdict"] == "block" and result["is_scam"] is True
    assert result["warning"]
    frame = console.page.frame_locator("iframe[title=kefuguard]")
    assert frame.locator("#chat-result .warning").text_content() == result["warning"]
    console.assert_clean()
