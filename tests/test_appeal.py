"""The appeal round: a challenge created with an appeal window is not paid on its panel's verdict but Ruled; the
creator or the contributor may appeal until the window closes, escrowing a bond; the appeal panel's quorum, over
its own typed verdict (AppealVerdict), decides by the rule-by deadline and pays on its score, the bond going back
to an appellant who won and to the other party otherwise; `finalize` pays the first score once the window passed
unused, or once the appeal panel stayed silent past rule-by (the bond then back to the appellant).

Every expected amount is computed from the terms and the options; the books (what Ante holds against the escrow
of running challenges plus every credit) are checked after each step."""

import ape
import pytest

from ante.state import State
from appeal_support import (  # noqa: F401
    BOND_BPS,
    WINDOW,
    appeal,
    appeal_digest,
    appeal_options,
    appeal_panel,
    appeal_signatures,
    assert_books,
    bond_of,
    ceil_bps,
    pot_split,
    ruled_challenge,
    settle_appeal,
)
from funding_support import claim_share, creator_share, fund
from lifecycle import ETHER
from safe_support import owner_signatures, safe  # noqa: F401

ZERO = "0x" + "00" * 20
STAKE = ETHER // 10
BOND = ceil_bps(ETHER, BOND_BPS)
FIRST = 6_000


@pytest.fixture
def options(appeal_panel):
    return appeal_options(appeal_panel)


@pytest.fixture
def everyone(funder, contributor, stranger, relayer, backer, evaluators):
    """Every account a test here may credit."""
    return [funder, contributor, stranger, relayer, backer] + [e.address for e in evaluators]


def timestamp_of(chain, receipt) -> int:
    return chain.blocks[receipt.block_number].timestamp


def appeal_panel_keys(evaluators):
    """Two of the appeal panel's members (see `appeal_panel`): a quorum of it."""
    return evaluators[3:5]


# --- Ruled: the first verdict is recorded, nothing is paid. ---


def test_a_verdict_with_a_window_is_ruled_and_pays_nothing(bounties, ante, chain, options, everyone, evaluators):
    challenge_id, record, receipt = ruled_challenge(bounties, options, FIRST)
    appeal_by = timestamp_of(chain, receipt) + WINDOW
    [ruled] = receipt.events.filter(ante.ChallengeRuled)
    signers = sorted([e.address for e in evaluators[:2]], key=lambda a: int(a, 16))
    assert (ruled.challengeId, ruled.score, ruled.appealBy, list(ruled.signers)) == (
        challenge_id, FIRST, appeal_by, signers)
    assert not receipt.events.filter(ante.ChallengeSettled)
    assert not receipt.events.filter(ante.ReviewFeePaid)
    assert ante.challengeStatus(challenge_id)[:2] == (State.RULED, appeal_by)
    assert all(ante.credit(ZERO, getattr(a, "address", a)) == 0 for a in everyone)
    assert_books(ante, ETHER + STAKE, everyone)


def test_a_ruled_challenge_takes_no_second_verdict(bounties, ante, options):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.RULED):
        bounties.settle(challenge_id, record, 9_000)
    assert ante.challengeStatus(challenge_id)[0] == State.RULED


def test_finalize_before_the_window_closes_is_refused(bounties, ante, options, stranger):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal_by = bounties.deadline(challenge_id)
    for at in (appeal_by - WINDOW + 10, appeal_by):
        bounties.at(at)
        with ape.reverts(ante.AnteDeadlineNotPassed, challengeId=challenge_id, deadline=appeal_by, timestamp=at):
            ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    assert bounties.state(challenge_id) == State.RULED


@pytest.mark.parametrize("score", [10_000, 4_321, 0])
def test_finalize_after_an_unused_window_pays_the_first_score(bounties, ante, options, funder, contributor, stranger,
                                                             everyone, score):
    challenge_id, record, _ = ruled_challenge(bounties, options, score)
    bounties.at(bounties.deadline(challenge_id) + 1)
    receipt = ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    to_contributor, to_funder = pot_split(ETHER, 1_000, score)
    [settled] = receipt.events.filter(ante.ChallengeSettled)
    assert (settled.challengeId, settled.score, settled.toContributor, settled.toFunder, list(settled.signers)) == (
        challenge_id, score, to_contributor, to_funder, [])
    assert not receipt.events.filter(ante.AppealDecided)
    assert bounties.state(challenge_id) == State.SETTLED
    assert ante.credit(ZERO, contributor) == to_contributor
    assert ante.credit(ZERO, funder) == to_funder
    assert ante.credit(ZERO, stranger) == 0
    assert_books(ante, 0, everyone)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        appeal(bounties, challenge_id, record, options, contributor)


def test_finalize_is_refused_before_a_verdict_and_without_an_appeal_round(bounties, ante, options, stranger):
    challenge_id, record = bounties.submitted_challenge(options=options)
    bounties.at(bounties.deadline(challenge_id) + 1)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SUBMITTED):
        ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    plain_id, plain = bounties.submitted_challenge()
    bounties.settle(plain_id, plain, FIRST)
    with ape.reverts(ante.AnteWrongState, challengeId=plain_id, state=State.SETTLED):
        ante.finalize(plain_id, plain.as_tuple(), sender=stranger)


# --- Appeal. ---


@pytest.mark.parametrize("who", ["creator", "contributor"])
def test_a_party_appeals_and_escrows_the_bond(bounties, ante, chain, options, funder, contributor, everyone, who):
    appellant = funder if who == "creator" else contributor
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    before = appellant.balance
    receipt = appeal(bounties, challenge_id, record, options, appellant)
    rule_by = timestamp_of(chain, receipt) + record.terms.review_within
    [event] = receipt.events.filter(ante.ChallengeAppealed)
    assert (event.challengeId, event.appellant, event.bond, event.ruleBy) == (
        challenge_id, appellant.address, BOND, rule_by)
    assert BOND == bond_of(record, options) == ETHER // 5
    assert ante.challengeStatus(challenge_id)[:2] == (State.APPEALED, rule_by)
    assert appellant.balance == before - BOND - receipt.total_fees_paid
    assert_books(ante, ETHER + STAKE + BOND, everyone)


@pytest.mark.parametrize("who", ["stranger", "relayer", "panel creator"])
def test_someone_else_may_not_appeal(bounties, ante, options, stranger, relayer, deployer, who):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    caller = {"stranger": stranger, "relayer": relayer, "panel creator": deployer}[who]
    with ape.reverts(ante.AnteNotParty, challengeId=challenge_id, caller=caller.address):
        appeal(bounties, challenge_id, record, options, caller)
    assert bounties.state(challenge_id) == State.RULED


def test_an_appeal_at_appeal_by_is_in_time_and_after_it_is_refused(bounties, ante, options, contributor, funder):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal_by = bounties.deadline(challenge_id)
    bounties.at(appeal_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=appeal_by, timestamp=appeal_by + 1):
        appeal(bounties, challenge_id, record, options, contributor)
    assert ante.challengeStatus(challenge_id)[:2] == (State.RULED, appeal_by)

    other_id, other, _ = ruled_challenge(bounties, options, FIRST)
    other_by = bounties.deadline(other_id)
    bounties.at(other_by)
    appeal(bounties, other_id, other, options, funder)
    assert bounties.state(other_id) == State.APPEALED


@pytest.mark.parametrize("second", ["same", "other"])
def test_a_second_appeal_is_refused(bounties, ante, options, funder, contributor, everyone, second):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, contributor)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.APPEALED):
        appeal(bounties, challenge_id, record, options, contributor if second == "same" else funder)
    assert_books(ante, ETHER + STAKE + BOND, everyone)


@pytest.mark.parametrize("sent", [BOND - 1, BOND + 1, 0])
def test_a_wrong_ether_bond_is_refused(bounties, ante, options, contributor, everyone, sent):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    deadline = bounties.deadline(challenge_id)
    with ape.reverts(ante.AnteWrongBond, expected=BOND, sent=sent):
        appeal(bounties, challenge_id, record, options, contributor, value=sent)
    assert ante.challengeStatus(challenge_id)[:2] == (State.RULED, deadline)
    assert_books(ante, ETHER + STAKE, everyone)


def test_an_appeal_before_a_verdict_is_refused(bounties, ante, options, contributor):
    challenge_id, record = bounties.submitted_challenge(options=options)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SUBMITTED):
        appeal(bounties, challenge_id, record, options, contributor)


def test_a_challenge_without_a_window_cannot_be_appealed(bounties, ante, contributor):
    challenge_id, record = bounties.submitted_challenge(options=(10_000, 0, 0, 0, 0))
    receipt = bounties.settle(challenge_id, record, FIRST)
    assert receipt.events.filter(ante.ChallengeSettled) and not receipt.events.filter(ante.ChallengeRuled)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        ante.appeal(challenge_id, record.as_tuple(), sender=contributor, value=0)


# --- The appeal panel decides. ---

#: (appellant, appeal score, whether the appellant wins) against a first score of FIRST.
DECISIONS = [
    ("creator", 3_000, True), ("creator", 8_000, False), ("creator", FIRST, False),
    ("contributor", 8_000, True), ("contributor", 3_000, False), ("contributor", FIRST, False),
]


@pytest.mark.parametrize("asset", ["ether", "token"])
@pytest.mark.parametrize("who, score, won", DECISIONS)
def test_the_appeal_panel_decides(bounties, ante, token, options, funder, contributor, evaluators, everyone, asset,
                                  who, score, won):
    tok = token if asset == "token" else None
    start = 0 if tok is None else tok.balanceOf(ante)
    terms = bounties.terms(token=ZERO if tok is None else tok.address, reward=3 * ETHER + 7, stake_bps=1_500)
    reward, stake = terms.reward, ceil_bps(terms.reward, 1_500)
    bond = ceil_bps(reward, BOND_BPS)

    def books(escrow):
        assert_books(ante, escrow, everyone, tok, start)

    challenge_id, record, _ = bounties.create(terms, options=options)
    books(reward)
    record, _ = bounties.accept(challenge_id, record)
    books(reward + stake)
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, FIRST)
    books(reward + stake)
    appellant = funder if who == "creator" else contributor
    appeal(bounties, challenge_id, record, options, appellant)
    books(reward + stake + bond)

    keys = appeal_panel_keys(evaluators)
    receipt = settle_appeal(bounties, challenge_id, record, score, keys)
    signers = sorted([k.address for k in keys], key=lambda a: int(a, 16))
    other = contributor if who == "creator" else funder
    bond_to = appellant if won else other
    [decided] = receipt.events.filter(ante.AppealDecided)
    assert (decided.challengeId, decided.score, decided.appellantWon, decided.bondTo, decided.bond,
            list(decided.signers)) == (challenge_id, score, won, bond_to.address, bond, signers)
    to_contributor, to_funder = pot_split(reward, 1_500, score)
    [settled] = receipt.events.filter(ante.ChallengeSettled)
    assert (settled.score, settled.toContributor, settled.toFunder, list(settled.signers)) == (
        score, to_contributor, to_funder, signers)
    names = [log.event_name for log in receipt.events]
    assert names.index("AppealDecided") < names.index("ChallengeSettled")
    assert bounties.state(challenge_id) == State.SETTLED
    address = terms.token
    assert ante.credit(address, contributor) == to_contributor + (bond if bond_to == contributor else 0)
    assert ante.credit(address, funder) == to_funder + (bond if bond_to == funder else 0)
    assert all(ante.credit(address, e.address) == 0 for e in evaluators)
    books(0)
    for account in (funder, contributor):
        ante.withdraw(address, sender=account)
    books(0)
    assert (ante.balance if tok is None else tok.balanceOf(ante)) == start


def test_round_one_signatures_do_not_decide_an_appeal(bounties, ante, options, contributor, evaluators):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, contributor)
    # The appeal panel's own members sign the first round's type (Verdict) for the new score.
    addresses, sigs = bounties.signatures(challenge_id, record, 8_000, appeal_panel_keys(evaluators))
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=addresses[0]):
        ante.settle(challenge_id, record.as_tuple(), 8_000, addresses, sigs, sender=bounties.relayer)
    # The very signatures that ruled, replayed: their signers are not on the appeal panel.
    addresses, sigs = bounties.signatures(challenge_id, record, FIRST)
    with ape.reverts(ante.AnteNotPanelMember, index=0, signer=addresses[0]):
        ante.settle(challenge_id, record.as_tuple(), FIRST, addresses, sigs, sender=bounties.relayer)
    assert bounties.state(challenge_id) == State.APPEALED


def test_appeal_verdicts_do_not_settle_a_first_round(bounties, ante, options, evaluators):
    challenge_id, record = bounties.submitted_challenge(options=options)
    addresses, sigs = appeal_signatures(bounties, challenge_id, record, FIRST, evaluators[:2])
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=addresses[0]):
        ante.settle(challenge_id, record.as_tuple(), FIRST, addresses, sigs, sender=bounties.relayer)
    assert bounties.state(challenge_id) == State.SUBMITTED


def test_first_panel_members_off_the_appeal_panel_may_not_decide(bounties, ante, options, funder, evaluators):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, funder)
    # Evaluators 0 and 1 are on the first panel only; evaluator 2 is on both, 3 on the appeal panel only.
    for keys in (evaluators[:2], [evaluators[0], evaluators[3]], [evaluators[1], evaluators[2]]):
        addresses, sigs = appeal_signatures(bounties, challenge_id, record, 2_000, keys)
        outsider = next(i for i, a in enumerate(addresses) if a in (evaluators[0].address, evaluators[1].address))
        with ape.reverts(ante.AnteNotPanelMember, index=outsider, signer=addresses[outsider]):
            ante.settle(challenge_id, record.as_tuple(), 2_000, addresses, sigs, sender=bounties.relayer)
    # A member of both panels counts on the appeal panel with an appeal verdict.
    settle_appeal(bounties, challenge_id, record, 2_000, [evaluators[2], evaluators[3]])
    assert bounties.state(challenge_id) == State.SETTLED


def test_one_appeal_signer_is_below_the_appeal_quorum(bounties, ante, options, funder, evaluators):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, funder)
    addresses, sigs = appeal_signatures(bounties, challenge_id, record, 2_000, evaluators[3:4])
    with ape.reverts(ante.AnteQuorumNotMet, count=1, threshold=2):
        ante.settle(challenge_id, record.as_tuple(), 2_000, addresses, sigs, sender=bounties.relayer)


def test_an_appeal_verdict_for_another_challenge_is_refused(bounties, ante, options, funder, evaluators):
    first_id, first, _ = ruled_challenge(bounties, options, FIRST)
    second_id, second, _ = ruled_challenge(bounties, options, FIRST)
    for challenge_id, record in ((first_id, first), (second_id, second)):
        appeal(bounties, challenge_id, record, options, funder)
    addresses, sigs = appeal_signatures(bounties, first_id, first, 2_000, appeal_panel_keys(evaluators))
    with ape.reverts(ante.AnteInvalidSignature, index=0, signer=addresses[0]):
        ante.settle(second_id, second.as_tuple(), 2_000, addresses, sigs, sender=bounties.relayer)


def test_an_appeal_verdict_after_rule_by_is_refused(bounties, ante, options, contributor, evaluators):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, contributor)
    rule_by = bounties.deadline(challenge_id)
    bounties.at(rule_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=rule_by, timestamp=rule_by + 1):
        settle_appeal(bounties, challenge_id, record, 9_000, appeal_panel_keys(evaluators))
    assert bounties.state(challenge_id) == State.APPEALED


def test_an_appeal_verdict_at_rule_by_is_in_time(bounties, ante, options, contributor, evaluators):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, contributor)
    bounties.at(bounties.deadline(challenge_id))
    settle_appeal(bounties, challenge_id, record, 9_000, appeal_panel_keys(evaluators))
    assert bounties.state(challenge_id) == State.SETTLED


def test_an_appeal_score_above_10000_is_refused(bounties, ante, options, contributor, evaluators):
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, contributor)
    with ape.reverts(ante.AnteScoreInvalid, score=10_001):
        ante.settle(challenge_id, record.as_tuple(), 10_001, [], [], sender=bounties.relayer)


# --- The appeal panel stays silent. ---


@pytest.mark.parametrize("who", ["creator", "contributor"])
def test_a_silent_appeal_panel_leaves_the_first_score(bounties, ante, options, funder, contributor, stranger,
                                                     evaluators, everyone, who):
    appellant = funder if who == "creator" else contributor
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, appellant)
    rule_by = bounties.deadline(challenge_id)
    bounties.at(rule_by)
    with ape.reverts(ante.AnteDeadlineNotPassed, challengeId=challenge_id, deadline=rule_by, timestamp=rule_by):
        ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    bounties.at(rule_by + 1)
    receipt = ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    [decided] = receipt.events.filter(ante.AppealDecided)
    assert (decided.challengeId, decided.score, decided.appellantWon, decided.bondTo, decided.bond,
            list(decided.signers)) == (challenge_id, FIRST, False, appellant.address, BOND, [])
    to_contributor, to_funder = pot_split(ETHER, 1_000, FIRST)
    [settled] = receipt.events.filter(ante.ChallengeSettled)
    assert (settled.score, settled.toContributor, settled.toFunder, list(settled.signers)) == (
        FIRST, to_contributor, to_funder, [])
    assert ante.credit(ZERO, contributor) == to_contributor + (BOND if appellant == contributor else 0)
    assert ante.credit(ZERO, funder) == to_funder + (BOND if appellant == funder else 0)
    assert_books(ante, 0, everyone)
    # Too late for the appeal panel now.
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SETTLED):
        settle_appeal(bounties, challenge_id, record, 9_000, appeal_panel_keys(evaluators))


# --- Nothing else moves a Ruled or Appealed challenge. ---


@pytest.mark.parametrize("stage", ["ruled", "appealed"])
def test_lapse_claim_cancel_and_abandon_are_refused(bounties, ante, options, funder, contributor, backer, stranger,
                                                   everyone, stage):
    challenge_id, record, _ = bounties.create(options=options)
    record, _ = fund(ante, challenge_id, record, ETHER // 2, backer)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, FIRST)
    reward = record.terms.reward
    escrow = reward + ceil_bps(reward, 1_000)
    state = State.RULED
    if stage == "appealed":
        appeal(bounties, challenge_id, record, options, contributor)
        escrow += ceil_bps(reward, BOND_BPS)
        state = State.APPEALED
    bounties.at(bounties.deadline(challenge_id) + 1)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=state):
        ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=state):
        ante.claim(challenge_id, record.as_tuple(), backer.address, sender=backer)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=state):
        ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=state):
        ante.abandon(challenge_id, record.as_tuple(), sender=contributor)
    assert bounties.state(challenge_id) == state
    assert_books(ante, escrow, everyone)


def test_a_co_funded_challenge_through_an_appeal(bounties, ante, options, funder, contributor, backer, evaluators,
                                                 everyone):
    own, contributed = ETHER, ETHER // 2 + 3
    challenge_id, record, _ = bounties.create(bounties.terms(reward=own), options=options)
    record, _ = fund(ante, challenge_id, record, contributed, backer)
    reward = own + contributed
    stake, bond = ceil_bps(reward, 1_000), ceil_bps(reward, BOND_BPS)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, FIRST)
    assert_books(ante, reward + stake, everyone)
    appeal(bounties, challenge_id, record, options, contributor)
    assert_books(ante, reward + stake + bond, everyone)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.APPEALED):
        ante.claim(challenge_id, record.as_tuple(), backer.address, sender=backer)

    receipt = settle_appeal(bounties, challenge_id, record, 8_000, appeal_panel_keys(evaluators))
    to_contributor, to_funder = pot_split(reward, 1_000, 8_000)
    [decided] = receipt.events.filter(ante.AppealDecided)
    assert (decided.appellantWon, decided.bondTo, decided.bond) == (True, contributor.address, bond)
    [shares] = receipt.events.filter(ante.FundersShared)
    to_creator = creator_share(to_funder, own, reward)
    assert (shares.shared, shares.toCreator) == (to_funder, to_creator)
    assert ante.credit(ZERO, contributor) == to_contributor + bond
    assert ante.credit(ZERO, funder) == to_creator
    # The backer's share waits for its claim: it is still escrowed, in the co-funders' pool.
    assert_books(ante, to_funder - to_creator, everyone)

    receipt = ante.claim(challenge_id, record.as_tuple(), backer.address, sender=backer)
    [claimed] = receipt.events.filter(ante.FunderClaimed)
    assert claimed.amount == claim_share(to_funder, contributed, reward)
    assert to_creator + claimed.amount + claimed.remainder == to_funder
    assert ante.credit(ZERO, backer) == claimed.amount
    assert_books(ante, 0, everyone)


def test_a_co_funded_challenge_whose_creator_loses_an_appeal_pays_the_bond_to_the_contributor(
        bounties, ante, options, funder, contributor, backer, evaluators, everyone):
    challenge_id, record, _ = bounties.create(options=options)
    record, _ = fund(ante, challenge_id, record, ETHER, backer)
    reward = 2 * ETHER
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, FIRST)
    appeal(bounties, challenge_id, record, options, funder)
    settle_appeal(bounties, challenge_id, record, 9_000, appeal_panel_keys(evaluators))
    to_contributor, to_funder = pot_split(reward, 1_000, 9_000)
    assert ante.credit(ZERO, contributor) == to_contributor + ceil_bps(reward, BOND_BPS)
    assert ante.credit(ZERO, funder) == creator_share(to_funder, ETHER, reward)
    ante.claim(challenge_id, record.as_tuple(), backer.address, sender=backer)
    assert ante.credit(ZERO, backer) == claim_share(to_funder, ETHER, reward)
    assert_books(ante, 0, everyone)


# --- Hostile: a token that starts charging a fee after the challenge was posted. ---


@pytest.fixture
def switchable_token(project, deployer, funder, contributor, ante):
    token = project.SwitchableFeeToken.deploy(sender=deployer)
    for holder in (funder, contributor):
        token.mint(holder, 1_000 * ETHER, sender=deployer)
        token.approve(ante, 2**256 - 1, sender=holder)
    return token


def test_an_appeal_bond_in_a_fee_on_transfer_token_is_refused(bounties, ante, options, switchable_token, deployer,
                                                              contributor, evaluators, everyone):
    token = switchable_token
    terms = bounties.terms(token=token.address, reward=10 * ETHER)
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST, terms)
    bond = ceil_bps(terms.reward, BOND_BPS)
    status = ante.challengeStatus(challenge_id)
    escrow = terms.reward + ceil_bps(terms.reward, 1_000)
    assert_books(ante, escrow, everyone, token)
    token.setFee(100, sender=deployer)  # 1% of every transfer is burnt from now on
    balance = token.balanceOf(contributor)
    with ape.reverts(ante.AnteTokenShortfall, token=token.address, expected=bond, received=bond - bond // 100):
        appeal(bounties, challenge_id, record, options, contributor)
    assert ante.challengeStatus(challenge_id) == status
    assert token.balanceOf(contributor) == balance
    assert_books(ante, escrow, everyone, token)
    # With the fee off again the same appeal goes through, and the round still ends balanced.
    token.setFee(0, sender=deployer)
    appeal(bounties, challenge_id, record, options, contributor)
    assert_books(ante, escrow + bond, everyone, token)
    settle_appeal(bounties, challenge_id, record, 8_000, appeal_panel_keys(evaluators))
    assert_books(ante, 0, everyone, token)


def test_ether_with_a_token_appeal_is_refused(bounties, ante, options, token, contributor):
    terms = bounties.terms(token=token.address, reward=ETHER)
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST, terms)
    with ape.reverts(ante.AnteUnexpectedEther, sent=1):
        ante.appeal(challenge_id, record.as_tuple(), sender=contributor, value=1)


# --- A Safe on the appeal panel, whose owners change between signing and settling. ---


@pytest.fixture(scope="module")
def safe_appeal_panel(ante, deployer, evaluators, safe):
    """A 2-of-3 appeal panel: evaluator 3's key, the Safe and evaluator 5's key."""
    account, _ = safe
    ante.createPanel([evaluators[3].address, account.address, evaluators[5].address], 2, sender=deployer)
    return ante.panelCount()


SENTINEL = "0x0000000000000000000000000000000000000001"


def test_a_safe_on_the_appeal_panel_signs_as_of_the_block_that_settles(bounties, ante, chain, safe,
                                                                       safe_appeal_panel, contributor, evaluators,
                                                                       everyone):
    account, owners = safe
    options = appeal_options(safe_appeal_panel)
    challenge_id, record, _ = ruled_challenge(bounties, options, FIRST)
    appeal(bounties, challenge_id, record, options, contributor)
    score = 9_000
    digest = appeal_digest(chain.chain_id, ante.address, challenge_id, record.deliverable, score)
    key = evaluators[3]
    _, [key_signature] = appeal_signatures(bounties, challenge_id, record, score, [key])

    def quorum(safe_signature):
        pairs = sorted([(key.address, key_signature), (account.address, safe_signature)], key=lambda p: int(p[0], 16))
        return [p[0] for p in pairs], [p[1] for p in pairs]

    signed = owner_signatures(chain, account.address, digest, owners[:2])
    # The second signing owner leaves the Safe (its threshold stays 2) before the verdict is relayed.
    current = list(account.contract.getOwners())
    index = current.index(owners[1].address)
    previous = SENTINEL if index == 0 else current[index - 1]
    account.contract.removeOwner(previous, owners[1].address, 2, sender=account)
    try:
        signers, sigs = quorum(signed)
        with ape.reverts(ante.AnteInvalidSignature, index=signers.index(account.address), signer=account.address):
            ante.settle(challenge_id, record.as_tuple(), score, signers, sigs, sender=bounties.relayer)
        assert bounties.state(challenge_id) == State.APPEALED
        # The owners the Safe has now sign again: the appeal is decided.
        signers, sigs = quorum(owner_signatures(chain, account.address, digest, [owners[0], owners[2]]))
        receipt = ante.settle(challenge_id, record.as_tuple(), score, signers, sigs, sender=bounties.relayer)
    finally:
        account.contract.addOwnerWithThreshold(owners[1].address, 2, sender=account)
    assert set(account.contract.getOwners()) == {o.address for o in owners}
    [decided] = receipt.events.filter(ante.AppealDecided)
    assert (decided.score, decided.appellantWon, list(decided.signers)) == (score, True, signers)
    assert bounties.state(challenge_id) == State.SETTLED
    assert_books(ante, 0, everyone + [account.address])
