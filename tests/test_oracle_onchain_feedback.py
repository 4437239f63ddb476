"""On-chain feedback in the oracle: the chain worker reads EAS's ``Attested`` and ``Revoked`` events in
Ante's schema, up to the final block, from a durable cursor, and keeps each valid attestation as its
attester's feedback beside the off-chain ones (one current per signer and challenge, the later time
wins, wherever each is); what is not valid feedback here is skipped with one log line.

Against the test's anvil with EAS's real bytecode deployed by ``ante.eas.setup``; the oracle's worker is
driven with ``run_once()`` except where the running worker is the point.
"""

from __future__ import annotations

import json
import logging
import warnings

import jsonschema_rs
import pytest
from eth_account import Account
from eth_utils import keccak

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from oracle_support import oracle, oracle_client, running_oracle, store, store_path, wait_until  # noqa: F401

from ante.client import AnteClient
from ante.deployment import Deployment
from ante.eas import EasReader, attest, revoke, setup
from ante.feedback import ZERO_ADDRESS, ZERO_HASH, Feedback, schema_uid, sign_feedback
from ante.oracle import feedback as oracle_feedback
from ante.oracle.app import create_app
from ante.oracle.service import OracleService

COMMENT = "https://example.org/review"
STRANGER = Account.from_key(bytes.fromhex(f"{990:064x}"))


@pytest.fixture
def eas(accounts):
    """A fresh EAS with Ante's schema registered, on the test's chain."""
    return setup(accounts[0])


@pytest.fixture
def api(oracle, eas, monkeypatch):
    oracle.eas = eas.domain
    # Off-chain attestations here are timed after blocks; the chain's clock may run ahead of this one
    # once other tests have moved it, so the oracle's check of times ahead of its clock is widened.
    monkeypatch.setattr(oracle_feedback, "CLOCK_SLACK", 10**8)
    with TestClient(create_app(oracle)) as client:
        yield client


def given(ante, challenge_id, deliverable, stance=1, comment=COMMENT) -> Feedback:
    return Feedback(ante, challenge_id, bytes(deliverable), stance, comment, keccak(text=comment))


def block_time(chain, receipt) -> int:
    return chain.provider.get_block(receipt.block_number).timestamp


def listed(api, **params) -> list[dict]:
    response = api.get("/feedback", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def post(api, signed):
    return api.post("/feedback", content=json.dumps(signed.to_json()), headers={"Content-Type": "application/json"})


def spec_check(api, items) -> None:
    """The items validate against the FeedbackItem schema of /openapi.json."""
    spec = api.get("/openapi.json").json()
    schema = spec["paths"]["/feedback"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
    errors = [f"{e.message} at {list(e.instance_path)}" for e in validator.iter_errors(items)]
    assert not errors, errors[:5]


def test_an_onchain_endorsement_is_listed_with_onchain_true_its_role_and_its_transaction(api, oracle, bounties, eas,
                                                                                         chain, accounts):
    cid, record = bounties.submitted_challenge()
    contributor = bounties.contributor.address
    uid, receipt = attest(eas.eas, given(bounties.ante.address, cid, record.deliverable), contributor,
                          bounties.funder)
    other, other_receipt = attest(eas.eas, given(bounties.ante.address, cid, record.deliverable, stance=0), contributor,
                                  accounts[6])
    oracle.run_once()
    items = listed(api, challenge=cid)
    assert {i["uid"]: (i["role"], i["stance"], i["onchain"], i["transaction_hash"], i["package"]) for i in items} == {
        other: ("community", "neutral", True, str(other_receipt.txn_hash), None),
        uid: ("funder", "endorse", True, str(receipt.txn_hash), None),
    }
    mine = next(i for i in items if i["uid"] == uid)
    assert (mine["signer"], mine["recipient"], mine["time"]) == (bounties.funder.address, contributor,
                                                                 block_time(chain, receipt))
    assert mine["deliverable"] == "0x" + record.deliverable.hex() and mine["comment"] == COMMENT
    assert mine["comment_hash"] == "0x" + keccak(text=COMMENT).hex()
    spec_check(api, items)
    assert [i["uid"] for i in listed(api, recipient=contributor)] == [i["uid"] for i in items]
    package = api.get(f"/feedback/{uid}")
    assert package.status_code == 404 and "on-chain attestation" in package.json()["detail"], package.text
    assert str(receipt.txn_hash) in package.json()["detail"]
    cursor = oracle.feedback_store.cursor(oracle.feedback.onchain_cursor())
    assert cursor == chain.blocks.head.number  # a local chain is final at its head
    oracle.run_once()  # nothing new: nothing changes
    assert listed(api, challenge=cid) == items


def test_offchain_and_onchain_items_say_where_they_are_from(api, oracle, bounties, eas):
    cid, _, _ = bounties.create()
    oracle.run_once()
    signed = sign_feedback(STRANGER.key, given(bounties.ante.address, cid, ZERO_HASH), eas.domain, ZERO_ADDRESS,
                           bounties.now)
    assert post(api, signed).status_code == 201
    onchain_uid, _ = attest(eas.eas, given(bounties.ante.address, cid, ZERO_HASH, -1), ZERO_ADDRESS, bounties.funder)
    oracle.run_once()
    items = {i["uid"]: i for i in listed(api, challenge=cid)}
    assert set(items) == {signed.uid, onchain_uid}
    assert (items[signed.uid]["onchain"], items[signed.uid]["transaction_hash"]) == (False, None)
    assert items[signed.uid]["package"] == signed.to_json()
    assert items[onchain_uid]["onchain"] is True and items[onchain_uid]["role"] == "funder"
    spec_check(api, list(items.values()))
    described = api.get("/openapi.json").json()["components"]["schemas"]["FeedbackItem"]
    assert {"onchain", "transaction_hash", "package"} <= set(described["required"])
    assert described["properties"]["onchain"]["type"] == "boolean"
    for nullable in ("transaction_hash", "package"):
        assert {"type": "null"} in described["properties"][nullable]["anyOf"], described["properties"][nullable]


def test_a_later_offchain_objection_replaces_an_onchain_endorsement(api, oracle, bounties, eas, chain, accounts):
    cid, _, _ = bounties.create()
    signer = accounts[6]
    uid, receipt = attest(eas.eas, given(bounties.ante.address, cid, ZERO_HASH, 1), ZERO_ADDRESS, signer)
    oracle.run_once()
    at = block_time(chain, receipt)
    assert [(i["uid"], i["onchain"]) for i in listed(api, challenge=cid)] == [(uid, True)]
    older = sign_feedback(signer.private_key, given(bounties.ante.address, cid, ZERO_HASH, -1), eas.domain,
                          ZERO_ADDRESS, at)
    answer = post(api, older)  # as old as the on-chain one: it does not replace it
    assert answer.status_code == 409 and uid in answer.json()["detail"], answer.text
    objection = sign_feedback(signer.private_key, given(bounties.ante.address, cid, ZERO_HASH, -1), eas.domain,
                              ZERO_ADDRESS, at + 1)
    answer = post(api, objection)
    assert answer.status_code == 201 and answer.json()["status"] == "replaced", answer.text
    oracle.run_once()
    (item,) = listed(api, challenge=cid)
    assert (item["uid"], item["stance"], item["onchain"], item["transaction_hash"]) == (objection.uid, "object",
                                                                                       False, None)


def test_a_later_onchain_attestation_replaces_an_offchain_one_and_an_older_one_does_not(api, oracle, bounties, eas,
                                                                                        chain, accounts):
    cid, _, _ = bounties.create()
    oracle.run_once()
    signer, ante = accounts[6], bounties.ante.address
    head = chain.blocks.head.timestamp
    objection = sign_feedback(signer.private_key, given(ante, cid, ZERO_HASH, -1), eas.domain, ZERO_ADDRESS, head - 100)
    assert post(api, objection).status_code == 201
    uid, receipt = attest(eas.eas, given(ante, cid, ZERO_HASH, 1), ZERO_ADDRESS, signer)  # a later block
    oracle.run_once()
    (item,) = listed(api, challenge=cid)
    assert (item["uid"], item["stance"], item["onchain"], item["transaction_hash"]) == (uid, "endorse", True,
                                                                                       str(receipt.txn_hash))
    # An off-chain attestation from further ahead wins over a later on-chain one: the time decides.
    ahead = block_time(chain, receipt) + 1_000
    newest = sign_feedback(signer.private_key, given(ante, cid, ZERO_HASH, 0), eas.domain, ZERO_ADDRESS, ahead)
    assert post(api, newest).status_code == 201
    late, _ = attest(eas.eas, given(ante, cid, ZERO_HASH, -1), ZERO_ADDRESS, signer)
    oracle.run_once()
    assert [i["uid"] for i in listed(api, challenge=cid)] == [newest.uid]
    assert late != newest.uid


def test_an_onchain_revocation_takes_the_attestation_out(api, oracle, bounties, eas, accounts):
    cid, _, _ = bounties.create()
    ante = bounties.ante.address
    uid, _ = attest(eas.eas, given(ante, cid, ZERO_HASH, 1), ZERO_ADDRESS, accounts[6])
    kept, _ = attest(eas.eas, given(ante, cid, ZERO_HASH, -1), ZERO_ADDRESS, accounts[7])
    oracle.run_once()
    assert {i["uid"] for i in listed(api, challenge=cid)} == {uid, kept}
    revoke(eas.eas, uid, accounts[6])
    oracle.run_once()
    assert [i["uid"] for i in listed(api, challenge=cid)] == [kept]
    assert oracle.feedback_store.is_revoked(uid, accounts[6].address)
    assert api.get(f"/feedback/{uid}").status_code == 404
    # Attested and revoked between two reads: never listed.
    brief, _ = attest(eas.eas, given(ante, cid, ZERO_HASH, 0), ZERO_ADDRESS, accounts[8])
    revoke(eas.eas, brief, accounts[8])
    oracle.run_once()
    assert [i["uid"] for i in listed(api, challenge=cid)] == [kept]


def test_what_is_not_feedback_on_this_deployment_is_skipped_with_one_log_line(api, oracle, bounties, eas, accounts,
                                                                                chain, caplog):
    from ape import Contract

    from ante.artifacts import contract_type
    from ante.transactions import send

    submitted, record = bounties.submitted_challenge()
    opened, _, _ = bounties.create()
    ante, contributor = bounties.ante.address, bounties.contributor.address
    registry = Contract(eas.schema_registry, contract_type=contract_type("SchemaRegistry"))
    send(registry.register, "bool yes", ZERO_ADDRESS, True, sender=accounts[0])
    other_schema = keccak(b"bool yes" + bytes(20) + b"\x01")
    eas_contract = Contract(eas.eas, contract_type=contract_type("EAS"))
    # In another schema (with Ante feedback as its data): not in Ante's schema, so never read.
    send(eas_contract.attest, (other_schema, (contributor, 0, True, bytes(32),
                                              given(ante, submitted, record.deliverable).encode(), 0)),
         sender=accounts[6])
    skipped = {
        "not Ante feedback": send(eas_contract.attest, (schema_uid(), (contributor, 0, True, bytes(32), b"\x01\x02",
                                                                       0)), sender=accounts[6]),
        "another Ante deployment": attest(eas.eas, given("0x" + "22" * 20, submitted, record.deliverable), contributor,
                                          accounts[6])[1],
        f"no challenge {opened + 40}": attest(eas.eas, given(ante, opened + 40, ZERO_HASH), ZERO_ADDRESS,
                                              accounts[6])[1],
        "was submitted with": attest(eas.eas, given(ante, submitted, keccak(text="something else")), contributor,
                                     accounts[6])[1],
        "had nothing submitted": attest(eas.eas, given(ante, opened, keccak(text="early")), ZERO_ADDRESS,
                                        accounts[7])[1],
        "recipient": attest(eas.eas, given(ante, opened, ZERO_HASH), accounts[8].address, accounts[8])[1],
    }
    good, _ = attest(eas.eas, given(ante, submitted, record.deliverable), contributor, accounts[9])
    with caplog.at_level(logging.INFO, logger="ante.oracle"):
        oracle.run_once()
    assert [i["uid"] for i in listed(api)] == [good]
    lines = [r.getMessage() for r in caplog.records if "skipped the on-chain attestation" in r.getMessage()]
    assert len(lines) == len(skipped), lines
    for words, receipt in skipped.items():
        (line,) = [line for line in lines if str(receipt.txn_hash) in line]
        assert words in line, line
        assert "/tmp" not in line and "/work" not in line
    failed = oracle.last_error
    assert failed is None or "on-chain feedback" not in failed[1], failed  # the worker read past them all
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ante.oracle"):
        oracle.run_once()  # read once: not logged again
    assert not [r for r in caplog.records if "skipped the on-chain attestation" in r.getMessage()]
    assert oracle.feedback_store.cursor(oracle.feedback.onchain_cursor()) == chain.blocks.head.number


def test_feedback_given_before_a_submission_stays_about_the_challenge_as_posted(api, oracle, bounties, eas, accounts):
    """Read after the submission, an attestation made before it is checked against the challenge as it
    was where it was made."""
    cid, record, _ = bounties.create()
    early, _ = attest(eas.eas, given(bounties.ante.address, cid, ZERO_HASH), ZERO_ADDRESS, accounts[6])
    record, _ = bounties.accept(cid, record)
    record, _ = bounties.submit(cid, record)
    late, _ = attest(eas.eas, given(bounties.ante.address, cid, ZERO_HASH), ZERO_ADDRESS, accounts[7])  # too late
    oracle.run_once()
    assert [i["uid"] for i in listed(api, challenge=cid)] == [early]


def test_only_final_blocks_are_read(relayer, store, bounties, eas, chain, accounts, ante, tmp_path):
    """Behind a finality depth, an attestation is kept once its block is final; the cursor stays at the
    final block, so that a reorganisation of the later blocks cannot leave a phantom."""
    client = AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "deep.sqlite",
                        finality_depth=3)
    service = OracleService(client, relayer, store, poll=0.2, sync_wait=5, eas=eas.domain)
    try:
        cid, _, _ = bounties.create()
        uid, receipt = attest(eas.eas, given(bounties.ante.address, cid, ZERO_HASH), ZERO_ADDRESS, accounts[6])
        service.run_once()
        head = chain.blocks.head.number
        assert service.feedback_store.current(chain.chain_id, ante.address) == []
        assert service.feedback_store.cursor(service.feedback.onchain_cursor()) == head - 3
        chain.mine(3)

        def kept():
            service.run_once()
            return [f.uid for f in service.feedback_store.current(chain.chain_id, ante.address)] == [uid]

        wait_until(kept, timeout=30, interval=0.1)
        assert service.feedback_store.cursor(service.feedback.onchain_cursor()) <= chain.blocks.head.number - 3
    finally:
        service.stop()
        service.close_feedback()


def test_a_restarted_oracle_reads_on_from_its_cursor_and_loses_nothing(oracle_client, relayer, store, bounties, eas,
                                                                       chain, accounts, monkeypatch):
    cid, _, _ = bounties.create()
    ante = bounties.ante.address
    first, _ = attest(eas.eas, given(ante, cid, ZERO_HASH, 1), ZERO_ADDRESS, accounts[6])
    service = OracleService(oracle_client, relayer, store, poll=0.2, sync_wait=5, eas=eas.domain)
    service.run_once()
    cursor = service.feedback_store.cursor(service.feedback.onchain_cursor())
    assert cursor == chain.blocks.head.number
    assert [f.uid for f in service.feedback_store.current(chain.chain_id, ante)] == [first]
    service.stop()
    service.close_feedback()

    second, receipt = attest(eas.eas, given(ante, cid, ZERO_HASH, -1), ZERO_ADDRESS, accounts[7])
    starts = []
    read = EasReader.attestations

    def spy(self, start=0, stop=None, ante=None):
        starts.append(start)
        return read(self, start, stop, ante)

    monkeypatch.setattr(EasReader, "attestations", spy)
    again = OracleService(oracle_client, relayer, store, poll=0.2, sync_wait=5, eas=eas.domain)
    try:
        again.run_once()
        assert starts == [cursor + 1]  # on from the cursor, not from the deployment's block
        assert {f.uid: f.onchain for f in again.feedback_store.current(chain.chain_id, ante)} == {first: True,
                                                                                                 second: True}
        assert again.feedback_store.get(second).transaction_hash == str(receipt.txn_hash)
    finally:
        again.stop()
        again.close_feedback()


def test_the_running_worker_keeps_onchain_feedback_as_blocks_come(running_oracle, bounties, eas, accounts):
    running_oracle.eas = eas.domain
    cid, _, _ = bounties.create()
    uid, _ = attest(eas.eas, given(bounties.ante.address, cid, ZERO_HASH), ZERO_ADDRESS, accounts[6])
    wait_until(lambda: running_oracle.feedback_store.get(uid) is not None)
    assert running_oracle.feedback_store.get(uid).onchain
    revoke(eas.eas, uid, accounts[6])
    wait_until(lambda: running_oracle.feedback_store.get(uid) is None)


def test_a_store_written_before_onchain_feedback_opens_with_its_items_off_chain(tmp_path):
    import sqlite3

    from ante.oracle.feedback import FeedbackStore

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""CREATE TABLE feedback (chain_id INTEGER NOT NULL, contract TEXT NOT NULL,
        challenge_id TEXT NOT NULL, signer TEXT NOT NULL, uid TEXT NOT NULL, time INTEGER NOT NULL,
        recipient TEXT NOT NULL, deliverable TEXT NOT NULL, stance INTEGER NOT NULL, comment TEXT NOT NULL,
        comment_hash TEXT NOT NULL, document TEXT NOT NULL, received_at REAL NOT NULL,
        PRIMARY KEY (chain_id, contract, challenge_id, signer));""")
    db.execute("INSERT INTO feedback VALUES (31337, ?, '1', ?, ?, 1000, ?, ?, 1, '', ?, '{\"sig\": {}}', 1.0)",
               (STRANGER.address, STRANGER.address, "0x" + "ab" * 32, ZERO_ADDRESS, "0x" + "00" * 32,
                "0x" + "00" * 32))
    db.commit()
    db.close()
    with FeedbackStore(path) as store:
        (item,) = store.current(31337, STRANGER.address)
        assert (item.uid, item.onchain, item.transaction_hash, item.package) == ("0x" + "ab" * 32, False, None,
                                                                                 {"sig": {}})
        assert item.to_json()["onchain"] is False
