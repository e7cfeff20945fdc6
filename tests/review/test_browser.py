"""The review app end to end in headless Chromium, over a real crawl of the demo shops, with the app on
127.0.0.1: a reviewer signs in, filters, opens a finding, sees the outlined screenshot, confirms it with a
note, sees the audit trail and exports the filter; a viewer cannot decide; files need a session; a crawled
page's script never runs in the app.

Each page is also saved as a 1366×768 screenshot, to a temporary folder, or to
``ECWATCH_REVIEW_SCREENSHOTS`` (the README's pictures in docs/review/ are made that way).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import select

from cli.demosite import DemoSite
from crawler.browser import CHROMIUM_ARGS, choose_browser
from storage.db import make_engine, session_scope
from storage.models import Artifact, Finding

from ..crawler.crawls import Crawl, crawl
from .conftest import AppServer
from .planting import PASSWORD, add_users, store_hostile_finding

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Crawl:
    """The demo shops crawled with browser evidence, the test users, and a planted hostile finding."""
    with DemoSite() as site:
        result = crawl(site, tmp_path_factory.mktemp("review-crawl"), "storefront", urls=site.seeds()).check()
    engine = make_engine(result.database_url)
    add_users(engine)
    store_hostile_finding(engine, result.data_dir)
    engine.dispose()
    return result


@pytest.fixture(scope="module")
def server(crawled: Crawl) -> Iterator[AppServer]:
    engine = make_engine(crawled.database_url)
    with AppServer(engine, crawled.data_dir) as running:
        yield running
    engine.dispose()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=choose_browser().executable_path,
                                              args=list(CHROMIUM_ARGS))
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("ECWATCH_REVIEW_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page: Page, server: AppServer, name: str) -> None:
    page.goto(server.url + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(server.url + "/")


def _finding(crawled: Crawl, rule: str) -> Finding:
    return next(f for f in crawled.findings() if f.rule == rule and f.snapshot and f.snapshot.element_boxes)


def test_a_reviewer_filters_opens_confirms_and_exports(context: BrowserContext, server: AppServer, crawled: Crawl,
                                                      shots: Path) -> None:
    page = context.new_page()
    page.goto(server.url + "/")
    page.screenshot(path=shots / "login.png")
    sign_in(page, server, "lan.nguyen")
    page.screenshot(path=shots / "queue.png")

    page.select_option("select[name=rule]", "PROMO-DISC-50")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?rule=PROMO-DISC-50")
    rules = page.locator(".finding-row td.rule").all_inner_texts()
    expected = [f for f in crawled.findings() if f.rule == "PROMO-DISC-50"]
    assert rules and set(rules) == {"PROMO-DISC-50"} and len(rules) == len(expected)
    page.screenshot(path=shots / "queue-filtered.png")

    target = _finding(crawled, "PROMO-DISC-50")
    page.click(f'.finding-row a[href^="/findings/{target.id}?"] >> nth=0')
    page.wait_for_url(f"**/findings/{target.id}?rule=PROMO-DISC-50")
    _the_outline_is_on_the_stored_box(page, target)
    page.screenshot(path=shots / "finding.png")

    page.fill("#decide textarea[name=note]", "Giá gốc 2.000.000 ₫ không có trong lịch sử giá")
    page.uncheck("#decide input[name=then]")
    page.click("#decide button[value=confirmed]")
    page.wait_for_url("**msg=decided")
    assert page.locator(".flash").inner_text() == "Đã ghi nhận quyết định."
    last = page.locator("#history tr").last
    assert "lan.nguyen" in last.inner_text() and "đã xác nhận" in last.inner_text()
    assert "Giá gốc 2.000.000 ₫ không có trong lịch sử giá" in last.inner_text()
    page.locator("#history").scroll_into_view_if_needed()
    page.screenshot(path=shots / "finding-decided.png")

    page.click("a[data-key=u]")
    with page.expect_download() as download:
        page.click("button[data-export=csv]")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert sorted(int(r["finding_id"]) for r in rows) == sorted(f.id for f in expected)
    decided = next(r for r in rows if int(r["finding_id"]) == target.id)
    assert (decided["status"], decided["reviewer"]) == ("confirmed", "lan.nguyen")
    assert decided["note"] == "Giá gốc 2.000.000 ₫ không có trong lịch sử giá"


def _the_outline_is_on_the_stored_box(page: Page, finding: Finding) -> None:
    """The outline is drawn where the evidence visit found the element, over a screenshot that loaded."""
    box = finding.snapshot.element_boxes[finding.evidence["css_path"]]
    outline = page.locator("[data-outline]")
    assert outline.is_visible()
    drawn = {name: float(outline.get_attribute(name)) for name in ("x", "y", "width", "height")}
    assert drawn == {"x": box["x"] - 3, "y": box["y"] - 3, "width": box["width"] + 6, "height": box["height"] + 6}
    loaded = page.evaluate("""async () => {
        const href = document.querySelector('svg[data-screenshot] image').getAttribute('href');
        const img = new Image(); img.src = href; await img.decode(); return [img.naturalWidth, img.naturalHeight];
    }""")
    viewbox = page.locator("svg[data-screenshot]").get_attribute("viewBox").split()
    assert loaded == [int(viewbox[2]), int(viewbox[3])] and loaded[0] > 0


def test_keyboard_confirm_then_next(context: BrowserContext, server: AppServer, crawled: Crawl) -> None:
    page = context.new_page()
    sign_in(page, server, "lan.nguyen")
    page.goto(server.url + "/?rule=PROMO-INFO-MISSING&decision=undecided")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/findings/*")
    first = int(page.url.split("/findings/")[1].split("?")[0])
    page.keyboard.press("c")
    page.wait_for_url("**msg=*")
    following = int(page.url.split("/findings/")[1].split("?")[0])
    assert following != first
    with session_scope(make_engine(crawled.database_url)) as session:
        assert session.get_one(Finding, first).decision == "confirmed"
        assert session.get_one(Finding, following).decision is None


def test_a_viewer_cannot_decide(context: BrowserContext, server: AppServer, crawled: Crawl, shots: Path) -> None:
    page = context.new_page()
    sign_in(page, server, "minh.tran")
    target = _finding(crawled, "PROMO-BANNED-GOODS")
    page.goto(f"{server.url}/findings/{target.id}")
    assert page.locator("#decide").count() == 0
    page.screenshot(path=shots / "finding-viewer.png")
    token = page.locator("form[action='/logout'] input[name=csrf_token]").get_attribute("value")
    forged = page.request.post(f"{server.url}/findings/{target.id}/decision",
                               form={"csrf_token": token, "decision": "confirmed"},
                               headers={"Origin": server.url}, max_redirects=0)
    assert forged.status == 403
    with session_scope(make_engine(crawled.database_url)) as session:
        assert session.get_one(Finding, target.id).decision is None


def test_evidence_files_need_a_session(browser: Browser, server: AppServer, crawled: Crawl) -> None:
    with session_scope(make_engine(crawled.database_url)) as session:
        screenshot = session.scalars(select(Artifact.id).where(Artifact.kind == "screenshot")).first()
    anonymous = browser.new_context()
    answer = anonymous.request.get(f"{server.url}/evidence/{screenshot}", max_redirects=0)
    assert answer.status == 401 and not answer.body().startswith(b"\x89PNG")
    anonymous.close()


def test_a_crawled_pages_script_never_runs_in_the_app(context: BrowserContext, server: AppServer, crawled: Crawl,
                                                     shots: Path) -> None:
    page = context.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, server, "lan.nguyen")
    hostile = next(f for f in crawled.findings() if f.site.domain == "shop-gia-lap.vn" and f.rule == "ECOM-BADGE-FAKE")
    html_file = next(a.id for a in hostile.snapshot.artifacts if a.kind == "html")
    for path in (f"/findings/{hostile.id}", f"/evidence/{html_file}/text", f"/evidence/{html_file}",
                 "/?site=shop-gia-lap.vn"):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        page.mouse.move(300, 300)
        assert page.title() != "PWNED" and page.locator("#pwned").count() == 0, path
        if path.startswith("/findings/"):
            assert '<script>document.title="PWNED"' in page.locator("pre.snippet").inner_text()
            page.screenshot(path=shots / "finding-hostile.png")
    assert [url for url in requests if not url.startswith(server.url)] == []
    assert dialogs == []


def test_every_page_as_a_user_sees_it(context: BrowserContext, server: AppServer, crawled: Crawl,
                                      shots: Path) -> None:
    """Each page opens without an error in the browser's console (a CSP violation would show there)."""
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"{page.url}: {message.text}")
            if message.type == "error" else None)
    sign_in(page, server, "an.admin")
    target = _finding(crawled, "PROMO-BANNED-GOODS")
    dom_file = next(a.id for a in target.snapshot.artifacts if a.kind == "dom")
    pages = {"queue-admin": "/?sort=newest", "finding-banned": f"/findings/{target.id}",
             "evidence-text": f"/evidence/{dom_file}/text", "explain": f"/findings/{target.id}/explain",
             "users": "/admin/users", "registry": "/admin/registry"}
    for name, path in pages.items():
        answer = page.goto(server.url + path)
        assert answer is not None and answer.status == 200, path
        page.screenshot(path=shots / f"{name}.png")
    page.click("a[href^='/lang/en']")
    page.wait_for_url(server.url + "/admin/registry")
    assert page.locator("h1").inner_text() == "Import registry records"
    page.goto(f"{server.url}/findings/{target.id}")
    page.screenshot(path=shots / "finding-english.png")
    assert problems == []
