"""A challenge paid in an ERC-20 token, through the command line: approvals, amounts in the token, withdraw --token."""

import pytest

FUNDER, CONTRIBUTOR, RELAYER = "TEST::1", "TEST::2", "TEST::4"
UNIT = 10**6  # the token has 6 decimals, like USDC


@pytest.fixture
def usd(project, accounts, deployed):
    token = project.TestToken.deploy("Test Dollar", "TUSD", 6, sender=accounts[0])
    for holder in (accounts[1], accounts[2]):
        token.mint(holder, 1_000 * UNIT, sender=accounts[0])
    return token


def post_token(deployed, usd, reward):
    return deployed.run("post", "--token", usd.address, "--reward", reward, "--stake", "10%", "--panel", "1",
                        "--accept-by", "+7d", "--deliver-within", "14d", "--review-within", "3d",
                        "--spec", "https://example.org/spec", "--account", FUNDER, "--yes")


def test_a_token_challenge_from_post_to_withdraw(deployed, usd, accounts):
    posted = post_token(deployed, usd, "100")
    assert posted.code == 0, str(posted)
    assert "  reward         100 TUSD" in posted.out
    assert "  stake          10 TUSD (10% of the reward)" in posted.out
    assert usd.balanceOf(deployed.address) == 100 * UNIT  # approved and escrowed in one command
    accepted = deployed.ok("accept", "1", "--promise", "https://p", "--by", "+10d", "--p", "90%",
                           "--bankroll", "50", "--account", CONTRIBUTOR, "--yes")
    assert accepted.out.startswith("Stake: 10 TUSD to win 100 TUSD;")
    assert usd.balanceOf(deployed.address) == 110 * UNIT
    deployed.submit(1)
    files = [deployed.sign(1, account, "pass") for account in ("TEST::5", "TEST::7")]
    settled = deployed.ok("settle", "1", *files, "--account", RELAYER, "--yes")
    assert settled.out.startswith("Verdict 100%: 110 TUSD to the contributor, 0 TUSD to the funder.")
    shown = deployed.ok("show", "1").out
    assert "  reward          100 TUSD; stake 10 TUSD (10%)" in shown
    nothing = deployed.refused("withdraw", "--account", CONTRIBUTOR)  # nothing in ether
    assert nothing == f"Ante owes {deployed.addr(2)} nothing in ETH."
    before = usd.balanceOf(accounts[2])
    data = deployed.ok("withdraw", "--token", usd.address, "--account", CONTRIBUTOR, "--json").json()
    assert (data["token"], data["amount"]) == (usd.address, str(110 * UNIT))
    assert usd.balanceOf(accounts[2]) - before == 110 * UNIT
    assert deployed.ok("audit", "--json").json()["clean"] is True


def test_a_token_reward_can_be_written_as_post_prints_it(deployed, usd):
    """`ante post` prints "100 TUSD"; the same text must be accepted as --reward with --token."""
    posted = post_token(deployed, usd, "100 TUSD")
    assert posted.code == 0, str(posted)
    assert deployed.show(1)["terms"]["reward"] == str(100 * UNIT)


def test_a_token_reward_finer_than_the_token_is_bad_input(deployed, usd):
    outcome = post_token(deployed, usd, "0.0000001")
    assert outcome.code == 2, str(outcome)
    assert "has more than 6 decimals" in outcome.message


def test_posting_more_tokens_than_the_funder_holds_is_refused(deployed, usd):
    outcome = post_token(deployed, usd, "5000")
    assert outcome.code == 1, str(outcome)
    assert outcome.message == f"{deployed.addr(1)} holds 1,000 TUSD, less than the 5,000 TUSD needed."


def test_a_token_that_is_not_a_token_is_refused(deployed):
    outcome = deployed.run("post", "--token", deployed.addr(3), "--reward", "100", "--panel", "1", "--accept-by", "+7d",
                           "--deliver-within", "14d", "--review-within", "3d", "--spec", "https://x",
                           "--account", FUNDER, "--yes")
    assert outcome.code == 1, str(outcome)
    assert outcome.message.startswith(f"{deployed.addr(3)} does not answer like an ERC-20 token")
