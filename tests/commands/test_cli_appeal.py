"""The appeal round from the command line: `ante post --appeal-window/--appeal-panel/--appeal-bond/--review-fee`,
`ante appeal`, `ante finalize`, and `ante verdict sign` / `ante settle` of an appealed challenge."""

import json

import pytest

from ante.verdict import AppealVerdict, SignedVerdict, Verdict

FUNDER, CONTRIBUTOR, STRANGER, RELAYER = "TEST::1", "TEST::2", "TEST::3", "TEST::4"
ETHER = 10**18
DAY = 86_400
BOND = ETHER // 5  # 20% of the 1 ether reward
FEE = ETHER // 100


def appeal_options(panel="2", window="1d", bond="20%", fee="0.01 ether"):
    return ["--appeal-window", window, "--appeal-panel", panel, "--appeal-bond", bond, "--review-fee", fee]


@pytest.fixture
def appeal_panel(deployed) -> int:
    """Panel 2: TEST::3, 8 and 9, 2 of 3, to decide appeals."""
    return deployed.create_panel(members=(3, 8, 9))


@pytest.fixture
def ruled(deployed, appeal_panel) -> int:
    """Challenge 1 posted with an appeal round and a review fee, submitted, and its verdict (40%) recorded."""
    cid = deployed.post(*appeal_options())
    deployed.accept(cid)
    deployed.submit(cid)
    settled = deployed.settle(cid, deployed.sign(cid, "TEST::5", "40%"), deployed.sign(cid, "TEST::6", "40%"))
    assert (settled["state"], settled["score"]) == ("ruled", 4_000)  # recorded, not paid
    return cid


def test_post_with_an_appeal_round_previews_it_escrows_the_fee_and_shows_it(deployed, appeal_panel, chain):
    held = chain.provider.get_balance(deployed.address)
    outcome = deployed.ok("post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within",
                          "14d", "--review-within", "3d", "--spec", "https://example.org/spec.md",
                          "--account", FUNDER, "--yes", *appeal_options())
    assert ("  appeal         within 1d of the verdict, to panel 2 (2 of 3 evaluators), for a bond of 0.2 ETH "
            "(20% of the reward)") in outcome.out
    assert "  review fee     0.01 ETH, shared by the verdict's signers; back to you if no verdict comes" in outcome.out
    assert chain.provider.get_balance(deployed.address) - held == ETHER + FEE
    shown = deployed.show(1)
    assert [e["event"] for e in shown["events"]] == ["ChallengeCreated", "ChallengeOptionsSet"]
    assert shown["events"][1]["options"] == {"unreviewed_bps": 10_000, "appeal_window": DAY, "appeal_panel_id": 2,
                                             "appeal_bond_bps": 2_000, "review_fee": str(FEE)}
    data = deployed.ok("post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within", "14d",
                       "--review-within", "3d", "--spec", "https://example.org/spec.md", "--account", FUNDER, "--yes",
                       "--json", "--appeal-window", "2d", "--appeal-panel", "2").json()
    assert (data["appeal_window"], data["appeal_panel_id"], data["appeal_bond_bps"], data["review_fee"]) == (
        2 * DAY, 2, 1_000, "0")  # the bond's default: 10%


@pytest.mark.parametrize("extra, message", [
    (["--appeal-panel", "2"], "Invalid value for --appeal-panel: an appeal panel and bond need an appeal window: "
                              "give --appeal-window too."),
    (["--appeal-window", "1d"], "Invalid value for --appeal-window: an appeal round needs the panel that decides "
                                "appeals: give --appeal-panel."),
    (["--appeal-window", "1d", "--appeal-panel", "2", "--appeal-bond", "101%"],
     "Invalid value for '--appeal-bond': appeal bond must be between 0% and 100%, got 101%."),
    (["--review-fee", "lots"], None),
])
def test_post_with_bad_appeal_options_is_bad_input_and_sends_nothing(deployed, appeal_panel, chain, extra, message):
    head = chain.blocks.head.number
    said = deployed.bad_input("post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within",
                              "14d", "--review-within", "3d", "--spec", "https://example.org/spec.md",
                              "--account", FUNDER, "--yes", *extra)
    if message is not None:
        assert said == message
    else:
        assert said == 'Invalid value for --review-fee: "lots" is not an amount; write it like 1.5 ether, 250 gwei or ' \
                       '1000 wei.'
    assert chain.blocks.head.number == head


@pytest.mark.parametrize("panel, message", [
    ("1", "An appeal round needs a window, another existing panel than the challenge's and a bond of 0.01% to 100% "
          "of the reward, and no panel or bond without a window (window 86400 s, panel 1, bond 20%)."),
    ("3", "An appeal round needs a window, another existing panel than the challenge's and a bond of 0.01% to 100% "
          "of the reward, and no panel or bond without a window (window 86400 s, panel 3, bond 20%)."),
])
def test_post_with_an_appeal_panel_the_contract_refuses_is_refused_first(deployed, appeal_panel, chain, panel,
                                                                          message):
    head = chain.blocks.head.number
    assert deployed.refused("post", "--reward", "1 ether", "--panel", "1", "--accept-by", "+7d", "--deliver-within",
                            "14d", "--review-within", "3d", "--spec", "https://example.org/spec.md",
                            "--account", FUNDER, "--yes", *appeal_options(panel=panel)) == message
    assert chain.blocks.head.number == head


def test_a_verdict_with_an_appeal_window_is_recorded_and_finalized_once_it_closes(deployed, ruled, chain):
    shown = deployed.show(ruled)
    assert (shown["state"], shown["score"]) == ("ruled", None)
    assert shown["appeal"]["first_score"] == 4_000 and shown["appeal"]["appellant"] is None
    assert shown["review_fee_paid"] == {"share": str(FEE // 2), "signers": sorted(
        [deployed.addr(5), deployed.addr(6)], key=lambda a: int(a, 16))}
    assert [c["challenge_id"] for c in deployed.ok("list", "--status", "live", "--json").json()] == [ruled]
    assert [c["challenge_id"] for c in deployed.ok("list", "--status", "ruled", "--json").json()] == [ruled]
    text = deployed.ok("show", ruled).out
    assert "  appeal          within 1d of the verdict, to panel 2, for a bond of 0.2 ETH (20%)" in text
    assert "  review fee paid 0.005 ETH to each of 2 signers" in text
    assert "  verdict         40% recorded, appealable until " in text
    message = deployed.refused("finalize", ruled, "--account", RELAYER, "--yes")
    assert message.startswith(f"Challenge {ruled} cannot lapse or be finalized before its deadline, ")
    deployed.mine_past(shown["deadline"])
    data = deployed.ok("finalize", ruled, "--account", RELAYER, "--yes", "--json").json()
    pot = ETHER + ETHER // 10
    assert (data["score"], data["to_contributor"], data["to_funder"]) == (4_000, str(pot * 4 // 10),
                                                                          str(pot - pot * 4 // 10))
    assert deployed.show(ruled)["state"] == "settled" and deployed.show(ruled)["score"] == 4_000
    assert deployed.refused("finalize", ruled, "--account", RELAYER, "--yes") == (
        f"Challenge {ruled} is settled; only a recorded verdict (ruled, or appealed and not decided in time) can be "
        "finalized.")


def test_an_appeal_by_the_contributor_decided_by_the_appeal_panel(deployed, ruled, chain):
    head = chain.blocks.head.number
    assert deployed.refused("appeal", ruled, "--account", STRANGER, "--yes") == (
        f"Only the creator or the contributor of challenge {ruled} can appeal its verdict, not {deployed.addr(3)}.")
    assert chain.blocks.head.number == head
    data = deployed.ok("appeal", ruled, "--account", CONTRIBUTOR, "--yes", "--json").json()
    assert (data["appellant"], data["bond"]) == (deployed.addr(2), str(BOND))
    shown = deployed.show(ruled)
    assert (shown["state"], shown["deadline"]) == ("appealed", data["rule_by"])
    assert deployed.refused("appeal", ruled, "--account", FUNDER, "--yes") == (
        f"Challenge {ruled} is appealed; its verdict is already appealed.")

    # The first panel cannot decide it; the appeal panel signs an AppealVerdict.
    assert deployed.bad_input("verdict", "sign", ruled, "--score", "70%", "--account", "TEST::5") == (
        f"{deployed.addr(5)} is not an evaluator on appeal panel 2, so its verdict would not count.")
    files = [deployed.sign(ruled, account, "70%") for account in ("TEST::8", "TEST::9")]
    document = json.loads(files[0].read_text())
    assert document["typedData"]["primaryType"] == "AppealVerdict"
    assert isinstance(SignedVerdict.from_json(document, kinds=(AppealVerdict,)).verdict, AppealVerdict)
    outcome = deployed.ok("settle", ruled, *files, "--account", RELAYER, "--yes")
    assert "the appeal is won, the bond of 0.2 ETH goes back to the appellant" in outcome.out
    shown = deployed.show(ruled)
    assert (shown["state"], shown["score"]) == ("settled", 7_000)

    # The records: the contributor's appeal won, the first verdict's signers overturned and paid the fee.
    mine = deployed.ok("records", deployed.addr(2), "--json").json()
    assert mine["contributor"]["appeals"] == {"made": 1, "won": 1}
    assert "    appeals made 1, won 1" in deployed.ok("records", deployed.addr(2)).out
    evaluator = deployed.ok("records", deployed.addr(5), "--json").json()["evaluator"]
    assert (evaluator["verdicts_overturned"], evaluator["review_fees"]) == (
        1, {"0x0000000000000000000000000000000000000000": str(FEE // 2)})
    assert "    verdicts overturned on appeal 1; review fees earned 0.005 ETH" in deployed.ok(
        "records", deployed.addr(5)).out


def test_a_first_round_verdict_cannot_settle_an_appealed_challenge(deployed, ruled, accounts, chain):
    deployed.ok("appeal", ruled, "--account", FUNDER, "--yes")
    deliverable = bytes.fromhex(deployed.show(ruled)["deliverable"][2:])
    files = []
    for n in (8, 9):
        verdict = Verdict(31337, deployed.address, ruled, deliverable, 2_000)
        signed = SignedVerdict(verdict, accounts[n].address, verdict.sign(accounts[n].private_key))
        files.append(deployed.file(f"first-round-{n}.json", json.dumps(signed.to_json())))
    head = chain.blocks.head.number
    assert deployed.bad_input("settle", ruled, *files, "--account", RELAYER, "--yes") == (
        f"The verdict from {accounts[8].address} is a first-round Verdict, but challenge {ruled} is appealed: its "
        "appeal panel signs an AppealVerdict (`ante verdict sign` writes one for an appealed challenge).")
    assert chain.blocks.head.number == head


def test_appeal_refuses_a_closed_window_and_a_challenge_without_one(deployed, ruled, submitted_plain):
    deployed.mine_past(deployed.show(ruled)["deadline"])
    assert deployed.refused("appeal", ruled, "--account", CONTRIBUTOR, "--yes").startswith(
        f"The deadline of challenge {ruled} passed at ")
    assert deployed.refused("appeal", submitted_plain, "--account", CONTRIBUTOR, "--yes") == (
        f"Challenge {submitted_plain} is submitted; only a verdict recorded with an appeal window can be appealed.")


@pytest.fixture
def submitted_plain(deployed, ruled) -> int:
    """Challenge 2, without options, submitted."""
    cid = deployed.post()
    deployed.accept(cid)
    deployed.submit(cid)
    return cid
