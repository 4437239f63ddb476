"""`ante fund` and `ante claim`: a challenge with several funders through the command line, on anvil.

Two co-funders add to a posted challenge, a contributor accepts the new total, a partial verdict settles it,
both shares are claimed (one by its co-funder, one by someone else for it) and withdrawn; `ante show`,
`ante list` and `ante audit` agree. Then every refusal reads as one sentence, before anything is sent.
"""

import re

import pytest

FUNDER, CONTRIBUTOR, STRANGER, RELAYER, SECOND = "TEST::1", "TEST::2", "TEST::3", "TEST::4", "TEST::8"
ETHER = 10**18
TX_LINE = r"✔ {} — tx 0x[0-9a-f]{{64}}, block \d+, gas [\d,]+"


def fund(deployed, challenge_id, amount, account, *extra):
    return deployed.ok("fund", challenge_id, amount, "--account", account, "--yes", *extra)


@pytest.fixture
def co_funded(deployed, posted) -> int:
    """Challenge 1 (1 ether, by TEST::1), co-funded with 0.5 ether by TEST::3 and 0.25 ether by TEST::8."""
    fund(deployed, posted, "0.5 ether", STRANGER)
    fund(deployed, posted, "0.25 ether", SECOND)
    return posted


def test_two_co_funders_a_partial_verdict_claims_and_withdrawals(deployed, posted):
    data = fund(deployed, posted, "0.5 ether", STRANGER, "--json").json()
    assert (data["challenge_id"], data["funder"], data["amount"], data["reward"], data["co_funded"]) == (
        1, deployed.addr(3), str(ETHER // 2), str(3 * ETHER // 2), True)
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"]) and data["gas_used"] > 0
    text = fund(deployed, posted, "0.25 ether", SECOND).out
    assert text.startswith("Reward of challenge 1: 1.5 ETH now, 1.75 ETH with your 0.25 ETH; open for acceptance until ")
    assert "As a co-funder you will be owed 0.25 ETH in 1.75 ETH (14.29%) of whatever goes back" in text
    assert re.search(TX_LINE.format("Funded challenge 1"), text), text
    assert text.strip().endswith("Challenge 1's reward is now 1.75 ETH.")

    shown = deployed.show(posted)
    total = 7 * ETHER // 4
    assert (shown["terms"]["reward"], shown["co_funded"], shown["escrow"]) == (str(total), True, str(total))
    assert shown["funders"] == [
        {"funder": deployed.addr(1), "amount": str(ETHER), "share": None, "claimed": None},
        {"funder": deployed.addr(3), "amount": str(ETHER // 2), "share": None, "claimed": None},
        {"funder": deployed.addr(8), "amount": str(ETHER // 4), "share": None, "claimed": None},
    ]
    assert [e["event"] for e in shown["events"]] == ["ChallengeCreated", "ChallengeFunded", "ChallengeFunded"]

    # The contributor accepts the new total and stakes 10% of it.
    assert deployed.accept(posted)["stake"] == str(total // 10)
    deployed.submit(posted)
    files = [deployed.sign(posted, account, "60%") for account in ("TEST::5", "TEST::6")]
    deployed.settle(posted, *files)
    pot = total + total // 10
    to_funders = pot - pot * 6 // 10
    shown = deployed.show(posted)
    to_creator = to_funders * ETHER // total
    assert (shown["state"], shown["shared"], shown["to_creator"]) == ("settled", str(to_funders), str(to_creator))
    assert shown["unclaimed"] == str(to_funders - to_creator) == shown["escrow"]
    human = deployed.ok("show", posted).out
    assert "Funders" in human
    assert f"{deployed.addr(1)} (creator)  1 ETH; share 0.44 ETH, credited" in human
    assert (f"{deployed.addr(3)}  0.5 ETH; share 0.22 ETH, unclaimed (`ante claim 1 --funder {deployed.addr(3)}`)"
            in human)
    assert "pool: 0.77 ETH shared, 0.33 ETH not yet claimed" in human

    # One co-funder claims their own share; the relayer claims the other's for them.
    claimed = deployed.ok("claim", posted, "--account", STRANGER, "--yes", "--json").json()
    assert (claimed["funder"], claimed["amount"], claimed["remainder"]) == (deployed.addr(3), str(22 * ETHER // 100), "0")
    text = deployed.ok("claim", posted, "--funder", deployed.addr(8), "--account", RELAYER, "--yes").out
    assert text.startswith(f"{deployed.addr(8)}'s share of challenge 1: 0.11 ETH.")
    assert text.strip().endswith(f"Credited 0.11 ETH to {deployed.addr(8)}; draw it with `ante withdraw`.")
    shown = deployed.show(posted)
    assert [f["claimed"] for f in shown["funders"]] == [str(to_creator), str(22 * ETHER // 100), str(11 * ETHER // 100)]
    assert (shown["unclaimed"], shown["escrow"]) == ("0", "0")

    for account, owed in ((STRANGER, 22 * ETHER // 100), (SECOND, 11 * ETHER // 100), (FUNDER, to_creator)):
        assert deployed.ok("withdraw", "--account", account, "--json").json()["amount"] == str(owed)
    assert deployed.ok("audit", "--json").json()["clean"] is True

    again = deployed.refused("claim", posted, "--account", STRANGER, "--yes")
    assert again == (f"{deployed.addr(3)} has no share to claim in challenge 1: it co-funded nothing there, "
                     "or its share was already claimed.")


def test_list_shows_the_funders_and_the_pool(deployed, co_funded, posted):
    deployed.post()  # challenge 2, funded by its creator alone
    listed = deployed.ok("list", "--json").json()
    assert [(c["challenge_id"], c["co_funded"], len(c["funders"])) for c in listed] == [(2, False, 1), (1, True, 3)]
    text = deployed.ok("list").out
    assert "funders" in text.splitlines()[0].split()
    row = next(line for line in text.splitlines() if line.strip().startswith("1 "))
    assert " 3 " in row


def test_a_cancelled_co_funded_challenge_refunds_by_contribution(deployed, co_funded):
    deployed.ok("cancel", co_funded, "--account", FUNDER, "--yes")
    assert deployed.ok("withdraw", "--account", FUNDER, "--json").json()["amount"] == str(ETHER)
    assert deployed.ok("claim", co_funded, "--account", SECOND, "--yes", "--json").json()["amount"] == str(ETHER // 4)
    shown = deployed.show(co_funded)
    assert (shown["unclaimed"], shown["funders"][1]["claimed"]) == (str(ETHER // 2), None)


def test_the_creator_funding_more_only_raises_the_reward(deployed, posted):
    text = fund(deployed, posted, "0.5 ether", FUNDER).out
    assert "You posted it: this only raises the reward." in text
    shown = deployed.show(posted)
    assert (shown["terms"]["reward"], shown["co_funded"]) == (str(3 * ETHER // 2), False)
    assert shown["funders"] == [{"funder": deployed.addr(1), "amount": str(3 * ETHER // 2), "share": None,
                                 "claimed": None}]


def test_a_token_challenge_is_funded_in_its_token(deployed, project, accounts):
    unit = 10**6
    usd = project.TestToken.deploy("Test Dollar", "TUSD", 6, sender=accounts[0])
    for holder in (accounts[1], accounts[3]):
        usd.mint(holder, 1_000 * unit, sender=accounts[0])
    deployed.ok("post", "--token", usd.address, "--reward", "100", "--panel", "1", "--accept-by", "+7d",
                "--deliver-within", "14d", "--review-within", "3d", "--spec", "https://example.org/spec",
                "--account", FUNDER, "--yes")
    data = fund(deployed, 1, "50 TUSD", STRANGER, "--json").json()  # approved first, then funded
    assert (data["amount"], data["reward"]) == (str(50 * unit), str(150 * unit))
    assert usd.balanceOf(deployed.address) == 150 * unit
    short = deployed.refused("fund", 1, "5000", "--account", STRANGER, "--yes")
    assert short == f"{deployed.addr(3)} holds 950 TUSD, less than the 5,000 TUSD needed."


# --------------------------------------------------------------------------- refusals, before anything is sent


def test_a_co_funder_cannot_accept(deployed, co_funded):
    promise = deployed.file("promise.md", "I will.\n")
    message = deployed.refused("accept", co_funded, "--promise", promise, "--publish", deployed.publish, "--by",
                               "+10d", "--account", STRANGER, "--yes")
    assert message == f"{deployed.addr(3)} co-funded challenge 1 and cannot accept it."


def test_an_accept_with_the_total_read_before_funding_is_refused(deployed, posted, chain):
    """A contributor who read the reward before someone funded it signs off on a total that is no longer the
    challenge's: the client reads it again and sends nothing."""
    from ante.client import AnteClient
    from ante.deployment import Registry

    client = AnteClient.connect(deployed.address, Registry())
    before = client.challenge(posted)
    fund(deployed, posted, "1 ether", STRANGER)
    with pytest.raises(Exception, match="reward is now 2 ETH, not the 1 ETH read before: someone funded it since"):
        client.accept(before, b"\x01" * 32, client.now() + 3600, "https://p", deployed.accounts[2])
    assert deployed.show(posted)["state"] == "open"


def test_funding_an_accepted_or_once_accepted_challenge_is_refused(deployed, accepted):
    message = deployed.refused("fund", accepted, "1 ether", "--account", STRANGER, "--yes")
    assert message == "Challenge 1 is accepted; only an open challenge can be funded."
    deployed.ok("abandon", accepted, "--account", CONTRIBUTOR, "--yes")
    message = deployed.refused("fund", accepted, "1 ether", "--account", STRANGER, "--yes")
    assert message == "Challenge 1 has been accepted once, which fixed its reward: it can no longer be funded."


def test_funding_past_accept_by_is_refused(deployed, posted):
    deployed.mine_past(deployed.show(posted)["terms"]["accept_by"])
    message = deployed.refused("fund", posted, "1 ether", "--account", STRANGER, "--yes")
    assert message.startswith("The deadline of challenge 1 passed at ")


def test_funding_nothing_or_a_malformed_amount(deployed, posted):
    nonce = deployed.accounts[3].nonce
    assert deployed.refused("fund", posted, "0 ether", "--account", STRANGER, "--yes") == (
        "The amount to add must be more than zero.")
    message = deployed.bad_input("fund", posted, "lots", "--account", STRANGER, "--yes")
    assert "is not an amount" in message
    assert deployed.accounts[3].nonce == nonce  # nothing was sent


def test_an_evaluator_or_the_designated_contributor_cannot_fund(deployed, posted):
    message = deployed.refused("fund", posted, "1 ether", "--account", "TEST::5", "--yes")
    assert message.startswith(f"{deployed.addr(5)} sits on panel 1, and a funder may not judge their own challenge")
    reserved = deployed.post("--for", deployed.addr(2))
    message = deployed.refused("fund", reserved, "1 ether", "--account", CONTRIBUTOR, "--yes")
    assert message == f"{deployed.addr(2)} is the contributor challenge 2 is reserved for and cannot fund it."


def test_funding_more_than_one_holds_is_refused(deployed, posted):
    message = deployed.refused("fund", posted, "1000000 ether", "--account", STRANGER, "--yes")
    assert re.fullmatch(rf"{deployed.addr(3)} holds [\d.,]+ ETH, less than the 1,?000,?000 ETH to send \(plus gas\)\.",
                        message), message


def test_claims_that_cannot_be_made(deployed, co_funded):
    nonces = [deployed.accounts[n].nonce for n in (2, 3)]
    message = deployed.refused("claim", co_funded, "--account", STRANGER, "--yes")
    assert message.startswith("Challenge 1 is open; a co-funder's share can be claimed once it has closed")
    deployed.ok("cancel", co_funded, "--account", FUNDER, "--yes")
    message = deployed.refused("claim", co_funded, "--account", CONTRIBUTOR, "--yes")
    assert message == (f"{deployed.addr(2)} has no share to claim in challenge 1: it co-funded nothing there, "
                       "or its share was already claimed.")
    message = deployed.refused("claim", co_funded, "--funder", deployed.addr(1), "--account", FUNDER, "--yes")
    assert message.startswith(f"{deployed.addr(1)} has no share to claim")  # the creator's share is credited at once
    assert [deployed.accounts[n].nonce for n in (2, 3)] == nonces  # nothing was sent


def test_fund_and_claim_help_teach_co_funding(deployed):
    text = deployed.ok("fund", "--help").out
    for phrase in ("no way to take a contribution back", "shared by contribution", "ante claim",
                   "A co-funder may not", "accept-by time", "ante fund 4"):
        assert phrase in " ".join(text.split()), phrase
    text = deployed.ok("claim", "--help").out
    assert "--funder" in text and "ante claim 4" in text and "rounding" in text


def test_a_funding_the_chain_would_refuse_is_never_sent(deployed, posted):
    """Read while open, accepted before the funding is sent: the pre-checks pass on the stale read, the record
    is read again and the simulation refuses, in the contract's words, with nothing sent."""
    from ante.client import AnteClient
    from ante.deployment import Registry
    from ante.errors import ContractRefused

    client = AnteClient.connect(deployed.address, Registry())
    before = client.challenge(posted)
    deployed.accept(posted)
    nonce = deployed.accounts[3].nonce
    with pytest.raises(ContractRefused) as refused:
        client.fund(before, ETHER, deployed.accounts[3])
    assert refused.value.name == "AnteWrongState"
    assert str(refused.value) == "Challenge 1 is accepted, so that is not possible now."
    assert deployed.accounts[3].nonce == nonce
