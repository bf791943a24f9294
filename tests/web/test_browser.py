"""The UI in a real Chromium (Playwright) against uvicorn: log in, curate topics, acknowledge an alert,
edit/review/approve a summary; hostile text stays inert. Screenshots of every page go to
test-artifacts/screenshots/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import session_scope
from store.models.alerts import Acknowledgement, Alert, AlertNote
from store.models.publications import Publication
from store.models.topics import Topic, TopicCuration
from tests.conftest import require_service
from tests.web.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    require_service(Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
                    f"Chromium is not installed at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield instance
        instance.close()


class Session:
    """One logged-in browser context; records dialogs (none may come from citizen text)."""

    def __init__(self, browser, base: str, user: str):
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        self.page = self.context.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.goto(f"{base}/")
        assert "/login" in self.page.url
        self.page.fill("input[name=login]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def test_analyst_and_editor_workflows(browser, live_server, seeded, sqlite_engine):
    from playwright.sync_api import expect

    analyst = Session(browser, live_server, "test-analyst")
    page = analyst.page
    assert page.locator("h1").first.inner_text().startswith("首页")
    analyst.shot("01-dashboard")

    analyst.go("/messages?q=物业")
    assert page.locator("table.list tbody tr").count() >= 5
    page.fill("#q", "噪音")  # htmx live search replaces the results table
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "q=%E5%99%AA%E9%9F%B3" in page.url  # hx-push-url keeps the search in the address
    analyst.shot("02-messages-search")

    xss = seeded.message_ids["XSS1"]
    analyst.go(f"/messages/{xss}")
    assert "<script>window.__xss" in page.locator("h1").inner_text()  # shown as text
    assert page.evaluate("typeof window.__xss") == "undefined"
    analyst.shot("03-message-detail-hostile")
    analyst.go(f"/messages/{seeded.message_ids['M001']}")
    assert "5个工作日" in page.content() and "<td>答复</td>" in page.content()  # explanation and history
    analyst.shot("04-message-detail")

    # Review a topic and rename it.
    topic_id = seeded.topic_ids["物业服务"]
    analyst.go("/topics")
    analyst.shot("05-topics")
    page.click(f"a[href='/topics/{topic_id}']")
    page.fill("input[name=label]", "幸福小区物业服务不到位")
    page.click("form[action$='/rename'] button")
    page.wait_for_url(f"**/topics/{topic_id}?done=renamed")
    assert page.locator("#topic-label").inner_text().startswith("幸福小区物业服务不到位")
    analyst.shot("06-topic-renamed")

    # Merge two topics from the list.
    road, parking = seeded.topic_ids["道路维修"], seeded.topic_ids["停车难"]
    analyst.go("/topics")
    page.check(f"input[name=topic_id][value='{road}']")
    page.check(f"input[name=topic_id][value='{parking}']")
    page.click("#merge-form button[type=submit]")
    page.wait_for_url(f"**/topics/{road}?done=merged")
    assert page.locator(".flash").inner_text() == "话题已合并。"
    analyst.shot("07-topics-merged")

    # Acknowledge an alert with a note (htmx swaps the row); a note alone leaves another alert unacknowledged.
    analyst.go("/alerts")
    analyst.shot("08-alerts")
    alert_id, noted_id = [page.locator("table#alerts tbody tr").nth(i).get_attribute("id").split("-")[1]
                          for i in (0, 1)]
    row = page.locator(f"#alert-{alert_id}")
    row.locator("input[name=note]").fill("已转住建局，明日回复")
    row.locator("button.acknowledge").click()
    page.wait_for_selector(f"#alert-{alert_id} .badge.ok")
    noted = page.locator(f"#alert-{noted_id}")
    noted.locator("input[name=note]").fill("已电话催办")
    noted.locator("button.add-note").click()
    page.wait_for_selector(f"#alert-{noted_id} .note")
    assert "未签收" in page.locator(f"#alert-{noted_id}").inner_text()
    analyst.shot("09-alert-acknowledged")

    # Edit a summary and mark it reviewed.
    analyst.go(f"/summaries/{seeded.publication_id}")
    page.fill("textarea[name='text:title']", "2026年11月下半月群众诉求办理情况（修订）")
    page.click("form[action$='/edit'] button[type=submit]")
    page.wait_for_url("**?done=saved")
    page.click("form[action$='/review'] button")
    page.wait_for_url("**?done=reviewed")
    analyst.shot("10-summary-reviewed")
    analyst.go("/sources")
    analyst.shot("11-sources")
    analyst.go("/summaries")
    analyst.shot("12-summaries")

    editor = Session(browser, live_server, "test-editor")
    editor.go(f"/summaries/{seeded.publication_id}")
    editor.page.click("form[action$='/approve'] button")
    editor.page.wait_for_url("**?done=approved")
    assert editor.page.locator("#pub-status").inner_text() == "已批准"
    editor.shot("13-summary-approved")

    official = Session(browser, live_server, "test-unit-b")
    official.shot("14-dashboard-unit-official")
    official.go(f"/messages/{xss}")
    assert "没有这件信件" in official.page.content()

    for session in (analyst, editor, official):
        assert not [d for d in session.dialogs if "xss" in d]
        assert not [e for e in session.console_errors if "Content Security Policy" in e], session.console_errors
        session.context.close()

    with session_scope(sqlite_engine) as db:
        assert db.get(Topic, topic_id).label == "幸福小区物业服务不到位"
        assert db.get(Topic, parking).status == "merged" and db.get(Topic, parking).merged_into_id == road
        assert db.get(Topic, road).size == 5
        assert {c.action for c in db.scalars(select(TopicCuration))} == {"rename", "merge"}
        ack = db.scalar(select(Acknowledgement).where(Acknowledgement.alert_id == int(alert_id)))
        assert ack.acknowledged_by == "test-analyst" and ack.note == "已转住建局，明日回复"
        assert db.get(Alert, int(alert_id)).acknowledged_at is not None
        assert db.get(Alert, int(noted_id)).acknowledged_at is None
        assert [n.text for n in db.scalars(select(AlertNote).where(AlertNote.alert_id == int(noted_id)))] == ["已电话催办"]
        pub = db.get(Publication, seeded.publication_id)
        assert pub.status == "approved" and pub.reviewed_by == "test-analyst" and pub.approved_by == "test-editor"
        assert any(e.new_text.endswith("（修订）") for e in pub.edits)
