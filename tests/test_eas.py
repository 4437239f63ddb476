"""Ante's use of EAS (ante.eas) on a real anvil with EAS's real bytecode: setting it up, Ante's schema in it,
on-chain feedback and off-chain revocations read back over raw JSON-RPC."""

from __future__ import annotations

import json

import pytest
from eth_utils import keccak

from ante.eas import (EasReader, EasUnavailable, OffchainRevocation, Revocation, attest, check_local, published,
                      register_schema, revoke, revoke_offchain, setup)
from ante.errors import BadInput
from ante.feedback import SCHEMA, EasDomain, Feedback, schema_uid, sign_feedback
from ante.rpc import HttpNode

ANTE = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.fixture
def eas(accounts):
    """A fresh EAS with Ante's schema registered, set up by ante.eas on the test's chain."""
    return setup(accounts[0])


@pytest.fixture
def node(chain):
    """The test's chain over plain HTTP, as the command line reads it (no Ape)."""
    return HttpNode(chain.provider.uri)


def feedback(challenge_id=1, stance=1, comment="https://example.org/review.md") -> Feedback:
    return Feedback(ANTE, challenge_id, keccak(b"deliverable"), stance, comment, keccak(b"review"))


def test_setup_deploys_eas_and_registers_antes_schema(eas, node, chain, accounts):
    assert eas.chain_id == 31337 and len(eas.receipts) == 3 and eas.registered
    reader = EasReader(eas.eas, node)
    assert reader.schema_registry() == eas.schema_registry
    record = reader.schema()
    assert record is not None
    assert record.uid == eas.schema == "0x" + schema_uid().hex()  # the UID Ante computes is the registry's
    assert (record.schema, record.resolver, record.revocable) == (SCHEMA, "0x" + "00" * 20, True)
    registered = [log for receipt in eas.receipts[2:] for log in receipt.logs]
    assert registered and bytes(registered[0]["topics"][1]) == schema_uid()  # Registered(uid, ...)


def test_the_schema_is_registered_once(eas, accounts, chain):
    nonce, other = accounts[0].nonce, accounts[1].nonce
    assert register_schema(eas.schema_registry, accounts[1]) is None
    again = setup(accounts[0], known=eas.eas)  # a recorded EAS that is still there is reused
    assert (again.eas, again.schema_registry, again.receipts, again.registered) == (eas.eas, eas.schema_registry,
                                                                                     (), False)
    assert (accounts[0].nonce, accounts[1].nonce) == (nonce, other)  # nothing was sent


def test_a_recorded_eas_that_is_gone_is_deployed_again(accounts, chain):
    first = setup(accounts[0])
    again = setup(accounts[0], known="0x" + "11" * 20)  # nothing there
    assert again.eas != first.eas and again.registered and len(again.receipts) == 3


def test_the_domain_version_is_eas_version(eas, node, chain):
    domain = EasReader(eas.eas, node).domain()
    assert domain == EasDomain(31337, eas.eas, eas.version) == eas.domain
    from ape import Contract

    from ante.artifacts import contract_type

    assert domain.version == Contract(eas.eas, contract_type=contract_type("EAS")).version() == "1.3.0"


def test_on_chain_feedback_reads_back(eas, node, accounts, chain):
    sent = feedback()
    start = chain.blocks.head.number
    uid, receipt = attest(eas.eas, sent, accounts[2].address, accounts[3])
    other_uid, _ = attest(eas.eas, feedback(2, -1, ""), accounts[2].address, accounts[4])
    reader = EasReader(eas.eas, node)
    found = reader.attestations(start)
    assert [a.uid for a in found] == [uid, other_uid]
    first = found[0]
    assert first.feedback == sent and first.invalid == ""
    assert (first.attester, first.recipient, first.revocable, first.revoked) == (accounts[3].address,
                                                                                 accounts[2].address, True, False)
    assert first.time == chain.provider.get_block(receipt.block_number).timestamp
    assert (first.block_number, first.transaction_hash) == (receipt.block_number, str(receipt.txn_hash))
    assert found[1].feedback.stance_name == "object"
    assert reader.attestation(uid) == first.__class__(**{**first.__dict__, "block_number": 0, "log_index": 0,
                                                         "transaction_hash": ""})
    assert reader.attestations(receipt.block_number + 1) == found[1:]
    assert reader.attestations(start, ante="0x" + "22" * 20) == []
    assert reader.revocations(start) == []


def test_an_on_chain_revocation_reads_back(eas, node, accounts, chain):
    start = chain.blocks.head.number
    uid, _ = attest(eas.eas, feedback(), accounts[2].address, accounts[3])
    kept, _ = attest(eas.eas, feedback(2), accounts[2].address, accounts[3])
    with pytest.raises(Exception, match=r"EAS refused to revoke .* \(AccessDenied\)"):
        revoke(eas.eas, uid, accounts[4])  # only the attester may
    receipt = revoke(eas.eas, uid, accounts[3])
    reader = EasReader(eas.eas, node)
    time = chain.provider.get_block(receipt.block_number).timestamp
    assert reader.revocations(start) == [Revocation(uid, accounts[3].address, accounts[2].address, time,
                                                    receipt.block_number, 0, str(receipt.txn_hash))]
    assert [(a.uid, a.revoked, a.revocation_time) for a in reader.attestations(start)] == [(uid, True, time),
                                                                                          (kept, False, 0)]


def test_attestations_in_another_schema_are_not_antes(eas, node, accounts, chain):
    from ape import Contract

    from ante.artifacts import contract_type
    from ante.transactions import send

    registry = Contract(eas.schema_registry, contract_type=contract_type("SchemaRegistry"))
    send(registry.register, "bool yes", "0x" + "00" * 20, True, sender=accounts[0])
    other = keccak(b"bool yes" + bytes(20) + b"\x01")
    eas_contract = Contract(eas.eas, contract_type=contract_type("EAS"))
    start = chain.blocks.head.number
    send(eas_contract.attest, (other, (accounts[2].address, 0, True, bytes(32), (1).to_bytes(32, "big"), 0)),
         sender=accounts[3])
    assert EasReader(eas.eas, node).attestations(start) == []


def test_an_off_chain_revocation_reads_back(eas, node, accounts, chain):
    signer = accounts[3]
    signed = sign_feedback(signer.private_key, feedback(), eas.domain, accounts[2].address, 1_700_000_000)
    start = chain.blocks.head.number
    receipt = revoke_offchain(eas.eas, signed.uid, signer)
    reader = EasReader(eas.eas, node)
    block = chain.provider.get_block(receipt.block_number)
    assert reader.offchain_revocations(start) == [
        OffchainRevocation(signer.address, signed.uid, block.timestamp, receipt.block_number, 0, str(receipt.txn_hash))]
    assert reader.offchain_revocations(start, revokers=[accounts[4].address]) == []
    assert reader.offchain_revoked_at(signer.address, signed.uid) == block.timestamp
    assert reader.offchain_revoked_at(accounts[4].address, signed.uid) == 0


def test_a_refusal_is_one_sentence_and_sends_nothing(eas, accounts, chain):
    signer = accounts[3]
    uid = "0x" + "ab" * 32
    revoke_offchain(eas.eas, uid, signer)
    nonce = signer.nonce
    with pytest.raises(Exception, match=r"EAS refused to revoke 0x(ab){32} off chain \(AlreadyRevokedOffchain\)"):
        revoke_offchain(eas.eas, uid, signer)
    assert signer.nonce == nonce


def test_eas_of_antes_own_only_on_a_local_chain():
    check_local(31337)
    check_local(1337)
    with pytest.raises(BadInput, match="only on a local development chain .* chain 11155111 uses EAS's published"):
        check_local(11155111)


def test_published_addresses():
    assert published(1).eas == "0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587"
    assert published(11155111).schema_registry == "0x0a7E2Ff54e76B8E6659aedc9103FB21c038050D0"
    assert published(31337) is None and published(424242) is None


def test_no_eas_at_an_address(node):
    reader = EasReader("0x" + "33" * 20, node)
    assert not reader.exists()
    with pytest.raises(EasUnavailable, match="does not answer version"):
        reader.version()


# ---------------------------------------------------------------- through the client, as the front ends use it


def test_the_client_deploys_with_eas_and_gives_feedback_through_it(accounts, chain, tmp_path):
    from ante.client import AnteClient
    from ante.deployment import Deployment, Registry

    registry = Registry(tmp_path / "deployments.json")
    client = AnteClient.deploy(accounts[0], registry=registry, index_path=tmp_path / "index.sqlite")
    d = client.deployment
    assert registry.find(31337) == d and client.eas_note == ""
    assert (d.eas_version, d.feedback_schema) == ("1.3.0", "0x" + schema_uid().hex())
    node = HttpNode(chain.provider.uri)
    assert client.eas_domain() == EasReader(d.eas, node).domain() == EasDomain(31337, d.eas, "1.3.0")
    assert EasReader(d.eas, node).schema().schema == SCHEMA

    sent = Feedback(client.address, 1, keccak(b"work"), 0, "https://example.org/c.md", keccak(b"c"))
    uid = client.attest_feedback(sent, accounts[2].address, accounts[3])
    assert client.last_receipt.block_number > d.block
    reader = AnteClient(d, index_path=tmp_path / "index.sqlite", node=node)  # a reader over HTTP, no Ape
    [found] = reader.feedback_attestations()
    assert (found.uid, found.feedback, found.attester) == (uid, sent, accounts[3].address)
    with pytest.raises(BadInput, match="about the Ante at 0x5FbDB"):
        client.attest_feedback(feedback(), accounts[2].address, accounts[3])

    signed = sign_feedback(accounts[3].private_key, sent, client.eas_domain(), accounts[2].address, client.now())
    client.revoke_offchain(signed.uid, accounts[3])
    assert [(r.revoker, r.uid) for r in reader.offchain_revocations()] == [(accounts[3].address, signed.uid)]
    assert reader.offchain_revocations(revokers=[accounts[4].address]) == []
    client.revoke_feedback(uid, accounts[3])
    assert [(a.uid, a.revoked) for a in reader.feedback_attestations()] == [(uid, True)]

    older = AnteClient(Deployment(31337, d.address, d.block), index_path=tmp_path / "index.sqlite")  # recorded before
    assert older.eas_domain() is None
    with pytest.raises(EasUnavailable, match="has no EAS recorded, so feedback on chain is unavailable"):
        older.attest_feedback(sent, accounts[2].address, accounts[3])

    again = AnteClient.deploy(accounts[0], registry=registry, index_path=tmp_path / "index2.sqlite")
    assert again.deployment.eas == d.eas and again.eas_setup.receipts == ()  # reused, nothing registered twice


# ---------------------------------------------------------------- off a local chain (own anvils, ports 18710-18719)

SEPOLIA = 11_155_111
PLANTER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # anvil's account 9, never TEST::0
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0


def sepolia_anvil(port: int, tmp_path):
    from node_support import Anvil

    return Anvil(port, tmp_path, "--chain-id", str(SEPOLIA), "--block-time", "1")  # a block a second, as public ones


def ante_on(node, tmp_path, *args):
    from node_support import ante

    (tmp_path / "ape-config.yaml").write_text(f"node:\n  ethereum:\n    sepolia:\n      uri: {node.uri}\n")
    run = ante(*args, "--network", "ethereum:sepolia:node", cwd=tmp_path, data=tmp_path / "data")
    assert run.code == 0 and "Traceback" not in run.err, run
    return run


def plant_published_eas(node) -> None:
    """Puts EAS's bytecode at its published Sepolia addresses on a Sepolia-like anvil, as if EAS were
    deployed there: each contract is deployed (by an account of no other use) and its code copied."""
    from eth_abi import encode

    from ante.artifacts import contract_type
    from node_support import wait_for

    listed = published(SEPOLIA)

    def create(data: str) -> str:
        tx = node.call("eth_sendTransaction", {"from": PLANTER, "data": data, "gas": hex(10_000_000)})
        receipt = wait_for(lambda: node.call("eth_getTransactionReceipt", tx), 30, "the planting deployment")
        assert receipt["status"] == "0x1", receipt
        return receipt["contractAddress"]

    registry = create(contract_type("SchemaRegistry").deployment_bytecode.bytecode)
    node.call("anvil_setCode", listed.schema_registry, node.call("eth_getCode", registry, "latest"))
    constructor = encode(["address"], [listed.schema_registry]).hex()
    eas = create(contract_type("EAS").deployment_bytecode.bytecode + constructor)
    node.call("anvil_setCode", listed.eas, node.call("eth_getCode", eas, "latest"))


def test_off_a_local_chain_without_eas_ante_deploys_without_feedback_on_chain(tmp_path):
    with sepolia_anvil(18710, tmp_path) as node:
        listed = published(SEPOLIA)
        run = ante_on(node, tmp_path, "deploy", "--account", "TEST::0", "--yes")
        assert run.out.strip().splitlines()[2] == (
            f"EAS's published address on chain {SEPOLIA} ({listed.eas}) holds no EAS on this node, so feedback on "
            "chain is unavailable there (everything else works).")
        assert node.nonce(DEPLOYER) == 1  # Ante only: nothing was deployed or registered for EAS
        data = json.loads((tmp_path / "data" / "deployments.json").read_text())[str(SEPOLIA)]
        assert (data["eas"], data["eas_version"], data["feedback_schema"]) == ("", "", "")
        ante_on(node, tmp_path, "panel", "create", "--evaluator", PLANTER, "--threshold", "1", "--account", "TEST::0",
                "--yes")  # everything else works
        with pytest.raises(EasUnavailable, match="no EAS recorded"):
            from ante.client import AnteClient
            from ante.deployment import Registry

            AnteClient.connect(registry=Registry(tmp_path / "data" / "deployments.json"),
                               node=HttpNode(node.uri)).eas_reader()


def test_off_a_local_chain_the_published_eas_is_used_and_the_schema_registered_once(tmp_path):
    with sepolia_anvil(18711, tmp_path) as node:
        plant_published_eas(node)
        listed = published(SEPOLIA)
        reader = EasReader(listed.eas, HttpNode(node.uri))
        assert reader.schema() is None
        deployed = json.loads(ante_on(node, tmp_path, "deploy", "--account", "TEST::0", "--yes", "--json").out)
        assert (deployed["eas"], deployed["eas_version"], deployed["feedback_schema"]) == (
            listed.eas, "1.3.0", "0x" + schema_uid().hex())
        assert reader.schema().schema == SCHEMA
        assert node.nonce(DEPLOYER) == 2  # the schema's registration, then Ante
        text = ante_on(node, tmp_path, "deploy", "--account", "TEST::0", "--yes").out.strip().splitlines()
        assert text[2] == (f"Feedback goes to EAS at {listed.eas} (version 1.3.0), in Ante's schema "
                           f"0x{schema_uid().hex()}.")
        assert node.nonce(DEPLOYER) == 3  # Ante only: the schema was there already
        logs = node.call("eth_getLogs", {"address": listed.schema_registry, "fromBlock": "0x0", "toBlock": "latest"})
        assert len(logs) == 1  # one Registered event


def test_reading_feedback_loads_no_ape(eas, accounts, chain):
    import subprocess
    import sys

    uid, _ = attest(eas.eas, feedback(), accounts[2].address, accounts[3])
    program = ("import json, sys\n"
               "from ante.eas import EasReader\n"
               "from ante.rpc import HttpNode\n"
               "reader = EasReader(sys.argv[1], HttpNode(sys.argv[2]))\n"
               "found = [a.uid for a in reader.attestations()] + [r.uid for r in reader.offchain_revocations()]\n"
               "loaded = [m for m in sys.modules if m == 'ape' or m.startswith(('ape.', 'ape_'))]\n"
               "print(json.dumps({'found': found, 'ape': loaded}))\n")
    done = subprocess.run([sys.executable, "-c", program, eas.eas, chain.provider.uri], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"found": [uid], "ape": []}
