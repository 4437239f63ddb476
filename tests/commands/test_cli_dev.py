"""`ante dev token` and `ante dev safe`: a test token for trying challenges paid in an ERC-20, and a Safe
for trying an organisation's multisig as a funder, on a local chain.

(Their refusal on a chain that is not a local development node is drilled against an anvil with
Sepolia's chain id, in tests/test_network_drills.py.)
"""

from ape import Contract

from ante.artifacts import contract_type

FUNDER, CONTRIBUTOR = "TEST::1", "TEST::2"


def balance(token: str, holder: str) -> int:
    return int(Contract(token, contract_type=contract_type("TestToken")).balanceOf(holder))


def test_a_test_token_is_deployed_minted_and_pays_a_challenge(deployed):
    made = deployed.ok("dev", "token", "--symbol", "TUSD", "--decimals", "6", "--mint", "1000",
                       "--to", deployed.addr(1), "--to", deployed.addr(2), "--account", "TEST::0", "--yes")
    lines = made.out.splitlines()
    assert lines[0].startswith("✔ Deployed TUSD — tx 0x"), made.out
    assert lines[1].startswith(f"✔ Minted 1,000 TUSD to {deployed.addr(1)} — tx 0x"), made.out
    assert lines[2].startswith(f"✔ Minted 1,000 TUSD to {deployed.addr(2)} — tx 0x"), made.out
    address = lines[3].split(" is at ")[1].split(";")[0]
    assert balance(address, deployed.addr(1)) == balance(address, deployed.addr(2)) == 1_000 * 10**6
    assert balance(address, deployed.addr(0)) == 0

    posted = deployed.ok("post", "--token", address, "--reward", "100 TUSD", "--stake", "10%", "--panel", "1",
                         "--accept-by", "+7d", "--deliver-within", "14d", "--review-within", "3d",
                         "--spec", "https://example.org/spec", "--account", FUNDER, "--yes")
    assert "  reward         100 TUSD" in posted.out
    deployed.ok("accept", "1", "--promise", "https://example.org/promise", "--by", "+10d",
                "--account", CONTRIBUTOR, "--yes")
    assert balance(address, deployed.address) == 110 * 10**6
    assert balance(address, deployed.addr(1)) == 900 * 10**6


def test_json_names_the_token_and_what_was_minted_to_the_sender_by_default(ante_cli):
    data = ante_cli.ok("dev", "token", "--mint", "2.5", "--account", "TEST::3", "--yes", "--json").json()
    assert (data["name"], data["symbol"], data["decimals"]) == ("Test Token", "TST", 18)
    assert data["minted"] == {ante_cli.addr(3): str(25 * 10**17)}
    assert balance(data["address"], ante_cli.addr(3)) == 25 * 10**17


def test_mint_zero_deploys_only(ante_cli):
    data = ante_cli.ok("dev", "token", "--mint", "0", "--account", "TEST::3", "--yes", "--json").json()
    assert data["minted"] == {}
    assert balance(data["address"], ante_cli.addr(3)) == 0


def test_bad_token_terms_are_refused_before_anything_is_sent(ante_cli, chain):
    head = chain.blocks.head.number
    assert "Decimals must be between 0 and 36" in ante_cli.bad_input("dev", "token", "--decimals", "77",
                                                                     "--account", "TEST::3", "--yes")
    assert "The token's symbol must be 1 to 11 printable characters" in ante_cli.bad_input(
        "dev", "token", "--symbol", "", "--account", "TEST::3", "--yes")
    assert "more than 2 decimals" in ante_cli.bad_input("dev", "token", "--decimals", "2", "--mint", "0.001",
                                                        "--account", "TEST::3", "--yes")
    assert chain.blocks.head.number == head


def test_a_safe_is_deployed_registered_funded_and_posts_as_the_funder(deployed, chain):
    owners = [deployed.addr(n) for n in (7, 8, 9)]
    alias = f"dev-safe-{chain.blocks.head.number}"
    made = deployed.ok("dev", "safe", *sum((["--owner", o] for o in owners), []), "--threshold", "2",
                       "--alias", alias, "--fund", "2 ether", "--account", "TEST::0", "--yes", "--json").json()
    from ape import accounts

    try:
        assert (made["alias"], made["owners"], made["threshold"], made["funded"]) == (alias, owners, 2, str(2 * 10**18))
        safe = accounts.load(alias)
        from ante.safes import prepare

        prepare(safe)  # ape-safe learns the singleton from the proxy (as every command does), not from the web
        assert safe.address == made["address"]
        assert sorted(safe.signers) == sorted(owners) and safe.confirmations_required == 2
        assert chain.provider.get_balance(made["address"]) == 2 * 10**18
        challenge_id = deployed.post(account=alias)
        assert deployed.show(challenge_id)["terms"]["funder"] == made["address"]
        again = deployed.bad_input("dev", "safe", "--owner", owners[0], "--threshold", "1", "--alias", alias,
                                   "--account", "TEST::0", "--yes")
        assert f"there is already a Safe named {alias!r}" in again
    finally:
        accounts.containers["safe"].delete_account(alias)


def test_a_safe_threshold_above_its_owners_is_refused_before_anything_is_sent(ante_cli, chain):
    head = chain.blocks.head.number
    message = ante_cli.bad_input("dev", "safe", "--owner", ante_cli.addr(7), "--owner", ante_cli.addr(7),
                                 "--threshold", "2", "--alias", "never", "--account", "TEST::0", "--yes")
    assert message == "Invalid value for --threshold: a Safe's threshold is 1 to its 1 owners, not 2.", message
    assert chain.blocks.head.number == head
