"""Ante's off-chain feedback and EAS's own SDK (@ethereum-attestation-service/eas-sdk, run by node through
tests/js/eas_sdk.js) agree: what the SDK signs in Ante's schema Python accepts and reads as the right
Feedback, what Python signs the SDK verifies, and a tampered package is refused by both. The domain is a
real EAS deployed on the test's chain, with the version its contract reports."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from ante.eas import EasReader, setup
from ante.feedback import (SCHEMA, Attestation, Feedback, FeedbackError, FeedbackSignatureError, SignedAttestation,
                           schema_uid, sign_feedback)
from ante.rpc import HttpNode

SCRIPT = Path(__file__).resolve().parent / "js" / "eas_sdk.js"
ROOT = SCRIPT.parent.parent.parent
KEY = "0x" + "7e" * 32
SIGNER = Account.from_key(KEY).address
RECIPIENT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
ANTE = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TIME = 1_760_000_000


def sdk(request: dict) -> dict:
    """One request to the SDK's script (node found on PATH, the packages in the project's node_modules)."""
    node = shutil.which("node")
    assert node, "node is not on PATH (make install puts the npm packages in place; node runs them)"
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def domain(accounts, chain):
    """The off-chain domain of a real EAS deployed on the test's chain, its version read from the contract."""
    eas = setup(accounts[0])
    return EasReader(eas.eas, HttpNode(chain.provider.uri)).domain()


def feedback(stance=1) -> Feedback:
    return Feedback(ANTE, 7, keccak(b"the deliverable"), stance, "https://example.org/comments/7.md",
                    keccak(b"the comment"))


def sdk_sign(domain, fb: Feedback) -> dict:
    return sdk({"op": "sign", "privateKey": KEY, "schema": SCHEMA, "recipient": RECIPIENT, "time": TIME,
                "domain": {"chainId": domain.chain_id, "eas": domain.eas, "version": domain.version},
                "feedback": {"ante": fb.ante, "challengeId": str(fb.challenge_id),
                             "deliverable": "0x" + fb.deliverable.hex(), "stance": fb.stance, "comment": fb.comment,
                             "commentHash": "0x" + fb.comment_hash.hex()}})


def sdk_verifies(domain, package: dict) -> dict:
    return sdk({"op": "verify", "package": package,
                "domain": {"chainId": domain.chain_id, "eas": domain.eas, "version": domain.version}})


def test_the_domain_is_the_deployed_eas_version(domain):
    assert (domain.chain_id, domain.version) == (31337, "1.3.0")


def test_the_sdk_signs_feedback_python_accepts_and_reads(domain):
    fb = feedback(stance=-1)
    answer = sdk_sign(domain, fb)
    assert answer["schemaUid"] == "0x" + schema_uid().hex()  # the SDK's UID of Ante's schema string is Ante's
    assert answer["data"] == "0x" + fb.encode().hex()  # SchemaEncoder on SCHEMA encodes as Feedback.encode
    signed = SignedAttestation.from_json(answer["package"], domain)
    assert signed.signer == SIGNER
    assert signed.feedback() == fb and signed.feedback().stance_name == "object"
    assert signed.uid == answer["package"]["sig"]["uid"]
    assert (signed.attestation.recipient, signed.attestation.time) == (RECIPIENT, TIME)


def test_python_signs_feedback_the_sdk_verifies(domain):
    signed = sign_feedback(KEY, feedback(), domain, RECIPIENT, TIME)
    assert sdk_verifies(domain, signed.to_json()) == {"valid": True}


def tampered_packages(package: dict):
    """(what was changed, the package): data with the old UID, data with its own UID, the signature, the chain."""
    sig = package["sig"]
    other = bytes.fromhex(sig["message"]["data"][2:])
    other = other[:96] + bytes(32) + other[128:]  # the stance's word: endorse becomes neutral
    changed = copy.deepcopy(package)
    changed["sig"]["message"]["data"] = "0x" + other.hex()
    yield "data", changed
    rehashed = copy.deepcopy(changed)
    m = rehashed["sig"]["message"]
    rehashed["sig"]["uid"] = "0x" + Attestation(
        SignedAttestation.from_json(package).attestation.domain, bytes.fromhex(m["schema"][2:]), m["recipient"],
        int(m["time"]), other, bytes.fromhex(m["salt"][2:])).uid().hex()
    yield "data and uid", rehashed
    forged = copy.deepcopy(package)
    s = int(forged["sig"]["signature"]["s"], 16)
    forged["sig"]["signature"]["s"] = "0x" + (s ^ 1).to_bytes(32, "big").hex()
    yield "signature", forged
    moved = copy.deepcopy(package)
    moved["sig"]["domain"]["chainId"] = 1
    yield "chain", moved


@pytest.mark.parametrize("signed_by", ["sdk", "python"])
def test_a_tampered_package_is_refused_by_both(domain, signed_by):
    fb = feedback()
    package = (sdk_sign(domain, fb)["package"] if signed_by == "sdk"
               else sign_feedback(KEY, fb, domain, RECIPIENT, TIME).to_json())
    assert SignedAttestation.from_json(package, domain).feedback() == fb and sdk_verifies(domain, package)["valid"]
    for what, bad in tampered_packages(package):
        assert sdk_verifies(domain, bad)["valid"] is False, what
        with pytest.raises(FeedbackError):
            SignedAttestation.from_json(bad, domain)
        if what == "data and uid":  # consistent contents, but not what the signer signed
            with pytest.raises(FeedbackSignatureError, match=f"not by the named signer {SIGNER}"):
                SignedAttestation.from_json(bad, domain)
