"""Previews that do not mislead: what the contract would refuse, and a read can tell, is refused before any
terms or payout is printed; `accept` shows the promised date beside the contract's deadline."""

import pytest

from ante.units import format_time

FUNDER, CONTRIBUTOR, STRANGER = "TEST::1", "TEST::2", "TEST::3"
ETHER = 10**18
DAY = 86_400
UNIT = 10**6


def refused_before_the_preview(deployed, chain, *args) -> str:
    """Runs a command that must be refused (exit 1) with nothing on stdout and nothing sent; its sentence."""
    head = chain.blocks.head.number
    outcome = deployed.fails(1, *args)
    assert outcome.out == "", str(outcome)
    assert chain.blocks.head.number == head, str(outcome)
    return outcome.message


def accept_args(challenge_id, account=CONTRIBUTOR, by="+1d"):
    return ["accept", challenge_id, "--promise", "https://example.org/promise", "--by", by, "--p", "70%",
            "--account", account, "--yes"]


def post_args(*extra, reward="1 ether", account=FUNDER):
    return ["post", "--reward", reward, "--panel", "1", "--accept-by", "+7d", "--deliver-within", "14d",
            "--review-within", "3d", "--spec", "https://example.org/spec", "--account", account, "--yes", *extra]


@pytest.fixture
def usd(project, accounts, deployed):
    token = project.TestToken.deploy("Test Dollar", "TUSD", 6, sender=accounts[0])
    token.mint(accounts[1], 1_000 * UNIT, sender=accounts[0])
    token.mint(accounts[2], 5 * UNIT, sender=accounts[0])
    return token


# --------------------------------------------------------------------------- accept


def test_accept_shows_the_promised_date_beside_the_contracts_deadline(deployed, posted, chain):
    now = chain.blocks.head.timestamp
    outcome = deployed.ok("accept", posted, "--promise", "https://example.org/promise", "--by", "+10d",
                          "--account", CONTRIBUTOR, "--yes")
    promised_by = deployed.show(posted)["promised_by"]
    assert outcome.out.splitlines()[0] == (
        f"Stake: 0.1 ETH to win 1 ETH; you promise delivery by {format_time(promised_by)}; "
        f"the contract's deadline if you accept now: {format_time(now + 14 * DAY)}.")


def test_accept_shows_what_an_unreviewed_lapse_would_pay_by_the_challenges_share(deployed, chain):
    posted = deployed.post("--unreviewed-share", "25%")
    outcome = deployed.ok(*accept_args(posted))
    assert outcome.out.splitlines()[2] == (
        "If you deliver and nobody reviews it in time, the challenge lapses Unreviewed: you get 0.35 ETH, the stake "
        "back and 25% of the reward (no verdict, no score).")


def test_accept_of_a_challenge_not_open_is_refused_before_the_preview(deployed, accepted, chain):
    message = refused_before_the_preview(deployed, chain, *accept_args(accepted, STRANGER))
    assert message == "Challenge 1 is accepted; only open challenges can be accepted."


def test_accept_after_accept_by_is_refused_before_the_preview(deployed, posted, chain):
    accept_by = deployed.show(posted)["terms"]["accept_by"]
    deployed.mine_past(accept_by)
    message = refused_before_the_preview(deployed, chain, *accept_args(posted))
    assert message == (f"The deadline of challenge 1 passed at {format_time(accept_by)} "
                       f"(the chain's time is {format_time(chain.blocks.head.timestamp)}).")


def test_accept_of_a_challenge_reserved_for_someone_else_is_refused_before_the_preview(deployed, chain):
    deployed.post("--for", deployed.addr(3))
    message = refused_before_the_preview(deployed, chain, *accept_args(1))
    assert message == f"Challenge 1 is reserved for {deployed.addr(3)}, not {deployed.addr(2)}."


@pytest.mark.parametrize("account, n", [(FUNDER, 1), ("TEST::5", 5), ("TEST::7", 7)])
def test_accept_by_the_funder_or_an_evaluator_is_refused_before_the_preview(deployed, posted, chain, account, n):
    message = refused_before_the_preview(deployed, chain, *accept_args(posted, account))
    assert message == f"{deployed.addr(n)} is the funder, a co-funder or one of the panel's evaluators and cannot accept."


def test_accept_without_the_ether_for_the_stake_is_refused_before_the_preview(deployed, posted, chain, accounts):
    chain.set_balance(accounts[2].address, ETHER // 20)
    message = refused_before_the_preview(deployed, chain, *accept_args(posted))
    assert message == f"{deployed.addr(2)} holds 0.05 ETH, less than the 0.1 ETH to send (plus gas)."


def test_accept_without_the_tokens_for_the_stake_is_refused_before_the_preview(deployed, usd, chain):
    deployed.ok(*post_args("--token", usd.address, reward="100"))
    message = refused_before_the_preview(deployed, chain, *accept_args(1))
    assert message == f"{deployed.addr(2)} holds 5 TUSD, less than the 10 TUSD needed."


def test_accept_by_a_designated_contributor_with_the_stake_goes_ahead(deployed, chain):
    """The hostile cases above refuse; the same checks let the right person through."""
    deployed.post("--for", deployed.addr(2))
    outcome = deployed.ok(*accept_args(1))
    assert outcome.out.startswith("Stake: 0.1 ETH to win 1 ETH; you promise delivery by ")


# --------------------------------------------------------------------------- post


def test_post_without_the_ether_for_the_reward_is_refused_before_the_terms(deployed, chain, accounts):
    chain.set_balance(accounts[1].address, ETHER // 2)
    message = refused_before_the_preview(deployed, chain, *post_args())
    assert message == f"{deployed.addr(1)} holds 0.5 ETH, less than the 1 ETH to send (plus gas)."


def test_post_without_the_tokens_for_the_reward_is_refused_before_the_terms(deployed, usd, chain):
    message = refused_before_the_preview(deployed, chain, *post_args("--token", usd.address, reward="5000"))
    assert message == f"{deployed.addr(1)} holds 1,000 TUSD, less than the 5,000 TUSD needed."


@pytest.mark.parametrize("n", [1, 6])
def test_post_for_the_funder_or_an_evaluator_is_refused_before_the_terms(deployed, chain, n):
    message = refused_before_the_preview(deployed, chain, *post_args("--for", deployed.addr(n)))
    assert message == f"{deployed.addr(n)} is the funder, a co-funder or one of the panel's evaluators and cannot accept."
