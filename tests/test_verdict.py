"""EIP-712 verdicts and record seals: the Python side and the contract agree byte for byte."""

import pytest
from eth_account import Account
from eth_utils import keccak

from ante.state import State
from ante.terms import ChallengeRecord, Terms
from ante.verdict import VERDICT_TYPEHASH, Verdict
from lifecycle import ETHER

ZERO = "0x" + "00" * 20


def test_verdict_signed_by_standard_wallet_settles(bounties, ante, chain, evaluators, contributor):
    challenge_id, record = bounties.submitted_challenge()
    signers = evaluators[:2]
    signatures = []
    for signer in signers:
        # Built by hand, as a wallet's eth_signTypedData_v4 request would be: no project code involved.
        typed_data = {
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Verdict": [
                    {"name": "challengeId", "type": "uint256"},
                    {"name": "deliverable", "type": "bytes32"},
                    {"name": "score", "type": "uint16"},
                ],
            },
            "primaryType": "Verdict",
            "domain": {
                "name": "Ante",
                "version": "1",
                "chainId": chain.chain_id,
                "verifyingContract": ante.address,
            },
            "message": {
                "challengeId": challenge_id,
                "deliverable": "0x" + bytes(record.deliverable).hex(),
                "score": 8_000,
            },
        }
        private_key = "0x" + bytes(signer.key).hex()
        signed = Account.sign_typed_data(private_key, full_message=typed_data)
        signatures.append(bytes(signed.signature))
    receipt = ante.settle(
        challenge_id,
        record.as_tuple(),
        8_000,
        [s.address for s in signers],
        signatures,
        sender=bounties.relayer,
    )
    assert bounties.state(challenge_id) == State.SETTLED
    assert receipt.events.filter(ante.ChallengeSettled)[0].score == 8_000
    assert ante.credit(ZERO, contributor) == (ETHER + ETHER // 10) * 8_000 // 10_000


@pytest.mark.parametrize(
    "challenge_id,deliverable,score",
    [
        (1, b"\x00" * 32, 0),
        (7, keccak(text="x"), 10_000),
        (2**256 - 1, b"\xff" * 32, 3_333),
        (123_456, keccak(text="deliverable"), 1),
    ],
)
def test_verdict_digest_matches_contract(ante, chain, challenge_id, deliverable, score):
    verdict = Verdict(chain.chain_id, ante.address, challenge_id, deliverable, score)
    assert bytes(ante.verdictDigest(challenge_id, deliverable, score)) == verdict.digest()


def test_verdict_digest_differs_across_deployments(ante, other_ante, chain):
    d = keccak(text="d")
    assert bytes(ante.verdictDigest(1, d, 10_000)) != bytes(other_ante.verdictDigest(1, d, 10_000))
    assert bytes(other_ante.verdictDigest(1, d, 10_000)) == Verdict(chain.chain_id, other_ante.address, 1, d, 10_000).digest()


def test_verdict_typehash_matches(ante):
    assert bytes(ante.VERDICT_TYPEHASH()) == VERDICT_TYPEHASH
    assert VERDICT_TYPEHASH == keccak(text="Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)")


def test_verdict_recover_returns_signer(bounties, evaluators):
    verdict = bounties.verdict(3, keccak(text="d"), 4_200)
    assert verdict.recover(verdict.sign(evaluators[0].key)) == evaluators[0].address


def test_seal_matches_contract_seal_of(bounties, ante, contributor):
    terms = bounties.terms(designated=contributor.address, stake_bps=777, reward=12_345)
    for record in (
        ChallengeRecord(terms),
        ChallengeRecord(terms).accepted_by(contributor.address),
        ChallengeRecord(terms).accepted_by(contributor.address).submitted(keccak(text="d")),
    ):
        assert ante.sealOf(record.as_tuple()) == record.seal()


def test_seal_matches_slot_through_lifecycle(bounties, ante):
    challenge_id, record, _ = bounties.create()
    assert ante.challengeStatus(challenge_id)[2] == record.seal() == ante.sealOf(record.as_tuple())
    record, _ = bounties.accept(challenge_id, record)
    assert ante.challengeStatus(challenge_id)[2] == record.seal() == ante.sealOf(record.as_tuple())
    record, _ = bounties.submit(challenge_id, record)
    assert ante.challengeStatus(challenge_id)[2] == record.seal() == ante.sealOf(record.as_tuple())


def test_record_rebuilt_from_created_event_has_onchain_seal(bounties, ante, contributor):
    terms = bounties.terms(designated=contributor.address)
    challenge_id, _, receipt = bounties.create(terms)
    [event] = receipt.events.filter(ante.ChallengeCreated)
    rebuilt = ChallengeRecord(Terms.from_event(event.terms))
    assert rebuilt.terms == terms
    assert rebuilt.seal() == ante.challengeStatus(challenge_id)[2]


def test_record_rebuilt_from_created_event_fields_has_onchain_seal(bounties, ante, contributor):
    # The same check without Terms.from_event: Ape decodes the `terms` struct as a positional list.
    from eth_utils import to_checksum_address

    terms = bounties.terms(designated=contributor.address)
    challenge_id, _, receipt = bounties.create(terms)
    fields = list(receipt.events.filter(ante.ChallengeCreated)[0].terms)
    funder, token, reward, stake_bps, panel_id, accept_by, deliver_within, review_within, designated, spec = fields
    rebuilt = Terms(
        to_checksum_address(funder),
        to_checksum_address(token),
        reward,
        stake_bps,
        panel_id,
        accept_by,
        deliver_within,
        review_within,
        to_checksum_address(designated),
        bytes(spec),
    )
    assert rebuilt == terms
    assert ChallengeRecord(rebuilt).seal() == ante.challengeStatus(challenge_id)[2]


@pytest.mark.parametrize("chain_id,challenge_id,score", [(1, 1, 0), (31337, 2**256 - 1, 10_000), (2**64 + 5, 12345, 5_001)])
def test_the_direct_digest_is_eth_accounts_typed_data_hash(chain_id, challenge_id, score):
    """Verdict.digest() encodes EIP-712 by hand (it is on the oracle's hot path); it must equal the
    generic encoder's hash of the same typed data, and recover() must find the signer."""
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    key = Account.from_key(keccak(text="digest check"))
    verdict = Verdict(chain_id, "0x5FbDB2315678afecb367f032d93F642f64180aa3", challenge_id,
                      keccak(text=f"deliverable {challenge_id}"), score)
    assert verdict.digest() == _hash_eip191_message(encode_typed_data(full_message=verdict.typed_data()))
    assert verdict.recover(verdict.sign(key.key)) == key.address


def test_a_challenge_id_beyond_uint256_has_no_digest():
    verdict = Verdict(1, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 2**256, bytes(32), 1)
    with pytest.raises(ValueError):
        verdict.digest()


# ------------------------------------------------------------------ what wallets give, normalised


from ante.verdict import SECP256K1_N, SignedVerdict, VerdictError, normalise_signature, parse_document  # noqa: E402


def _wallet_signature(verdict: Verdict, key) -> bytes:
    """What eth_signTypedData_v4 answers: the bare 65-byte signature over the printed typed data."""
    return bytes(Account.sign_typed_data("0x" + bytes(key).hex(), full_message=verdict.typed_data()).signature)


def _high_s(signature: bytes) -> bytes:
    """The same signature's malleable twin: s -> N - s, v flipped; it recovers to the same address."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([1 - v if v < 27 else 55 - v])


def _some_verdict(**changes) -> Verdict:
    fields = dict(chain_id=31337, contract="0x5FbDB2315678afecb367f032d93F642f64180aa3", challenge_id=1,
                  deliverable=keccak(text="work"), score=8_000)
    return Verdict(**{**fields, **changes})


def test_a_wallets_typed_data_and_bare_signature_name_their_signer(evaluators):
    verdict, key = _some_verdict(), evaluators[0].key
    signature = _wallet_signature(verdict, key)
    beside = SignedVerdict.from_json({**verdict.typed_data(), "signature": "0x" + signature.hex()})
    wrapped = SignedVerdict.from_json({"typedData": verdict.typed_data(), "signature": "0x" + signature.hex()})
    assert beside.signer == wrapped.signer == evaluators[0].address
    assert beside.verdict == wrapped.verdict == verdict


def test_a_named_signer_must_be_the_one_who_signed(evaluators):
    verdict = _some_verdict()
    document = {"typedData": verdict.typed_data(), "signer": evaluators[1].address,
                "signature": "0x" + _wallet_signature(verdict, evaluators[0].key).hex()}
    with pytest.raises(VerdictError, match="not by the named signer"):
        SignedVerdict.from_json(document)


def test_equivalent_signatures_are_normalised_to_the_one_the_contract_takes(evaluators):
    signature = _wallet_signature(_some_verdict(), evaluators[0].key)
    v_zero_one = signature[:64] + bytes([signature[64] - 27])
    assert normalise_signature(signature) == signature
    assert normalise_signature(v_zero_one) == signature
    assert normalise_signature(_high_s(signature)) == signature
    assert normalise_signature(_high_s(v_zero_one)) == signature


@pytest.mark.parametrize("bad, message", [
    (b"\x01" * 64, "65 bytes"),
    (b"\x01" * 64 + bytes([29]), "v is 29"),
    (bytes(32) + b"\x01" * 32 + bytes([27]), "out of range"),
    (b"\x01" * 32 + SECP256K1_N.to_bytes(32, "big") + bytes([27]), "out of range"),
])
def test_signatures_no_key_could_make_are_refused(bad, message):
    with pytest.raises(VerdictError, match=message):
        normalise_signature(bad)


@pytest.mark.parametrize("text, message", [
    ('{"score": Infinity}', "Infinity"),
    ('{"score": NaN}', "NaN"),
    ('{"score": 1e400}', "whole numbers"),
    ('{"score": 80.5}', "whole numbers"),
    (b"\xff\xfe binary", "not text"),
    ("{not json", "not valid JSON"),
])
def test_verdict_documents_are_parsed_strictly(text, message):
    with pytest.raises(VerdictError, match=message):
        parse_document(text)


@pytest.mark.parametrize("score", [True, "80%", -1, 8000.0])
def test_a_score_that_is_not_a_whole_number_is_refused(score, evaluators):
    verdict = _some_verdict()
    typed = verdict.typed_data()
    typed["message"]["score"] = score
    with pytest.raises(VerdictError):
        SignedVerdict.from_json({"typedData": typed, "signature": "0x" + _wallet_signature(verdict, evaluators[0].key).hex()})


def test_a_quorum_of_wallet_signatures_in_other_forms_settles(bounties, ante, chain, evaluators):
    """v of 0/1 and a high s, as some wallets give them, settle once normalised (the contract takes low s only)."""
    from ante.verdict import quorum

    challenge_id, record = bounties.submitted_challenge()
    verdict = Verdict(chain.chain_id, ante.address, challenge_id, record.deliverable, 9_000)
    first = _wallet_signature(verdict, evaluators[0].key)
    second = _wallet_signature(verdict, evaluators[1].key)
    given = [first[:64] + bytes([first[64] - 27]), _high_s(second)]
    signed = [SignedVerdict.from_json({"typedData": verdict.typed_data(), "signature": "0x" + g.hex()}) for g in given]
    _, signers, signatures = quorum(signed)
    ante.settle(challenge_id, record.as_tuple(), 9_000, signers, signatures, sender=bounties.relayer)
    assert bounties.state(challenge_id) == State.SETTLED


# --- the appeal verdict --------------------------------------------------------------------------

from ante.verdict import APPEAL_VERDICT_TYPEHASH, AppealVerdict  # noqa: E402


def appealed_challenge(bounties, ante, evaluators, deployer, first_score=4_000):
    """A challenge with an appeal round (panel 2: evaluators 4 to 6, 2 of 3), ruled at `first_score` and
    appealed by its contributor; returns (id, record, the appeal panel's first two evaluators, sorted)."""
    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    cid, record = bounties.submitted_challenge(options=(10_000, 3_600, int(ante.panelCount()), 1_000, 0))
    bounties.settle(cid, record, first_score)
    ante.appeal(cid, record.as_tuple(), sender=bounties.contributor, value=record.terms.reward // 10)
    return cid, record, sorted(evaluators[3:5], key=lambda a: int(a.address, 16))


def test_the_appeal_verdict_type_is_the_contracts():
    assert APPEAL_VERDICT_TYPEHASH == keccak(text="AppealVerdict(uint256 challengeId,bytes32 deliverable,uint16 score)")
    assert APPEAL_VERDICT_TYPEHASH != VERDICT_TYPEHASH


@pytest.mark.parametrize("challenge_id, score", [(1, 0), (7, 6_500), (2**64, 10_000)])
def test_the_appeal_digest_is_eth_accounts_typed_data_hash_and_not_the_first_rounds(challenge_id, score):
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    key = Account.from_key(keccak(text="appeal digest check"))
    fields = (31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3", challenge_id, keccak(text="d"), score)
    appeal, first = AppealVerdict(*fields), Verdict(*fields)
    typed = appeal.typed_data()
    assert typed["primaryType"] == "AppealVerdict" and set(typed["types"]) == {"EIP712Domain", "AppealVerdict"}
    assert appeal.digest() == _hash_eip191_message(encode_typed_data(full_message=typed))
    assert appeal.digest() != first.digest() and appeal != first
    assert appeal.recover(appeal.sign(key.key)) == key.address
    assert first.recover(appeal.sign(key.key)) != key.address  # an appeal signature is no first-round one


def test_an_appeal_verdict_signed_with_eth_account_settles_an_appealed_challenge(bounties, ante, chain, evaluators,
                                                                                 deployer, relayer):
    cid, record, judges = appealed_challenge(bounties, ante, evaluators, deployer)
    verdict = AppealVerdict(chain.chain_id, ante.address, cid, record.deliverable, 7_000)
    receipt = ante.settle(cid, record.as_tuple(), 7_000, [j.address for j in judges],
                          [verdict.sign(j.key) for j in judges], sender=relayer)
    [decided] = receipt.events.filter(ante.AppealDecided)
    assert (decided.score, decided.appellantWon) == (7_000, True)
    assert bounties.state(cid) == State.SETTLED


def test_a_first_round_signature_is_refused_for_an_appeal(bounties, ante, chain, evaluators, deployer, relayer):
    """The appeal panel's own keys, signing the same fields as a Verdict: the contract recovers someone else."""
    import ape

    cid, record, judges = appealed_challenge(bounties, ante, evaluators, deployer)
    first_round = Verdict(chain.chain_id, ante.address, cid, record.deliverable, 7_000)
    with ape.reverts(ante.AnteInvalidSignature):
        ante.settle(cid, record.as_tuple(), 7_000, [j.address for j in judges],
                    [first_round.sign(j.key) for j in judges], sender=relayer)
    assert bounties.state(cid) == State.APPEALED


def test_signed_verdict_documents_take_an_appeal_verdict_only_when_asked(evaluators):
    key = evaluators[3]
    appeal = AppealVerdict(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 3, keccak(text="d"), 6_000)
    document = SignedVerdict(appeal, key.address, appeal.sign(key.key)).to_json()
    with pytest.raises(VerdictError, match="the typed data is not an Ante Verdict."):
        SignedVerdict.from_json(document)
    read = SignedVerdict.from_json(document, kinds=(Verdict, AppealVerdict))
    assert (type(read.verdict), read.verdict, read.signer) == (AppealVerdict, appeal, key.address)
    # A first-round document relabelled as an appeal no longer recovers its signer.
    first = Verdict(*(getattr(appeal, f) for f in ("chain_id", "contract", "challenge_id", "deliverable", "score")))
    relabelled = SignedVerdict(first, key.address, first.sign(key.key)).to_json()
    relabelled["typedData"] = appeal.typed_data()
    with pytest.raises(VerdictError, match="not by the named signer"):
        SignedVerdict.from_json(relabelled, kinds=(AppealVerdict,))
