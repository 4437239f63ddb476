"""createWithOptions: a challenge's own options (an Unreviewed share, an appeal round, a review fee), checked at
creation, escrowed with the reward, stored, emitted and read back with optionsOf; and the refusals the appeal panel
brings to fund and accept. Every expected amount is computed from the terms and the options, not read back."""

import ape
import pytest
import rlp
from eth_utils import keccak, to_checksum_address

from ante.state import State
from appeal_support import BOND_BPS, WINDOW, appeal_options, appeal_panel, assert_books  # noqa: F401
from funding_support import fund
from lifecycle import DAY, ETHER

MAX_UINT40 = 2**40 - 1
FEE = 12_345


def created_count(ante):
    return ante.challengeCount()


# --- The defaults and what is stored. ---


def test_a_plain_create_reports_the_default_options_and_emits_none(bounties, ante):
    challenge_id, _, receipt = bounties.create()
    assert tuple(ante.optionsOf(challenge_id)) == (10_000, 0, 0, 0, 0)
    assert not receipt.events.filter(ante.ChallengeOptionsSet)


def test_an_unknown_challenge_reports_the_defaults(ante):
    assert tuple(ante.optionsOf(10**9)) == (10_000, 0, 0, 0, 0)


@pytest.mark.parametrize("shape", ["share only", "fee only", "appeal", "everything"])
def test_options_are_stored_emitted_and_reported(bounties, ante, appeal_panel, shape):
    options = {"share only": (2_500, 0, 0, 0, 0), "fee only": (10_000, 0, 0, 0, FEE),
               "appeal": appeal_options(appeal_panel),
               "everything": (0, 2**32 - 1 - 10 * DAY, appeal_panel, 10_000, 3 * ETHER + 1)}[shape]
    terms = bounties.terms(accept_by=bounties.now + 100) if shape == "everything" else None
    challenge_id, _, receipt = bounties.create(terms, options=options)
    [event] = receipt.events.filter(ante.ChallengeOptionsSet)
    assert (event.challengeId, tuple(event.options)) == (challenge_id, options)
    assert tuple(ante.optionsOf(challenge_id)) == options
    names = [log.event_name for log in receipt.events]
    assert names.index("ChallengeOptionsSet") == names.index("ChallengeCreated") + 1
    assert bounties.state(challenge_id) == State.OPEN


def test_options_are_per_challenge(bounties, ante, appeal_panel):
    first, _, _ = bounties.create(options=appeal_options(appeal_panel, fee=7))
    second, _, _ = bounties.create()
    third, _, _ = bounties.create(options=(1, 0, 0, 0, 0))
    assert [tuple(ante.optionsOf(i)) for i in (first, second, third)] == [
        appeal_options(appeal_panel, fee=7), (10_000, 0, 0, 0, 0), (1, 0, 0, 0, 0)]


# --- Escrow of the reward and the review fee. ---


def test_ether_escrows_reward_plus_fee(bounties, ante, funder):
    before = funder.balance
    _, _, receipt = bounties.create(options=(10_000, 0, 0, 0, FEE))
    assert ante.balance == ETHER + FEE
    assert funder.balance == before - ETHER - FEE - receipt.total_fees_paid
    assert_books(ante, ETHER + FEE, [funder])


@pytest.mark.parametrize("sent", [ETHER, ETHER + FEE - 1, ETHER + FEE + 1, 0])
def test_wrong_ether_is_refused(bounties, ante, appeal_panel, sent):
    count = created_count(ante)
    with ape.reverts(ante.AnteWrongReward, expected=ETHER + FEE, sent=sent):
        bounties.create(value=sent, options=appeal_options(appeal_panel, fee=FEE))
    assert created_count(ante) == count
    assert ante.balance == 0


def test_without_a_fee_the_exact_reward_is_expected(bounties, ante):
    with ape.reverts(ante.AnteWrongReward, expected=ETHER, sent=ETHER + 1):
        bounties.create(value=ETHER + 1, options=(5_000, 0, 0, 0, 0))


def test_a_token_challenge_pulls_reward_plus_fee(bounties, ante, token, funder, appeal_panel):
    before, start = token.balanceOf(funder), token.balanceOf(ante)
    challenge_id, _, _ = bounties.create(bounties.terms(token=token.address, reward=77),
                                         options=appeal_options(appeal_panel, fee=23))
    assert token.balanceOf(funder) == before - 100
    assert token.balanceOf(ante) == start + 100
    assert ante.balance == 0
    assert tuple(ante.optionsOf(challenge_id)) == appeal_options(appeal_panel, fee=23)


def test_ether_with_a_token_is_refused(bounties, ante, token):
    start = token.balanceOf(ante)
    with ape.reverts(ante.AnteUnexpectedEther, sent=1):
        bounties.create(bounties.terms(token=token.address, reward=50), value=1, options=(10_000, 0, 0, 0, 5))
    assert token.balanceOf(ante) == start


def test_a_fee_on_transfer_token_is_refused(bounties, ante, fee_token):
    reward, fee = 10_000, 500
    # The double burns 1% of a transfer: Ante would receive 99% of reward plus fee.
    with ape.reverts(ante.AnteTokenShortfall, token=fee_token.address, expected=reward + fee,
                     received=(reward + fee) - (reward + fee) // 100):
        bounties.create(bounties.terms(token=fee_token.address, reward=reward), options=(10_000, 0, 0, 0, fee))


# --- The checks. ---


@pytest.mark.parametrize("share", [10_001, 2**16 - 1])
def test_a_share_above_10000_is_refused(bounties, ante, appeal_panel, share):
    with ape.reverts(ante.AnteUnreviewedBpsInvalid, unreviewedBps=share):
        bounties.create(options=appeal_options(appeal_panel, unreviewed_bps=share))


@pytest.mark.parametrize("panel, bond", [(1, 0), (0, 1), (1, 10_000)])
def test_appeal_terms_without_a_window_are_refused(bounties, ante, panel, bond):
    with ape.reverts(ante.AnteAppealTermsInvalid, appealWindow=0, appealPanelId=panel, appealBondBps=bond):
        bounties.create(options=(10_000, 0, panel, bond, 0))


@pytest.mark.parametrize("case", ["no panel", "unknown panel", "the challenge's panel", "no bond", "bond above 10000",
                                  "largest bond"])
def test_appeal_terms_with_a_window_are_checked(bounties, ante, appeal_panel, case):
    panel, bond = {"no panel": (0, BOND_BPS), "unknown panel": (ante.panelCount() + 1, BOND_BPS),
                   "the challenge's panel": (bounties.panel_id, BOND_BPS), "no bond": (appeal_panel, 0),
                   "bond above 10000": (appeal_panel, 10_001), "largest bond": (appeal_panel, 2**16 - 1)}[case]
    with ape.reverts(ante.AnteAppealTermsInvalid, appealWindow=WINDOW, appealPanelId=panel, appealBondBps=bond):
        bounties.create(options=(10_000, WINDOW, panel, bond, 0))


@pytest.mark.parametrize("bond", [1, 10_000])
def test_the_bond_bounds_are_accepted(bounties, ante, appeal_panel, bond):
    challenge_id, _, _ = bounties.create(options=appeal_options(appeal_panel, bond_bps=bond))
    assert ante.optionsOf(challenge_id).appealBondBps == bond


def test_a_one_second_window_is_accepted(bounties, ante, appeal_panel):
    challenge_id, _, _ = bounties.create(options=appeal_options(appeal_panel, window=1))
    assert ante.optionsOf(challenge_id).appealWindow == 1


def test_the_share_is_checked_before_the_appeal_terms(bounties, ante):
    with ape.reverts(ante.AnteUnreviewedBpsInvalid, unreviewedBps=10_001):
        bounties.create(options=(10_001, WINDOW, 0, 0, 0))


def test_the_appeal_terms_are_checked_before_the_terms(bounties, ante, stranger):
    terms = bounties.terms(funder=stranger.address, reward=0)
    with ape.reverts(ante.AnteAppealTermsInvalid, appealWindow=0, appealPanelId=3, appealBondBps=0):
        bounties.create(terms, options=(10_000, 0, 3, 0, 0))


def test_the_terms_are_checked_as_create_checks_them(bounties, ante, stranger, funder, appeal_panel):
    with ape.reverts(ante.AnteFunderNotCaller, funder=stranger.address, caller=funder.address):
        bounties.create(bounties.terms(funder=stranger.address), options=appeal_options(appeal_panel))
    with ape.reverts(ante.AnteRewardZero):
        bounties.create(bounties.terms(reward=0), options=appeal_options(appeal_panel))
    with ape.reverts(ante.AntePanelUnknown, panelId=999):
        bounties.create(bounties.terms(panel_id=999), options=(10_000, 0, 0, 0, 0))


def _window_terms(bounties, window, spare):
    """Terms whose last deadline with an appeal round, accept-by + deliver + 2 * review + window, is
    MAX_UINT40 + 1 - spare."""
    deliver, review = 7 * DAY, 3 * DAY
    accept_by = MAX_UINT40 + 1 - spare - deliver - 2 * review - window
    return bounties.terms(accept_by=accept_by, deliver_within=deliver, review_within=review)


def test_deadlines_past_40_bits_with_the_appeal_round_are_refused(bounties, ante, appeal_panel):
    terms = _window_terms(bounties, WINDOW, 0)
    with ape.reverts(ante.AnteDeadlinesOutOfRange, latestDeadline=MAX_UINT40 + 1):
        bounties.create(terms, options=appeal_options(appeal_panel))
    # One second earlier, the last deadline fits exactly.
    challenge_id, _, _ = bounties.create(_window_terms(bounties, WINDOW, 1), options=appeal_options(appeal_panel))
    assert bounties.state(challenge_id) == State.OPEN


def test_without_a_window_only_create_s_deadlines_must_fit(bounties, ante):
    # accept-by + deliver + review is the 40-bit maximum: create's own check passes, and no appeal round adds to it.
    terms = bounties.terms(accept_by=MAX_UINT40 - 10 * DAY, deliver_within=7 * DAY, review_within=3 * DAY)
    challenge_id, _, _ = bounties.create(terms, options=(10_000, 0, 0, 0, FEE))
    assert bounties.state(challenge_id) == State.OPEN


@pytest.fixture(scope="module")
def stranger_appeal_panel(ante, deployer, evaluators, stranger):
    """A 2-of-3 appeal panel with the Ape test account `stranger` on it (so it can send transactions)."""
    ante.createPanel([evaluators[3].address, evaluators[4].address, stranger.address], 2, sender=deployer)
    return ante.panelCount()


def test_a_funder_on_the_appeal_panel_is_refused(bounties, ante, stranger, stranger_appeal_panel):
    terms = bounties.terms(funder=stranger.address)
    with ape.reverts(ante.AnteFunderOnPanel, panelId=stranger_appeal_panel, funder=stranger.address):
        bounties.create(terms, sender=stranger, options=appeal_options(stranger_appeal_panel))
    # The same funder may post the same terms without an appeal round.
    challenge_id, _, _ = bounties.create(terms, sender=stranger, options=(10_000, 0, 0, 0, 0))
    assert bounties.state(challenge_id) == State.OPEN


def test_a_designated_contributor_on_the_appeal_panel_is_refused(bounties, ante, stranger, stranger_appeal_panel):
    terms = bounties.terms(designated=stranger.address)
    with ape.reverts(ante.AnteSelfDealing, account=stranger.address):
        bounties.create(terms, options=appeal_options(stranger_appeal_panel))
    challenge_id, _, _ = bounties.create(terms, options=(10_000, 0, 0, 0, FEE))
    assert bounties.state(challenge_id) == State.OPEN


def test_a_designated_contributor_on_the_first_panel_is_refused(bounties, ante, appeal_panel, evaluators):
    terms = bounties.terms(designated=evaluators[0].address)
    with ape.reverts(ante.AnteSelfDealing, account=evaluators[0].address):
        bounties.create(terms, options=appeal_options(appeal_panel))


# --- The appeal panel in fund and accept. ---


def test_a_member_of_the_appeal_panel_may_not_co_fund(bounties, ante, stranger, stranger_appeal_panel):
    challenge_id, record, _ = bounties.create(options=appeal_options(stranger_appeal_panel))
    with ape.reverts(ante.AnteFunderOnPanel, panelId=stranger_appeal_panel, funder=stranger.address):
        fund(ante, challenge_id, record, ETHER // 2, stranger)
    # Without an appeal round (or on a plain challenge) the same account co-funds.
    for options in ((10_000, 0, 0, 0, FEE), None):
        other_id, other, _ = bounties.create(options=options)
        other, _ = fund(ante, other_id, other, ETHER // 2, stranger)
        assert ante.contribution(other_id, stranger) == ETHER // 2


def test_a_member_of_the_appeal_panel_may_not_accept(bounties, ante, stranger, stranger_appeal_panel):
    challenge_id, record, _ = bounties.create(options=appeal_options(stranger_appeal_panel))
    with ape.reverts(ante.AnteSelfDealing, account=stranger.address):
        bounties.accept(challenge_id, record, sender=stranger)
    assert bounties.state(challenge_id) == State.OPEN
    other_id, other, _ = bounties.create(options=(10_000, 0, 0, 0, FEE))
    bounties.accept(other_id, other, sender=stranger)
    assert bounties.state(other_id) == State.ACCEPTED


def test_the_creator_may_add_to_an_optioned_challenge_and_the_fee_stays(bounties, ante, funder, appeal_panel):
    challenge_id, record, _ = bounties.create(options=appeal_options(appeal_panel, fee=FEE))
    record, _ = fund(ante, challenge_id, record, ETHER, funder)
    assert record.terms.reward == 2 * ETHER
    assert tuple(ante.optionsOf(challenge_id)) == appeal_options(appeal_panel, fee=FEE)
    assert_books(ante, 2 * ETHER + FEE, [funder])


# --- The module refuses to be called at its own address. ---


def module_address(ante) -> str:
    """The appeal module's address: the first contract Ante's constructor creates (CREATE from Ante, nonce 1)."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(ante.address[2:]), 1]))[12:])


def test_the_module_called_at_its_own_address_refuses(project, bounties, ante, chain, funder, appeal_panel):
    address = module_address(ante)
    assert len(chain.provider.get_code(address)) > 0
    module = project.Ante.at(address)
    terms = bounties.terms()
    with ape.reverts(module.AnteNotDelegated):
        module.createWithOptions(terms.as_tuple(), "ipfs://spec", appeal_options(appeal_panel), sender=funder,
                                 value=ETHER)
    challenge_id, record = bounties.submitted_challenge(options=appeal_options(appeal_panel))
    with ape.reverts(module.AnteNotDelegated):
        module.appeal(challenge_id, record.as_tuple(), sender=funder, value=ETHER // 5)
    with ape.reverts(module.AnteNotDelegated):
        module.finalize(challenge_id, record.as_tuple(), sender=funder)
    addresses, sigs = bounties.signatures(challenge_id, record, 5_000)
    with ape.reverts(module.AnteNotDelegated):
        module.settle(challenge_id, record.as_tuple(), 5_000, addresses, sigs, sender=funder)
    assert chain.provider.get_balance(address) == 0
    assert bounties.state(challenge_id) == State.SUBMITTED
