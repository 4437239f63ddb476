"""The dashboard's pages, in-process (FastAPI's TestClient), after a demo-like dashboard_scenario.

See dashboard_support.py for the five challenges: paid, failed, defaulted, open and submitted.
"""

import re
import warnings
from html.parser import HTMLParser

import pytest
from eth_utils import to_checksum_address

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dashboard_support import DEFAULTED, FAILED, OPEN, PAID, SUBMITTED, build
from lifecycle import ETHER, Bounties
from oracle_support import oracle, oracle_client, store, store_path  # noqa: F401

from ante.oracle.app import create_app
from ante.oracle.dashboard.svg import score_colour

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """A parsed page: the text inside each element with an id, every link, and every tag's attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self._open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in VOID:
            return
        ident = attrs.get("id")
        if ident:
            self.by_id[ident] = []
        self._open.append(ident)

    def handle_endtag(self, tag):
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        for ident in self._open:
            if ident:
                self.by_id[ident].append(data)

    def text(self, ident: str) -> str:
        assert ident in self.by_id, f"no element with id {ident!r}"
        return " ".join(" ".join(self.by_id[ident]).split())

    def all(self, tag: str, **wanted) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def links(self) -> list[str]:
        return [a["href"] for a in self.all("a") if "href" in a]


@pytest.fixture(scope="module")
def dashboard_scenario(tmp_path_factory, ante, chain, funder, contributor, stranger, relayer, evaluators, panel_2of3, panel_5of9):
    s = build(tmp_path_factory.mktemp("dashboard"), ante, chain, funder, contributor, stranger, relayer, evaluators,
              panel_2of3, panel_5of9)
    yield s
    s.oracle.store.close()


@pytest.fixture(scope="module")
def web(dashboard_scenario):
    with TestClient(create_app(dashboard_scenario.oracle)) as client:
        yield client


def page(web, url, status=200) -> Page:
    response = web.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def evaluator_rows(html: str) -> dict[str, tuple[str, str]]:
    """The challenge page's verdicts table: evaluator -> (verdict received, signed the settlement), without the
    reasons column (tests/test_dashboard_feedback.py checks that)."""
    table = html.split('<table class="verdicts">')[1].split("</table>")[0]
    rows = {}
    for row in table.split("<tr>")[2:]:
        address = re.search(r'title="(0x[0-9a-fA-F]{40})"', row).group(1)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[address] = tuple(cells[:2])
    return rows


def board_ids(p: Page, section: str) -> list[int]:
    """The challenge ids listed in one state's table of the board."""
    if section not in p.by_id:
        return []
    return [int(n) for n in re.findall(r"Challenge (\d+)", p.text(section))]


# ------------------------------------------------------------------------------------------ the board


def test_the_board_lists_each_challenge_under_its_state(web):
    p = page(web, "/")
    assert board_ids(p, "open") == [OPEN]
    assert board_ids(p, "accepted") == []
    assert board_ids(p, "submitted") == [SUBMITTED]
    assert board_ids(p, "settled") == [PAID, FAILED]
    assert board_ids(p, "lapsed") == [DEFAULTED]
    assert "5 challenges." in web.get("/").text


def test_the_board_shows_reward_stake_deadline_and_time_left(web, dashboard_scenario):
    p = page(web, "/")
    open_row = p.text("open")
    assert "3 ETH" in open_row and "0.6 ETH (20%)" in open_row  # reward, stake and its share
    assert re.search(r"in (23h \d+m|1d)", open_row), open_row  # accept-by is a day after posting
    assert "accept by 20" in open_row and "UTC" in open_row
    settled = p.text("settled")
    assert "scored 90%: 0.99 ETH to the contributor" in settled  # (1 + 0.1) * 90%
    assert "scored 0%: 0 ETH to the contributor" in settled
    assert re.search(r"closed \d+d( \d+h)? ago", settled)
    assert "1 verdict in, 2 needed" in p.text("submitted")


def test_the_board_tallies_every_state(web):
    p = Page(web.get("/").text)
    tally = [a for a in p.all("a") if a.get("href", "").startswith("/?state=")]
    assert [a["href"] for a in tally] == [f"/?state={s}" for s in
                                         ("open", "accepted", "submitted", "ruled", "appealed", "settled", "lapsed",
                                          "cancelled")]
    text = web.get("/").text
    counts = dict((state, int(n)) for n, state in re.findall(r'<span class="n">(\d+)</span> (\w+)', text))
    assert counts == {"open": 1, "accepted": 0, "submitted": 1, "ruled": 0, "appealed": 0, "settled": 2, "lapsed": 1,
                      "cancelled": 0}


@pytest.mark.parametrize("query, expected", [
    ("state=settled", [PAID, FAILED]),
    ("state=lapsed", [DEFAULTED]),
    ("state=open", [OPEN]),
])
def test_the_state_filter(web, query, expected):
    p = page(web, f"/?{query}")
    listed = [int(n) for n in re.findall(r'href="/ui/challenges/(\d+)"', web.get(f"/?{query}").text)]
    assert listed == expected
    state = query.split("=")[1]
    assert "selected" in p.all("option", value=state)[0]


def test_the_contributor_funder_and_panel_filters(web, dashboard_scenario, panel_5of9):
    def listed(query):
        return [int(n) for n in re.findall(r'href="/ui/challenges/(\d+)"', web.get(f"/?{query}").text)]

    assert listed(f"contributor={dashboard_scenario.stranger}") == [SUBMITTED]
    assert listed(f"contributor={dashboard_scenario.contributor.lower()}") == [PAID, FAILED, DEFAULTED]  # any case
    assert listed(f"funder={dashboard_scenario.funder}") == [OPEN, SUBMITTED, PAID, FAILED, DEFAULTED]  # by state
    assert listed(f"funder={dashboard_scenario.stranger}") == []
    assert listed(f"panel={panel_5of9}") == [OPEN]
    assert listed(f"state=settled&contributor={dashboard_scenario.contributor}") == [PAID, FAILED]


def test_the_filter_form_labels_every_control(web):
    p = page(web, "/")
    labels = {a["for"] for a in p.all("label")}
    selects = p.all("select")
    assert [s["name"] for s in selects] == ["state", "funder", "contributor", "panel"]
    assert all(s["id"] in labels for s in selects)
    assert p.all("form", method="get", action="/")  # works without JavaScript


@pytest.mark.parametrize("query, message", [
    ("state=finished", "There is no state “finished”"),
    ("funder=0x123", "The funder “0x123” is not an address"),
    ("panel=99", "There is no panel “99”"),
])
def test_a_bad_filter_says_what_is_wrong(web, query, message):
    response = web.get(f"/?{query}")
    assert response.status_code == 422
    assert message in response.text
    assert 'href="/ui/challenges/' not in response.text


# ------------------------------------------------------------------------------------------ a challenge


def test_a_challenge_shows_its_terms_promise_and_deliverable(web, dashboard_scenario):
    html = web.get(f"/ui/challenges/{PAID}").text
    c = dashboard_scenario.oracle.current().chronicle.challenges[PAID]
    assert "0x" + c.terms.spec_hash.hex() in html
    assert 'href="https://example.org/specs/1"' in html
    assert "0x" + c.promise_hash.hex() in html
    assert "0x" + c.deliverable.hex() in html
    assert "1 ETH" in html and "0.1 ETH (10% of the reward)" in html
    assert "any 2 of 3 evaluators" in html
    assert "Settled at <strong>90%</strong>" in html
    assert "0.99 ETH to the contributor, 0.11 ETH to the funder" in html


def test_a_challenge_shows_each_evaluators_verdict_and_what_a_quorum_lacks(web, dashboard_scenario):
    html = web.get(f"/ui/challenges/{SUBMITTED}").text
    assert "1 of 2 needed agree on 90%: 1 more needed for a quorum." in " ".join(html.split())
    e = dashboard_scenario.evaluators
    assert evaluator_rows(html) == {e[0].address: ("90%", "—"), e[1].address: ("not yet", "—"),
                                    e[2].address: ("not yet", "—")}


def test_a_settled_challenge_names_who_signed(web, dashboard_scenario):
    html = web.get(f"/ui/challenges/{FAILED}").text
    e = dashboard_scenario.evaluators
    assert evaluator_rows(html) == {
        e[0].address: ("none received", "no"), e[1].address: ("0%", "yes"), e[2].address: ("0%", "yes")}


def test_a_challenge_timeline_lists_every_event_with_time_and_transaction(web, dashboard_scenario):
    p = page(web, f"/ui/challenges/{PAID}")
    html = web.get(f"/ui/challenges/{PAID}").text
    events = dashboard_scenario.oracle.current().chronicle.challenges[PAID].events
    names = re.findall(r'<span class="event">(\w+)</span>', html)
    assert names == ["ChallengeCreated", "ChallengeAccepted", "ChallengeSubmitted", "ChallengeSettled"]
    hashes = re.findall(r'data-label="Transaction"><code class="hash">(0x[0-9a-f]{64})</code>', html)
    assert hashes == [e.transaction_hash for e in events] == dashboard_scenario.receipts[PAID]
    assert p.text("h-timeline")
    from ante.units import format_time

    for e in events:
        assert format_time(e.timestamp) in html


def test_a_challenge_shows_its_unreviewed_share_among_the_terms(web, dashboard_scenario):
    """Created with plain `create`: the default share, the whole reward to the contributor; once submitted,
    the review deadline is named."""
    p = page(web, f"/ui/challenges/{OPEN}")
    assert p.text("unreviewed-share") == ("if nobody reviews the deliverable in time: the stake back and 100% of the "
                                          "reward to the contributor (3.6 ETH), 0 ETH to the funder")
    c = dashboard_scenario.oracle.current().chronicle.challenges[SUBMITTED]
    from ante.units import format_time

    assert page(web, f"/ui/challenges/{SUBMITTED}").text("unreviewed-share") == (
        f"if nobody reviews the deliverable by {format_time(c.review_by)}: the stake back and 100% of the reward to "
        "the contributor (0.55 ETH), 0 ETH to the funder")


def test_a_defaulted_challenge_shows_its_lapse(web, dashboard_scenario):
    html = " ".join(web.get(f"/ui/challenges/{DEFAULTED}").text.split())
    assert "Defaulted: 0 ETH to the contributor, 1.1 ETH to the funder." in html
    assert "Nothing delivered" in html
    assert "Lapsed as defaulted" in html


@pytest.mark.parametrize("url, message", [
    ("/ui/challenges/999", "There is no challenge 999 on this deployment (ids run from 1 to 5)."),
    ("/ui/challenges/abc", "“abc” is not a challenge id"),
    ("/ui/people/0x00000000000000000000000000000000000000aa",
     to_checksum_address("0x" + "00" * 19 + "aa") + " has no records on this deployment"),
    ("/ui/people/nobody", "“nobody” is not an address"),
    ("/ui/challenge/1", "There is no page /ui/challenge/1: start from the board."),
    ("/ui/static", "There is no page /ui/static: start from the board."),
])
def test_unknown_ids_and_addresses_are_404_with_a_sentence(web, url, message):
    response = web.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text


# ------------------------------------------------------------------------------------------ a person


def test_a_person_shows_their_records(web, dashboard_scenario):
    p = page(web, f"/ui/people/{dashboard_scenario.contributor}")
    assert p.text("reliability").startswith("33.3% reliability: 1 of 3 decided promises kept")
    contributor = p.text("h-contributor") and " ".join(web.get(f"/ui/people/{dashboard_scenario.contributor}").text.split())
    assert "<dt>Accepted</dt><dd>3</dd>" in contributor
    assert "<dt>Delivered</dt><dd>2 (1 on time)</dd>" in contributor
    assert "<dt>Defaulted</dt><dd>1</dd>" in contributor
    assert "<dt>Earned</dt><dd>0.89 ETH</dd>" in contributor  # 0.99 back on a 0.1 stake
    assert "<dt>Forfeited</dt><dd>0.3 ETH</dd>" in contributor  # the failed one's 0.2 and the defaulted one's 0.1
    assert "Never posted a challenge." in contributor and "Sits on no panel." in contributor


def test_a_person_lists_their_challenges_in_each_role(web, dashboard_scenario):
    funder = page(web, f"/ui/people/{dashboard_scenario.funder}")
    assert [int(n) for n in re.findall(r"Challenge (\d+)", funder.text("as-funder"))] == [1, 2, 3, 4, 5]
    assert "as-contributor" not in funder.by_id
    evaluator = page(web, f"/ui/people/{dashboard_scenario.evaluators[2].address}")
    assert [int(n) for n in re.findall(r"Challenge (\d+)", evaluator.text("as-evaluator"))] == [1, 2, 3, 4, 5]
    assert "Never accepted a challenge." in web.get(f"/ui/people/{dashboard_scenario.evaluators[2].address}").text


def test_a_person_has_a_promise_chart_with_one_point_per_acceptance(web, dashboard_scenario):
    html = web.get(f"/ui/people/{dashboard_scenario.contributor}").text
    svg = re.search(r"<svg class=\"promise-chart\".*?</svg>", html, re.S).group(0)
    points = re.findall(r'<circle class="point (\w+)" data-challenge="(\d+)"[^>]*?(?:fill|stroke)="([^"]+)"', svg)
    assert sorted((int(cid), kind) for kind, cid, _ in points) == [
        (PAID, "delivered"), (FAILED, "delivered"), (DEFAULTED, "undelivered")]
    fills = {int(cid): colour for _, cid, colour in points}
    # On or below the diagonal is on time: challenge 1 was delivered early, challenge 2 a day late.
    from ante.oracle.dashboard.svg import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH

    def below_diagonal(cid):
        cx, cy = (float(v) for v in re.search(rf'data-challenge="{cid}" cx="([\d.]+)" cy="([\d.]+)"', svg).groups())
        across = (cx - LEFT) / (WIDTH - LEFT - RIGHT)
        up = (TOP + (HEIGHT - TOP - BOTTOM) - cy) / (HEIGHT - TOP - BOTTOM)
        return up <= across

    assert below_diagonal(PAID) and not below_diagonal(FAILED)
    assert fills[PAID] == score_colour(9000) and fills[FAILED] == score_colour(0)
    assert "<title id=\"chart-title\">" in svg and 'role="img"' in svg
    # The points' links lead to their challenges.
    assert {f"/ui/challenges/{cid}" for cid in (PAID, FAILED, DEFAULTED)} <= set(re.findall(r'<a href="([^"]+)"', svg))
    stranger = web.get(f"/ui/people/{dashboard_scenario.stranger}").text
    assert len(re.findall(r'<circle class="point', stranger)) == 1  # submitted, not judged yet
    assert score_colour(None) in stranger


def test_a_person_shows_how_close_each_delivery_came_to_its_promise(web, dashboard_scenario):
    """Lateness = submitted-at less promised-by (from the challenges' own histories here): challenge 1 was
    early, 2 late, 3 never delivered; the card, the chart's stems and the table all say so."""
    from ante.records import lateness_words

    chronicle = dashboard_scenario.oracle.current().chronicle
    lateness = {cid: chronicle.challenges[cid].submitted_at - chronicle.challenges[cid].promised_by
                for cid in (PAID, FAILED)}
    assert lateness[PAID] < 0 < lateness[FAILED]
    median = (lateness[PAID] + lateness[FAILED]) / 2
    url = f"/ui/people/{dashboard_scenario.contributor}"
    p = page(web, url)
    assert p.text("closeness").startswith(f"Delivered 1 of 3 promises on time (1 never delivered); "
                                          f"median {lateness_words(median)}, worst {lateness_words(lateness[FAILED])}.")
    assert p.text("on-time-share") == "33.3%: 1 of 3 (1 never delivered)"
    assert p.text("median-lateness") == lateness_words(median)
    assert p.text("worst-lateness") == lateness_words(lateness[FAILED]) and "late" in p.text("worst-lateness")
    html = web.get(url).text
    svg = re.search(r"<svg class=\"promise-chart\".*?</svg>", html, re.S).group(0)
    stems = {int(cid): (kind, int(late), float(x1), float(y1), float(x2), float(y2)) for kind, cid, late, x1, y1, x2, y2
             in re.findall(r'<line class="lateness ([\w-]+)" data-challenge="(\d+)" data-lateness="(-?\d+)" '
                           r'x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/>', svg)}
    assert sorted(stems) == [PAID, FAILED]  # the defaulted promise has no delivery, so no stem
    assert (stems[PAID][:2], stems[FAILED][:2]) == (("on-time", lateness[PAID]), ("late", lateness[FAILED]))
    for cid, (_, _, x1, y1, x2, y2) in stems.items():
        cx, cy = (float(v) for v in re.search(rf'data-challenge="{cid}" cx="([\d.]+)" cy="([\d.]+)"', svg).groups())
        assert (x1, x2, y2) == (cx, cx, cy)  # from the promised-by point of the diagonal up or down to the delivery
    assert (y1 > y2) == (lateness[FAILED] > 0) and stems[FAILED][3] > stems[FAILED][5]  # late: above the diagonal
    assert stems[PAID][3] < stems[PAID][5]  # early: below it
    assert f">{lateness_words(lateness[FAILED])}</text>" in svg
    table = html.split('<table class="promises">')[1].split("</table>")[0]
    rows = {int(m.group(1)): [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(0))]
            for m in re.finditer(r"<tr><th[^>]*><a [^>]*>Challenge (\d+)</a></th>.*?</tr>", table)}
    assert rows[PAID][:2] == [lateness_words(lateness[PAID]), "90%"]
    assert rows[FAILED][:2] == [lateness_words(lateness[FAILED]), "0%"]
    assert rows[DEFAULTED][:2] == ["—", "—"]
    assert f"({lateness_words(lateness[FAILED])}), scored 0%" in rows[FAILED][2]
    # The stranger's one delivery is early and not judged yet.
    stranger = page(web, f"/ui/people/{dashboard_scenario.stranger}")
    assert stranger.text("closeness").startswith("Delivered 1 of 1 promise on time; median ")
    assert "early" in stranger.text("worst-lateness")


def test_someone_who_never_promised_has_no_chart(web, dashboard_scenario):
    html = web.get(f"/ui/people/{dashboard_scenario.funder}").text
    assert "<svg" not in html and "No promises made yet." in html


# ------------------------------------------------------------------------------------------ rankings and audit


def test_rankings_order_contributors_and_evaluators(web, dashboard_scenario):
    html = page(web, "/ui/rankings") and web.get("/ui/rankings").text

    def table(ident):
        return re.findall(r'title="(0x[0-9a-fA-F]{40})"', html.split(f'id="{ident}"')[1].split("</table>")[0])

    reliability = table("by-reliability")
    assert reliability == [dashboard_scenario.contributor, dashboard_scenario.stranger]  # 1 of 3 kept, then none decided
    assert table("by-earnings-1") == [dashboard_scenario.contributor, dashboard_scenario.stranger]  # 0.89 ETH earned, then 0
    e = dashboard_scenario.evaluators
    order = table("evaluators")
    assert order[:3] == [e[1].address, e[0].address, e[2].address]  # signed 2, 1, 1 (ties by address)
    panels = dashboard_scenario.oracle.current().chronicle.panels.values()
    assert sorted(order) == sorted({m for p in panels for m in p.members})  # every member of every panel


def test_the_audit_page_puts_its_verdict_first(web):
    p = page(web, "/ui/audit")
    verdict = p.text("audit-verdict")
    assert verdict.startswith("✔ Clean:")
    assert "5 challenges" in verdict
    html = web.get("/ui/audit").text
    assert html.index('id="audit-verdict"') < html.index("<table")


def test_the_audit_page_reports_a_discrepancy(web, dashboard_scenario, monkeypatch):
    from ante.audit import Discrepancy

    report = dashboard_scenario.oracle.audit()
    monkeypatch.setattr(report, "discrepancies", [Discrepancy("credit", "ether someone", 1, 2, "A made-up difference.")])
    p = page(web, "/ui/audit")
    assert p.text("audit-verdict").startswith("✘ Not clean: 1 discrepancy")
    assert "A made-up difference." in web.get("/ui/audit").text


# ------------------------------------------------------------------------------------------ every page


@pytest.mark.parametrize("url", ["/", f"/ui/challenges/{PAID}", "/ui/people/{contributor}", "/ui/rankings", "/ui/audit"])
def test_every_page_is_self_contained_accessible_and_refreshes(web, dashboard_scenario, url):
    html = web.get(url.format(contributor=dashboard_scenario.contributor)).text
    p = Page(html)
    assert p.all("html")[0]["lang"] == "en"
    assert p.all("main") and p.all("nav") and p.all("header") and p.all("footer")
    assert "<script" not in html  # no JavaScript at all
    sources = [a.get("href") for a in p.all("link")] + [a.get("src") for a in p.all("img") + p.all("script")]
    assert all(s is None or s.startswith("/") for s in sources)  # nothing from another host
    refresh = p.all("meta", **{"http-equiv": "refresh"})
    assert refresh and int(refresh[0]["content"]) > 0
    assert len(p.all("h1")) == 1
    for table in re.findall(r"<table.*?</table>", html, re.S):
        assert "<caption" in table and 'scope="col"' in table


def test_the_stylesheet_is_served(web):
    response = web.get("/ui/static/dashboard.css")
    assert response.status_code == 200 and "@media (max-width" in response.text


def test_the_json_api_is_unchanged_beside_the_pages(web):
    assert web.get("/challenges/1").headers["content-type"].startswith("application/json")
    assert web.get("/challenges/1").json()["challenge"]["state"] == "settled"


def funder_rows(html: str) -> list[tuple[str, ...]]:
    """The challenge page's funders table: (address, put in, share, claimed) per row."""
    table = html.split('<table class="funders" id="funders">')[1].split("</table>")[0]
    rows = []
    for row in table.split("<tr>")[2:]:
        address = re.search(r'title="(0x[0-9a-fA-F]{40})"', row).group(1)
        cells = [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append((address, *cells))
    return rows


def test_a_challenge_lists_its_funders(web, dashboard_scenario):
    p = page(web, f"/ui/challenges/{PAID}")
    assert p.text("h-funders") == "Funders 1"
    assert funder_rows(web.get(f"/ui/challenges/{PAID}").text) == [(dashboard_scenario.funder, "1 ETH", "—", "—")]
    assert "pool" not in p.by_id  # not co-funded


# ------------------------------------------------------------------------------------------ live


def test_a_co_funded_challenge_lists_funders_shares_and_claims(oracle, ante, chain, funder, contributor, stranger,
                                                               relayer, evaluators, panel_2of3, accounts):
    from dataclasses import replace

    from ante.terms import ChallengeRecord

    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)
    cid, record, _ = b.create()
    for who, amount in ((stranger, ETHER // 2), (accounts[5], ETHER // 4)):
        ante.fund(cid, record.as_tuple(), amount, sender=who, value=amount)
        record = ChallengeRecord(replace(record.terms, reward=record.terms.reward + amount))
    with TestClient(create_app(oracle)) as client:
        oracle.run_once()
        html = client.get(f"/ui/challenges/{cid}").text
        assert funder_rows(html) == [(funder.address, "1 ETH", "when it closes", "—"),
                                     (stranger.address, "0.5 ETH", "when it closes", "—"),
                                     (accounts[5].address, "0.25 ETH", "when it closes", "—")]
        assert "Reward</dt><dd>1.75 ETH</dd>" in html
        board = client.get("/?state=open").text
        row = board.split(f'href="/ui/challenges/{cid}"')[1].split("</tr>")[0]
        assert "1.75 ETH" in row and "and 2 co-funders" in row
        ante.cancel(cid, record.as_tuple(), sender=funder)
        ante.claim(cid, record.as_tuple(), stranger.address, sender=relayer)
        oracle.run_once()
        html = client.get(f"/ui/challenges/{cid}").text
        assert funder_rows(html) == [(funder.address, "1 ETH", "1 ETH", "credited 1 ETH"),
                                     (stranger.address, "0.5 ETH", "0.5 ETH", "claimed 0.5 ETH"),
                                     (accounts[5].address, "0.25 ETH", "0.25 ETH", "unclaimed")]
        p = Page(html)
        assert p.text("pool") == "Shared among the funders: 1.75 ETH; not yet claimed: 0.25 ETH."
        assert "Funded with 0.5 ETH; the reward is now 1.5 ETH" in html
        assert "Share of 0.5 ETH claimed for the co-funder" in html
        co_funder = page(client, f"/ui/people/{accounts[5].address}")  # no records, but a co-funded challenge
        assert co_funder.text("h-funder") == "As a funder"
        shown = client.get(f"/ui/people/{accounts[5].address}").text
        assert "Never posted a challenge." in shown
        assert "<dt>Co-funded</dt><dd>1 challenge others posted (below)</dd>" in shown
        assert "<dt>Added</dt><dd>0.25 ETH (0 ETH claimed back so far)</dd>" in shown
        assert f"/ui/challenges/{cid}" in co_funder.links()


def test_a_challenge_with_its_own_unreviewed_share_shows_it_and_its_lapse(oracle, ante, chain, funder, contributor,
                                                                         relayer, evaluators, panel_2of3):
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)
    cid, record = b.submitted_challenge(unreviewed_bps=2_500)
    with TestClient(create_app(oracle)) as client:
        oracle.run_once()
        p = page(client, f"/ui/challenges/{cid}")
        assert p.text("unreviewed-share").endswith(": the stake back and 25% of the reward to the contributor "
                                                   "(0.35 ETH), 0.75 ETH to the funder")
        html = " ".join(client.get(f"/ui/challenges/{cid}").text.split())
        assert ("Unreviewed share set: 25% of the reward to the contributor, beside the stake, if nobody reviews the "
                "deliverable in time") in html
        assert re.findall(r'<span class="event">(\w+)</span>', html)[:2] == ["ChallengeCreated", "ChallengeOptionsSet"]
        b.at(b.deadline(cid) + 1)
        ante.lapse(cid, record.as_tuple(), sender=relayer)
        oracle.run_once()
        html = " ".join(client.get(f"/ui/challenges/{cid}").text.split())
        assert ("Unreviewed: 0.35 ETH to the contributor, 0.75 ETH to the funder. Paid by the terms: nobody judged "
                "the deliverable, so it has no score.") in html
        assert "Lapsed as unreviewed: 0.35 ETH to the contributor, 0.75 ETH to the funder" in html


def test_the_board_follows_the_chain(oracle, ante, chain, funder, contributor, relayer, evaluators, panel_2of3):
    with TestClient(create_app(oracle)) as client:
        before = re.findall(r'href="/ui/challenges/(\d+)"', client.get("/").text)
        b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)
        cid, _, _ = b.create()
        assert str(cid) not in before
        oracle.run_once()  # what the worker does at each poll
        after = re.findall(r'href="/ui/challenges/(\d+)"', client.get("/?state=open").text)
        assert str(cid) in after


def test_a_person_shows_stated_confidence_against_the_verdicts(web, dashboard_scenario):
    """Challenge 1 stated 80% and scored 90%, challenge 2 stated 60% and scored 0%; challenge 3 stated 70%
    but defaulted, so no verdict came. Brier = ((0.8 - 0.9)^2 + (0.6 - 0)^2) / 2 = 0.185; both stakes are
    10%, so the Kelly break-even is 1/11 for each: ((1/11 - 0.9)^2 + (1/11)^2) / 2 = 8021/24200 = 0.331."""
    url = f"/ui/people/{dashboard_scenario.contributor}"
    p = page(web, url)
    assert p.text("calibration") == "Brier 0.185 over 2 stated confidences (Kelly break-even: 0.331; 0 is perfect)"
    assert p.text("calibration-note").startswith("Brier 0.185 over 2 stated confidences (the Kelly break-even scores 0.331")
    html = web.get(url).text
    svg = re.search(r"<svg class=\"calibration-chart\".*?</svg>", html, re.S).group(0)
    points = re.findall(r'<circle class="point forecast" data-challenge="(\d+)" data-confidence="(\d+)" '
                        r'data-score="(\d+)" cx="([\d.]+)" cy="([\d.]+)"', svg)
    from ante.oracle.dashboard.svg import CAL_LEFT, CAL_PLOT, CAL_TOP

    assert [(int(c), int(p_), int(s)) for c, p_, s, _, _ in points] == [(PAID, 8_000, 9_000), (FAILED, 6_000, 0)]
    for _, stated, score, cx, cy in points:  # across is the stated chance, up the score
        assert float(cx) == round(CAL_LEFT + int(stated) / 10_000 * CAL_PLOT, 1)
        assert float(cy) == round(CAL_TOP + CAL_PLOT - int(score) / 10_000 * CAL_PLOT, 1)
    assert {f"/ui/challenges/{cid}" for cid in (PAID, FAILED)} == set(re.findall(r'<a href="([^"]+)"', svg))
    assert "<script" not in html
    table = html.split('<table class="forecasts">')[1].split("</table>")[0]
    assert re.findall(r'<td data-label="Stated" class="num">([^<]+)</td>', table) == ["80%", "60%"]
    stranger = page(web, f"/ui/people/{dashboard_scenario.stranger}")
    assert stranger.text("calibration").startswith("—: no stated confidence has a verdict yet")
    assert "calibration-chart" not in web.get(f"/ui/people/{dashboard_scenario.stranger}").text


def test_a_challenge_shows_its_stated_confidence(web, dashboard_scenario):
    assert page(web, f"/ui/challenges/{PAID}").text("stated-confidence") == "80% chance of success"
    assert page(web, f"/ui/challenges/{SUBMITTED}").text("stated-confidence") == "not stated"
    assert "stated chance of success 80%" in web.get(f"/ui/challenges/{PAID}").text


def test_the_calibration_chart_escapes_what_it_shows():
    from ante.oracle.dashboard.svg import calibration_chart
    from ante.records import Forecast

    svg = calibration_chart([Forecast(1, 5_000, 10_000, 1, 10)], "<script>alert(1)</script> & co")
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
