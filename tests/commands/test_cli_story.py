"""A whole bounty through the command line, as a person would run it, with the money checked at each step."""

import re

DEPLOYER, FUNDER, CONTRIBUTOR, RELAYER = "TEST::0", "TEST::1", "TEST::2", "TEST::4"
ETHER = 10**18


def test_a_whole_story(ante_cli, accounts, chain):
    # Deploy, and a standing 2-of-3 panel of TEST::5, 6 and 7.
    address = ante_cli.ok("deploy", "--account", DEPLOYER, "--yes", "--json").json()["address"]
    ante_cli.address = address
    created = ante_cli.ok("panel", "create", "--evaluator", ante_cli.addr(5), "--evaluator", ante_cli.addr(6), "--evaluator",
                      ante_cli.addr(7), "--threshold", "2", "--account", DEPLOYER, "--yes")
    assert created.out.strip().endswith("Panel 1: 2 of 3 evaluators.")

    # The funder posts 1 ether with a 10% stake.
    spec = ante_cli.file("spec.md", "# Make the build reproducible\n")
    posted = ante_cli.ok("post", "--reward", "1 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
                     "--deliver-within", "14d", "--review-within", "3d", "--spec", spec,
                     "--publish", ante_cli.publish, "--account", FUNDER, "--yes")
    assert re.search(r"^Challenge 1 is open until .+ UTC\.$", posted.out, re.MULTILINE)
    assert chain.provider.get_balance(address) == ETHER

    # The contributor weighs it with Kelly, accepts, and delivers.
    promise = ante_cli.file("promise.md", "Reproducible build in ten days.\n")
    accepted = ante_cli.ok("accept", "1", "--promise", promise, "--publish", ante_cli.publish, "--by", "+10d",
                       "--p", "80%", "--bankroll", "2 ether",
                       "--account", CONTRIBUTOR, "--yes")
    assert "  Kelly says stake at most 78% of your bankroll (1.56 ETH of 2 ETH): accept." in accepted.out
    assert chain.provider.get_balance(address) == ETHER + ETHER // 10
    ante_cli.ok("submit", "1", "--deliverable", "https://example.org/pull/42", "--account", CONTRIBUTOR, "--yes")

    # Two evaluators sign, to files; a relayer settles.
    v5, v6 = ante_cli.folder / "v5.json", ante_cli.folder / "v6.json"
    ante_cli.ok("verdict", "sign", "1", "--score", "90%", "--account", "TEST::5", "--out", v5)
    ante_cli.ok("verdict", "sign", "1", "--score", "90%", "--account", "TEST::6", "--out", v6)
    settled = ante_cli.ok("settle", "1", v5, v6, "--account", RELAYER, "--yes")
    assert settled.out.startswith("Verdict 90%: 0.99 ETH to the contributor, 0.11 ETH to the funder.")

    # Both withdraw what they are owed; the contract is left holding nothing.
    before = accounts[2].balance
    contributor = ante_cli.ok("withdraw", "--account", CONTRIBUTOR, "--json").json()
    assert contributor["amount"] == str(99 * ETHER // 100)
    assert 0 < accounts[2].balance - before <= 99 * ETHER // 100
    assert ante_cli.ok("withdraw", "--account", FUNDER, "--json").json()["amount"] == str(11 * ETHER // 100)
    assert chain.provider.get_balance(address) == 0

    # Anyone can read the story back.
    listing = ante_cli.ok("list").out.strip().splitlines()
    assert listing[1].split()[:2] == ["1", "settled"]
    assert listing[1].rstrip().endswith("—")  # a final challenge has no next deadline
    shown = ante_cli.ok("show", "1", "--json").json()
    assert shown["state"] == "settled" and shown["score"] == 9000
    assert [e["event"] for e in shown["events"]] == ["ChallengeCreated", "ChallengeAccepted", "ChallengeSubmitted",
                                                     "ChallengeSettled"]
    text = ante_cli.ok("show", "1").out
    assert "  verdict         90% by " in text
    assert "  paid            0.99 ETH to the contributor, 0.11 ETH to the funder" in text

    # The contributor kept the promise: reliability 100%.
    record = ante_cli.ok("records", ante_cli.addr(2)).out
    assert "reliability 100%" in record
    assert ante_cli.ok("records", ante_cli.addr(2), "--json").json()["contributor"]["reliability"] == 1.0

    # And the books balance.
    audit = ante_cli.run("audit")
    assert audit.code == 0, str(audit)
    assert audit.out.startswith("✔ Clean: 7 events replayed; 1 challenge, 2 credits")
