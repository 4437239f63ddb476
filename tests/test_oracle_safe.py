"""A Safe on a panel posts its verdicts to the oracle like any evaluator: the oracle asks the Safe
(ERC-1271) before it stores one, settles on a quorum with a key's, and asks again before it settles: when
the Safe's owners changed meanwhile, its old verdict no longer counts (nothing the contract would refuse
is sent, and the other evaluators' quorum goes through without it) until the Safe signs again.

The Safe is real (Safe's own v1.4.1 contracts on the test's anvil, see safe_support.py), and so are the
oracle's HTTP API (FastAPI's TestClient over the in-process service) and its chain worker (driven with
`run_once`).
"""

import json
import warnings

import pytest

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from lifecycle import Bounties
from oracle_support import document, oracle, oracle_client, store, store_path  # noqa: F401
from safe_support import owner_signatures, safe  # noqa: F401

from ante.oracle.app import create_app
from ante.verdict import SignedVerdict, Verdict

SETTLED = 4
SUBMITTED = 3
SCORE = 8_000


@pytest.fixture
def api(oracle):
    with TestClient(create_app(oracle)) as client:
        yield client


@pytest.fixture(scope="module")
def safe_panel(ante, deployer, evaluators, safe):
    account, _ = safe
    ante.createPanel([evaluators[0].address, evaluators[1].address, account.address], 2, sender=deployer)
    return ante.panelCount()


@pytest.fixture
def on_safe_panel(ante, chain, funder, contributor, relayer, evaluators, safe_panel):
    return Bounties(ante, chain, funder, contributor, relayer, evaluators, safe_panel)


def safe_document(b, chain, safe, challenge_id, record, score=SCORE, owners=None, signed_score=None) -> dict:
    """The Safe's verdict document: `owners` (default two of them) sign `signed_score` (default `score`)."""
    account, all_owners = safe
    verdict = Verdict(chain.chain_id, b.ante.address, challenge_id, record.deliverable, score)
    signed = Verdict(chain.chain_id, b.ante.address, challenge_id, record.deliverable,
                     score if signed_score is None else signed_score)
    signature = owner_signatures(chain, account.address, signed.digest(), owners or all_owners[:2])
    return SignedVerdict(verdict, account.address, signature).to_json()


def post(api, body):
    return api.post("/verdicts", content=json.dumps(body), headers={"Content-Type": "application/json"})


def test_a_safes_verdict_is_stored_and_settles_with_a_keys(api, oracle, on_safe_panel, chain, safe, ante):
    b = on_safe_panel
    cid, record = b.submitted_challenge()
    account, _ = safe
    response = post(api, safe_document(b, chain, safe, cid, record))
    assert response.status_code == 202, response.text
    assert response.json()["signer"] == account.address and not response.json()["quorum"]["reached"]
    response = post(api, document(b, cid, record, b.evaluators[0], SCORE))
    assert response.status_code == 202 and response.json()["quorum"]["reached"]
    oracle.run_once()
    assert ante.challengeStatus(cid)[0] == SETTLED
    [settled] = [log for log in ante.ChallengeSettled.range(0, chain.blocks.head.number + 1) if log.challengeId == cid]
    assert account.address in list(settled.signers)


def test_a_safes_signature_of_another_score_is_refused_with_422(api, oracle, on_safe_panel, chain, safe):
    b = on_safe_panel
    cid, record = b.submitted_challenge()
    account, _ = safe
    response = post(api, safe_document(b, chain, safe, cid, record, signed_score=SCORE - 1))
    assert response.status_code == 422
    text = response.json()["detail"]
    assert account.address in text and "ERC-1271" in text, text
    assert oracle.store.count() == 0


def test_a_verdict_the_safe_no_longer_backs_is_not_sent_and_its_new_one_settles(
    api, oracle, on_safe_panel, chain, safe, ante
):
    b = on_safe_panel
    cid, record = b.submitted_challenge()
    account, owners = safe
    assert post(api, safe_document(b, chain, safe, cid, record)).status_code == 202
    account.contract.changeThreshold(3, sender=account)
    try:
        head = chain.blocks.head.number
        assert post(api, document(b, cid, record, b.evaluators[0], SCORE)).json()["quorum"]["reached"]
        oracle.run_once()
        # Asked again, the Safe no longer backs its signature: one verdict is no quorum, and nothing was sent.
        assert ante.challengeStatus(cid)[0] == SUBMITTED
        assert chain.blocks.head.number == head
        assert api.get(f"/challenges/{cid}").json()["attempts"] == []
        # All three owners sign again: the new verdict replaces the old and the oracle settles.
        response = post(api, safe_document(b, chain, safe, cid, record, owners=owners))
        assert response.status_code == 202 and response.json()["status"] == "replaced"
        oracle.run_once()
        assert ante.challengeStatus(cid)[0] == SETTLED
    finally:
        account.contract.changeThreshold(2, sender=account)


def test_a_safe_that_no_longer_backs_its_verdict_does_not_hold_up_two_keys(
    api, oracle, on_safe_panel, chain, safe, ante
):
    """Two keys and the Safe agree; then the Safe's threshold rises. The oracle asks the Safe again before
    it settles and settles with the two keys alone, instead of sending a quorum the contract would refuse."""
    b = on_safe_panel
    cid, record = b.submitted_challenge()
    account, _ = safe
    assert post(api, safe_document(b, chain, safe, cid, record)).status_code == 202
    assert post(api, document(b, cid, record, b.evaluators[0], SCORE)).json()["quorum"]["reached"]
    account.contract.changeThreshold(3, sender=account)
    try:
        assert post(api, document(b, cid, record, b.evaluators[1], SCORE)).status_code == 202
        oracle.run_once()
        assert ante.challengeStatus(cid)[0] == SETTLED
        [settled] = [log for log in ante.ChallengeSettled.range(0, chain.blocks.head.number + 1)
                     if log.challengeId == cid]
        assert sorted(settled.signers) == sorted(e.address for e in b.evaluators[:2])
        view = api.get(f"/challenges/{cid}").json()
        assert [(a["action"], a["outcome"]) for a in view["attempts"]] == [("settle", "settled_by_us")]
    finally:
        account.contract.changeThreshold(2, sender=account)
