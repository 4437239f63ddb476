"""The evaluator's `ante verdict sign` / `ante verdict typed-data`, and `ante settle`."""

import json
import re

from eth_account import Account

from ante.verdict import SignedVerdict, Verdict

CONTRIBUTOR, STRANGER, RELAYER = "TEST::2", "TEST::3", "TEST::4"
ETHER = 10**18
TX_LINE = r"✔ {} — tx 0x[0-9a-f]{{64}}, block \d+, gas [\d,]+"


def forge(deployed, accounts, signer: int, challenge_id: int, deliverable: str, score: int, name: str):
    """A verdict file signed with test account `signer`'s key, for any challenge and deliverable."""
    verdict = Verdict(31337, deployed.address, challenge_id, bytes.fromhex(deliverable[2:]), score)
    key = accounts[signer].private_key
    signed = SignedVerdict(verdict, accounts[signer].address, verdict.sign(key))
    return deployed.file(name, json.dumps(signed.to_json()))


# --------------------------------------------------------------------------- verdict sign


def test_verdict_sign_writes_a_signed_verdict_file(submitted, deployed):
    path = deployed.folder / "v5.json"
    outcome = deployed.ok("verdict", "sign", submitted, "--score", "90%", "--account", "TEST::5", "--out", path)
    assert outcome.out.strip() == f"Signed 90% for challenge 1 as {deployed.addr(5)}; wrote {path}."
    document = json.loads(path.read_text())
    assert document["signer"] == deployed.addr(5)
    assert re.fullmatch(r"0x[0-9a-f]{130}", document["signature"])
    typed = document["typedData"]
    assert typed["primaryType"] == "Verdict"
    assert typed["domain"] == {"name": "Ante", "version": "1", "chainId": 31337, "verifyingContract": deployed.address}
    assert typed["message"] == {"challengeId": 1, "deliverable": deployed.show(1)["deliverable"], "score": 9000}
    # The file verifies on its own: the signature recovers to the named signer.
    assert SignedVerdict.from_json(document).signer == deployed.addr(5)


def test_verdict_sign_without_out_prints_the_verdict(submitted, deployed):
    document = deployed.ok("verdict", "sign", submitted, "--score", "pass", "--account", "TEST::6").json()
    assert document["signer"] == deployed.addr(6)
    assert document["typedData"]["message"]["score"] == 10000
    assert SignedVerdict.from_json(document).verdict.challenge_id == 1


def test_verdict_sign_json_with_out_prints_the_document_too(submitted, deployed):
    path = deployed.folder / "v7.json"
    document = deployed.ok("verdict", "sign", submitted, "--score", "fail", "--account", "TEST::7", "--out", path,
                           "--json").json()
    assert document == json.loads(path.read_text())
    assert document["typedData"]["message"]["score"] == 0


def test_verdict_sign_with_a_score_over_100_percent_is_bad_input(submitted, deployed):
    message = deployed.bad_input("verdict", "sign", submitted, "--score", "101%", "--account", "TEST::5")
    assert message == "Invalid value for '--score': score must be between 0% and 100%, got 101%."


def test_verdict_sign_with_a_malformed_score_is_bad_input(submitted, deployed):
    message = deployed.bad_input("verdict", "sign", submitted, "--score", "great", "--account", "TEST::5")
    assert message.startswith("Invalid value for '--score': \"great\" is not a score")


def test_verdict_sign_by_a_non_member_is_bad_input(submitted, deployed):
    message = deployed.bad_input("verdict", "sign", submitted, "--score", "90%", "--account", STRANGER)
    assert message == f"{deployed.addr(3)} is not an evaluator on panel 1, so its verdict would not count."


def test_verdict_sign_before_submission_is_refused(accepted, deployed):
    message = deployed.refused("verdict", "sign", accepted, "--score", "90%", "--account", "TEST::5")
    assert message == "Challenge 1 is accepted; verdicts are for submitted or appealed work."


def test_verdict_sign_an_unknown_challenge_is_bad_input(submitted, deployed):
    message = deployed.bad_input("verdict", "sign", "3", "--score", "90%", "--account", "TEST::5")
    assert message == "There is no challenge 3 on this deployment (ids run from 1 to 1)."


# --------------------------------------------------------------------------- verdict typed-data


def test_typed_data_signed_by_a_standard_wallet_settles(submitted, deployed, accounts):
    typed = deployed.ok("verdict", "typed-data", submitted, "--score", "80%").json()
    assert typed["types"]["Verdict"] == [{"name": "challengeId", "type": "uint256"},
                                         {"name": "deliverable", "type": "bytes32"},
                                         {"name": "score", "type": "uint16"}]
    assert typed["message"]["score"] == 8000
    files = []
    for n in (5, 7):
        # eth_signTypedData_v4 semantics, with eth-account as the wallet.
        signature = Account.sign_typed_data(accounts[n].private_key, full_message=typed).signature
        files.append(deployed.file(f"wallet-{n}.json", json.dumps(
            {"typedData": typed, "signer": accounts[n].address, "signature": "0x" + bytes(signature).hex()})))
    data = deployed.settle(submitted, *files)
    assert data["score"] == 8000
    assert deployed.show(submitted)["state"] == "settled"


def test_typed_data_before_submission_is_refused(accepted, deployed):
    assert deployed.refused("verdict", "typed-data", accepted, "--score", "80%") == (
        "Challenge 1 is accepted; verdicts are for submitted or appealed work.")


# --------------------------------------------------------------------------- settle


def test_settle_text(submitted, deployed):
    v5 = deployed.sign(submitted, "TEST::5")
    v6 = deployed.sign(submitted, "TEST::6")
    outcome = deployed.ok("settle", submitted, v5, v6, "--account", RELAYER, "--yes")
    lines = outcome.out.strip().splitlines()
    assert lines[0] == "Verdict 90%: 0.99 ETH to the contributor, 0.11 ETH to the funder."
    assert re.fullmatch(TX_LINE.format("Settled challenge 1"), lines[1]), lines[1]
    shown = deployed.show(submitted)
    assert shown["state"] == "settled"
    assert shown["score"] == 9000
    assert (shown["to_contributor"], shown["to_funder"]) == (str(99 * ETHER // 100), str(11 * ETHER // 100))
    assert sorted(shown["signers"]) == sorted([deployed.addr(5), deployed.addr(6)])


def test_settle_json_with_all_three_verdicts(submitted, deployed):
    files = [deployed.sign(submitted, f"TEST::{n}", score="fail") for n in (7, 5, 6)]
    data = deployed.settle(submitted, *files)
    assert data["challenge_id"] == submitted
    assert data["score"] == 0
    assert (data["to_contributor"], data["to_funder"]) == ("0", str(ETHER + ETHER // 10))
    assert re.fullmatch(r"0x[0-9a-f]{64}", data["tx"])
    signers = deployed.show(submitted)["signers"]
    assert signers == sorted(signers, key=lambda a: int(a, 16)) and len(signers) == 3


def test_settle_with_one_of_two_verdicts_is_bad_input(submitted, deployed, chain):
    v5 = deployed.sign(submitted, "TEST::5")
    head = chain.blocks.head.number
    message = deployed.bad_input("settle", submitted, v5, "--account", RELAYER, "--yes")
    assert message == "1 distinct evaluators signed but panel 1 needs 2."
    # The same file twice is still one evaluator.
    assert deployed.bad_input("settle", submitted, v5, v5, "--account", RELAYER, "--yes") == message
    assert chain.blocks.head.number == head
    assert deployed.show(submitted)["state"] == "submitted"


def test_settle_with_a_signature_from_a_non_member_is_bad_input(submitted, deployed, accounts):
    v5 = deployed.sign(submitted, "TEST::5")
    outsider = forge(deployed, accounts, 3, submitted, deployed.show(submitted)["deliverable"], 9000, "v3.json")
    message = deployed.bad_input("settle", submitted, v5, outsider, "--account", RELAYER, "--yes")
    assert message == f"{deployed.addr(3)} is not an evaluator on panel 1."


def test_settle_with_a_verdict_for_another_challenge_is_bad_input(submitted, deployed, accounts):
    v5 = deployed.sign(submitted, "TEST::5")
    other = forge(deployed, accounts, 6, 2, deployed.show(submitted)["deliverable"], 9000, "v6-other.json")
    message = deployed.bad_input("settle", submitted, v5, other, "--account", RELAYER, "--yes")
    assert message == f"The verdict from {deployed.addr(6)} is for challenge 2, not 1."


def test_settle_with_a_verdict_on_another_deliverable_is_bad_input(submitted, deployed, accounts):
    v5 = deployed.sign(submitted, "TEST::5")
    other = forge(deployed, accounts, 6, submitted, "0x" + "ab" * 32, 9000, "v6-deliverable.json")
    message = deployed.bad_input("settle", submitted, v5, other, "--account", RELAYER, "--yes")
    assert message == f"The verdict from {deployed.addr(6)} judges another deliverable than the one submitted."


def test_settle_with_disagreeing_verdicts_is_bad_input(submitted, deployed):
    v5 = deployed.sign(submitted, "TEST::5", score="90%")
    v6 = deployed.sign(submitted, "TEST::6", score="80%")
    message = deployed.bad_input("settle", submitted, v5, v6, "--account", RELAYER, "--yes")
    assert message.startswith("The verdicts disagree: ")
    assert "80% for challenge 1" in message and "90% for challenge 1" in message


def test_settle_with_a_non_json_verdict_file_is_bad_input(submitted, deployed):
    v5 = deployed.sign(submitted, "TEST::5")
    junk = deployed.file("junk.json", "this is not json\n")
    message = deployed.bad_input("settle", submitted, v5, junk, "--account", RELAYER, "--yes")
    assert message.startswith(f"{junk} is not JSON (")


def test_settle_with_json_that_is_not_a_verdict_is_bad_input(submitted, deployed):
    v5 = deployed.sign(submitted, "TEST::5")
    wrong = deployed.file("wrong.json", json.dumps({"hello": "world"}))
    message = deployed.bad_input("settle", submitted, v5, wrong, "--account", RELAYER, "--yes")
    assert message.startswith(f"{wrong}: this is not a signed Ante verdict (")


def test_settle_with_a_tampered_verdict_is_bad_input(submitted, deployed):
    v5 = deployed.sign(submitted, "TEST::5", score="50%")
    document = json.loads(v5.read_text())
    document["typedData"]["message"]["score"] = 10000  # claim a pass the evaluator did not sign
    tampered = deployed.file("tampered.json", json.dumps(document))
    message = deployed.bad_input("settle", submitted, tampered, deployed.sign(submitted, "TEST::6", "100%"),
                                 "--account", RELAYER, "--yes")
    assert message.startswith(f"{tampered}: the signature was made by ")
    assert message.endswith(f"not by the named signer {deployed.addr(5)}.")


def test_settle_with_a_missing_file_is_a_usage_error(submitted, deployed):
    outcome = deployed.fails(2, "settle", submitted, deployed.folder / "nope.json", "--account", RELAYER, "--yes")
    assert "does not exist" in outcome.message


def test_settle_needs_verdict_files(submitted, deployed):
    outcome = deployed.fails(2, "settle", submitted, "--account", RELAYER, "--yes")
    assert "Missing argument 'VERDICT_FILES...'" in outcome.message


def test_settle_twice_is_refused(submitted, deployed):
    files = [deployed.sign(submitted, "TEST::5"), deployed.sign(submitted, "TEST::6")]
    deployed.settle(submitted, *files)
    message = deployed.refused("settle", submitted, *files, "--account", RELAYER, "--yes")
    assert message == "Challenge 1 is settled; verdicts are for submitted or appealed work."


def test_settle_after_the_review_window_is_refused(submitted, deployed):
    files = [deployed.sign(submitted, "TEST::5"), deployed.sign(submitted, "TEST::6")]
    deployed.mine_past(deployed.show(submitted)["review_by"])
    message = deployed.refused("settle", submitted, *files, "--account", RELAYER, "--yes")
    assert message.startswith("The deadline of challenge 1 passed at")


def test_anyone_may_relay_even_the_contributor(submitted, deployed):
    files = [deployed.sign(submitted, "TEST::5"), deployed.sign(submitted, "TEST::7")]
    assert deployed.settle(submitted, *files, account=CONTRIBUTOR)["score"] == 9000


def test_settle_with_a_verdict_for_another_deployment_is_bad_input(submitted, deployed, accounts):
    v5 = deployed.sign(submitted, "TEST::5")
    elsewhere = "0x" + "12" * 20
    verdict = Verdict(31337, elsewhere, submitted, bytes.fromhex(deployed.show(submitted)["deliverable"][2:]), 9000)
    signed = SignedVerdict(verdict, accounts[6].address, verdict.sign(accounts[6].private_key))
    other = deployed.file("v6-elsewhere.json", json.dumps(signed.to_json()))
    message = deployed.bad_input("settle", submitted, v5, other, "--account", RELAYER, "--yes")
    assert message.startswith(f"The verdict from {deployed.addr(6)} is for contract ")
    assert message.endswith(f"not this deployment ({deployed.address} on chain 31337).")
