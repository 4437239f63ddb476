"""The oracle and the appeal round, against the test chain: a challenge with an appeal window is ruled on its
panel's quorum (the review fee paid to the signers, nothing else yet); the appeal panel's verdicts (typed
data AppealVerdict, told apart by their primary type and an optional ``kind``) are taken only while the
challenge is appealed, before its rule-by, from the appeal panel's members, and kept apart from the first
round's; a quorum of them settles the appeal. The keeper finalizes a Ruled challenge past its appeal window
and an Appealed one past its rule-by, once, as it lapses.

Every expected amount is computed from the terms and the options (appeal_support.py), never read back.
"""

import pytest

from appeal_support import BOND_BPS, appeal, appeal_options, appeal_panel, ceil_bps, pot_split  # noqa: F401
from oracle_support import (  # noqa: F401
    document, oracle, oracle_client, run_until_idle, running_oracle, store, store_path, wait_until)

from ante.oracle.service import Rejected
from ante.oracle.store import FINALIZED_BY_US, FINALIZED_ELSEWHERE, SETTLED_BY_US, STORED
from ante.state import State
from ante.terms import ZERO_ADDRESS
from ante.verdict import AppealVerdict, SignedVerdict

FEE = 10**15 + 1  # odd: two signers leave a remainder of 1 wei to the creator
FIRST, HIGHER = 6_000, 8_000


@pytest.fixture
def options(appeal_panel):
    return appeal_options(appeal_panel, fee=FEE)


def attempts(oracle, challenge_id):
    return [(a.action, a.outcome) for a in oracle.store.attempts(oracle.chain_id, oracle.contract, challenge_id)]


def counter(oracle, name):
    value = oracle.metrics.registry.get_sample_value(name)
    return 0 if value is None else value


def appeal_document(bounties, challenge_id, record, evaluator, score, kind="appeal") -> dict:
    """An appeal panel's member's signed AppealVerdict, as `ante verdict sign` writes it (with `kind` if given)."""
    verdict = AppealVerdict(bounties.chain.chain_id, bounties.ante.address, challenge_id, record.deliverable, score)
    written = SignedVerdict(verdict, evaluator.address, verdict.sign(evaluator.key)).to_json()
    return written if kind is None else {**written, "kind": kind}


def ruled(oracle, bounties, evaluators, options, score=FIRST):
    """A challenge with `options`, submitted, and ruled through the oracle on its panel's quorum at `score`."""
    cid, record = bounties.submitted_challenge(options=options)
    for evaluator in evaluators[:2]:
        oracle.accept_verdict(document(bounties, cid, record, evaluator, score))
    run_until_idle(oracle)
    return cid, record


def appealed(oracle, bounties, evaluators, options, appellant):
    """A ruled challenge (see `ruled`) appealed by `appellant`; the oracle has seen the appeal."""
    cid, record = ruled(oracle, bounties, evaluators, options)
    appeal(bounties, cid, record, options, appellant)
    run_until_idle(oracle)
    return cid, record


# ------------------------------------------------------------------------------------------ the first round


def test_a_quorum_on_a_challenge_with_an_appeal_window_rules_it_and_pays_the_fee(oracle, bounties, evaluators,
                                                                                   options, ante, funder, contributor):
    signers = sorted(e.address for e in evaluators[:2])
    before = {a: ante.credit(ZERO_ADDRESS, a) for a in (*signers, funder.address, contributor.address)}
    cid, record = ruled(oracle, bounties, evaluators, options)
    assert bounties.state(cid) == State.RULED
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US)]
    c = oracle.snapshot.chronicle.challenges[cid]
    assert (c.first_score, c.first_signers) == (FIRST, tuple(signers))
    for signer in signers:
        assert ante.credit(ZERO_ADDRESS, signer) - before[signer] == FEE // 2
    assert ante.credit(ZERO_ADDRESS, funder.address) - before[funder.address] == FEE % 2
    assert ante.credit(ZERO_ADDRESS, contributor.address) == before[contributor.address]  # nothing paid yet
    run_until_idle(oracle)
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US)]  # the first round is not sent again


# ------------------------------------------------------------------------------------------ appeal verdicts in


def test_an_appeal_panels_quorum_settles_the_appeal_and_the_bond_goes_back(oracle, bounties, evaluators, options,
                                                                           ante, contributor):
    cid, record = appealed(oracle, bounties, evaluators, options, bounties.contributor)
    terms = oracle.snapshot.chronicle.challenges[cid].terms
    before = ante.credit(ZERO_ADDRESS, contributor.address)
    first = oracle.accept_verdict(appeal_document(bounties, cid, record, evaluators[3], HIGHER))
    assert (first["status"], first["kind"], first["settlement"]) == (STORED, "appeal", None)
    assert first["quorum"] == {"threshold": 2, "score": HIGHER, "agreeing": 1, "missing": 1, "reached": False}
    second = oracle.accept_verdict(appeal_document(bounties, cid, record, evaluators[4], HIGHER, kind=None))
    assert (second["kind"], second["settlement"]) == ("appeal", "queued")
    run_until_idle(oracle)
    assert bounties.state(cid) == State.SETTLED
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US), ("settle", SETTLED_BY_US)]
    c = oracle.snapshot.chronicle.challenges[cid]
    appeal_signers = tuple(sorted((e.address for e in evaluators[3:5]), key=lambda a: int(a, 16)))
    assert (c.appeal_score, c.appeal_signers, c.appellant_won, c.bond_to) == \
           (HIGHER, appeal_signers, True, contributor.address)
    to_contributor, _ = pot_split(terms.reward, terms.stake_bps, HIGHER)
    bond = ceil_bps(terms.reward, BOND_BPS)
    assert ante.credit(ZERO_ADDRESS, contributor.address) - before == to_contributor + bond
    view = oracle.challenge(cid)
    assert [v["signer"] for v in view["appeal_verdicts"]] == list(appeal_signers)
    assert view["appeal_quorum"]["reached"] and view["appeal_quorum"]["score"] == HIGHER
    assert [v["score"] for v in view["verdicts"]] == [FIRST, FIRST]


def test_appeal_verdicts_are_kept_apart_from_the_first_rounds(oracle, bounties, evaluators, options):
    cid, record = appealed(oracle, bounties, evaluators, options, bounties.funder)
    both = evaluators[2]  # on the panel and on the appeal panel
    assert oracle.accept_verdict(appeal_document(bounties, cid, record, both, 3_000))["status"] == STORED
    [kept] = oracle.store.verdicts(oracle.chain_id, oracle.contract, cid, appeal=True)
    assert (kept.signer, kept.score, type(kept.signed.verdict)) == (both.address, 3_000, AppealVerdict)
    assert [v.score for v in oracle.store.verdicts(oracle.chain_id, oracle.contract, cid)] == [FIRST, FIRST]
    assert oracle.store.counts(oracle.chain_id, oracle.contract, appeal=True) == {cid: 1}


def test_an_appeal_verdict_is_refused_outside_the_appeal(oracle, bounties, evaluators, options, chain):
    cid, record = ruled(oracle, bounties, evaluators, options)

    def refused(body):
        with pytest.raises(Rejected) as caught:
            oracle.accept_verdict(body)
        return caught.value.reason, caught.value.status

    assert refused(appeal_document(bounties, cid, record, evaluators[3], HIGHER)) == ("not_appealed", 409)
    appeal(bounties, cid, record, options, bounties.contributor)
    assert refused(document(bounties, cid, record, evaluators[0], HIGHER)) == ("not_submitted", 409)
    assert refused(appeal_document(bounties, cid, record, evaluators[0], HIGHER)) == ("not_member", 422)
    assert refused(appeal_document(bounties, cid, record, evaluators[3], HIGHER, kind="verdict"))[0] == "invalid"
    assert refused({**appeal_document(bounties, cid, record, evaluators[3], HIGHER), "kind": "other"}) == \
           ("malformed", 422)
    assert refused(document(bounties, cid, record, evaluators[3], HIGHER) | {"kind": "appeal"})[0] == "invalid"
    assert refused({**appeal_document(bounties, cid, record, evaluators[3], HIGHER), "kind": ["appeal"]}) == \
           ("malformed", 422)
    run_until_idle(oracle)
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    oracle.keeper = False
    run_until_idle(oracle)
    assert refused(appeal_document(bounties, cid, record, evaluators[3], HIGHER)) == ("appeal_closed", 409)
    assert oracle.store.count() == 2  # only the first round's quorum


def test_a_first_round_quorum_of_the_appeal_panel_does_not_count(oracle, bounties, evaluators, options):
    cid, record = appealed(oracle, bounties, evaluators, options, bounties.contributor)
    oracle.accept_verdict(appeal_document(bounties, cid, record, evaluators[3], HIGHER))
    oracle.accept_verdict(appeal_document(bounties, cid, record, evaluators[4], HIGHER - 1))  # disagrees
    run_until_idle(oracle)
    assert bounties.state(cid) == State.APPEALED
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US)]


def test_the_worker_settles_an_appeal_as_soon_as_its_quorum_agrees(running_oracle, bounties, evaluators, options):
    """Worker: the appeal-quorum-completing verdict queues the settlement; no tick is needed."""
    from test_oracle_service import stop_polling

    stop_polling(running_oracle)
    cid, record = bounties.submitted_challenge(options=options)
    bounties.settle(cid, record, FIRST)  # the first round, from another relayer
    appeal(bounties, cid, record, options, bounties.contributor)
    for evaluator in evaluators[3:5]:
        running_oracle.accept_verdict(appeal_document(bounties, cid, record, evaluator, HIGHER))
    wait_until(lambda: bounties.state(cid) == State.SETTLED, timeout=10)
    wait_until(lambda: attempts(running_oracle, cid) == [("settle", SETTLED_BY_US)])


# ------------------------------------------------------------------------------------------ the keeper finalizes


def test_the_keeper_finalizes_a_ruling_past_its_appeal_window(oracle, bounties, evaluators, options, chain, ante,
                                                               contributor):
    cid, record = ruled(oracle, bounties, evaluators, options)
    terms = oracle.snapshot.chronicle.challenges[cid].terms
    before = ante.credit(ZERO_ADDRESS, contributor.address)
    chain.mine(timestamp=bounties.deadline(cid))  # at the deadline itself: not yet
    run_until_idle(oracle)
    assert bounties.state(cid) == State.RULED
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    run_until_idle(oracle)
    assert bounties.state(cid) == State.SETTLED
    assert attempts(oracle, cid) == [("settle", SETTLED_BY_US), ("finalize", FINALIZED_BY_US)]
    to_contributor, _ = pot_split(terms.reward, terms.stake_bps, FIRST)
    assert ante.credit(ZERO_ADDRESS, contributor.address) - before == to_contributor
    assert counter(oracle, "finalizations_total") == 1
    run_until_idle(oracle)
    assert counter(oracle, "finalizations_total") == 1


def test_the_keeper_finalizes_an_appeal_the_appeal_panel_left_undecided(oracle, bounties, evaluators, options, chain,
                                                                          ante, funder):
    cid, record = appealed(oracle, bounties, evaluators, options, bounties.funder)
    terms = oracle.snapshot.chronicle.challenges[cid].terms
    before = ante.credit(ZERO_ADDRESS, funder.address)
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    run_until_idle(oracle)
    assert bounties.state(cid) == State.SETTLED
    assert attempts(oracle, cid)[-1] == ("finalize", FINALIZED_BY_US)
    c = oracle.snapshot.chronicle.challenges[cid]
    assert (c.appeal_score, c.appellant_won, c.bond_to) == (None, False, funder.address)
    _, to_funder = pot_split(terms.reward, terms.stake_bps, FIRST)
    assert ante.credit(ZERO_ADDRESS, funder.address) - before == to_funder + ceil_bps(terms.reward, BOND_BPS)


def test_a_finalization_done_elsewhere_is_reconciled(oracle, bounties, evaluators, options, chain, stranger):
    cid, record = ruled(oracle, bounties, evaluators, options)
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    oracle.keeper = False
    oracle.run_once()  # the snapshot shows it Ruled and past its appeal window
    bounties.ante.finalize(cid, record.as_tuple(), sender=stranger)
    oracle.worker.lapse_due()
    assert attempts(oracle, cid)[-1] == ("finalize", FINALIZED_ELSEWHERE)
    assert counter(oracle, "finalizations_total") == 0
    oracle.worker.lapse_due()
    assert len(attempts(oracle, cid)) == 2  # reconciled once, not tried again


def test_a_finalization_in_flight_is_not_sent_twice(oracle, bounties, evaluators, options, chain):
    cid, record = ruled(oracle, bounties, evaluators, options)
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    oracle.keeper = False
    run_until_idle(oracle)
    chain.provider.make_request("evm_setAutomine", [False])
    try:
        oracle.worker.lapse_due()
        assert oracle.relayer.busy("finalize", cid)
        oracle.worker.lapse_due()
        assert len(oracle.store.outgoing(oracle.chain_id, oracle.contract, challenge_id=cid)) == 2  # settle, finalize
    finally:
        chain.provider.make_request("evm_setAutomine", [True])
    chain.mine()
    oracle.worker.follow()
    assert bounties.state(cid) == State.SETTLED
    assert attempts(oracle, cid)[-1] == ("finalize", FINALIZED_BY_US)
