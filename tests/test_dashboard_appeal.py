"""The dashboard and the appeal round, in-process (FastAPI's TestClient) over the test chain: a challenge posted
with a review fee, an appeal window, an appeal panel and a bond shows them; once its panel's verdict is recorded
(Ruled) and appealed (Appealed) its page shows each state with its deadline, the recorded verdict, the appeal and
the appeal panel's verdicts; once the appeal is decided, the ruling, whether the appellant won and where the
bond went; and who was paid the review fee. The board files the challenge under ruled, then appealed.

Every amount is computed from the terms and the options (appeal_support.py)."""

import re
import warnings

import pytest

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from appeal_support import BOND_BPS, WINDOW, appeal, appeal_options, appeal_panel, ceil_bps  # noqa: F401
from lifecycle import ETHER, Bounties
from oracle_support import document, oracle, oracle_client, run_until_idle, store, store_path  # noqa: F401
from test_dashboard import Page, board_ids, page
from test_oracle_appeal import appeal_document

from ante.oracle.app import create_app
from ante.state import State
from ante.units import format_duration

FEE = ETHER // 100  # 0.01 ETH: 0.005 ETH to each of two signers
FIRST, HIGHER = 6_000, 8_000


@pytest.fixture
def bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3):
    return Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)


@pytest.fixture
def web(oracle):
    with TestClient(create_app(oracle)) as client:
        yield client


def flat(web, url) -> str:
    return " ".join(web.get(url).text.split())


def test_a_challenge_with_an_appeal_round_shows_it_through_to_the_ruling(web, oracle, bounties, evaluators,
                                                                          appeal_panel, contributor):
    options = appeal_options(appeal_panel, fee=FEE)
    cid, record = bounties.submitted_challenge(options=options)
    run_until_idle(oracle)
    url = f"/ui/challenges/{cid}"
    p = page(web, url)
    assert p.text("review-fee").startswith("0.01 ETH, shared by the evaluators who sign the panel's verdict")
    assert p.text("appeal-window").startswith(f"{format_duration(WINDOW)} after the panel's verdict")
    assert p.text("appeal-panel").startswith(f"panel {appeal_panel}: any 2 of 3 evaluators")
    bond = ceil_bps(ETHER, BOND_BPS)
    assert p.text("appeal-bond").startswith(f"{bond / ETHER:g} ETH ({BOND_BPS // 100}% of the reward)")
    assert p.text("fee-paid") == "Review fee: 0.01 ETH held for the signers of the panel's verdict."

    # The panel's quorum, relayed by the oracle, records the verdict: Ruled, open to appeal until appeal-by.
    for evaluator in evaluators[:2]:
        oracle.accept_verdict(document(bounties, cid, record, evaluator, FIRST))
    run_until_idle(oracle)
    assert bounties.state(cid) == State.RULED
    html = flat(web, url)
    assert f'<h1>Challenge {cid} <span class="state state-ruled">ruled</span></h1>' in html
    assert "Appeal by " in html and "nothing is paid until the appeal window closes" in html
    p = Page(web.get(url).text)
    assert p.text("first-verdict").startswith("60% on ")
    for evaluator in evaluators[:2]:
        assert evaluator.address in web.get(url).text
    assert p.text("appellant").startswith("none yet; open until")
    signers = sorted((e.address for e in evaluators[:2]), key=lambda a: int(a, 16))
    fee_line = web.get(url).text.split('id="fee-paid">')[1].split("</p>")[0]
    assert re.findall(r'title="(0x[0-9a-fA-F]{40})"', fee_line) == signers
    assert Page(web.get(url).text).text("fee-paid").startswith("Review fee: 0.005 ETH to each of")
    assert "Verdict recorded at 60% with 2 signatures" in html
    assert "Review fee paid: 0.005 ETH to each of the 2 signers" in html
    assert board_ids(page(web, "/?state=ruled"), "ruled") == [cid]
    assert "ruled 60%, open to appeal" in flat(web, "/?state=ruled")

    # The contributor appeals: Appealed, the bond held, the appeal panel decides by rule-by.
    appeal(bounties, cid, record, options, bounties.contributor)
    run_until_idle(oracle)
    html = flat(web, url)
    assert f'<span class="state state-appealed">appealed</span></h1>' in html and "Rule by " in html
    p = Page(web.get(url).text)
    assert "the contributor" in p.text("appellant")
    assert contributor.address in web.get(url).text.split('id="appellant">')[1].split("</dd>")[0]
    assert p.text("bond") == f"{bond / ETHER:g} ETH, held until the appeal is decided"
    assert p.text("appeal-ruling").startswith("not yet; due by")
    assert "Appealed by the contributor with a bond of 0.2 ETH" in html
    assert board_ids(page(web, "/?state=appealed"), "appealed") == [cid]
    assert board_ids(page(web, "/?state=ruled"), "ruled") == []

    # The appeal panel's quorum, relayed by the oracle, overturns the verdict upwards: the appellant won.
    oracle.accept_verdict(appeal_document(bounties, cid, record, evaluators[3], HIGHER))
    assert "1 of 2 needed agree on 80%" in flat(web, url)
    oracle.accept_verdict(appeal_document(bounties, cid, record, evaluators[4], HIGHER))
    run_until_idle(oracle)
    assert bounties.state(cid) == State.SETTLED
    p = Page(web.get(url).text)
    assert p.text("appeal-ruling").startswith("80%, signed by")
    assert p.text("appeal-outcome") == "won"
    assert p.text("bond").startswith(f"{bond / ETHER:g} ETH, to") and p.text("bond").endswith("the contributor")
    assert contributor.address in web.get(url).text.split('id="bond">')[1].split("</dd>")[0]
    html = flat(web, url)
    assert "Appeal decided at 80% with 2 signatures: the appellant won; the bond of 0.2 ETH to the contributor" in html
    assert "Settled at <strong>80%</strong> on appeal on " in html


def test_a_ruling_past_its_appeal_window_says_it_can_be_finalized(web, oracle, bounties, evaluators, appeal_panel,
                                                                  chain):
    cid, record = bounties.submitted_challenge(options=appeal_options(appeal_panel))
    for evaluator in evaluators[:2]:
        oracle.accept_verdict(document(bounties, cid, record, evaluator, FIRST))
    oracle.keeper = False
    run_until_idle(oracle)
    chain.mine(timestamp=bounties.deadline(cid) + 120)
    run_until_idle(oracle)
    html = flat(web, f"/ui/challenges/{cid}")
    assert "anyone can finalize it" in html
    assert "can finalize" in flat(web, "/?state=ruled")
    assert 'id="review-fee"' not in html and 'id="fee-paid"' not in html  # no review fee
    oracle.keeper = True
    run_until_idle(oracle)
    assert bounties.state(cid) == State.SETTLED
    p = Page(web.get(f"/ui/challenges/{cid}").text)
    assert p.text("appellant") == "none: the window closed unused"
    html = flat(web, f"/ui/challenges/{cid}")
    assert "Settled at 60% by finalize, on the recorded verdict" in html
    assert "Settled at <strong>60%</strong>, the recorded verdict, on " in html
