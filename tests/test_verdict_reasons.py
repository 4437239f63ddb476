"""A refused verdict carries its reason as a type: every signature problem is a SignatureError
(``bad_signature``), every other problem a plain VerdictError (``invalid``); no message is parsed."""

import pytest
from eth_account import Account

from ante.oracle.admission import STATUS
from ante.oracle.metrics import REJECT_REASONS
from ante.verdict import SECP256K1_N, SignatureError, SignedVerdict, Verdict, VerdictError, normalise_signature

CONTRACT = "0x" + "ab" * 20


@pytest.fixture(scope="module")
def evaluator():
    return Account.from_key(bytes(range(1, 33)))


@pytest.fixture(scope="module")
def other():
    return Account.from_key(bytes(range(2, 34)))


def signed_document(evaluator, **changes) -> dict:
    verdict = Verdict(chain_id=31337, contract=CONTRACT, challenge_id=1, deliverable=bytes(range(32)), score=7000)
    document = SignedVerdict(verdict, evaluator.address, verdict.sign(evaluator.key)).to_json()
    document.update(changes)
    return document


def reason_of(document) -> type:
    with pytest.raises(VerdictError) as caught:
        SignedVerdict.from_json(document)
    return caught.value


def with_signature(evaluator, r: int, s: int, v: int) -> dict:
    return signed_document(evaluator, signature="0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])).hex())


def test_a_good_signature_reads(evaluator):
    assert SignedVerdict.from_json(signed_document(evaluator)).signer == evaluator.address


@pytest.mark.parametrize("signature", ["0x" + "11" * 64, "0x" + "11" * 66, "0xzz", 65, "0x"])
def test_a_signature_of_the_wrong_length_or_not_hex_is_a_signature_error(evaluator, signature):
    error = reason_of(signed_document(evaluator, signature=signature))
    assert isinstance(error, SignatureError) and error.reason == "bad_signature"


def test_v_r_or_s_out_of_range_is_a_signature_error(evaluator):
    for r, s, v in ((1, 1, 29), (1, 1, 2), (0, 1, 27), (SECP256K1_N, 1, 27), (1, 0, 28), (1, SECP256K1_N, 28)):
        error = reason_of(with_signature(evaluator, r, s, v))
        assert isinstance(error, SignatureError), (r, s, v, str(error))
        with pytest.raises(SignatureError):
            normalise_signature(r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v]))


def test_a_signature_by_someone_else_than_the_named_signer_is_a_signature_error(evaluator, other):
    error = reason_of(signed_document(evaluator, signer=other.address))
    assert isinstance(error, SignatureError) and "not by the named signer" in str(error)


def test_a_signature_that_recovers_to_no_key_is_a_signature_error(evaluator):
    # r = 5 is in range, but no point of secp256k1 has x = 5 (5**3 + 7 = 132 is no square modulo p).
    error = reason_of(with_signature(evaluator, 5, 1, 27))
    assert isinstance(error, SignatureError) and error.reason == "bad_signature"


def test_problems_beside_the_signature_are_invalid_not_signature_errors(evaluator):
    document = signed_document(evaluator)
    document["typedData"]["message"]["score"] = 1.5
    for broken in (document, signed_document(evaluator, typedData={"primaryType": "Other"}), [], "junk"):
        error = reason_of(broken)
        assert type(error) is VerdictError and error.reason == "invalid"


def test_every_reason_has_a_status_and_a_metrics_label():
    assert set(REJECT_REASONS) == set(STATUS)
    for error in (VerdictError, SignatureError):
        assert error.reason in STATUS
    assert all(400 <= status < 600 for status in STATUS.values())
