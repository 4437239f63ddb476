"""An organisation's Safe as a funder: `ante post/cancel/withdraw --account SAFE` through the ape-safe plugin.

The Safe is real: Safe's own v1.4.1 singleton and proxy factory, compiled as Safe publishes them (the
manifest ape-safe ships), deployed on the test's anvil, with a 2-of-3 proxy whose owners are local test
accounts. ape-safe gathers two owners' signatures and an owner submits ``execTransaction``; on chain the
Safe is the funder. ape-safe's record of the singleton is emptied after the deployment, so the commands
must find it as Ante does, in the proxy's own storage (nothing is downloaded: there is no network here).
"""

from __future__ import annotations

import json

import pytest

ETHER = 10**18
OWNERS = (7, 8, 9)


@pytest.fixture
def safe(deployed, accounts, chain):
    """A funded 2-of-3 Safe registered with ape-safe under an alias: (alias, address)."""
    from ape import config
    from ape_safe.factory import SafeFactory

    from ante.safes import deploy_local_safe

    address, _ = deploy_local_safe(accounts[0], [accounts[n].address for n in OWNERS], 2)
    SafeFactory._singleton.clear()  # as in a fresh process: ape-safe does not know where the singleton is
    SafeFactory._factory.clear()
    accounts[0].transfer(address, 3 * ETHER)
    folder = config.DATA_FOLDER / "safe"
    folder.mkdir(parents=True, exist_ok=True)
    alias = f"org-safe-{address[2:10].lower()}"
    path = folder / f"{alias}.json"
    path.write_text(json.dumps({"address": address, "deployed_chain_ids": [chain.chain_id]}))
    yield alias, address
    path.unlink()


def _balance(chain, address) -> int:
    return chain.provider.get_balance(address)


def test_a_safe_posts_cancels_and_withdraws(deployed, safe, chain):
    alias, address = safe
    before = _balance(chain, address)
    challenge_id = deployed.post(account=alias)
    shown = deployed.show(challenge_id)
    assert shown["terms"]["funder"] == address
    assert _balance(chain, address) == before - ETHER  # the reward left the Safe; an owner paid the gas
    deployed.ok("cancel", challenge_id, "--account", alias, "--yes")
    data = deployed.ok("withdraw", "--account", alias, "--yes", "--json").json()
    assert (data["account"], data["to"], data["amount"]) == (address, address, str(ETHER))
    assert _balance(chain, address) == before
    audit = deployed.ok("audit")
    assert "Clean" in audit.out


def test_a_safe_funded_challenge_settles_and_the_safe_draws_what_is_left(deployed, safe, chain):
    alias, address = safe
    challenge_id = deployed.post(account=alias)
    deployed.accept(challenge_id)
    deployed.submit(challenge_id)
    verdicts = [deployed.sign(challenge_id, f"TEST::{n}", score="60%") for n in (5, 6)]
    deployed.settle(challenge_id, *verdicts)
    before = _balance(chain, address)
    pot = ETHER + ETHER // 10
    owed = pot - pot * 6_000 // 10_000
    data = deployed.ok("withdraw", "--account", alias, "--yes", "--json").json()
    assert data["amount"] == str(owed)
    assert _balance(chain, address) == before + owed


def test_a_safe_without_the_reward_is_refused_before_anyone_signs(deployed, safe, chain):
    alias, address = safe
    head = chain.blocks.head.number
    message = deployed.refused("post", "--reward", "5 ether", "--stake", "10%", "--panel", 1, "--accept-by", "+7d",
                               "--deliver-within", "14d", "--review-within", "3d", "--spec",
                               "https://example.org/spec", "--account", alias, "--yes")
    assert address in message and "5 ETH" in message, message
    assert chain.blocks.head.number == head


def test_an_owner_of_the_safe_cannot_accept_its_challenge_as_a_contributor_through_it(deployed, safe):
    alias, address = safe
    challenge_id = deployed.post(account=alias)
    outcome = deployed.fails(1, "accept", challenge_id, "--promise", "https://example.org/promise", "--by", "+10d",
                             "--account", alias, "--yes")
    assert address in outcome.message


def test_a_safe_on_a_panel_signs_a_verdict_that_settles(deployed, safe, chain):
    alias, address = safe
    made = deployed.ok("panel", "create", "--evaluator", address, "--evaluator", deployed.addr(5),
                       "--evaluator", deployed.addr(6), "--threshold", "2", "--account", "TEST::0", "--yes", "--json")
    note = " ".join(made.err.split())
    assert f"Note: {address} is a contract (a Safe or another smart account), so its verdicts count only if" in note
    challenge_id = deployed.post(panel=made.json()["panel_id"])
    deployed.accept(challenge_id)
    deployed.submit(challenge_id)
    as_safe = deployed.sign(challenge_id, alias, score="70%")
    document = json.loads(as_safe.read_text())
    assert document["signer"] == address
    assert len(bytes.fromhex(document["signature"][2:])) == 2 * 65  # two owners' signatures: the Safe's threshold
    settled = deployed.settle(challenge_id, as_safe, deployed.sign(challenge_id, "TEST::5", score="70%"))
    assert settled["score"] == 7_000
    assert deployed.show(challenge_id)["state"] == "settled"


def test_a_safe_verdict_its_owners_no_longer_back_is_refused(deployed, safe, accounts):
    """The Safe's owners change after it signed: the oracle-free path (`ante settle`) asks the Safe, as the
    contract would, and refuses before sending."""
    alias, address = safe
    made = deployed.ok("panel", "create", "--evaluator", address, "--evaluator", deployed.addr(5),
                       "--evaluator", deployed.addr(6), "--threshold", "2", "--account", "TEST::0", "--yes", "--json")
    challenge_id = deployed.post(panel=made.json()["panel_id"])
    deployed.accept(challenge_id)
    deployed.submit(challenge_id)
    as_safe = deployed.sign(challenge_id, alias, score="70%")
    # The Safe raises its threshold to 3 (a transaction of the Safe, signed by two owners).
    from ape import accounts as ape_accounts

    from ante.safes import prepare

    account = ape_accounts.load(alias)
    prepare(account)
    account.contract.changeThreshold(3, sender=account)
    message = deployed.bad_input("settle", challenge_id, as_safe, deployed.sign(challenge_id, "TEST::5", score="70%"),
                                 "--account", "TEST::4", "--yes")
    assert f"Nor does {address} accept it as a contract wallet's signature (ERC-1271)" in message


def test_a_panel_of_keys_gets_no_contract_warning(deployed):
    made = deployed.ok("panel", "create", *sum((["--evaluator", deployed.addr(n)] for n in (5, 6, 7)), []),
                       "--threshold", "2", "--account", "TEST::0", "--yes")
    assert "is a contract" not in made.err


def test_a_safe_cannot_sign_feedback_off_chain(deployed, safe):
    alias, address = safe
    challenge_id = deployed.post()
    deployed.accept(challenge_id)
    deployed.submit(challenge_id)
    message = deployed.bad_input("feedback", "give", challenge_id, "--stance", "endorse",
                                 "--comment", "https://example.org/thanks", "--account", alias)
    assert message == (f"{address} is a Safe, and a Safe cannot sign feedback off chain: Ante checks them as "
                       "signatures from a key, and a Safe has none; give it on chain instead (--onchain), a "
                       "transaction from the Safe.")
