"""The dashboard's feedback: a challenge page lists each signer's current feedback (signer, role, stance,
comment, time), escaped; a person's page counts the endorsements and objections their work received by
distinct signers. Pages are plain HTML (no script needed)."""

from __future__ import annotations

import re
import time
import warnings
from html.parser import HTMLParser

import pytest
from eth_account import Account
from eth_utils import keccak

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from oracle_support import oracle, oracle_client, store, store_path  # noqa: F401

from ante.feedback import ZERO_ADDRESS, ZERO_HASH, EasDomain, Feedback, sign_feedback
from ante.oracle.app import create_app
from ante.units import format_address, format_time

EAS = "0x4200000000000000000000000000000000000021"
HOSTILE = 'https://example.org/x"><script>alert(1)</script>'
REVIEWERS = [Account.from_key(bytes.fromhex(f"{i:064x}")) for i in range(970, 976)]


class Rows(HTMLParser):
    """The text of each cell of each row of the table with `table_id`, and every tag seen."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.tags = table_id, False, [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th") and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data.strip()


def rows(html: str, table_id: str) -> list[list[str]]:
    parser = Rows(table_id)
    parser.feed(html)
    return [r for r in parser.rows[1:] if r]  # without the header


@pytest.fixture
def scene(oracle, bounties, evaluators):
    """A submitted challenge with feedback from its funder, a panel member and three others (one of whom
    changed their mind), and an open one with one objection."""
    domain = EasDomain(oracle.chain_id, EAS, "1.4.0")
    oracle.eas = domain
    cid, record = bounties.submitted_challenge()
    opened, _, _ = bounties.create()
    oracle.run_once()
    ante, now, contributor = bounties.ante.address, int(time.time()), bounties.contributor.address

    def give(key, challenge_id, deliverable, stance, at, comment="https://example.org/review"):
        data = Feedback(ante, challenge_id, bytes(deliverable), stance, comment, keccak(text=comment))
        signed = sign_feedback(key, data, domain, contributor if deliverable != ZERO_HASH else ZERO_ADDRESS, at)
        status, _ = oracle.accept_feedback(signed.to_json())
        assert status == 201
        return signed

    give(bounties.funder.private_key, cid, record.deliverable, 1, now - 50)
    give(evaluators[0].key, cid, record.deliverable, -1, now - 40, comment="ipfs://objection")
    give(REVIEWERS[0].key, cid, record.deliverable, 1, now - 30, comment=HOSTILE)
    give(REVIEWERS[1].key, cid, record.deliverable, 1, now - 20)
    give(REVIEWERS[1].key, cid, record.deliverable, -1, now - 10)  # changed their mind: only this one counts
    give(REVIEWERS[2].key, cid, record.deliverable, 0, now - 5)
    give(REVIEWERS[0].key, opened, ZERO_HASH, -1, now)  # not about the contributor's work
    with TestClient(create_app(oracle)) as client:
        yield client, cid, opened, contributor, now


def test_a_challenge_page_lists_its_feedback_with_roles_and_escaped_comments(scene, bounties, evaluators):
    web, cid, _, _, now = scene
    response = web.get(f"/ui/challenges/{cid}")
    assert response.status_code == 200
    html = response.text
    table = [row[:5] for row in rows(html, "feedback")]
    assert table == [
        [format_address(REVIEWERS[2].address), "community", "neutral", "https://example.org/review", format_time(now - 5)],
        [format_address(REVIEWERS[1].address), "community", "object", "https://example.org/review", format_time(now - 10)],
        [format_address(REVIEWERS[0].address), "community", "endorse", HOSTILE, format_time(now - 30)],
        [format_address(evaluators[0].address), "panel", "object", "ipfs://objection", format_time(now - 40)],
        [format_address(bounties.funder.address), "funder", "endorse", "https://example.org/review",
         format_time(now - 50)],
    ]
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html  # escaped, never run
    assert 'href="ipfs://objection"' not in html  # only http(s) comments are links
    assert f'href="/ui/people/{REVIEWERS[2].address}"' in html
    assert re.search(r'<h2 id="h-feedback">Feedback <span class="count">5</span>', html)


def test_a_challenge_without_feedback_says_so(oracle, bounties):
    cid, _, _ = bounties.create()
    oracle.run_once()
    with TestClient(create_app(oracle)) as web:
        html = web.get(f"/ui/challenges/{cid}").text
    assert "No feedback yet." in html and 'id="feedback"' not in html


def test_a_person_page_counts_the_feedback_received_by_distinct_signers(scene, bounties):
    web, cid, opened, contributor, _ = scene
    response = web.get(f"/ui/people/{contributor}")
    assert response.status_code == 200
    html = response.text
    counts = re.search(r'<p class="note" id="feedback-counts">(.*?)</p>', html, re.S).group(1)
    # Endorsed by the funder and one reviewer; objected to by the evaluator and the reviewer who changed their
    # mind; one neutral. The objection on the open challenge is not about this contributor's work.
    assert counts.startswith("Endorsed by 2 signers, objected to by 2, neutral from 1"), counts
    table = rows(html, "feedback-received")
    assert len(table) == 5 and all(row[0] == f"Challenge {cid}" for row in table)
    assert {row[2] for row in table} == {"funder", "panel", "community"}
    assert "<script>alert(1)</script>" not in html
    # A funder has no record as a contributor, so no such section.
    stranger = web.get(f"/ui/people/{bounties.funder.address}").text
    assert 'id="feedback-received"' not in stranger


def test_the_rankings_show_each_contributors_feedback_by_distinct_signers(scene, bounties):
    web, _, _, contributor, _ = scene
    html = web.get("/ui/rankings").text
    table = rows(html, "by-reliability")
    mine = [row for row in table if row[1] == format_address(contributor)]
    assert len(mine) == 1 and mine[0][-1] == "2 endorse, 2 object, 1 neutral", table


def test_an_evaluators_reasons_stand_beside_their_verdict(scene, evaluators):
    web, cid, _, _, _ = scene
    html = web.get(f"/ui/challenges/{cid}").text
    verdicts = re.search(r'<table class="verdicts">(.*?)</table>', html, re.S).group(1)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", verdicts, re.S) if evaluators[0].address in r)
    assert "object" in row and "ipfs://objection" in row
    others = [r for r in re.findall(r"<tr>(.*?)</tr>", verdicts, re.S) if "<th scope=\"row\"" in r and
              evaluators[0].address not in r]
    assert others and all('data-label="Reasons">—' in r for r in others)


def test_each_feedback_signer_is_shown_with_their_record(scene, bounties, evaluators):
    web, cid, _, _, _ = scene
    table = rows(web.get(f"/ui/challenges/{cid}").text, "feedback")
    record = {row[0]: row[5] for row in table}
    assert record[format_address(REVIEWERS[2].address)] == "no record yet"
    assert record[format_address(bounties.funder.address)].startswith("funded ")
    assert record[format_address(evaluators[0].address)] == "signed 0 verdicts"  # a panel member, nothing settled yet
