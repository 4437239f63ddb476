"""`ante cancel`, `ante lapse` and `ante withdraw`."""

import re

from ante.units import format_time

FUNDER, CONTRIBUTOR, STRANGER = "TEST::1", "TEST::2", "TEST::3"
ETHER = 10**18
TX_LINE = r"✔ {} — tx 0x[0-9a-f]{{64}}, block \d+, gas [\d,]+"


# --------------------------------------------------------------------------- cancel


def test_cancel_text(posted, deployed):
    outcome = deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    assert re.fullmatch(TX_LINE.format("Cancelled challenge 1"), outcome.out.strip()), outcome.out
    shown = deployed.show(posted)
    assert shown["state"] == "cancelled"
    assert shown["to_funder"] == str(ETHER)


def test_cancel_json(posted, deployed):
    data = deployed.ok("cancel", posted, "--account", FUNDER, "--yes", "--json").json()
    assert data["challenge_id"] == posted
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"]) and data["gas_used"] > 0


def test_cancel_after_acceptance_is_refused(accepted, deployed):
    message = deployed.refused("cancel", accepted, "--account", FUNDER, "--yes")
    assert message == "Challenge 1 is accepted, so that is not possible now."
    assert deployed.show(accepted)["state"] == "accepted"


def test_cancel_by_someone_else_is_refused(posted, deployed):
    message = deployed.refused("cancel", posted, "--account", STRANGER, "--yes")
    assert message == f"Only the funder can do that to challenge 1, not {deployed.addr(3)}."


def test_cancel_an_unknown_challenge_is_bad_input(posted, deployed):
    assert deployed.bad_input("cancel", "2", "--account", FUNDER, "--yes") == (
        "There is no challenge 2 on this deployment (ids run from 1 to 1).")


# --------------------------------------------------------------------------- lapse


def test_lapse_before_the_deadline_is_refused(posted, deployed):
    accept_by = deployed.show(posted)["terms"]["accept_by"]
    message = deployed.refused("lapse", posted, "--account", STRANGER)
    assert message.startswith(f"Challenge 1 cannot lapse or be finalized before its deadline, {format_time(accept_by)} (the chain's time is ")


def test_lapse_exactly_at_the_deadline_is_refused(posted, deployed, chain):
    accept_by = deployed.show(posted)["terms"]["accept_by"]
    chain.pending_timestamp = accept_by  # the lapse transaction's block lands at the deadline itself
    message = deployed.refused("lapse", posted, "--account", STRANGER)
    assert message.startswith("Challenge 1 cannot lapse or be finalized before its deadline")


def test_lapse_an_open_challenge_past_accept_by_expires_it(posted, deployed):
    deployed.mine_past(deployed.show(posted)["terms"]["accept_by"])
    outcome = deployed.ok("lapse", posted, "--account", STRANGER)
    lines = outcome.out.strip().splitlines()
    assert re.fullmatch(TX_LINE.format("Lapsed challenge 1"), lines[0]), lines[0]
    assert lines[1] == "Challenge 1 is now expired."
    assert deployed.show(posted)["state"] == "expired"
    assert [c["challenge_id"] for c in deployed.ok("list", "--status", "lapsed", "--json").json()] == [1]
    assert deployed.ok("withdraw", "--account", FUNDER, "--json").json()["amount"] == str(ETHER)


def test_lapse_an_accepted_challenge_past_delivery_defaults_it(accepted, deployed):
    deployed.mine_past(deployed.show(accepted)["deliver_by"])
    data = deployed.ok("lapse", accepted, "--account", STRANGER, "--json").json()
    assert data["challenge_id"] == accepted and data["state"] == "defaulted"
    shown = deployed.show(accepted)
    assert (shown["state"], shown["to_funder"], shown["to_contributor"]) == ("defaulted", str(ETHER + ETHER // 10), "0")


def test_lapse_a_submitted_challenge_past_review_leaves_it_unreviewed(submitted, deployed):
    deployed.mine_past(deployed.show(submitted)["review_by"])
    outcome = deployed.ok("lapse", submitted, "--account", STRANGER)
    assert outcome.out.strip().splitlines()[-1] == "Challenge 1 is now unreviewed."
    shown = deployed.show(submitted)
    # Silence does not pay the funder: the stake back and the whole reward to the contributor.
    assert (shown["to_contributor"], shown["to_funder"]) == (str(ETHER + ETHER // 10), "0")
    text = deployed.ok("show", submitted).out
    assert ("  paid            1.1 ETH to the contributor, 0 ETH to the funder (unreviewed: paid by the terms, not "
            "judged)") in text
    assert "  verdict" not in text
    assert deployed.ok("withdraw", "--account", CONTRIBUTOR, "--json").json()["amount"] == str(ETHER + ETHER // 10)
    # The panel's miss is on the evaluators' record.
    record = deployed.ok("records", deployed.addr(5), "--json").json()
    assert record["evaluator"]["reviews_missed"] == 1
    contributor = deployed.ok("records", deployed.addr(2), "--json").json()["contributor"]
    assert (contributor["unreviewed"], contributor["settled"], contributor["mean_score"]) == (1, 0, None)


def test_lapse_unreviewed_with_an_own_share_pays_it(deployed):
    cid = deployed.post("--unreviewed-share", "40%")
    deployed.accept(cid)
    deployed.submit(cid)
    shown = deployed.show(cid)
    assert ("  if unreviewed   if nobody reviews by " + format_time(shown["review_by"]) + ": the contributor gets "
            "0.5 ETH (the stake back and 40% of the reward), the funder 0.6 ETH") in deployed.ok("show", cid).out
    deployed.mine_past(shown["review_by"])
    deployed.ok("lapse", cid, "--account", STRANGER)
    shown = deployed.show(cid)
    assert (shown["state"], shown["to_contributor"], shown["to_funder"]) == (
        "unreviewed", str(4 * ETHER // 10 + ETHER // 10), str(6 * ETHER // 10))


def test_lapse_a_final_challenge_is_refused(posted, deployed):
    deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    assert deployed.refused("lapse", posted, "--account", STRANGER) == "Challenge 1 is cancelled, so that is not possible now."


def test_lapse_needs_an_account(posted, deployed):
    assert "--account" in deployed.bad_input("lapse", posted)


# --------------------------------------------------------------------------- withdraw


def test_withdraw_text_and_the_money_arrives(posted, deployed, accounts):
    deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    before = accounts[1].balance
    outcome = deployed.ok("withdraw", "--account", FUNDER)
    assert re.fullmatch(TX_LINE.format("Withdrew 1 ETH"), outcome.out.strip()), outcome.out
    gained = accounts[1].balance - before
    assert ETHER - 10**15 < gained <= ETHER  # one ether, less the gas
    assert deployed.refused("withdraw", "--account", FUNDER) == f"Ante owes {deployed.addr(1)} nothing in ETH."


def test_withdraw_json(posted, deployed):
    deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    data = deployed.ok("withdraw", "--account", FUNDER, "--json").json()
    assert data["account"] == deployed.addr(1)
    assert data["token"] == "0x" + "00" * 20
    assert data["amount"] == str(ETHER)
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"])


def test_withdraw_to_another_address_pays_it(posted, deployed, accounts):
    deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    before = accounts[4].balance
    outcome = deployed.ok("withdraw", "--to", deployed.addr(4), "--account", FUNDER)
    assert re.fullmatch(TX_LINE.format(f"Withdrew 1 ETH to {deployed.addr(4)}"), outcome.out.strip()), outcome.out
    assert accounts[4].balance == before + ETHER
    assert deployed.refused("withdraw", "--account", FUNDER) == f"Ante owes {deployed.addr(1)} nothing in ETH."


def test_withdraw_to_json_names_who_was_paid(posted, deployed):
    deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    data = deployed.ok("withdraw", "--to", deployed.addr(4).lower(), "--account", FUNDER, "--json").json()
    assert (data["account"], data["to"], data["amount"]) == (deployed.addr(1), deployed.addr(4), str(ETHER))


def test_withdraw_to_ante_itself_is_refused_before_sending(posted, deployed, chain):
    deployed.ok("cancel", posted, "--account", FUNDER, "--yes")
    head = chain.blocks.head.number
    message = deployed.bad_input("withdraw", "--to", deployed.address, "--account", FUNDER)
    assert message == f"{deployed.address} cannot receive a withdrawal: name an account other than zero or Ante."
    assert chain.blocks.head.number == head
    assert deployed.ok("withdraw", "--account", FUNDER, "--json").json()["amount"] == str(ETHER)


def test_withdraw_with_nothing_owed_is_refused(deployed, chain):
    head = chain.blocks.head.number
    assert deployed.refused("withdraw", "--account", STRANGER) == f"Ante owes {deployed.addr(3)} nothing in ETH."
    assert chain.blocks.head.number == head


def test_withdraw_a_token_that_is_not_a_token_is_refused(deployed):
    not_a_token = deployed.addr(3)
    message = deployed.refused("withdraw", "--token", not_a_token, "--account", STRANGER)
    assert message.startswith(f"{not_a_token} does not answer like an ERC-20 token")


def test_withdraw_token_must_be_an_address(deployed):
    message = deployed.bad_input("withdraw", "--token", "USDC", "--account", STRANGER)
    assert message == "Invalid value for '--token': 'USDC' is not an Ethereum address (0x followed by 40 hex digits)."
