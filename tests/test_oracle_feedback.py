"""Feedback in the oracle: the store (one current attestation per signer and challenge, durable,
replaced only by a newer one, revocations remembered), ``POST /feedback`` with every refusal, the
operator's policy and rate limit, and ``GET /feedback`` with each signer's role.

Attestations are EAS version-2 off-chain attestations signed with eth_account keys, in a made-up EAS
domain: no EAS contract is needed to check an off-chain signature.
"""

from __future__ import annotations

import json
import time
import warnings

import pytest
from eth_account import Account
from eth_utils import keccak

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from oracle_support import oracle, oracle_client, running_oracle, store, store_path, wait_until  # noqa: F401

from ante.feedback import ZERO_ADDRESS, ZERO_HASH, Attestation, EasDomain, Feedback, SignedAttestation, sign_feedback
from ante.oracle.app import create_app
from ante.oracle.feedback import (REPLACED, REVOKED, STALE, STORED, UNCHANGED, FeedbackPolicy, FeedbackStore,
                                  read_addresses)

EAS = "0x4200000000000000000000000000000000000021"
VERSION = "1.4.0"
COMMENT = "https://example.org/comments/1"
#: Keys of people who are nothing on the test's challenges.
STRANGERS = [Account.from_key(bytes.fromhex(f"{i:064x}")) for i in range(900, 906)]


@pytest.fixture
def domain(chain) -> EasDomain:
    return EasDomain(chain.chain_id, EAS, VERSION)


def attestation(key, ante, challenge_id, deliverable, domain, *, stance=1, at=None, recipient=ZERO_ADDRESS,
                comment=COMMENT, **extra) -> SignedAttestation:
    feedback = Feedback(ante, challenge_id, bytes(deliverable), stance, comment, keccak(text=comment))
    return sign_feedback(key, feedback, domain, recipient, int(time.time()) if at is None else at, **extra)


def key_of(account):
    """The private key of an Ape test account, or of an eth_account key."""
    return getattr(account, "private_key", None) or account.key


# ------------------------------------------------------------------------------------------ the store


def test_the_store_keeps_feedback_across_a_reopen_whole(tmp_path, domain, ante):
    path = tmp_path / "oracle.sqlite"
    signed = attestation(STRANGERS[0].key, ante.address, 1, ZERO_HASH, domain, at=1_000)
    with FeedbackStore(path) as store:
        assert store.put(signed)[0] == STORED
    with FeedbackStore(path) as store:
        (kept,) = store.current(domain.chain_id, ante.address)
        assert kept.uid == signed.uid and kept.signer == STRANGERS[0].address and kept.time == 1_000
        assert kept.stance_name == "endorse" and kept.comment == COMMENT
        assert SignedAttestation.from_json(kept.package, domain) == signed  # anyone can verify it again
        assert store.get(signed.uid).package == signed.to_json()
        assert store.put(signed)[0] == UNCHANGED


def test_a_newer_attestation_replaces_an_older_one_and_an_older_or_equal_one_is_refused(tmp_path, domain, ante):
    key = STRANGERS[0].key
    with FeedbackStore(tmp_path / "f.sqlite") as store:
        first = attestation(key, ante.address, 1, ZERO_HASH, domain, at=1_000, stance=1)
        newer = attestation(key, ante.address, 1, ZERO_HASH, domain, at=2_000, stance=-1)
        assert store.put(first) == (STORED, store.get(first.uid))
        status, current = store.put(newer)
        assert status == REPLACED and current.uid == newer.uid and current.stance_name == "object"
        assert store.get(first.uid) is None
        for late in (first, attestation(key, ante.address, 1, ZERO_HASH, domain, at=2_000, stance=0),
                     attestation(key, ante.address, 1, ZERO_HASH, domain, at=1_500, stance=0)):
            status, current = store.put(late)
            assert status == STALE and current.uid == newer.uid
        assert [f.uid for f in store.current(domain.chain_id, ante.address)] == [newer.uid]


def test_one_current_attestation_per_signer_and_challenge(tmp_path, domain, ante):
    with FeedbackStore(tmp_path / "f.sqlite") as store:
        given = [attestation(k.key, ante.address, cid, ZERO_HASH, domain, at=1_000)
                 for k in STRANGERS[:2] for cid in (1, 2)]
        assert [store.put(a)[0] for a in given] == [STORED] * 4
        assert store.count() == 4
        on_one = store.current(domain.chain_id, ante.address, challenge_ids=[1])
        assert {f.signer for f in on_one} == {STRANGERS[0].address, STRANGERS[1].address}
        by_first = store.current(domain.chain_id, ante.address, signer=STRANGERS[0].address)
        assert [f.challenge_id for f in by_first] == [1, 2]
        assert store.current(domain.chain_id, "0x" + "11" * 20) == []  # another deployment has none
        assert store.current(domain.chain_id + 1, ante.address) == []


def test_a_revoked_attestation_is_gone_and_never_taken_again(tmp_path, domain, ante):
    path = tmp_path / "f.sqlite"
    signed = attestation(STRANGERS[0].key, ante.address, 1, ZERO_HASH, domain, at=1_000)
    other = attestation(STRANGERS[1].key, ante.address, 1, ZERO_HASH, domain, at=1_000)
    with FeedbackStore(path) as store:
        store.put(signed), store.put(other)
        assert store.revoke(signed.uid) is True
        assert store.get(signed.uid) is None and store.is_revoked(signed.uid)
        assert [f.uid for f in store.current(domain.chain_id, ante.address)] == [other.uid]
        assert store.revoke(signed.uid) is False  # nothing current any more; still revoked
    with FeedbackStore(path) as store:
        assert store.put(signed) == (REVOKED, None)
        assert store.is_revoked(signed.uid.upper().replace("0X", "0x"))
        assert not store.is_revoked(other.uid)
        with pytest.raises(ValueError, match="not an attestation UID"):
            store.revoke("0x1234")


def test_a_revocation_by_one_signer_leaves_another_signers_copy_of_the_uid(tmp_path, domain, ante):
    """An off-chain UID does not cover its attester: the same message signed by two keys has one UID."""
    attest = Attestation.of(Feedback(ante.address, 1, ZERO_HASH, 1), domain, ZERO_ADDRESS, 1_000)
    mine, copied = attest.sign(STRANGERS[0].key), attest.sign(STRANGERS[1].key)
    assert mine.uid == copied.uid
    with FeedbackStore(tmp_path / "f.sqlite") as store:
        assert store.put(mine)[0] == STORED and store.put(copied)[0] == STORED
        assert store.count() == 2  # the copy did not push the original out
        assert store.revoke(copied.uid, signer=STRANGERS[1].address)
        assert [f.signer for f in store.current(domain.chain_id, ante.address)] == [STRANGERS[0].address]
        assert store.put(copied) == (REVOKED, None)
        assert store.put(mine)[0] == UNCHANGED


def test_read_addresses_takes_one_a_line_with_comments(tmp_path):
    listed = tmp_path / "reviewers.txt"
    listed.write_text(f"# reviewers\n{STRANGERS[0].address.lower()}\n\n{STRANGERS[1].address}  # second\n")
    assert read_addresses(listed) == [STRANGERS[0].address, STRANGERS[1].address]
    listed.write_text("0x1234\n")
    with pytest.raises(ValueError, match="line 1"):
        read_addresses(listed)


# ------------------------------------------------------------------------------------------ POST /feedback


@pytest.fixture
def api(oracle, domain):
    oracle.eas = domain
    with TestClient(create_app(oracle)) as client:
        yield client


def post(api, body):
    content = body if isinstance(body, bytes) else json.dumps(body.to_json() if isinstance(body, SignedAttestation) else body)
    return api.post("/feedback", content=content, headers={"Content-Type": "application/json"})


def detail(response) -> str:
    text = response.json()["detail"]
    assert isinstance(text, str) and text[0].isupper() and text.endswith((".", ")")), text
    assert "/tmp" not in text and "/work" not in text, text
    return text


def refused(api, body, status: int, *words: str) -> str:
    response = post(api, body)
    assert response.status_code == status, response.text
    text = detail(response)
    for word in words:
        assert word in text, text
    return text


def test_feedback_is_stored_201_then_200_then_replaced_by_a_newer_one(api, oracle, bounties, domain):
    cid, record = bounties.submitted_challenge()
    oracle.run_once()
    now = int(time.time())
    first = attestation(STRANGERS[0].key, bounties.ante.address, cid, record.deliverable, domain, at=now - 10,
                        recipient=bounties.contributor.address)
    response = post(api, first)
    assert response.status_code == 201, response.text
    assert response.json() == {"status": "stored", "uid": first.uid, "challenge_id": cid,
                               "signer": STRANGERS[0].address, "stance": "endorse", "role": "community",
                               "time": now - 10}
    again = post(api, first)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    newer = attestation(STRANGERS[0].key, bounties.ante.address, cid, record.deliverable, domain, at=now, stance=-1)
    replaced = post(api, newer)
    assert replaced.status_code == 201 and replaced.json()["status"] == "replaced", replaced.text
    refused(api, first, 409, "as new or newer", newer.uid)
    (item,) = api.get("/feedback", params={"challenge": cid}).json()
    assert item["uid"] == newer.uid and item["stance"] == "object"


def test_an_attestation_whose_signature_is_not_the_signers_is_422(api, oracle, bounties, domain):
    cid, record = bounties.submitted_challenge()
    oracle.run_once()
    package = attestation(STRANGERS[0].key, bounties.ante.address, cid, record.deliverable, domain).to_json()
    refused(api, {**package, "signer": STRANGERS[1].address}, 422, "not by the named signer")
    tampered = json.loads(json.dumps(package))
    tampered["sig"]["signature"]["r"] = "0x" + "00" * 31 + "01"
    tampered["sig"]["signature"]["s"] = "0x" + "00" * 31 + "01"
    refused(api, tampered, 422)
    changed = json.loads(json.dumps(package))
    changed["sig"]["message"]["time"] = changed["sig"]["message"]["time"] - 1  # no longer its uid
    refused(api, changed, 422, "not the UID of its contents")
    del changed["sig"]["uid"]  # and without the uid, the signature no longer recovers to the signer
    refused(api, changed, 422, "not by the named signer")
    assert api.get("/feedback").json() == []


def test_an_attestation_in_another_schema_is_422(api, oracle, bounties, domain):
    cid, record = bounties.submitted_challenge()
    oracle.run_once()
    feedback = Feedback(bounties.ante.address, cid, record.deliverable, 1)
    other = Attestation(domain, keccak(text="another schema"), ZERO_ADDRESS, int(time.time()), feedback.encode())
    refused(api, other.sign(STRANGERS[0].key).to_json(), 422, "not Ante's feedback schema")
    junk = Attestation.of(feedback, domain, ZERO_ADDRESS, int(time.time()))
    junk = Attestation(domain, junk.schema, ZERO_ADDRESS, junk.time, b"\x01\x02")
    refused(api, junk.sign(STRANGERS[0].key).to_json(), 422, "not Ante feedback")


def test_feedback_about_another_deployment_or_in_another_eas_domain_is_422(api, oracle, bounties, domain):
    cid, record = bounties.submitted_challenge()
    oracle.run_once()
    key = STRANGERS[0].key
    refused(api, attestation(key, "0x" + "12" * 20, cid, record.deliverable, domain), 422, "Ante deployment",
            oracle.contract)
    for other in (EasDomain(domain.chain_id + 1, EAS, VERSION), EasDomain(domain.chain_id, "0x" + "34" * 20, VERSION),
                  EasDomain(domain.chain_id, EAS, "1.3.0")):
        refused(api, attestation(key, bounties.ante.address, cid, record.deliverable, other), 422,
                f"on chain {domain.chain_id}", domain.eas)


def test_feedback_on_a_challenge_that_does_not_exist_is_404(api, oracle, bounties, domain):
    cid, record = bounties.submitted_challenge()
    oracle.run_once()
    refused(api, attestation(STRANGERS[0].key, bounties.ante.address, cid + 40, ZERO_HASH, domain), 404,
            f"no challenge {cid + 40}")


def test_feedback_on_another_deliverable_or_recipient_is_409(api, oracle, bounties, domain):
    submitted, record = bounties.submitted_challenge()
    opened, open_record, _ = bounties.create()
    oracle.run_once()
    key, ante = STRANGERS[0].key, bounties.ante.address
    refused(api, attestation(key, ante, submitted, keccak(text="something else"), domain), 409,
            "was submitted with 0x" + record.deliverable.hex())
    refused(api, attestation(key, ante, submitted, ZERO_HASH, domain), 409, "was submitted with")
    refused(api, attestation(key, ante, opened, keccak(text="early"), domain), 409, "nothing submitted yet")
    refused(api, attestation(key, ante, submitted, record.deliverable, domain, recipient=STRANGERS[1].address), 409,
            "recipient", bounties.contributor.address)
    refused(api, attestation(key, ante, opened, ZERO_HASH, domain, recipient=STRANGERS[1].address), 409,
            "nobody yet")
    assert post(api, attestation(key, ante, opened, ZERO_HASH, domain)).status_code == 201


def test_feedback_is_refused_when_expired_ahead_of_the_clock_or_not_json(api, oracle, bounties, domain):
    cid, _, _ = bounties.create()
    oracle.run_once()
    key, ante = STRANGERS[0].key, bounties.ante.address
    refused(api, attestation(key, ante, cid, ZERO_HASH, domain, at=int(time.time()) + 3600), 422, "ahead of")
    refused(api, attestation(key, ante, cid, ZERO_HASH, domain, expiration_time=int(time.time()) - 1), 409, "expired")
    refused(api, b'{"sig": ', 400, "not valid JSON")
    refused(api, [1, 2], 422, "JSON object")
    refused(api, {"sig": {"version": 1}}, 422, "version-2")
    refused(api, b"[" * 20_000, 413)
    assert api.get("/feedback").json() == []


def test_an_oracle_without_eas_takes_no_feedback(api, oracle, bounties, domain):
    cid, _, _ = bounties.create()
    oracle.run_once()
    oracle.eas = None
    refused(api, attestation(STRANGERS[0].key, bounties.ante.address, cid, ZERO_HASH, domain), 503, "--eas")


def test_a_revoked_attestation_is_refused_over_http(api, oracle, bounties, domain):
    cid, _, _ = bounties.create()
    oracle.run_once()
    signed = attestation(STRANGERS[0].key, bounties.ante.address, cid, ZERO_HASH, domain)
    assert post(api, signed).status_code == 201
    assert oracle.feedback_store.revoke(signed.uid)
    assert api.get(f"/feedback/{signed.uid}").status_code == 404
    refused(api, signed, 409, "revoked")


# ------------------------------------------------------------------------------------------ policy


def test_a_list_of_addresses_is_the_only_one_taken(api, oracle, bounties, domain):
    cid, _, _ = bounties.create()
    oracle.run_once()
    oracle.feedback_policy = FeedbackPolicy(addresses=[STRANGERS[0].address.lower()])
    ante = bounties.ante.address
    assert post(api, attestation(STRANGERS[0].key, ante, cid, ZERO_HASH, domain)).status_code == 201
    refused(api, attestation(STRANGERS[1].key, ante, cid, ZERO_HASH, domain), 403, STRANGERS[1].address,
            "1 listed address")


def test_the_members_of_a_panel_are_the_only_ones_taken(api, oracle, bounties, domain, evaluators, panel_2of3):
    cid, _, _ = bounties.create()
    oracle.run_once()
    oracle.feedback_policy = FeedbackPolicy(panels=[panel_2of3])
    ante = bounties.ante.address
    assert post(api, attestation(evaluators[0].key, ante, cid, ZERO_HASH, domain)).status_code == 201
    refused(api, attestation(evaluators[5].key, ante, cid, ZERO_HASH, domain), 403, f"members of panel {panel_2of3}")
    refused(api, attestation(STRANGERS[0].key, ante, cid, ZERO_HASH, domain), 403)


def test_a_signer_past_its_hourly_rate_is_429_until_the_hour_has_moved_on(api, oracle, bounties, domain):
    cid, _, _ = bounties.create()
    oracle.run_once()
    clock = [1_000.0]
    oracle.feedback_policy = FeedbackPolicy(rate=2, clock=lambda: clock[0])
    ante, now = bounties.ante.address, int(time.time())
    posts = [attestation(STRANGERS[0].key, ante, cid, ZERO_HASH, domain, at=now - 100 + i) for i in range(4)]
    assert post(api, posts[0]).status_code == 201
    assert post(api, posts[1]).status_code == 201
    refused(api, posts[2], 429, "2 attestations in the last hour", "3600 seconds")
    assert post(api, attestation(STRANGERS[1].key, ante, cid, ZERO_HASH, domain)).status_code == 201  # per signer
    clock[0] += 3599
    refused(api, posts[2], 429, "in 1 second.")
    clock[0] += 1
    assert post(api, posts[2]).status_code == 201
    assert api.get("/feedback", params={"signer": STRANGERS[0].address}).json()[0]["uid"] == posts[2].uid
    assert metric(api, 'feedback_rejected_total{reason="rate_limited"}') == 2
    assert metric(api, 'feedback_accepted_total{status="stored"}') == 2
    assert metric(api, 'feedback_accepted_total{status="replaced"}') == 2


def test_every_post_whose_signature_verifies_counts_against_the_rate(api, oracle, bounties, domain):
    cid, _, _ = bounties.create()
    oracle.run_once()
    oracle.feedback_policy = FeedbackPolicy(rate=1)
    refused(api, attestation(STRANGERS[0].key, "0x" + "12" * 20, cid, ZERO_HASH, domain), 422, "Ante deployment")
    refused(api, attestation(STRANGERS[0].key, bounties.ante.address, cid, ZERO_HASH, domain), 429, "posted 1 attestation in the last hour")
    assert post(api, attestation(STRANGERS[1].key, bounties.ante.address, cid, ZERO_HASH, domain)).status_code == 201


def test_the_rate_forgets_signers_idle_for_a_whole_window_once_it_holds_many():
    clock = [0.0]
    policy = FeedbackPolicy(rate=1, clock=lambda: clock[0])
    policy.SIGNERS = 3
    for who in ("a", "b", "c"):
        assert policy.take(who) is None
    clock[0] = 3600.5  # a, b and c are idle for a whole window
    assert policy.take("d") is None
    assert set(policy._posts) == {"d"}
    assert policy.take("d") is not None  # d's own post still counts


def metric(api, line_start: str) -> float:
    for line in api.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {line_start}")


# ------------------------------------------------------------------------------------------ GET /feedback


def test_feedback_is_listed_with_each_signers_role(api, oracle, bounties, domain, evaluators):
    cid, record = bounties.submitted_challenge()
    other, _, _ = bounties.create()
    oracle.run_once()
    ante, now = bounties.ante.address, int(time.time())
    contributor = bounties.contributor.address
    givers = {"funder": (key_of(bounties.funder), 1), "contributor": (key_of(bounties.contributor), 0),
              "panel": (evaluators[1].key, -1), "community": (STRANGERS[0].key, 1)}
    uids = {}
    for i, (role, (key, stance)) in enumerate(givers.items()):
        signed = attestation(key, ante, cid, record.deliverable, domain, stance=stance, at=now - i, recipient=contributor)
        answer = post(api, signed)
        assert answer.status_code == 201 and answer.json()["role"] == role, answer.text
        uids[role] = signed.uid
    assert post(api, attestation(STRANGERS[0].key, ante, other, ZERO_HASH, domain)).status_code == 201

    listed = api.get("/feedback", params={"challenge": cid})
    assert listed.status_code == 200
    items = listed.json()
    assert [(i["role"], i["uid"]) for i in items] == [(role, uids[role]) for role in givers]  # newest first
    names = {1: "endorse", 0: "neutral", -1: "object"}
    for item, (role, (key, stance)) in zip(items, givers.items()):
        assert item["signer"] == Account.from_key(key).address and item["stance"] == names[stance]
        assert item["comment"] == COMMENT and item["comment_hash"] == "0x" + keccak(text=COMMENT).hex()
        assert item["deliverable"] == "0x" + record.deliverable.hex() and item["recipient"] == contributor
        assert SignedAttestation.from_json(item["package"], domain).uid == item["uid"]
    assert len(api.get("/feedback").json()) == 5
    assert [i["challenge_id"] for i in api.get("/feedback", params={"signer": STRANGERS[0].address.lower()}).json()] \
        == [cid, other]
    assert {i["uid"] for i in api.get("/feedback", params={"recipient": contributor}).json()} == set(uids.values())
    assert api.get("/feedback", params={"recipient": STRANGERS[3].address}).json() == []
    assert api.get("/feedback", params={"challenge": other, "signer": STRANGERS[1].address}).json() == []

    package = api.get(f"/feedback/{uids['panel']}")
    assert package.status_code == 200
    assert SignedAttestation.from_json(package.json(), domain).signer == evaluators[1].address
    assert api.get(f"/feedback/{uids['panel'].upper().replace('0X', '0x')}").status_code == 200
    missing = api.get("/feedback/0x" + "ab" * 32)
    assert missing.status_code == 404 and "No current feedback" in detail(missing)
    assert api.get("/feedback/0x1234").status_code == 422
    unknown = api.get("/feedback", params={"challenge": cid + 40})
    assert unknown.status_code == 404 and f"no challenge {cid + 40}" in detail(unknown)
    assert api.get("/feedback", params={"signer": "0x1234"}).status_code == 422
    assert api.get("/feedback", params={"challenge": -1}).status_code == 422


# ------------------------------------------------------------------------------------------ ante oracle run's options


def test_the_feedback_options_make_the_policy(tmp_path):
    from ante.errors import BadInput
    from ante.oracle.command import _feedback_policy

    assert _feedback_policy((), (), 60).open
    listed = tmp_path / "reviewers.txt"
    listed.write_text(f"{STRANGERS[1].address}\n")
    policy = _feedback_policy((STRANGERS[0].address.lower(), str(listed)), (2,), 5)
    assert policy.addresses == {STRANGERS[0].address, STRANGERS[1].address} and policy.panels == {2}
    assert policy.rate == 5 and policy.describe() == "2 listed addresses and the members of panel 2"
    with pytest.raises(BadInput, match="neither") as refused_path:
        _feedback_policy((str(tmp_path / "missing.txt"),), (), 60)
    assert str(tmp_path) not in str(refused_path.value)  # names the file, not where it is
    listed.write_text("not an address\n")
    with pytest.raises(BadInput, match="reviewers.txt: line 1"):
        _feedback_policy((str(listed),), (), 60)


class FakeNode:
    """Answers EAS's version() as EAS 1.4.0 does (and nothing else)."""

    def __init__(self, version="1.4.0"):
        self.version = version
        self.calls = []

    def request(self, method, params=None):
        from eth_abi import encode

        self.calls.append(method)
        assert method == "eth_call" and params[0]["to"] == EAS
        return "0x" + encode(["string"], [self.version]).hex()


class FakeClient:
    def __init__(self, chain_id, eas=None, **recorded):
        from types import SimpleNamespace

        self.chain_id = chain_id
        self.node = FakeNode()
        self.deployment = SimpleNamespace(chain_id=chain_id, **({} if eas is None else {"eas": eas}), **recorded)


def test_the_eas_options_make_the_domain():
    from ante.errors import BadInput
    from ante.oracle.command import _eas_domain

    assert _eas_domain(FakeClient(5), None, None) is None  # no EAS: no feedback
    assert _eas_domain(FakeClient(5), EAS, "1.3.0") == EasDomain(5, EAS, "1.3.0")
    client = FakeClient(5)
    assert _eas_domain(client, EAS.lower(), None) == EasDomain(5, EAS, "1.4.0") and client.node.calls == ["eth_call"]
    assert _eas_domain(FakeClient(5, eas=EAS), None, None) == EasDomain(5, EAS, "1.4.0")  # the deployment's own
    recorded = FakeClient(5, eas=EAS, eas_version="1.3.0")
    assert _eas_domain(recorded, None, None) == EasDomain(5, EAS, "1.3.0") and recorded.node.calls == []
    with pytest.raises(BadInput, match="needs --eas"):
        _eas_domain(FakeClient(5), None, "1.4.0")
    with pytest.raises(BadInput, match="--eas"):
        _eas_domain(FakeClient(5), "0x1234", "1.4.0")


# ------------------------------------------------------------------------------------------ revocations on EAS


def test_an_off_chain_revocation_on_eas_takes_feedback_out_at_the_next_tick(oracle, bounties, accounts, chain):
    from ante.eas import revoke_offchain, setup

    eas = setup(accounts[0])
    oracle.eas = eas.domain
    cid, _, _ = bounties.create()
    oracle.run_once()
    revoker, other = accounts[3], accounts[5]
    mine = attestation(revoker.private_key, bounties.ante.address, cid, ZERO_HASH, eas.domain)
    theirs = attestation(other.private_key, bounties.ante.address, cid, ZERO_HASH, eas.domain)
    with TestClient(create_app(oracle)) as api:
        assert post(api, mine).status_code == 201 and post(api, theirs).status_code == 201
        oracle.run_once()
        assert len(api.get("/feedback", params={"challenge": cid}).json()) == 2  # nothing revoked yet
        revoke_offchain(eas.eas, mine.uid, revoker)
        revoke_offchain(eas.eas, theirs.uid, accounts[6])  # not the attester's: it does not count
        oracle.run_once()
        assert [i["uid"] for i in api.get("/feedback", params={"challenge": cid}).json()] == [theirs.uid]
        assert api.get(f"/feedback/{mine.uid}").status_code == 404
        refused(api, mine, 409, "revoked")
        assert oracle.feedback_store.cursor(f"offchain-revocations:{chain.chain_id}:{eas.eas}") == chain.blocks.head.number


def test_the_running_worker_honours_a_revocation_as_it_reads_new_blocks(running_oracle, bounties, accounts):
    from ante.eas import revoke_offchain, setup

    eas = setup(accounts[0])
    cid, _, _ = bounties.create()
    running_oracle.eas = eas.domain
    signed = attestation(accounts[3].private_key, bounties.ante.address, cid, ZERO_HASH, eas.domain)
    status, _ = running_oracle.accept_feedback(signed.to_json())  # looks the new challenge up with the worker
    assert status == 201
    revoke_offchain(eas.eas, signed.uid, accounts[3])
    wait_until(lambda: running_oracle.feedback_store.get(signed.uid) is None)
    assert running_oracle.feedback_store.is_revoked(signed.uid, accounts[3].address)
