"""The review fee: escrowed by the creator beside the reward (createWithOptions), paid at the panel's verdict in
equal shares to the evaluators whose signatures settle it (the remainder of the division to the creator, event
ReviewFeePaid), even when the verdict is only recorded for an appeal; returned to the creator (ReviewFeeReturned)
when the challenge ends without a verdict: cancelled, expired, defaulted, Unreviewed, or abandoned after accept-by.
An abandon before accept-by re-opens the challenge and keeps the fee escrowed for whatever ends it.

Every expected amount is computed from the terms and the options; the books are checked after every step."""

import ape
import pytest

from ante.state import State
from appeal_support import (  # noqa: F401
    BOND_BPS,
    appeal,
    appeal_options,
    appeal_panel,
    assert_books,
    ceil_bps,
    pot_split,
    settle_appeal,
)
from funding_support import fund
from lifecycle import ETHER, REENTRANCY_GUARD_SELECTOR, Bounties

ZERO = "0x" + "00" * 20
BPS = 10_000
FEE = 1_000_003
SCORE = 7_000


def fee_options(fee=FEE, unreviewed_bps=BPS) -> tuple:
    return (unreviewed_bps, 0, 0, 0, fee)


def by_address(keys):
    return sorted(keys, key=lambda k: int(k.address, 16))


@pytest.fixture
def everyone(funder, contributor, stranger, relayer, backer, evaluators):
    """Every account a test here may credit."""
    return [funder, contributor, stranger, relayer, backer] + [e.address for e in evaluators]


@pytest.fixture(params=["ether", "token"])
def asset(request, token):
    """The token of the test's challenge: None for ether."""
    return token if request.param == "token" else None


def terms_in(bounties, tok, **overrides):
    return bounties.terms(token=ZERO if tok is None else tok.address, **overrides)


def start_of(ante, tok):
    return ante.balance if tok is None else tok.balanceOf(ante)


# --- Paid at the verdict. ---


def test_the_fee_is_paid_in_equal_shares_to_the_signers(bounties, ante, funder, contributor, evaluators, everyone,
                                                        asset):
    start = start_of(ante, asset)

    def books(escrow):
        assert_books(ante, escrow, everyone, asset, start)

    terms = terms_in(bounties, asset, reward=5 * ETHER + 1)
    reward, stake = terms.reward, ceil_bps(terms.reward, 1_000)
    challenge_id, record, _ = bounties.create(terms, options=fee_options())
    books(reward + FEE)
    record, _ = bounties.accept(challenge_id, record)
    books(reward + stake + FEE)
    record, _ = bounties.submit(challenge_id, record)
    books(reward + stake + FEE)
    receipt = bounties.settle(challenge_id, record, SCORE)

    keys = by_address(evaluators[:2])
    share, remainder = FEE // 2, FEE % 2
    assert (share, remainder) == (500_001, 1)
    [paid] = receipt.events.filter(ante.ReviewFeePaid)
    assert (paid.challengeId, paid.share, paid.remainder, list(paid.signers)) == (
        challenge_id, share, remainder, [k.address for k in keys])
    names = [log.event_name for log in receipt.events]
    assert names.index("ReviewFeePaid") < names.index("ChallengeSettled")
    assert not receipt.events.filter(ante.ReviewFeeReturned)
    to_contributor, to_funder = pot_split(reward, 1_000, SCORE)
    address = terms.token
    assert [ante.credit(address, k.address) for k in keys] == [share, share]
    assert ante.credit(address, evaluators[2].address) == 0
    assert ante.credit(address, funder) == to_funder + remainder
    assert ante.credit(address, contributor) == to_contributor
    books(0)


@pytest.mark.parametrize("panel, count, fee", [("2of3", 3, FEE), ("5of9", 7, 100), ("5of9", 9, 10**18 + 5)])
def test_more_signers_than_the_threshold_share_the_fee(ante, chain, funder, contributor, relayer, evaluators,
                                                       panel_2of3, panel_5of9, everyone, panel, count, fee):
    panel_id, members = (panel_2of3, evaluators[:3]) if panel == "2of3" else (panel_5of9, evaluators)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_id)
    challenge_id, record = b.submitted_challenge(options=fee_options(fee))
    keys = by_address(members[:count])
    receipt = b.settle(challenge_id, record, SCORE, keys)
    share, remainder = fee // count, fee % count
    [paid] = receipt.events.filter(ante.ReviewFeePaid)
    assert (paid.share, paid.remainder, list(paid.signers)) == (share, remainder, [k.address for k in keys])
    assert all(ante.credit(ZERO, k.address) == share for k in keys)
    assert all(ante.credit(ZERO, m.address) == 0 for m in members[count:])
    assert ante.credit(ZERO, funder) == pot_split(ETHER, 1_000, SCORE)[1] + remainder
    assert_books(ante, 0, everyone)


@pytest.fixture(scope="module")
def panel_of_one(ante, deployer, evaluators):
    ante.createPanel([evaluators[8].address], 1, sender=deployer)
    return ante.panelCount()


def test_a_one_member_panel_takes_the_whole_fee(ante, chain, funder, contributor, relayer, evaluators, panel_of_one,
                                                everyone):
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_of_one)
    challenge_id, record = b.submitted_challenge(options=fee_options())
    receipt = b.settle(challenge_id, record, SCORE, [evaluators[8]])
    [paid] = receipt.events.filter(ante.ReviewFeePaid)
    assert (paid.share, paid.remainder, list(paid.signers)) == (FEE, 0, [evaluators[8].address])
    assert ante.credit(ZERO, evaluators[8].address) == FEE
    assert ante.credit(ZERO, funder) == pot_split(ETHER, 1_000, SCORE)[1]
    assert_books(ante, 0, everyone)


def test_a_fee_below_the_number_of_signers_all_goes_to_the_creator(bounties, ante, funder, evaluators, everyone):
    challenge_id, record = bounties.submitted_challenge(options=fee_options(1))
    receipt = bounties.settle(challenge_id, record, SCORE)
    [paid] = receipt.events.filter(ante.ReviewFeePaid)
    assert (paid.share, paid.remainder) == (0, 1)
    assert all(ante.credit(ZERO, e.address) == 0 for e in evaluators)
    assert ante.credit(ZERO, funder) == pot_split(ETHER, 1_000, SCORE)[1] + 1
    assert_books(ante, 0, everyone)


@pytest.mark.parametrize("window", [0, 1], ids=["fee only", "fee and appeal window"])
def test_a_challenge_with_options_is_settled_only_in_time_and_on_a_valid_score(bounties, ante, appeal_panel, window,
                                                                                everyone):
    """The module's settlement keeps the review window and the score's bound, as a plain one does; a refused
    settlement pays no fee and leaves the challenge Submitted."""
    options = fee_options() if window == 0 else appeal_options(appeal_panel, fee=FEE)
    challenge_id, record = bounties.submitted_challenge(options=options)
    # The score is checked before the signatures (no key can sign a score above 10000 with the core's Verdict).
    addresses, sigs = bounties.signatures(challenge_id, record, SCORE)
    with ape.reverts(ante.AnteScoreInvalid, score=BPS + 1):
        ante.settle(challenge_id, record.as_tuple(), BPS + 1, addresses, sigs, sender=bounties.relayer)
    review_by = bounties.deadline(challenge_id)
    bounties.at(review_by + 1)
    with ape.reverts(ante.AnteDeadlinePassed, challengeId=challenge_id, deadline=review_by, timestamp=review_by + 1):
        ante.settle(challenge_id, record.as_tuple(), SCORE, addresses, sigs, sender=bounties.relayer)
    assert bounties.state(challenge_id) == State.SUBMITTED
    assert_books(ante, ETHER + ceil_bps(ETHER, 1_000) + FEE, everyone)


def test_no_fee_no_fee_events(bounties, ante, evaluators):
    for options in (fee_options(0), None):
        challenge_id, record = bounties.submitted_challenge(options=options)
        receipt = bounties.settle(challenge_id, record, SCORE)
        assert not receipt.events.filter(ante.ReviewFeePaid)
        assert all(ante.credit(ZERO, e.address) == 0 for e in evaluators)
    challenge_id, record, _ = bounties.create(options=fee_options(0))
    receipt = ante.cancel(challenge_id, record.as_tuple(), sender=bounties.funder)
    assert not receipt.events.filter(ante.ReviewFeeReturned)


@pytest.mark.parametrize("end", ["finalize", "appeal decided", "appeal silent"])
def test_the_fee_is_paid_at_the_first_verdict_with_an_appeal_window(bounties, ante, funder, contributor, stranger,
                                                                    evaluators, appeal_panel, everyone, asset, end):
    start = start_of(ante, asset)
    options = appeal_options(appeal_panel, fee=FEE)
    terms = terms_in(bounties, asset)
    reward, stake, bond = terms.reward, ceil_bps(terms.reward, 1_000), ceil_bps(terms.reward, BOND_BPS)
    challenge_id, record = bounties.submitted_challenge(terms, options=options)
    assert_books(ante, reward + stake + FEE, everyone, asset, start)
    receipt = bounties.settle(challenge_id, record, SCORE)
    assert receipt.events.filter(ante.ChallengeRuled) and not receipt.events.filter(ante.ChallengeSettled)
    [paid] = receipt.events.filter(ante.ReviewFeePaid)
    keys = by_address(evaluators[:2])
    assert (paid.share, paid.remainder, list(paid.signers)) == (FEE // 2, FEE % 2, [k.address for k in keys])
    address = terms.token
    assert ante.credit(address, funder) == FEE % 2
    # The fee has left escrow for the signers' credits; the reward and the stake wait for the appeal round.
    assert_books(ante, reward + stake, everyone, asset, start)

    score = SCORE
    if end == "finalize":
        bounties.at(bounties.deadline(challenge_id) + 1)
        receipt = ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    else:
        appeal(bounties, challenge_id, record, options, contributor)
        assert_books(ante, reward + stake + bond, everyone, asset, start)
        if end == "appeal decided":
            score = 9_000
            receipt = settle_appeal(bounties, challenge_id, record, score, evaluators[3:5])  # won
        else:
            bounties.at(bounties.deadline(challenge_id) + 1)
            receipt = ante.finalize(challenge_id, record.as_tuple(), sender=stranger)
    assert not receipt.events.filter(ante.ReviewFeePaid)
    assert not receipt.events.filter(ante.ReviewFeeReturned)
    to_contributor, to_funder = pot_split(reward, 1_000, score)
    assert [ante.credit(address, k.address) for k in keys] == [FEE // 2, FEE // 2]
    assert all(ante.credit(address, e.address) == 0 for e in evaluators[2:])
    assert ante.credit(address, funder) == to_funder + FEE % 2
    assert ante.credit(address, contributor) == to_contributor + (0 if end == "finalize" else bond)
    assert_books(ante, 0, everyone, asset, start)


# --- Returned when the challenge ends without a verdict. ---


ENDS = ["cancel", "expire", "default", "unreviewed", "unreviewed 2500", "late abandon"]


@pytest.mark.parametrize("end", ENDS)
def test_the_fee_goes_back_to_the_creator_without_a_verdict(bounties, ante, funder, contributor, stranger, everyone,
                                                           asset, end):
    start = start_of(ante, asset)
    share = 2_500 if end == "unreviewed 2500" else BPS
    terms = terms_in(bounties, asset, reward=3 * ETHER + 1, accept_by=bounties.now + 1_000)
    reward, stake = terms.reward, ceil_bps(terms.reward, 1_000)
    challenge_id, record, _ = bounties.create(terms, options=fee_options(unreviewed_bps=share))
    assert_books(ante, reward + FEE, everyone, asset, start)
    if end == "cancel":
        receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
        to_contributor, to_funder, final = 0, reward, State.CANCELLED
    elif end == "expire":
        bounties.at(terms.accept_by + 1)
        receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
        to_contributor, to_funder, final = 0, reward, State.EXPIRED
    else:
        record, _ = bounties.accept(challenge_id, record)
        assert_books(ante, reward + stake + FEE, everyone, asset, start)
        if end == "default":
            bounties.at(bounties.deadline(challenge_id) + 1)
            receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
            to_contributor, to_funder, final = 0, reward + stake, State.DEFAULTED
        elif end == "late abandon":
            bounties.at(terms.accept_by + 1)
            receipt = ante.abandon(challenge_id, record.as_tuple(), sender=contributor)
            to_contributor, to_funder, final = 0, reward + stake, State.EXPIRED
        else:
            record, _ = bounties.submit(challenge_id, record)
            assert_books(ante, reward + stake + FEE, everyone, asset, start)
            bounties.at(bounties.deadline(challenge_id) + 1)
            receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
            paid = reward * share // BPS
            to_contributor, to_funder, final = stake + paid, reward - paid, State.UNREVIEWED
    [returned] = receipt.events.filter(ante.ReviewFeeReturned)
    assert (returned.challengeId, returned.fee) == (challenge_id, FEE)
    assert not receipt.events.filter(ante.ReviewFeePaid)
    assert bounties.state(challenge_id) == final
    address = terms.token
    assert ante.credit(address, funder) == to_funder + FEE
    assert ante.credit(address, contributor) == to_contributor
    assert_books(ante, 0, everyone, asset, start)
    ante.withdraw(address, sender=funder)
    if to_contributor:
        ante.withdraw(address, sender=contributor)
    assert start_of(ante, asset) == start


@pytest.mark.parametrize("then", ["expire", "cancel", "settle"])
def test_an_early_abandon_keeps_the_fee_for_whatever_ends_the_challenge(bounties, ante, funder, contributor, stranger,
                                                                        evaluators, everyone, then):
    challenge_id, record, _ = bounties.create(options=fee_options())
    stake = ceil_bps(ETHER, 1_000)
    accepted, _ = bounties.accept(challenge_id, record)
    receipt = ante.abandon(challenge_id, accepted.as_tuple(), sender=contributor)
    assert receipt.events.filter(ante.ChallengeAbandoned)[0].reopened
    assert not receipt.events.filter(ante.ReviewFeeReturned)
    assert bounties.state(challenge_id) == State.OPEN
    assert ante.credit(ZERO, funder) == stake  # the forfeited stake, and not the fee
    assert_books(ante, ETHER + FEE, everyone)

    if then == "settle":
        accepted, _ = bounties.accept(challenge_id, record, sender=stranger)
        submitted, _ = bounties.submit(challenge_id, accepted, sender=stranger)
        receipt = bounties.settle(challenge_id, submitted, SCORE)
        [paid] = receipt.events.filter(ante.ReviewFeePaid)
        assert (paid.share, paid.remainder) == (FEE // 2, FEE % 2)
        assert not receipt.events.filter(ante.ReviewFeeReturned)
        to_contributor, to_funder = pot_split(ETHER, 1_000, SCORE)
        assert ante.credit(ZERO, funder) == stake + to_funder + FEE % 2
        assert ante.credit(ZERO, stranger) == to_contributor
    else:
        if then == "expire":
            bounties.at(record.terms.accept_by + 1)
            receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
        else:
            receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
        [returned] = receipt.events.filter(ante.ReviewFeeReturned)
        assert returned.fee == FEE
        assert ante.credit(ZERO, funder) == stake + ETHER + FEE
    assert_books(ante, 0, everyone)


def test_a_co_funded_challenge_returns_the_fee_to_its_creator_alone(bounties, ante, funder, backer, everyone):
    challenge_id, record, _ = bounties.create(options=fee_options())
    record, _ = fund(ante, challenge_id, record, ETHER, backer)
    receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    [shares] = receipt.events.filter(ante.FundersShared)
    assert (shares.shared, shares.toCreator) == (2 * ETHER, ETHER)
    assert receipt.events.filter(ante.ReviewFeeReturned)[0].fee == FEE
    assert ante.credit(ZERO, funder) == ETHER + FEE
    receipt = ante.claim(challenge_id, record.as_tuple(), backer.address, sender=backer)
    assert receipt.events.filter(ante.FunderClaimed)[0].amount == ETHER
    assert ante.credit(ZERO, backer) == ETHER
    assert_books(ante, 0, everyone)


def test_a_co_funded_verdict_pays_the_remainder_to_the_creator_alone(bounties, ante, funder, backer, evaluators,
                                                                     everyone):
    challenge_id, record, _ = bounties.create(options=fee_options())
    record, _ = fund(ante, challenge_id, record, ETHER, backer)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, SCORE)
    to_funder = pot_split(2 * ETHER, 1_000, SCORE)[1]
    assert ante.credit(ZERO, funder) == to_funder // 2 + FEE % 2
    ante.claim(challenge_id, record.as_tuple(), backer.address, sender=backer)
    assert ante.credit(ZERO, backer) == to_funder // 2
    assert_books(ante, 0, everyone)


# --- Hostile: a signer that re-enters when it withdraws its share. ---


def test_a_reentrant_signer_withdraws_its_fee_share_once(project, ante, chain, deployer, funder, contributor, relayer,
                                                         stranger, evaluators, everyone):
    signer = project.ReentrantSigner.deploy(sender=deployer)
    ante.createPanel([evaluators[0].address, evaluators[1].address, signer.address], 2, sender=deployer)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, ante.panelCount())
    challenge_id, record = b.submitted_challenge(options=fee_options())
    pairs = sorted([(evaluators[0].address, b.verdict(challenge_id, record.deliverable, SCORE).sign(evaluators[0].key)),
                    (signer.address, b"")], key=lambda p: int(p[0], 16))
    receipt = ante.settle(challenge_id, record.as_tuple(), SCORE, [p[0] for p in pairs], [p[1] for p in pairs],
                          sender=relayer)
    assert list(receipt.events.filter(ante.ReviewFeePaid)[0].signers) == [p[0] for p in pairs]
    share = FEE // 2
    assert ante.credit(ZERO, signer) == share
    assert_books(ante, 0, everyone + [signer.address])

    signer.arm(ante.address, ante.withdraw.encode_input(ZERO), sender=stranger)
    receipt = signer.execute(ante.address, ante.withdraw.encode_input(ZERO), sender=stranger)
    assert signer.balance == share
    assert ante.credit(ZERO, signer) == 0
    assert signer.reentered()
    assert not signer.reentrySucceeded()
    assert bytes(signer.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert len(receipt.events.filter(ante.Withdrawn)) == 1
    assert_books(ante, 0, everyone + [signer.address])
