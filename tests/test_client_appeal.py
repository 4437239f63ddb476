"""The client's appeal round: `appeal` (the bond, approved first in a token), `finalize`, and `settle` of an
appealed challenge with the appeal panel's AppealVerdicts; what the contract would refuse is refused first,
in its words, with nothing sent."""

import pytest

from ante.errors import AnteError, BadInput, ContractRefused
from ante.state import State
from ante.terms import stake_for
from ante.verdict import AppealVerdict, SignedVerdict, Verdict
from lifecycle import DAY, ETHER
from oracle_support import oracle_client  # noqa: F401

BOND_BPS = 2_500


@pytest.fixture
def appeal_panel(ante, evaluators, deployer) -> int:
    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    return int(ante.panelCount())


def ruled(bounties, appeal_panel, terms=None, score=5_000):
    cid, record = bounties.submitted_challenge(terms, options=(10_000, DAY, appeal_panel, BOND_BPS, 0))
    bounties.settle(cid, record, score)
    return cid, record


def signed(verdict, evaluators):
    return [SignedVerdict(verdict, e.address, verdict.sign(e.key)) for e in evaluators]


def test_appeal_refusals_come_before_anything_is_sent(oracle_client, bounties, ante, chain, appeal_panel, stranger,
                                                      contributor):
    plain, _ = bounties.submitted_challenge()
    cid, _ = ruled(bounties, appeal_panel)
    head = chain.blocks.head.number
    with pytest.raises(AnteError, match=f"challenge {plain} is submitted; only a verdict recorded with an appeal "
                                        "window can be appealed."):
        oracle_client.appeal(oracle_client.challenge(plain), contributor)
    with pytest.raises(ContractRefused) as refused:
        oracle_client.appeal(oracle_client.challenge(cid), stranger)
    assert (refused.value.name, refused.value.inputs) == ("AnteNotParty", {"challengeId": cid,
                                                                           "caller": stranger.address})
    c = oracle_client.challenge(cid)
    with pytest.raises(ContractRefused) as refused:
        oracle_client.check_appeal(c, contributor.address, c.deadline + 1)
    assert refused.value.name == "AnteDeadlinePassed"
    oracle_client.check_appeal(c, contributor.address, c.deadline)  # the deadline itself is still in time
    assert chain.blocks.head.number == head


def test_an_appeal_in_a_token_approves_the_bond_and_is_decided_by_the_appeal_panel(
        oracle_client, bounties, ante, chain, appeal_panel, token, contributor, funder, evaluators, relayer):
    reward = 4 * ETHER
    cid, record = ruled(bounties, appeal_panel, bounties.terms(token=token.address, reward=reward), score=3_000)
    token.approve(ante, 0, sender=contributor)
    before = token.balanceOf(contributor)
    oracle_client.appeal(oracle_client.challenge(cid), contributor)
    bond = stake_for(reward, BOND_BPS)
    assert before - token.balanceOf(contributor) == bond == reward // 4
    c = oracle_client.challenge(cid)
    assert (c.state, c.appellant, c.bond) == (State.APPEALED, contributor.address, bond)

    # A first-round verdict, even from the appeal panel, is refused before anything is sent.
    judges = sorted(evaluators[3:5], key=lambda a: int(a.address, 16))
    head = chain.blocks.head.number
    with pytest.raises(BadInput, match="is a first-round Verdict, but challenge .* is appealed"):
        first_round = Verdict(chain.chain_id, ante.address, cid, record.deliverable, 6_000)
        oracle_client.settle(c, signed(first_round, judges), relayer)
    with pytest.raises(BadInput, match="is not an evaluator on appeal panel"):
        oracle_client.settle(c, signed(oracle_client.verdict(c, 6_000), evaluators[:2]), relayer)
    assert chain.blocks.head.number == head

    assert type(oracle_client.verdict(c, 6_000)) is AppealVerdict
    oracle_client.settle(c, signed(oracle_client.verdict(c, 6_000), judges), relayer)
    c = oracle_client.challenge(cid)
    assert (c.state, c.score, c.appellant_won, c.bond_to) == (State.SETTLED, 6_000, True, contributor.address)
    assert oracle_client.credit(token.address, contributor.address) == c.to_contributor + bond


def test_finalize_waits_for_the_window_then_pays_the_recorded_verdict(oracle_client, bounties, ante, chain,
                                                                      appeal_panel, relayer):
    cid, record = ruled(bounties, appeal_panel, score=7_000)
    c = oracle_client.challenge(cid)
    head = chain.blocks.head.number
    with pytest.raises(ContractRefused) as refused:
        oracle_client.finalize(c, relayer)
    assert refused.value.name == "AnteDeadlineNotPassed"
    assert chain.blocks.head.number == head
    with pytest.raises(AnteError, match="verdicts are for submitted or appealed work"):
        oracle_client.verdict(c, 7_000)
    chain.mine(timestamp=c.deadline + 1)  # the client judges by the head's time
    oracle_client.finalize(c, relayer)
    c = oracle_client.challenge(cid)
    pot = record.terms.reward + record.terms.stake
    assert (c.state, c.score, c.to_contributor) == (State.SETTLED, 7_000, pot * 7_000 // 10_000)
    with pytest.raises(AnteError, match="only a recorded verdict .* can be finalized"):
        oracle_client.finalize(c, relayer)
