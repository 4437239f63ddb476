"""`ante post`, `ante list` and `ante show`."""

import re

import pytest

from ante.units import format_time

FUNDER, CONTRIBUTOR = "TEST::1", "TEST::2"
ETHER = 10**18
DAY = 86_400


def post_args(ante_cli, **overrides):
    options = {"--reward": "1 ether", "--stake": "10%", "--panel": "1", "--accept-by": "+7d",
               "--deliver-within": "14d", "--review-within": "3d", "--spec": "https://example.org/spec.md",
               "--account": FUNDER}
    options.update(overrides)
    args = ["post", "--yes"]
    for name, value in options.items():
        if value is not None:
            args += [name, value]
    return args


# --------------------------------------------------------------------------- post


def test_post_shows_the_terms_and_the_new_challenge(deployed, chain):
    spec = deployed.file("spec.md", "# Spec\n")
    from eth_utils import keccak

    outcome = deployed.ok(*post_args(deployed, **{"--spec": str(spec), "--accept-by": "+7d",
                                                  "--publish": deployed.publish}))
    now = chain.blocks.head.timestamp
    lines = outcome.out.splitlines()
    assert lines[0] == "Terms"
    rows = {line[2:17].strip(): line[17:] for line in lines[1:10]}
    assert rows["reward"] == "1 ETH"
    assert rows["stake"] == "0.1 ETH (10% of the reward)"
    assert rows["panel"] == "1: 2 of 3 evaluators"
    assert rows["deliver within"] == "14d"
    assert rows["review within"] == "3d"
    spec_hash = "0x" + keccak(spec.read_bytes()).hex()
    assert rows["spec"] == f"{deployed.publish}/documents/{spec_hash} (hash {spec_hash})"
    assert rows["only for"] == "anyone"
    assert rows["if unreviewed"] == ("the stake back and 100% of the reward to the contributor (1.1 ETH), 0 ETH to "
                                     "the funder, if the panel gives no verdict in time")
    assert re.fullmatch(r"✔ Posted — tx 0x[0-9a-f]{64}, block \d+, gas [\d,]+", lines[10]), lines[10]
    accept_by = deployed.show(1)["terms"]["accept_by"]
    assert now < accept_by <= now + 7 * DAY
    assert rows["accept by"] == format_time(accept_by)
    assert lines[11] == f"Challenge 1 is open until {format_time(accept_by)}."


def test_post_json(deployed, chain):
    data = deployed.ok(*post_args(deployed, **{"--reward": "2.5 ether", "--stake": "12.5%"}), "--json").json()
    assert data["challenge_id"] == 1
    assert data["reward"] == str(25 * ETHER // 10)
    assert data["stake"] == str(25 * ETHER // 10 // 8)  # 12.5% of 2.5 ether
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"])
    assert data["unreviewed_bps"] == 10_000  # the contract's default
    assert chain.provider.get_balance(deployed.address) == 25 * ETHER // 10  # the reward is escrowed


def test_post_with_an_unreviewed_share(deployed, project):
    """--unreviewed-share posts with createWithOptions: the preview, the event, the view and `show`."""
    outcome = deployed.ok(*post_args(deployed, **{"--unreviewed-share": "50%"}))
    assert ("  if unreviewed  the stake back and 50% of the reward to the contributor (0.6 ETH), 0.5 ETH to the "
            "funder, if the panel gives no verdict in time") in outcome.out
    shown = deployed.show(1)
    assert shown["unreviewed_bps"] == 5_000
    assert [e["event"] for e in shown["events"]] == ["ChallengeCreated", "ChallengeOptionsSet"]
    assert shown["events"][1]["options"] == {"unreviewed_bps": 5_000, "appeal_window": 0, "appeal_panel_id": 0,
                                             "appeal_bond_bps": 0, "review_fee": "0"}
    assert deployed.ok("list", "--json").json()[0]["unreviewed_bps"] == 5_000
    assert project.Ante.at(deployed.address).optionsOf(1)[0] == 5_000  # the contract's own view
    data = deployed.ok(*post_args(deployed, **{"--unreviewed-share": "0"}), "--json").json()  # basis points
    assert data["unreviewed_bps"] == 0 and deployed.show(2)["unreviewed_bps"] == 0
    assert "  if unreviewed   if nobody reviews in time: the contributor gets 0.1 ETH (the stake back and 0% of the " \
           "reward), the funder 1 ETH" in deployed.ok("show", "2").out


def test_post_with_the_default_unreviewed_share_uses_plain_create(deployed):
    assert deployed.ok(*post_args(deployed, **{"--unreviewed-share": "100%"}), "--json").json()["unreviewed_bps"] == 10_000
    shown = deployed.show(1)
    assert shown["unreviewed_bps"] == 10_000 and [e["event"] for e in shown["events"]] == ["ChallengeCreated"]


@pytest.mark.parametrize("share, message", [
    ("101%", "Invalid value for '--unreviewed-share': share must be between 0% and 100%, got 101%."),
    ("10001", "Invalid value for '--unreviewed-share': share must be between 0% and 100%, got 10001 bps."),
    ("half", "Invalid value for '--unreviewed-share': \"half\" is not a share; give a percentage such as 10% or "
             "basis points such as 1000bps."),
])
def test_post_with_an_unreviewed_share_outside_0_to_100_percent_is_bad_input(deployed, chain, share, message):
    head = chain.blocks.head.number
    assert deployed.bad_input(*post_args(deployed, **{"--unreviewed-share": share})) == message
    assert chain.blocks.head.number == head  # nothing was sent


def test_post_social_trust_mode_and_a_designated_contributor(deployed):
    outcome = deployed.ok(*post_args(deployed, **{"--stake": "0", "--for": deployed.addr(2)}))
    assert "  stake          0 ETH (0% of the reward)" in outcome.out
    assert f"  only for       {deployed.addr(2)}" in outcome.out
    shown = deployed.show(1)
    assert shown["terms"]["stake_bps"] == 0
    assert shown["terms"]["designated"] == deployed.addr(2)
    assert f"  only for        {deployed.addr(2)}" in deployed.ok("show", "1").out


def test_post_with_a_past_accept_by_is_bad_input(deployed, chain):
    head = chain.blocks.head.number
    message = deployed.bad_input(*post_args(deployed, **{"--accept-by": "2020-01-01"}))
    assert message.startswith("Invalid value for --accept-by: the time must be after now (")
    assert message.endswith("got 2020-01-01 23:59:59 UTC.")
    assert chain.blocks.head.number == head


def test_post_with_an_unreadable_accept_by_is_bad_input(deployed):
    message = deployed.bad_input(*post_args(deployed, **{"--accept-by": "next tuesday"}))
    assert message.startswith('Invalid value for --accept-by: "next tuesday" is not a time')


def test_post_with_a_stake_over_100_percent_is_bad_input(deployed):
    message = deployed.bad_input(*post_args(deployed, **{"--stake": "120%"}))
    assert message == "Invalid value for '--stake': stake must be between 0% and 100%, got 120%."


def test_post_with_a_malformed_reward_is_bad_input(deployed):
    message = deployed.bad_input(*post_args(deployed, **{"--reward": "1.5 bananas"}))
    assert message == ('Invalid value for --reward: "bananas" is not a known unit in "1.5 bananas"; '
                       "use ether, eth, gwei, wei or tokens.")


def test_post_with_a_zero_reward_is_bad_input(deployed):
    message = deployed.bad_input(*post_args(deployed, **{"--reward": "0 ether"}))
    assert message == "Invalid value for --reward: the reward must be more than zero."


def test_post_with_a_bad_duration_is_bad_input(deployed):
    message = deployed.bad_input(*post_args(deployed, **{"--deliver-within": "0d"}))
    assert message == "Invalid value for '--deliver-within': a duration must be positive, got 0d."
    message = deployed.bad_input(*post_args(deployed, **{"--review-within": "3 fortnights"}))
    assert "is not a unit of time" in message


def test_post_to_an_unknown_panel_is_bad_input(deployed):
    assert deployed.bad_input(*post_args(deployed, **{"--panel": "9"})) == (
        "There is no panel 9; create one with `ante panel create`.")


def test_post_by_a_member_of_the_panel_is_refused_before_anything_is_signed(deployed, chain):
    head = chain.blocks.head.number
    outcome = deployed.fails(1, *post_args(deployed, **{"--account": "TEST::5"}))  # TEST::5 sits on panel 1
    assert outcome.message == (f"{deployed.addr(5)} sits on panel 1, and a funder may not judge their own challenge; "
                               "choose a panel without the funder (`ante panel create`)."), outcome.message
    assert chain.blocks.head.number == head


def test_post_with_a_missing_spec_file_names_the_file_as_given(deployed):
    message = deployed.bad_input(*post_args(deployed, **{"--spec": "missing-spec.md"}))
    # The sentence must name the file exactly as typed (paths are case-sensitive).
    assert message == "'missing-spec.md' is neither a readable file nor a URL (scheme://...).", message


def test_post_needs_its_required_options(deployed):
    outcome = deployed.fails(2, *post_args(deployed, **{"--panel": None}))
    assert outcome.message == "Missing option '--panel'."


def test_post_more_than_the_funder_holds_is_refused_in_a_plain_sentence(deployed):
    # TEST::1 starts with 10,000 ether: the node refuses to send 20,000.
    outcome = deployed.fails(1, *post_args(deployed, **{"--reward": "20000 ether"}))
    assert not outcome.message.startswith("Unexpected"), outcome.message


# --------------------------------------------------------------------------- list


def test_list_with_nothing_posted(deployed):
    assert deployed.ok("list").out.strip() == "No challenges match."
    assert deployed.ok("list", "--json").json() == []


def test_list_text_newest_first(deployed):
    deployed.post()
    deployed.post(reward="2 ether", stake="5%", account="TEST::3")
    deployed.accept(1)
    lines = deployed.ok("list").out.strip().splitlines()
    assert lines[0].split() == ["id", "state", "reward", "stake", "funder", "funders", "contributor", "next",
                                "deadline"]
    second, first = lines[1].split(), lines[2].split()
    assert second[:6] == ["2", "open", "2", "ETH", "0.1", "ETH"]
    assert second[6] == f"{deployed.addr(3)[:6]}…{deployed.addr(3)[-4:]}"
    assert second[7] == "1"  # its creator alone
    assert second[8] == "—" and second[9] == "in"
    assert first[:6] == ["1", "accepted", "1", "ETH", "0.1", "ETH"]
    assert first[8] == f"{deployed.addr(2)[:6]}…{deployed.addr(2)[-4:]}"
    assert re.fullmatch(r"14d|13d 23h 59m( \d+s)?", " ".join(first[10:]))  # 14 days to deliver, from acceptance


def test_list_json_filters_and_limit(deployed):
    deployed.post()
    deployed.post(account="TEST::3")
    deployed.post()
    deployed.accept(2)
    everything = deployed.ok("list", "--json").json()
    assert [c["challenge_id"] for c in everything] == [3, 2, 1]
    assert [c["state"] for c in everything] == ["open", "accepted", "open"]
    assert [c["challenge_id"] for c in deployed.ok("list", "--status", "open", "--json").json()] == [3, 1]
    assert [c["challenge_id"] for c in deployed.ok("list", "--status", "live", "--json").json()] == [3, 2, 1]
    assert deployed.ok("list", "--status", "settled", "--json").json() == []
    assert [c["challenge_id"] for c in deployed.ok("list", "--limit", "2", "--json").json()] == [3, 2]
    mine = deployed.ok("list", "--mine", "--account", "TEST::3", "--json").json()
    assert [c["challenge_id"] for c in mine] == [2]
    mine = deployed.ok("list", "--mine", "--account", CONTRIBUTOR, "--json").json()
    assert [c["challenge_id"] for c in mine] == [2]
    assert deployed.ok("list", "--status", "settled").out.strip() == "No challenges match."


def test_list_bad_status_and_limit(deployed):
    assert "Invalid value for '--status'" in deployed.fails(2, "list", "--status", "lost").message
    assert "Invalid value for '--limit'" in deployed.fails(2, "list", "--limit", "0").message


def test_list_marks_a_challenge_that_can_lapse(posted, deployed):
    deployed.mine_past(deployed.show(posted)["terms"]["accept_by"])
    row = deployed.ok("list").out.strip().splitlines()[1]
    assert row.split()[:2] == ["1", "open"]
    assert row.rstrip().endswith("passed: can lapse")


# --------------------------------------------------------------------------- show


def test_show_an_open_challenge_text(posted, deployed):
    shown = deployed.show(posted)
    terms = shown["terms"]
    lines = deployed.ok("show", posted).out.splitlines()
    assert lines[0] == "Challenge 1 — open"
    assert lines[1] == f"  funder          {deployed.addr(1)}"
    assert lines[2] == "  reward          1 ETH; stake 0.1 ETH (10%)"
    assert lines[3] == "  panel           1"
    assert lines[4] == f"  spec            {deployed.publish}/documents/{terms['spec_hash']} ({terms['spec_hash']})"
    assert lines[5] == f"  accept by       {format_time(terms['accept_by'])}"
    assert lines[6] == "  deliver within  14d; review within 3d"
    assert lines[7] == ("  if unreviewed   if nobody reviews in time: the contributor gets 1.1 ETH (the stake back and "
                        "100% of the reward), the funder 0 ETH")
    assert lines[8] == "Timeline"
    assert re.fullmatch(r"  \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC  ChallengeCreated\s+block \d+, tx 0x[0-9a-f]{64}", lines[9])
    assert len(lines) == 10


def test_show_json_fields(posted, deployed):
    shown = deployed.show(posted)
    assert shown["challenge_id"] == 1 and shown["state"] == "open"
    assert shown["terms"] == {
        "funder": deployed.addr(1), "token": "0x" + "00" * 20, "reward": str(ETHER), "stake_bps": 1000,
        "panel_id": 1, "accept_by": shown["terms"]["accept_by"], "deliver_within": 14 * DAY,
        "review_within": 3 * DAY, "designated": "0x" + "00" * 20, "spec_hash": shown["terms"]["spec_hash"],
    }
    assert shown["deadline"] == shown["terms"]["accept_by"]
    assert shown["unreviewed_bps"] == 10_000
    assert shown["escrow"] == str(ETHER)
    assert shown["contributor"] is None and shown["deliverable"] is None and shown["score"] is None
    assert [e["event"] for e in shown["events"]] == ["ChallengeCreated"]


def test_show_an_accepted_challenge(accepted, deployed):
    shown = deployed.show(accepted)
    assert shown["state"] == "accepted"
    assert shown["contributor"] == deployed.addr(2)
    assert shown["stake"] == str(ETHER // 10)
    assert shown["deadline"] == shown["deliver_by"] == shown["accepted_at"] + 14 * DAY
    assert shown["escrow"] == str(ETHER + ETHER // 10)
    text = deployed.ok("show", accepted).out
    assert f"  contributor     {deployed.addr(2)}" in text
    assert f"  deliver by      {format_time(shown['deliver_by'])}" in text
    assert f", by {format_time(shown['promised_by'])}" in text


def test_show_an_unknown_challenge_is_bad_input(posted, deployed):
    assert deployed.bad_input("show", "99") == "There is no challenge 99 on this deployment (ids run from 1 to 1)."


def test_show_when_nothing_is_posted(deployed):
    assert deployed.bad_input("show", "1") == "There is no challenge 1 on this deployment (none has been posted yet)."


def test_show_needs_a_numeric_id(deployed):
    assert "'one' is not a valid integer" in deployed.fails(2, "show", "one").message
