"""The contributor's commands: `ante accept`, `ante submit` and `ante abandon`."""

import re

from eth_utils import keccak

from ante.units import format_time

FUNDER, CONTRIBUTOR, STRANGER = "TEST::1", "TEST::2", "TEST::3"
ETHER = 10**18
DAY = 86_400
TX_LINE = r"✔ {} — tx 0x[0-9a-f]{{64}}, block \d+, gas [\d,]+"


# --------------------------------------------------------------------------- accept


def test_accept_with_the_kelly_view(posted, deployed, chain):
    promise = deployed.file("promise.md", "Deliver by day ten, alone.\n")
    outcome = deployed.ok("accept", posted, "--promise", promise, "--publish", deployed.publish, "--by", "+10d",
                          "--p", "70%", "--bankroll", "5 ether", "--account", CONTRIBUTOR, "--yes")
    lines = outcome.out.strip().splitlines()
    assert re.fullmatch(r"Stake: 0\.1 ETH to win 1 ETH; you promise delivery by .+ UTC; the contract's deadline if "
                        r"you accept now: .+ UTC\.", lines[0]), lines[0]
    promise_hash = "0x" + keccak(promise.read_bytes()).hex()
    assert lines[1] == f"Promise: {deployed.publish}/documents/{promise_hash} (hash {promise_hash})"
    assert lines[2] == ("If you deliver and nobody reviews it in time, the challenge lapses Unreviewed: you get 1.1 ETH, "
                        "the stake back and 100% of the reward (no verdict, no score).")
    assert lines[3:7] == [
        "  You risk 0.1 ETH to win 1 ETH (odds 10 to 1).",
        "  You break even if you succeed more than 9.1% of the time; you believe 70%.",
        "  Expected value: +0.67 ETH.",
        "  Kelly says stake at most 67% of your bankroll (3.35 ETH of 5 ETH): accept.",
    ]
    assert lines[7] == "Stated on chain: your chance of success, 70% (--keep-p-private keeps it off the chain)."
    assert re.fullmatch(TX_LINE.format("Accepted challenge 1"), lines[8]), lines[8]
    shown = deployed.show(posted)
    assert shown["state"] == "accepted"
    assert shown["contributor"] == deployed.addr(2)
    assert shown["confidence_bps"] == 7_000  # --p is stated on chain
    assert shown["promise_hash"] == "0x" + keccak(promise.read_bytes()).hex()
    assert shown["promise_uri"] == f"{deployed.publish}/documents/{promise_hash}"
    # "+10d" counts from the chain's time when the command ran, just before the acceptance's block.
    assert shown["accepted_at"] + 10 * DAY - 60 <= shown["promised_by"] <= shown["accepted_at"] + 10 * DAY


def test_accept_json(posted, deployed):
    data = deployed.ok("accept", posted, "--promise", "https://example.org/promise", "--by", "+10d",
                       "--account", CONTRIBUTOR, "--yes", "--json").json()
    assert data["challenge_id"] == posted
    assert data["stake"] == str(ETHER // 10)
    assert data["confidence_bps"] == 0  # no --p: nothing stated
    shown = deployed.show(posted)
    assert shown["confidence_bps"] is None
    assert data["promised_by"] == shown["promised_by"]
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"])
    assert shown["promise_uri"] == "https://example.org/promise"
    assert shown["promise_hash"] == "0x" + keccak(b"https://example.org/promise").hex()


def test_accept_can_keep_p_private_and_still_show_the_kelly_view(posted, deployed):
    outcome = deployed.ok("accept", posted, "--promise", "https://p", "--by", "+10d", "--p", "70%", "--keep-p-private",
                          "--account", CONTRIBUTOR, "--yes")
    assert "  You break even if you succeed more than 9.1% of the time; you believe 70%." in outcome.out
    assert "Your chance of success stays private: the chain records none." in outcome.out
    shown = deployed.show(posted)
    assert (shown["state"], shown["confidence_bps"]) == ("accepted", None)
    [accepted] = [e for e in shown["events"] if e["event"] == "ChallengeAccepted"]
    assert accepted["confidence_bps"] == 0
    assert "  confidence      not stated" in deployed.ok("show", posted).out


def test_accept_states_p_to_the_nearest_basis_point_and_show_says_it(posted, deployed):
    data = deployed.ok("accept", posted, "--promise", "https://p", "--by", "+10d", "--p", "33.335%",
                       "--account", CONTRIBUTOR, "--yes", "--json").json()
    assert data["confidence_bps"] == 3_334  # 3333.5 basis points, to the nearest even
    assert deployed.show(posted)["confidence_bps"] == 3_334
    assert "  confidence      33.34% chance of success" in deployed.ok("show", posted).out


def test_stated_bps_rounds_and_never_turns_a_chance_into_not_stated():
    from ante.cli.work import stated_bps

    assert [stated_bps(p) for p in (0.7, 1.0, 0.0, 0.00001, 0.12345, 0.12355)] == [7_000, 10_000, 0, 1, 1_234, 1_236]


def test_accept_without_a_bankroll_says_what_kelly_allows(posted, deployed):
    outcome = deployed.ok("accept", posted, "--promise", "https://p", "--by", "+10d", "--p", "0.05",
                          "--account", CONTRIBUTOR, "--yes")
    assert "  Kelly says stake nothing, since your edge at these odds is not positive: do not accept." in outcome.out


def test_accept_by_the_funder_is_refused_as_self_dealing(posted, deployed):
    message = deployed.refused("accept", posted, "--promise", "https://p", "--by", "+10d", "--account", FUNDER, "--yes")
    assert message == f"{deployed.addr(1)} is the funder, a co-funder or one of the panel's evaluators and cannot accept."
    assert deployed.show(posted)["state"] == "open"


def test_accept_by_an_evaluator_is_refused_as_self_dealing(posted, deployed):
    message = deployed.refused("accept", posted, "--promise", "https://p", "--by", "+10d", "--account", "TEST::6",
                               "--yes")
    assert message == f"{deployed.addr(6)} is the funder, a co-funder or one of the panel's evaluators and cannot accept."


def test_accept_a_challenge_reserved_for_someone_else(deployed):
    deployed.post("--for", deployed.addr(3))
    message = deployed.refused("accept", 1, "--promise", "https://p", "--by", "+10d", "--account", CONTRIBUTOR,
                               "--yes")
    assert message == f"Challenge 1 is reserved for {deployed.addr(3)}, not {deployed.addr(2)}."


def test_accept_after_accept_by_is_refused(posted, deployed):
    accept_by = deployed.show(posted)["terms"]["accept_by"]
    deployed.mine_past(accept_by)
    message = deployed.refused("accept", posted, "--promise", "https://p", "--by", "+1d", "--account", CONTRIBUTOR,
                               "--yes")
    assert message.startswith(f"The deadline of challenge 1 passed at {format_time(accept_by)}")


def test_accept_an_already_accepted_challenge_is_a_refused_operation(accepted, deployed):
    """Like cancel after acceptance: the challenge exists and the input is well formed, but its state
    forbids it, so this is a refused operation (exit 1), not bad input (exit 2)."""
    outcome = deployed.run("accept", accepted, "--promise", "https://p", "--by", "+1d", "--account", STRANGER, "--yes")
    assert outcome.message == "Challenge 1 is accepted; only open challenges can be accepted."
    assert outcome.code == 1, str(outcome)


def test_accept_an_unknown_challenge_is_bad_input(posted, deployed):
    message = deployed.bad_input("accept", "5", "--promise", "https://p", "--by", "+1d", "--account", CONTRIBUTOR,
                                 "--yes")
    assert message == "There is no challenge 5 on this deployment (ids run from 1 to 1)."


def test_accept_promising_after_the_delivery_deadline_is_bad_input(posted, deployed, chain):
    head = chain.blocks.head.number
    message = deployed.bad_input("accept", posted, "--promise", "https://p", "--by", "+15d", "--account",
                                 CONTRIBUTOR, "--yes")
    assert message.startswith("Invalid value for --by: ")
    assert "is after the delivery deadline if you accept now" in message
    assert chain.blocks.head.number == head


def test_accept_promising_in_the_past_is_bad_input(posted, deployed):
    message = deployed.bad_input("accept", posted, "--promise", "https://p", "--by", "2020-01-01", "--account",
                                 CONTRIBUTOR, "--yes")
    assert message.startswith("Invalid value for --by: the time must be after now")


def test_accept_with_an_impossible_belief_is_bad_input(posted, deployed):
    message = deployed.bad_input("accept", posted, "--promise", "https://p", "--by", "+1d", "--p", "70",
                                 "--account", CONTRIBUTOR, "--yes")
    assert message == ("Invalid value for '--p': a probability must be between 0% and 100%, got 70 "
                       "(for a percentage write 70%).")


def test_accept_with_a_malformed_bankroll_is_bad_input(posted, deployed):
    message = deployed.bad_input("accept", posted, "--promise", "https://p", "--by", "+1d", "--p", "70%",
                                 "--bankroll", "lots", "--account", CONTRIBUTOR, "--yes")
    assert message.startswith('Invalid value for --bankroll: "lots" is not an amount')


def test_accept_with_a_missing_promise_file_is_bad_input(posted, deployed):
    message = deployed.bad_input("accept", posted, "--promise", "/nonexistent/promise.md", "--by", "+1d",
                                 "--account", CONTRIBUTOR, "--yes")
    assert message == "'/nonexistent/promise.md' is neither a readable file nor a URL (scheme://...)."


def test_accept_in_social_trust_mode_stakes_nothing(deployed, chain):
    deployed.post(stake="0%")
    outcome = deployed.ok("accept", 1, "--promise", "https://p", "--by", "+1d", "--p", "60%", "--account",
                          CONTRIBUTOR, "--yes")
    assert outcome.out.startswith("Stake: 0 ETH to win 1 ETH;")
    assert "  You risk nothing to win 1 ETH." in outcome.out
    assert deployed.show(1)["stake"] == "0"
    assert chain.provider.get_balance(deployed.address) == ETHER


# --------------------------------------------------------------------------- submit


def test_submit_text(accepted, deployed):
    outcome = deployed.ok("submit", accepted, "--deliverable", "https://example.org/pull/42", "--account",
                          CONTRIBUTOR, "--yes")
    assert re.fullmatch(TX_LINE.format("Submitted challenge 1"), outcome.out.strip()), outcome.out
    shown = deployed.show(accepted)
    assert shown["state"] == "submitted"
    assert shown["deliverable_uri"] == "https://example.org/pull/42"
    assert shown["review_by"] == shown["submitted_at"] + 3 * DAY
    assert shown["deadline"] == shown["review_by"]


def test_submit_json_with_a_file(accepted, deployed):
    work = deployed.file("work.tar", "the deliverable\n")
    data = deployed.ok("submit", accepted, "--deliverable", work, "--publish", deployed.publish, "--account",
                       CONTRIBUTOR, "--yes", "--json").json()
    assert data["challenge_id"] == accepted
    assert data["deliverable"] == "0x" + keccak(b"the deliverable\n").hex()
    assert data["uri"] == f"{deployed.publish}/documents/{data['deliverable']}"
    assert deployed.show(accepted)["deliverable"] == data["deliverable"]


def test_submit_twice_is_refused(submitted, deployed):
    message = deployed.refused("submit", submitted, "--deliverable", "https://x", "--account", CONTRIBUTOR, "--yes")
    assert message == "Challenge 1 is submitted, so that is not possible now."


def test_submit_by_someone_else_is_refused(accepted, deployed):
    message = deployed.refused("submit", accepted, "--deliverable", "https://x", "--account", STRANGER, "--yes")
    assert message == f"Only the contributor can do that to challenge 1, not {deployed.addr(3)}."


def test_submit_after_the_delivery_deadline_is_refused(accepted, deployed):
    deployed.mine_past(deployed.show(accepted)["deliver_by"])
    message = deployed.refused("submit", accepted, "--deliverable", "https://x", "--account", CONTRIBUTOR, "--yes")
    assert message.startswith("The deadline of challenge 1 passed at")


def test_submit_an_open_challenge_is_refused(posted, deployed):
    message = deployed.refused("submit", posted, "--deliverable", "https://x", "--account", CONTRIBUTOR, "--yes")
    assert message == "Challenge 1 is open, so that is not possible now."


# --------------------------------------------------------------------------- abandon


def test_abandon_text_reopens_the_challenge(accepted, deployed):
    outcome = deployed.ok("abandon", accepted, "--account", CONTRIBUTOR, "--yes")
    assert re.fullmatch(TX_LINE.format("Abandoned challenge 1"), outcome.out.strip()), outcome.out
    shown = deployed.show(accepted)
    assert shown["state"] == "open"
    assert shown["abandoned_by"] == [deployed.addr(2)]
    assert shown["forfeited"] == str(ETHER // 10)
    assert shown["contributor"] is None


def test_abandon_json_and_the_funder_gets_the_stake(accepted, deployed):
    data = deployed.ok("abandon", accepted, "--account", CONTRIBUTOR, "--yes", "--json").json()
    assert data["challenge_id"] == accepted
    assert data["forfeited"] == str(ETHER // 10)
    withdrawn = deployed.ok("withdraw", "--account", FUNDER, "--json").json()
    assert withdrawn["amount"] == str(ETHER // 10)


def test_abandon_by_someone_else_is_refused(accepted, deployed):
    message = deployed.refused("abandon", accepted, "--account", STRANGER, "--yes")
    assert message == f"Only the contributor can do that to challenge 1, not {deployed.addr(3)}."


def test_abandon_an_open_challenge_is_refused_in_a_plain_sentence(posted, deployed):
    message = deployed.refused("abandon", posted, "--account", CONTRIBUTOR, "--yes")
    assert not message.startswith("Unexpected"), message
    assert message == "Challenge 1 is open; only an accepted challenge can be abandoned."
