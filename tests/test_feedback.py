"""Feedback attestations (ante/feedback.py): Ante's schema data, EAS's off-chain format, and what is refused."""

import copy

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from ante.feedback import (
    SCHEMA,
    Attestation,
    EasDomain,
    Feedback,
    FeedbackError,
    FeedbackSignatureError,
    SignedAttestation,
    schema_uid,
    sign_feedback,
)
from ante.verdict import SECP256K1_N

ANTE = "0x" + "ab" * 20
EAS = "0x" + "cd" * 20
CONTRIBUTOR = "0x" + "ef" * 20
DOMAIN = EasDomain(31337, EAS, "1.4.0")
DELIVERABLE = keccak(b"the report")
COMMENT = "http://127.0.0.1:8700/documents/0x" + keccak(b"well done").hex()


@pytest.fixture(scope="module")
def reviewer():
    return Account.from_key(bytes(range(1, 33)))


def feedback(**changes) -> Feedback:
    fields = dict(ante=ANTE, challenge_id=7, deliverable=DELIVERABLE, stance=1, comment=COMMENT,
                  comment_hash=keccak(b"well done"))
    fields.update(changes)
    return Feedback(**fields)


def package(reviewer, **changes) -> dict:
    return sign_feedback(reviewer.key, feedback(**changes), DOMAIN, CONTRIBUTOR, 1_700_000_000).to_json()


def test_the_data_is_the_abi_encoding_of_the_schema_fields_and_decodes_back():
    given = feedback(stance=-1)
    assert given.encode() == encode(["address", "uint256", "bytes32", "int8", "string", "bytes32"],
                                    [ANTE, 7, DELIVERABLE, -1, COMMENT, keccak(b"well done")])
    assert Feedback.decode(given.encode()) == given
    assert given.stance_name == "object"


def test_the_schema_uid_is_the_registrys_packed_hash():
    assert schema_uid() == keccak(SCHEMA.encode() + bytes(20) + b"\x01")
    assert schema_uid(revocable=False) != schema_uid()


def test_a_signed_package_verifies_and_names_its_signer(reviewer):
    signed = SignedAttestation.from_json(package(reviewer), DOMAIN)
    assert signed.signer == reviewer.address
    assert signed.feedback() == feedback()
    assert signed.attestation.recipient.lower() == CONTRIBUTOR


def test_the_signature_is_eip712_over_the_typed_data_a_wallet_signs(reviewer):
    document = package(reviewer)
    signed = SignedAttestation.from_json(document)
    typed = signed.attestation.typed_data()
    again = Account.sign_message(encode_typed_data(full_message=typed), reviewer.key)
    assert again.signature == signed.signature  # deterministic (RFC 6979): the same message, the same signature


def test_two_attestations_of_the_same_feedback_have_different_uids_by_their_salt(reviewer):
    assert package(reviewer)["sig"]["uid"] != package(reviewer)["sig"]["uid"]


@pytest.mark.parametrize("path, value, reason", [
    (("sig", "message", "data"), "0x" + feedback(stance=0).encode().hex(), "uid"),
    (("sig", "message", "time"), 1_700_000_001, "uid"),
    (("sig", "message", "recipient"), ANTE, "uid"),
    (("sig", "uid"), "0x" + "00" * 32, "uid"),
    (("sig", "version"), 1, "version-2"),
    (("sig", "primaryType"), "Attestation", "Attest"),
    (("sig", "domain", "name"), "Ante", "domain"),
    (("sig", "message", "revocable"), "yes", "revocable"),
    (("sig", "message", "salt"), "0x12", "32 bytes"),
])
def test_a_changed_package_is_refused(reviewer, path, value, reason):
    document = package(reviewer)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(FeedbackError, match=reason):
        SignedAttestation.from_json(document, DOMAIN)


def test_a_changed_field_with_its_uid_recomputed_is_a_bad_signature(reviewer):
    document = package(reviewer)
    forged = SignedAttestation.from_json(document).attestation
    forged = Attestation(forged.domain, forged.schema, forged.recipient, forged.time, feedback(stance=-1).encode(),
                         salt=forged.salt)
    document["sig"]["message"]["data"] = "0x" + forged.data.hex()
    document["sig"]["uid"] = "0x" + forged.uid().hex()
    with pytest.raises(FeedbackSignatureError, match="not by the named signer"):
        SignedAttestation.from_json(document, DOMAIN)
    del document["signer"]
    assert SignedAttestation.from_json(document).signer != reviewer.address  # some other key, never the reviewer


def test_another_chain_or_eas_deployment_is_refused(reviewer):
    document = package(reviewer)
    with pytest.raises(FeedbackError, match="on chain 31337, not to .* on chain 1"):
        SignedAttestation.from_json(document, EasDomain(1, EAS, "1.4.0"))
    with pytest.raises(FeedbackError, match="version 1.4.0"):
        SignedAttestation.from_json(document, EasDomain(31337, EAS, "1.3.0"))


def test_equivalent_signatures_are_taken_and_junk_is_a_bad_signature(reviewer):
    document = package(reviewer)
    signature = document["sig"]["signature"]
    zero_one = copy.deepcopy(document)
    zero_one["sig"]["signature"]["v"] = signature["v"] - 27
    assert SignedAttestation.from_json(zero_one, DOMAIN).signer == reviewer.address
    high_s = copy.deepcopy(document)
    high_s["sig"]["signature"]["s"] = "0x" + (SECP256K1_N - int(signature["s"], 16)).to_bytes(32, "big").hex()
    high_s["sig"]["signature"]["v"] = 55 - signature["v"]
    assert SignedAttestation.from_json(high_s, DOMAIN).signer == reviewer.address
    junk = copy.deepcopy(document)
    junk["sig"]["signature"]["v"] = 29
    with pytest.raises(FeedbackSignatureError):
        SignedAttestation.from_json(junk, DOMAIN)


def test_an_attestation_in_another_schema_is_not_ante_feedback(reviewer):
    other = Attestation(DOMAIN, keccak(b"another schema"), CONTRIBUTOR, 1, b"\x00" * 64).sign(reviewer.key)
    checked = SignedAttestation.from_json(other.to_json(), DOMAIN)  # a valid EAS attestation ...
    with pytest.raises(FeedbackError, match="not Ante's feedback schema"):
        checked.feedback()  # ... but not feedback in Ante's schema


def test_data_that_is_not_the_schema_is_refused():
    with pytest.raises(FeedbackError, match="not Ante feedback"):
        Feedback.decode(b"\x01\x02")
    with pytest.raises(FeedbackError, match="stance"):
        Feedback.decode(encode(["address", "uint256", "bytes32", "int8", "string", "bytes32"],
                               [ANTE, 1, DELIVERABLE, 5, "", bytes(32)]))


@pytest.mark.parametrize("changes, reason", [
    ({"stance": 2}, "stance"),
    ({"deliverable": b"\x01"}, "32-byte"),
    ({"comment": "x" * 3000}, "longer than"),
])
def test_feedback_out_of_bounds_is_refused(changes, reason):
    with pytest.raises(FeedbackError, match=reason):
        feedback(**changes)


def test_numbers_as_eas_packages_write_them_are_read(reviewer):
    document = package(reviewer)
    document["sig"]["message"]["time"] = str(document["sig"]["message"]["time"])
    document["sig"]["domain"]["chainId"] = {"type": "BigInt", "hex": hex(31337)}
    assert SignedAttestation.from_json(document, DOMAIN).attestation.time == 1_700_000_000


def test_a_co_funder_gives_feedback_as_a_funder():
    from ante.feedback import role

    creator, co_funder, contributor, evaluator = ("0x" + f"{n:040x}" for n in (1, 2, 3, 4))
    kwargs = dict(funder=creator, contributor=contributor, panel=[evaluator])
    assert role(co_funder, **kwargs) == "community"
    assert role(co_funder, **kwargs, co_funders=[co_funder]) == "funder"
    assert [role(a, **kwargs, co_funders=[co_funder]) for a in (creator, contributor, evaluator)] == [
        "funder", "contributor", "panel"]
