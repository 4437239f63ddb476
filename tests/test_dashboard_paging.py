"""The board in pages, and long URIs shown short.

The board lists PAGE_SIZE challenges a page (``?page=N``, from 1), in its order: by state as a challenge
moves through them, then by id. Its links to the first, previous, next and last pages keep the filters; a
page past the end or a page number that is not one is the problem page, never a 500; the tally counts every
challenge, whatever the page. The pages are built over a synthetic chain (dashboard_support.SyntheticChain:
one funder and one contributor per challenge), and the long URIs also on the test chain's contract.

A URI longer than present.URI_MAX is shown as its start and end around an ellipsis, while the link's href and
title keep the whole: a challenge posted with a 10,000-character URI does not fill the pages with it.
"""

import re
import warnings
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dashboard_support import person, synthetic_oracle
from lifecycle import DAY, Bounties
from oracle_support import oracle, oracle_client, store, store_path  # noqa: F401

from ante.oracle.app import create_app
from ante.oracle.dashboard.present import GROUPS, MOST_OPTIONS, PAGE_SIZE, URI_MAX, short_uri

# The test chain's session fixtures (its deployment and panel), made before this module's first test: made in a
# later one, they would be undone with that test's chain snapshot, and the next modules would miss them.
pytestmark = pytest.mark.usefixtures("chain", "ante", "panel_2of3", "funder", "contributor", "relayer", "evaluators")

# 120 challenges: every other one settled (60), the rest in turn open, accepted, submitted, expired, cancelled.
OTHERS = ("open", "accepted", "submitted", "expired", "cancelled")
STATES = ["settled" if i % 2 else OTHERS[(i // 2) % len(OTHERS)] for i in range(120)]
GROUP_OF = {"open": "open", "accepted": "accepted", "submitted": "submitted", "settled": "settled",
            "expired": "lapsed", "cancelled": "cancelled"}


def board_order(states: list[str], only: str | None = None) -> list[int]:
    """The ids in the board's order: by state group, then by id."""
    groups = list(GROUPS)
    ids = [i for i, s in enumerate(states, start=1) if only is None or GROUP_OF[s] == only]
    return sorted(ids, key=lambda i: (groups.index(GROUP_OF[states[i - 1]]), i))


class Page(HTMLParser):
    """A parsed page: its text (what a reader sees), its links (href, text, attributes) and elements by id."""

    def __init__(self, html: str):
        super().__init__()
        self.html = html
        self.words: list[str] = []
        self.anchors: list[dict] = []
        self.titles: list[str] = []
        self._anchor = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "title" in attrs:
            self.titles.append(attrs["title"])
        if tag == "a":
            self._anchor = {**attrs, "text": ""}
            self.anchors.append(self._anchor)

    def handle_endtag(self, tag):
        if tag == "a":
            self._anchor = None

    def handle_data(self, data):
        self.words.append(data)
        if self._anchor is not None:
            self._anchor["text"] += data

    @property
    def text(self) -> str:
        return " ".join("".join(self.words).split())

    def link(self, text: str) -> str | None:
        """The href of the link that says `text` (None if there is none)."""
        found = [a["href"] for a in self.anchors if a["text"].strip() == text]
        assert len(found) <= 2 and len(set(found)) <= 1, found  # the page links above and below the list
        return found[0] if found else None

    def listed(self) -> list[int]:
        """The challenges the board lists, in order."""
        return [int(a["href"].rsplit("/", 1)[1]) for a in self.anchors
                if a.get("href", "").startswith("/ui/challenges/") and a["text"].startswith("Challenge ")]


def get(web, url, status=200) -> Page:
    response = web.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def query(href: str) -> list[tuple[str, str]]:
    parts = urlsplit(href)
    assert parts.path == "/" and not parts.netloc, href
    return parse_qsl(parts.query)


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    service = synthetic_oracle(tmp_path_factory.mktemp("paging"), STATES)
    yield TestClient(create_app(service))  # no lifespan: no worker, the snapshot stays as built
    service.store.close()


# ------------------------------------------------------------------------------------------ paging


def test_each_page_lists_the_next_challenges_in_the_boards_order(web):
    order = board_order(STATES)
    first, second, third = (get(web, f"/?page={n}") for n in (1, 2, 3))
    assert first.listed() == order[:PAGE_SIZE] == get(web, "/").listed()  # no ?page= is page 1
    assert second.listed() == order[PAGE_SIZE:2 * PAGE_SIZE]
    assert third.listed() == order[2 * PAGE_SIZE:] and len(third.listed()) == 120 - 2 * PAGE_SIZE  # partial
    assert "120 challenges. Challenges 1–50 of 120, 50 a page." in first.text
    assert "Challenges 51–100 of 120" in second.text and "Challenges 101–120 of 120" in third.text
    assert "page 2 of 3" in second.text


def test_the_page_links_lead_to_the_first_previous_next_and_last_pages(web):
    first = get(web, "/")
    assert (first.link("First page"), first.link("Previous page")) == (None, None)  # shown, not links
    assert "First page" in first.text and "Previous page" in first.text
    assert (first.link("Next page"), first.link("Last page")) == ("/?page=2", "/?page=3")
    second = get(web, first.link("Next page"))
    assert [second.link(n) for n in ("First page", "Previous page", "Next page", "Last page")] == [
        "/?page=1", "/?page=1", "/?page=3", "/?page=3"]
    assert second.html.count('rel="prev"') == 2 and second.html.count('rel="next"') == 2  # above and below
    last = get(web, second.link("Last page"))
    assert (last.link("Next page"), last.link("Last page")) == (None, None)
    assert last.link("Previous page") == "/?page=2"


def test_the_page_links_keep_the_filters(web):
    settled = board_order(STATES, only="settled")
    assert len(settled) == 60
    p = get(web, "/?state=settled&panel=1")
    assert p.listed() == settled[:PAGE_SIZE]
    assert "60 challenges match the filters. Challenges 1–50 of 60" in p.text
    assert query(p.link("Next page")) == [("state", "settled"), ("panel", "1"), ("page", "2")]
    assert query(p.link("Last page")) == [("state", "settled"), ("panel", "1"), ("page", "2")]
    following = get(web, p.link("Next page"))
    assert following.listed() == settled[PAGE_SIZE:]
    assert query(following.link("Previous page")) == [("state", "settled"), ("panel", "1"), ("page", "1")]
    assert "Clear the filters" in following.text and 'value="settled" selected' in following.html
    only = get(web, f"/?funder={person(0xF, 2).lower()}&page=1")  # one page: no links to others
    assert only.listed() == [2] and only.link("Next page") is None and "page 1 of" not in only.text


def test_a_page_link_names_every_filter_set_and_the_page():
    from ante.oracle.dashboard.present import page_href

    chosen = {"state": "open", "funder": person(0xF, 1), "contributor": person(0xC, 1), "panel": "2"}
    assert query(page_href(chosen, 7)) == [*chosen.items(), ("page", "7")]
    assert page_href({"state": "", "funder": "", "contributor": "", "panel": ""}, 2) == "/?page=2"
    assert page_href({"state": "a&b=c"}, 1) == "/?state=a%26b%3Dc&page=1"  # escaped, not a second parameter


def test_the_tally_and_each_states_count_are_totals_not_the_page(web):
    totals = {name: sum(GROUP_OF[s] == name for s in STATES) for name in GROUPS}
    assert totals == {"open": 12, "accepted": 12, "submitted": 12, "ruled": 0, "appealed": 0, "settled": 60,
                      "lapsed": 12, "cancelled": 12}
    for url in ("/", "/?page=2", "/?page=3", "/?state=settled&page=2"):
        html = web.get(url).text
        tally = {state: int(n) for n, state in re.findall(r'<span class="n">(\d+)</span> (\w+)', html)}
        assert tally == totals, url
    first = web.get("/").text
    headings = dict(re.findall(r'<h2 id="h-(\w+)">\w+ <span class="count">(\d+)</span>', first))
    # Every state has a heading on page 1, but for the rare ones while they are empty.
    assert headings == {name: str(n) for name, n in totals.items() if n}
    page = Page(first)
    # Page 1 shows open, accepted and submitted whole, then the first 14 of the 60 settled.
    assert "1–14 of 60 on this page; they run over pages 1 to 2." in page.text
    assert "All 12 on pages 2 to 3." in page.text and "All 12 on page 3." in page.text  # lapsed, cancelled
    assert page.link("3") == "/?page=3"


@pytest.mark.parametrize("url, status, message", [
    ("/?page=0", 422, "“0” is not a page number: pages are whole numbers from 1."),
    ("/?page=-1", 422, "“-1” is not a page number"),
    ("/?page=two", 422, "“two” is not a page number"),
    ("/?page=1.5", 422, "“1.5” is not a page number"),
    ("/?page=%D9%A3", 422, "is not a page number"),  # an Arabic-Indic three: a digit to Python, not here
    ("/?page=4", 404, "There is no page 4 of the challenges: there are 120 of them, 50 a page, so the pages run "
                      "from 1 to 3."),
    ("/?state=settled&panel=1&page=3", 404, "There is no page 3 of the challenges that match the filters: there "
                                            "are 60 of them, 50 a page, so the pages run from 1 to 2."),
    (f"/?funder={person(0xF, 999)}&page=2", 404, "there are 0 of them, 50 a page, so page 1 is the only page."),
    ("/?page=" + "9" * 5_000, 404, "There is no page 999999999999999999999999…"),
])
def test_a_page_that_is_not_there_is_the_problem_page(web, url, status, message):
    p = get(web, url, status=status)
    assert message in p.text
    assert p.listed() == [] and "<h1>No such page</h1>" in p.html
    assert p.link("Back to the board") == "/"
    if status == 404:  # and it offers the last page that is there, under the same filters
        last = dict(query(p.link("Go to the last page")))
        assert get(web, p.link("Go to the last page")).link("Next page") is None
        assert {k: v for k, v in last.items() if k != "page"} == {k: v for k, v in query(url) if k != "page"}


def test_a_bad_filter_is_said_before_a_bad_page(web):
    response = web.get("/?state=finished&page=9")
    assert response.status_code == 422 and "There is no state “finished”" in response.text


def test_an_empty_listing_is_one_page(web):
    p = get(web, f"/?funder={person(0xF, 999)}")
    assert "0 challenges match the filters." in p.text and p.link("Next page") is None and p.listed() == []
    assert get(web, f"/?funder={person(0xF, 999)}&page=1").text == p.text


# ------------------------------------------------------------------------------------------ a page stays small


def frame_bytes(web) -> int:
    """The board without a row: what every page has whatever it lists."""
    return len(web.get(f"/?funder={person(0xF, 999)}").content)


#: What a page may take for each row it lists: a row is about 1.1 KB (links, amounts, times, the spec).
ROW_BUDGET = 1_600


def test_the_first_page_stays_small_however_many_challenges_there_are(web, tmp_path):
    first = web.get("/").content
    frame = frame_bytes(web)
    assert frame < 12_000  # the form asks for a funder or contributor by address once they are many
    assert len(first) < frame + PAGE_SIZE * ROW_BUDGET, (len(first), frame)
    # 100 more challenges, all settled: page 1 lists the same 50 and only its totals change.
    more = synthetic_oracle(tmp_path, STATES + ["settled"] * 100)
    try:
        bigger = TestClient(create_app(more))
        grown = bigger.get("/").content
        assert Page(grown.decode()).listed() == Page(first.decode()).listed()
        assert "220 challenges. Challenges 1–50 of 220" in Page(grown.decode()).text
        assert abs(len(grown) - len(first)) <= 16, (len(first), len(grown))  # a few more digits at most
        assert frame_bytes(bigger) - frame <= 16
        every = [i for n in range(1, 6) for i in get(bigger, f"/?page={n}").listed()]
        assert every == board_order(STATES + ["settled"] * 100)  # the rest is there, on pages 2 to 5
    finally:
        more.store.close()


def test_the_form_lists_people_while_they_are_few_and_asks_for_an_address_after(web, tmp_path):
    assert 120 > MOST_OPTIONS
    html = web.get("/").text
    assert '<input id="f-funder" name="funder" type="text"' in html and '<select id="f-funder"' not in html
    assert '<select id="f-panel" name="panel">' in html  # one panel
    chosen = person(0xC, 3)
    assert f'<input id="f-contributor" name="contributor" type="text" value="{chosen}"' in \
        web.get(f"/?contributor={chosen.lower()}").text
    few = synthetic_oracle(tmp_path, ["open"] * MOST_OPTIONS)
    try:
        html = TestClient(create_app(few)).get("/").text
        assert '<select id="f-funder" name="funder">' in html
        assert html.count('<option value="0x') == MOST_OPTIONS  # the funders; nobody has accepted
    finally:
        few.store.close()


# ------------------------------------------------------------------------------------------ long URIs


def test_a_uri_is_shown_whole_up_to_its_limit_else_its_start_and_end():
    assert short_uri("https://example.org/specs/1") == "https://example.org/specs/1"
    assert short_uri(None) == short_uri("") == ""
    exact = "https://example.org/" + "a" * (URI_MAX - 20)
    assert len(exact) == URI_MAX and short_uri(exact) == exact
    long = "https://example.org/specs/" + "x" * 10_000 + "/final-spec.md"
    shown = short_uri(long)
    assert shown == long[:40] + "…" + long[-12:] and len(shown) <= URI_MAX
    assert shown.startswith("https://example.org/") and shown.endswith("final-spec.md"[-12:])
    host = "https://" + "h" * 45 + ".example/" + "p" * 100  # a long host: kept as far as the limit allows
    assert short_uri(host).startswith("https://" + "h" * 43) and len(short_uri(host)) == URI_MAX
    assert short_uri("ipfs://" + "Q" * 200) == "ipfs://" + "Q" * 44 + "…" + "Q" * 12  # its "host" is all of it


LONG = "https://example.org/specs/" + "s" * 10_000 + "/spec.md"


def long_uris(i: int) -> str:
    return LONG if i == 3 else f"https://example.org/specs/{i}"


def assert_shown_short(p: Page, uri: str):
    """`uri` is in the page only as a link's href and title; its text is at most the short form."""
    assert uri not in p.text and uri[:URI_MAX + 1] not in p.text
    assert short_uri(uri) in p.text
    links = [a for a in p.anchors if a.get("href") == uri]
    assert links, f"no link to the whole {len(uri)}-character URI"
    for a in links:
        assert a["text"] == short_uri(uri) and a["title"] == uri


def assert_listed_short(p: Page, uri: str, challenge_id: int):
    """In a list of challenges, a long `uri` is not in the page at all: its short form links to the challenge."""
    assert uri[:URI_MAX + 1] not in p.html
    [a] = [a for a in p.anchors if a["text"] == short_uri(uri)]
    assert a["href"] == f"/ui/challenges/{challenge_id}"


def test_a_10000_character_uri_is_shown_short_on_the_board_and_the_challenge(tmp_path):
    service = synthetic_oracle(tmp_path, ["submitted"] * 4, uris=long_uris)
    try:
        web = TestClient(create_app(service))
        board = get(web, "/")
        assert_listed_short(board, LONG, 3)
        # The board with the long URI weighs about what it would with a short one: a few hundred bytes more at most.
        (tmp_path / "short").mkdir()
        plain = synthetic_oracle(tmp_path / "short", ["submitted"] * 4, uris=lambda i: f"https://example.org/specs/{i}")
        try:
            assert 0 < len(board.html) - len(get(TestClient(create_app(plain)), "/").html) < 300
        finally:
            plain.store.close()
        assert [a["text"] for a in board.anchors if a.get("href") == "https://example.org/specs/2"] == [
            "https://example.org/specs/2"]  # a short one is still linked whole
        challenge = get(web, "/ui/challenges/3")
        for uri in (LONG, LONG + "/promise", LONG + "/deliverable"):
            assert_shown_short(challenge, uri)
        # The timeline's lines name the spec and the deliverable by their short form too.
        assert f"({short_uri(LONG)})" in challenge.text and f"Delivered {short_uri(LONG + '/deliverable')}" in \
            challenge.text
        # A short URI is shown whole, as before.
        other = get(web, "/ui/challenges/2")
        assert [a["text"] for a in other.anchors if a.get("href") == "https://example.org/specs/2"] == [
            "https://example.org/specs/2"]
    finally:
        service.store.close()


def test_long_uris_on_the_chain_are_shown_short_and_linked_whole(oracle, ante, chain, funder, contributor, relayer,
                                                                 evaluators, panel_2of3):
    from eth_utils import keccak

    spec = "https://example.org/specs/" + "a" * 10_000 + "/spec.md"
    promise = "https://example.org/promises/" + "b" * 10_000 + "/promise.md"
    deliverable = "https://example.org/deliveries/" + "c" * 10_000 + "/release.tar.gz"
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)
    cid, record, _ = b.create(uri=spec)
    ante.accept(cid, record.as_tuple(), keccak(text="promise"), b.now + DAY, promise, 0, sender=contributor,
                value=record.terms.stake)
    record = record.accepted_by(contributor.address)
    ante.submit(cid, record.as_tuple(), keccak(text="work"), deliverable, sender=contributor)
    oracle.run_once()
    web = TestClient(create_app(oracle))
    board = get(web, "/?state=submitted")
    if board.link("Last page"):  # it is the newest submitted one: last in its state
        board = get(web, board.link("Last page"))
    assert cid in board.listed()
    assert_listed_short(board, spec, cid)
    page = get(web, f"/ui/challenges/{cid}")
    for uri in (spec, promise, deliverable):
        assert_shown_short(page, uri)
    assert f"Delivered {short_uri(deliverable)}" in page.text
