"""`ante records`, `ante audit` and `ante kelly`."""

import re

from click.testing import CliRunner

from ante.cli.main import cli

FUNDER, CONTRIBUTOR, RELAYER = "TEST::1", "TEST::2", "TEST::4"
ETHER = 10**18


def settled(deployed, score="90%") -> int:
    """Challenge 1 through to settlement by TEST::5 and TEST::6 at `score`."""
    challenge_id = deployed.post()
    deployed.accept(challenge_id)
    deployed.submit(challenge_id)
    files = [deployed.sign(challenge_id, account, score) for account in ("TEST::5", "TEST::6")]
    deployed.settle(challenge_id, *files)
    return challenge_id


# --------------------------------------------------------------------------- records


def test_records_with_no_history(deployed):
    lines = deployed.ok("records").out.strip().splitlines()
    assert lines[0] == "Nobody has accepted a challenge yet."
    # The panel's evaluators are on record from the start, with nothing due yet.
    assert lines[1] == "Evaluators"
    assert sorted(line.split()[0] for line in lines[3:]) == sorted(deployed.addr(n) for n in (5, 6, 7))
    assert all(line.split()[1:] == ["0", "0", "0"] for line in lines[3:])
    data = deployed.ok("records", "--json").json()
    assert data["contributors"] == {} and data["funders"] == {} and data["leaderboard"] == []
    assert data["evaluators"][deployed.addr(5)]["verdicts_signed"] == 0


def test_records_leaderboard_text(deployed):
    settled(deployed)
    text = deployed.ok("records").out
    lines = text.strip().splitlines()
    assert lines[0] == "Contributors"
    assert lines[1].split() == ["#", "address", "promises", "kept", "reliability", "settled", "mean", "score", "earned"]
    assert lines[2].split() == ["1", deployed.addr(2), "1", "of", "1", "100%", "1", "90.0%", "0.89", "ETH"]
    assert lines[3] == "Evaluators"
    evaluators = {line.split()[0]: line.split()[1:] for line in lines[5:8]}
    assert evaluators[deployed.addr(5)] == ["1", "0", "1"]
    assert evaluators[deployed.addr(6)] == ["1", "0", "1"]
    assert evaluators[deployed.addr(7)] == ["0", "0", "1"]


def test_records_for_a_contributor(deployed):
    settled(deployed)
    lines = deployed.ok("records", deployed.addr(2)).out.strip().splitlines()
    assert lines == [
        deployed.addr(2),
        "  as contributor: accepted 1, delivered 1, settled 1, mean score 90.0%",
        "    promises kept 1 of 1; abandoned 0, defaulted 0; reliability 100%",
        "    earned 0.89 ETH; forfeited 0",
        "    delivered 1 of 1 promise on time; median 10 days early, worst 10 days early",  # promised by +10d
        "      challenge 1: 10 days early, scored 90.0%",
        "    calibration: no stated confidence has a verdict yet",
    ]
    data = deployed.ok("records", deployed.addr(2).lower(), "--json").json()
    assert data["address"] == deployed.addr(2)
    assert data["evaluator"] is None and data["funder"] is None
    c = data["contributor"]
    assert (c["accepted"], c["delivered"], c["settled"], c["reliability"], c["mean_score"]) == (1, 1, 1, 1.0, 9000.0)
    assert c["promises"] == {"made": 1, "kept": 1, "broken": 0, "unjudged": 0}
    assert c["amounts"]["0x" + "00" * 20]["earned"] == str(89 * ETHER // 100)


def test_records_for_a_funder_and_an_evaluator(deployed):
    settled(deployed, score="fail")
    funder = deployed.ok("records", deployed.addr(1)).out
    assert "  as funder: posted 1, paid out 0, cancelled 0, active 0" in funder
    evaluator = deployed.ok("records", deployed.addr(5)).out
    assert "  as evaluator: verdicts signed 1, reviews missed 0 of 1 due" in evaluator
    contributor = deployed.ok("records", deployed.addr(2), "--json").json()["contributor"]
    assert contributor["reliability"] == 0.0
    assert contributor["amounts"]["0x" + "00" * 20]["forfeited"] == str(ETHER // 10)


def test_records_for_a_stranger(deployed):
    lines = deployed.ok("records", deployed.addr(3)).out.strip().splitlines()
    assert lines == [deployed.addr(3), "  no record: this address has not taken part."]
    assert deployed.ok("records", deployed.addr(3), "--json").json() == {
        "address": deployed.addr(3), "contributor": None, "evaluator": None, "funder": None,
        "feedback": {"signers": {"endorse": 0, "neutral": 0, "object": 0}, "items": []}}


def test_records_bad_address_is_bad_input(deployed):
    message = deployed.bad_input("records", "alice")
    assert message == "Invalid value for '[ADDRESS]': 'alice' is not an Ethereum address (0x followed by 40 hex digits)."


def test_records_needs_no_account(deployed):
    settled(deployed)
    assert deployed.ok("records", "--json").json()["leaderboard"] == [deployed.addr(2)]


# --------------------------------------------------------------------------- audit


def test_audit_of_a_fresh_deployment_is_clean(deployed):
    outcome = deployed.ok("audit")
    assert re.fullmatch(r"✔ Clean: 1 event replayed; 0 challenges, 0 credits and the books of \d+ tokens? checked, "
                        r"and every one agrees with the contract\.", outcome.out.strip()), outcome.out


def test_audit_after_a_settlement_and_withdrawal_is_clean(deployed):
    settled(deployed)
    deployed.ok("withdraw", "--account", CONTRIBUTOR)
    outcome = deployed.run("audit")
    assert outcome.code == 0, str(outcome)
    assert outcome.out.startswith("✔ Clean: ")
    data = deployed.ok("audit", "--json").json()
    assert data["clean"] is True
    assert data["discrepancies"] == []
    assert data["challenges"] == 1
    assert data["events"] == 6  # panel, created, accepted, submitted, settled, withdrawn


def test_audit_of_every_way_a_challenge_ends_is_clean(deployed):
    # 1 settled, 2 cancelled, 3 abandoned and re-opened, 4 expired, 5 defaulted, 6 unreviewed.
    settled(deployed)
    for _ in range(5):
        deployed.post(accept_by="+1d")
    deployed.ok("cancel", 2, "--account", FUNDER, "--yes")
    deployed.accept(3)
    deployed.ok("abandon", 3, "--account", CONTRIBUTOR, "--yes")
    deployed.accept(5, by="+1d")
    deployed.accept(6, by="+1d")
    deployed.submit(6)
    deployed.mine_past(deployed.show(5)["deliver_by"])
    for challenge_id in (3, 4, 5, 6):
        deployed.ok("lapse", challenge_id, "--account", "TEST::3")
    states = {c["challenge_id"]: c["state"] for c in deployed.ok("list", "--json").json()}
    assert states == {1: "settled", 2: "cancelled", 3: "expired", 4: "expired", 5: "defaulted", 6: "unreviewed"}
    data = deployed.ok("audit", "--json").json()
    assert data["clean"] is True, data["discrepancies"]


def test_audit_needs_a_deployment(ante_cli):
    assert ante_cli.bad_input("audit").startswith("Ante is not deployed on chain 31337")


# --------------------------------------------------------------------------- kelly (no chain)


def kelly(*args):
    result = CliRunner(mix_stderr=False).invoke(cli, ["kelly", *args], prog_name="ante")
    return result


def test_kelly_prints_the_kelly_lines():
    result = kelly("--p", "0.7", "--reward", "1 ether", "--stake", "10%", "--bankroll", "5 ether")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "You risk 0.1 ETH to win 1 ETH (odds 10 to 1).",
        "You break even if you succeed more than 9.1% of the time; you believe 70%.",
        "Expected value: +0.67 ETH.",
        "Kelly says stake at most 67% of your bankroll (3.35 ETH of 5 ETH): accept.",
    ]
    assert result.stderr == ""


def test_kelly_json():
    result = kelly("--p", "70%", "--reward", "1 ether", "--stake", "10%", "--bankroll", "5 ether", "--json")
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data == {"p": 0.7, "reward": str(ETHER), "stake": str(ETHER // 10), "odds": 10.0,
                    "kelly_fraction": 0.67, "break_even_p": 1 / 11, "expected_value": 0.67 * ETHER,
                    "max_stake": str(335 * ETHER // 100), "accept": True}


def test_kelly_with_a_stake_amount_and_no_bankroll():
    result = kelly("--p", "0.7", "--reward", "1 ether", "--stake", "0.1 ether")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == ("Kelly says stake at most 67% of your bankroll: accept if 0.1 ETH "
                                              "is no more than that.")


def test_kelly_says_no_when_the_stake_exceeds_the_limit():
    result = kelly("--p", "0.2", "--reward", "1 ether", "--stake", "50%", "--bankroll", "1 ether")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == ("Kelly says stake nothing, since your edge at these odds is not "
                                              "positive: do not accept.")


def test_kelly_social_trust_json_has_no_odds():
    import json

    result = kelly("--p", "0.7", "--reward", "1 ether", "--stake", "0%", "--json")
    data = json.loads(result.stdout)
    assert (data["odds"], data["stake"], data["accept"], data["max_stake"]) == (None, "0", True, None)


def test_kelly_bad_inputs_exit_2_with_one_error_line():
    for args, expected in [
        (["--p", "170%", "--reward", "1 ether", "--stake", "10%"],
         "Error: Invalid value for '--p': a probability must be between 0% and 100%, got 170%."),
        (["--p", "0.7", "--reward", "1.5 bananas", "--stake", "10%"],
         'Error: Invalid value for --reward: "bananas" is not a known unit in "1.5 bananas"; '
         "use ether, eth, gwei, wei or tokens."),
        (["--p", "0.7", "--reward", "1 ether", "--stake", "120%"],
         "Error: Invalid value for --stake: stake must be between 0% and 100%, got 120%."),
        (["--p", "0.7", "--reward", "0 ether", "--stake", "10%"],
         "Error: the reward must be more than 0, got 0."),
    ]:
        result = kelly(*args)
        assert result.exit_code == 2, (args, result.output)
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert [e.lower() for e in errors] == [expected.lower()], (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_kelly_needs_p():
    result = kelly("--reward", "1 ether", "--stake", "10%")
    assert result.exit_code == 2
    assert "Missing option '--p'" in result.stderr
