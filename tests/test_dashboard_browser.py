"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

The oracle's app is served by uvicorn on a real port, over the demo-like scenario of
dashboard_support.py (paid, failed, defaulted, open and submitted challenges). The tests click from the
board to a challenge and on to a person, filter with JavaScript off, and check a phone's viewport and
the controls' accessible names; on a synthetic board of 120 challenges, they go through its pages with
JavaScript off and see a 10,000-character URI shown short on a phone. They take screenshots of the board,
a challenge and a person; with ANTE_SCREENSHOTS=DIR (`make screenshots` sets it to docs/) they are kept
there.

Playwright drives the system Chromium (`CHROMIUM`, default /usr/bin/chromium); it never downloads a
browser. `make test` installs Chromium from Debian when it is missing.
"""

import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from dashboard_support import DEFAULTED, FAILED, OPEN, PAID, SUBMITTED, build, synthetic_oracle

from ante.oracle.app import create_app

PORT = 8733
PAGED_PORT = 8734  # the board of 120 synthetic challenges, in pages
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking switches Chromium keeps dialling out, which a closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def dashboard_scenario(tmp_path_factory, ante, chain, funder, contributor, stranger, relayer, evaluators, panel_2of3, panel_5of9):
    s = build(tmp_path_factory.mktemp("dashboard-browser"), ante, chain, funder, contributor, stranger, relayer,
              evaluators, panel_2of3, panel_5of9)
    yield s
    s.oracle.store.close()


@pytest.fixture(scope="module")
def base_url(dashboard_scenario):
    """The oracle's app (API and dashboard) served by uvicorn in a thread."""
    yield from serve(create_app(dashboard_scenario.oracle, refresh=300), PORT)


def serve(app, port):
    """`app` served by uvicorn in a thread; yields its address."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, f"the server did not start on port {port}"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


LONG_SPEC = "https://example.org/specs/" + "s" * 10_000 + "/spec.md"


@pytest.fixture(scope="module")
def paged_url(tmp_path_factory):
    """120 open challenges (challenge 3's spec URI 10,000 characters long) on a synthetic chain."""
    service = synthetic_oracle(tmp_path_factory.mktemp("dashboard-paged"), ["open"] * 120,
                               uris=lambda i: LONG_SPEC if i == 3 else f"https://example.org/specs/{i}")
    yield from serve(create_app(service, refresh=300), PAGED_PORT)
    service.store.close()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), (
        f"Chromium is not installed at {CHROMIUM}: `make test` installs Debian's chromium package "
        "(or set CHROMIUM to a Chromium executable)."
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: $ANTE_SCREENSHOTS (docs/ for `make screenshots`), else a temporary folder."""
    folder = Path(os.environ["ANTE_SCREENSHOTS"]) if os.environ.get("ANTE_SCREENSHOTS") else \
        tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def listed(page) -> list[int]:
    """The challenge ids the board lists, in order."""
    hrefs = page.locator('table.challenges a[href^="/ui/challenges/"]:not(.spec)').evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_from_the_board_to_a_challenge_and_a_person(desktop, base_url, dashboard_scenario, shots):
    page = desktop
    page.goto(base_url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Challenges"
    assert page.locator("#open").get_by_role("link", name=f"Challenge {OPEN}", exact=True).is_visible()
    assert sorted(listed(page)) == [PAID, FAILED, DEFAULTED, OPEN, SUBMITTED]
    screenshot(page, shots / "board.png")

    # The board -> challenge 1 (paid).
    page.locator("#settled").get_by_role("link", name=f"Challenge {PAID}", exact=True).click()
    page.wait_for_url(f"**/ui/challenges/{PAID}")
    assert re.fullmatch(rf"Challenge {PAID}\s+SETTLED", page.get_by_role("heading", level=1).inner_text())
    terms = page.locator("section", has=page.locator("#h-terms")).inner_text()
    c = dashboard_scenario.oracle.current().chronicle.challenges[PAID]
    assert "Reward\n1 ETH" in terms and "Stake\n0.1 ETH (10% of the reward)" in terms
    assert "0x" + c.terms.spec_hash.hex() in terms
    assert page.get_by_role("link", name="https://example.org/specs/1").is_visible()
    assert "Settled at 90%" in page.locator("section", has=page.locator("#h-verdicts")).inner_text()
    verdicts = page.get_by_role("table", name=re.compile("each evaluator's verdict so far"))
    assert verdicts.locator("tbody tr").count() == 3
    assert verdicts.locator("tbody tr", has_text="yes").count() == 2  # the two who signed the settlement
    timeline = page.locator("table.timeline tbody tr")
    assert timeline.count() == 4
    assert [timeline.nth(i).locator("code.hash").inner_text() for i in range(4)] == dashboard_scenario.receipts[PAID]
    assert "UTC" in timeline.nth(0).inner_text()
    screenshot(page, shots / "challenge.png")

    # The challenge -> its contributor.
    page.locator("section", has=page.locator("#h-promise")).locator(f'a[title="{dashboard_scenario.contributor}"]').click()
    page.wait_for_url(f"**/ui/people/{dashboard_scenario.contributor}")
    assert page.locator("#reliability").inner_text().startswith("33.3%")
    assert "Accepted\n3" in page.locator("section", has=page.locator("#h-contributor")).inner_text()
    chart = page.get_by_role("img", name=re.compile("Promises of"))
    assert chart.is_visible() and chart.bounding_box()["width"] > 400
    assert chart.locator("circle.point").count() == 3
    assert chart.locator("circle.point.undelivered").count() == 1
    assert page.locator("#as-contributor tbody tr").count() == 3
    screenshot(page, shots / "person.png")

    # A point of the chart leads back to its challenge.
    chart.locator(f'circle[data-challenge="{DEFAULTED}"]').click()
    page.wait_for_url(f"**/ui/challenges/{DEFAULTED}")
    assert "DEFAULTED" in page.get_by_role("heading", level=1).inner_text()


def test_the_filters_work_with_javascript_off(browser, base_url, dashboard_scenario):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        page.get_by_label("State", exact=True).select_option("settled")
        page.get_by_role("button", name="Show challenges").click()
        page.wait_for_url("**/?state=settled*")
        assert listed(page) == [PAID, FAILED]
        assert page.get_by_label("State", exact=True).input_value() == "settled"
        page.get_by_label("State", exact=True).select_option("")
        page.get_by_label("Contributor", exact=True).select_option(dashboard_scenario.stranger)
        page.get_by_role("button", name="Show challenges").click()
        page.wait_for_url(f"**contributor={dashboard_scenario.stranger}*")
        assert listed(page) == [SUBMITTED]
        page.get_by_role("link", name="Clear the filters").click()
        page.wait_for_url(base_url + "/")
        assert sorted(listed(page)) == [PAID, FAILED, DEFAULTED, OPEN, SUBMITTED]
    finally:
        context.close()


def test_a_phone_sees_every_page_without_sideways_scrolling(browser, base_url, dashboard_scenario):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        for path in ("/", f"/ui/challenges/{PAID}", f"/ui/challenges/{SUBMITTED}", f"/ui/people/{dashboard_scenario.contributor}",
                     "/ui/rankings", "/ui/audit"):
            page.goto(base_url + path)
            assert no_horizontal_overflow(page), f"{path} is wider than a phone's screen"
        page.goto(base_url + "/")
        first = page.locator("table.challenges tbody tr").first
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # rows become cards
        label = first.locator('td[data-label="Reward"]').evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Reward"'  # each cell says what it is
    finally:
        context.close()


def test_every_control_and_link_has_an_accessible_name(desktop, base_url, dashboard_scenario):
    page = desktop
    for path in ("/", f"/ui/challenges/{SUBMITTED}", f"/ui/people/{dashboard_scenario.contributor}", "/ui/rankings"):
        page.goto(base_url + path)
        tree = page.locator("body").aria_snapshot()
        unnamed = [line for line in tree.splitlines()
                   if re.match(r"\s*- (link|button|combobox|textbox|img)\s*(:|$)", line)]
        assert not unnamed, f"{path}: controls without a name: {unnamed}"
        assert page.locator("main").count() == 1 and page.get_by_role("navigation", name="Main").count() == 1
    page.goto(base_url + "/")
    for name in ("State", "Funder", "Contributor", "Panel"):
        assert page.get_by_role("combobox", name=name).count() == 1
    assert page.get_by_role("button", name="Show challenges").count() == 1


def test_the_pages_of_the_board_work_with_javascript_off(browser, paged_url):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(paged_url + "/?state=open")
        assert listed(page) == list(range(1, 51))
        assert no_horizontal_overflow(page), "the first page is wider than a phone's screen"
        spec = page.locator("#open a.spec").nth(2)  # challenge 3's: its start and end, the whole on its page
        assert spec.get_attribute("href") == "/ui/challenges/3" and len(spec.inner_text()) <= 64
        pages = page.get_by_role("navigation", name="Pages of challenges", exact=True)
        pages.get_by_role("link", name="Next page").click()
        page.wait_for_url("**/?state=open&page=2")
        assert listed(page) == list(range(51, 101))
        again = page.get_by_role("navigation", name="Pages of challenges, again")
        again.get_by_role("link", name="Last page").click()
        page.wait_for_url("**/?state=open&page=3")
        assert listed(page) == list(range(101, 121))
        assert "Challenges 101–120 of 120" in page.get_by_role("status").inner_text()
        assert page.get_by_role("link", name="Next page").count() == 0
        page.goto(paged_url + "/ui/challenges/3")
        assert no_horizontal_overflow(page), "a challenge with a long spec URI is wider than a phone's screen"
        from ante.oracle.dashboard.present import short_uri

        link = page.get_by_role("link", name=short_uri(LONG_SPEC), exact=True)
        assert link.count() == 1 and link.get_attribute("href") == LONG_SPEC
    finally:
        context.close()


def test_the_pages_keep_to_their_content_security_policy(desktop, base_url, dashboard_scenario):
    """Every page loads under its policy with nothing refused: the stylesheet and the score colours the server
    writes into style attributes apply, and the browser reports no violation."""
    page = desktop
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    for path in ("/", f"/ui/challenges/{PAID}", f"/ui/people/{dashboard_scenario.contributor}", "/ui/rankings",
                 "/ui/audit"):
        response = page.goto(base_url + path)
        assert "default-src 'none'" in response.headers["content-security-policy"], path
        # The stylesheet applied: the header bar is dark, not the browser's default transparent.
        assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") not in (
            "rgba(0, 0, 0, 0)", "transparent"), path
    page.goto(base_url + f"/ui/challenges/{PAID}")
    score = page.locator("span.score").first
    assert score.evaluate("e => getComputedStyle(e).getPropertyValue('--score')").strip() != ""
    assert refused == []
    # An inline script, which the pages never have, would be refused: the policy is enforced, not only sent.
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text) as violation:
        page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                                 document.body.appendChild(s); }""")
    assert "script" in violation.value.text
    assert page.evaluate("window.ran") is None
