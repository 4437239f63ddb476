"""`ante feedback give / list / export / verify / revoke`, and an evaluator's reasons with `ante verdict sign`."""

import json

from ante.feedback import SignedAttestation

STRANGER, FUNDER_ACCOUNT = "TEST::3", "TEST::1"
ZERO32 = "0x" + "00" * 32


def give(deployed, challenge_id, *extra, stance="endorse", comment="https://example.org/review", account=STRANGER):
    return deployed.ok("feedback", "give", challenge_id, "--stance", stance, "--comment", comment, "--account",
                       account, "--yes", "--json", *extra).json()


def test_feedback_given_off_chain_is_an_eas_attestation_about_the_deliverable_and_its_contributor(submitted, deployed):
    package = give(deployed, submitted)
    signed = SignedAttestation.from_json(package)
    assert signed.signer == deployed.addr(3)
    assert signed.attestation.recipient == deployed.addr(2)  # the contributor, as EAS explorers list it
    feedback = signed.feedback()
    assert feedback.ante == deployed.address and feedback.challenge_id == submitted
    assert "0x" + feedback.deliverable.hex() == deployed.show(submitted)["deliverable"]
    assert (feedback.stance_name, feedback.comment) == ("endorse", "https://example.org/review")
    domain = package["sig"]["domain"]
    assert (domain["name"], domain["chainId"]) == ("EAS Attestation", 31337)
    from ante.deployment import Registry

    assert domain["verifyingContract"] == Registry().find(31337).eas


def test_feedback_before_anything_is_submitted_is_about_the_challenge_as_posted(posted, deployed):
    signed = SignedAttestation.from_json(give(deployed, posted, stance="neutral"))
    assert signed.feedback().deliverable == bytes(32)
    assert int(signed.attestation.recipient, 16) == 0  # nobody has accepted yet


def test_a_local_comment_is_published_and_its_hash_recorded(submitted, deployed):
    comment = deployed.file("review.md", "Clear report; the tests cover the edge cases.\n")
    feedback = SignedAttestation.from_json(give(deployed, submitted, "--publish", deployed.publish,
                                                comment=str(comment))).feedback()
    from eth_utils import keccak

    assert feedback.comment_hash == keccak(comment.read_bytes())
    assert feedback.comment.startswith(deployed.publish) and feedback.comment.endswith(feedback.comment_hash.hex())


def test_a_local_comment_without_publish_is_bad_input(submitted, deployed):
    comment = deployed.file("review.md", "text")
    message = deployed.bad_input("feedback", "give", submitted, "--stance", "endorse", "--comment", comment,
                                 "--account", STRANGER)
    assert "--publish" in message


def test_onchain_feedback_is_listed_with_each_signers_role(submitted, deployed):
    give(deployed, submitted, "--onchain", account=STRANGER)
    give(deployed, submitted, "--onchain", stance="object", comment="https://example.org/why", account=FUNDER_ACCOUNT)
    give(deployed, submitted, "--onchain", stance="neutral", account="TEST::5")
    listed = deployed.ok("feedback", "list", submitted, "--json").json()
    roles = {row["signer"]: (row["role"], row["stance"], row["onchain"]) for row in listed["feedback"]}
    assert roles == {deployed.addr(3): ("community", "endorse", True), deployed.addr(1): ("funder", "object", True),
                     deployed.addr(5): ("panel", "neutral", True)}
    text = deployed.ok("feedback", "list", submitted).out
    assert "1 endorse, 1 neutral, 1 object" in text and "(funder)" in text and "on chain" in text


def test_a_signers_later_onchain_feedback_replaces_the_earlier_in_the_list(submitted, deployed):
    give(deployed, submitted, "--onchain", stance="object")
    deployed.chain.mine(timestamp=deployed.chain.pending_timestamp + 60)
    give(deployed, submitted, "--onchain", stance="endorse")
    rows = deployed.ok("feedback", "list", submitted, "--json").json()["feedback"]
    assert [(row["signer"], row["stance"]) for row in rows] == [(deployed.addr(3), "endorse")]


def test_onchain_and_post_together_is_a_usage_error(submitted, deployed):
    outcome = deployed.run("feedback", "give", submitted, "--stance", "endorse", "--comment", "https://x.org",
                           "--onchain", "--post", "http://127.0.0.1:9", "--account", STRANGER)
    assert outcome.code == 2 and "Choose one" in outcome.err


def test_feedback_on_a_challenge_that_does_not_exist_is_bad_input(deployed):
    assert "There is no challenge 9" in deployed.bad_input("feedback", "give", 9, "--stance", "endorse",
                                                           "--comment", "https://x.org", "--account", STRANGER)


def bundle(deployed, packages) -> dict:
    return {"kind": "ante-feedback-bundle", "version": 1, "domain": packages[0]["sig"]["domain"],
            "ante": deployed.address, "subject": None, "attestations": packages}


def test_verify_checks_every_attestation_of_a_bundle_offline(submitted, deployed):
    packages = [give(deployed, submitted, account=STRANGER), give(deployed, submitted, stance="object", account="TEST::6")]
    good = deployed.file("good.json", json.dumps(bundle(deployed, packages)))
    result = deployed.ok("feedback", "verify", good, "--json").json()
    assert (result["verified"], result["failed"]) == (2, 0)
    assert {r["signer"] for r in result["results"]} == {deployed.addr(3), deployed.addr(6)}

    tampered = json.loads(json.dumps(packages))
    tampered[1]["sig"]["message"]["data"] = packages[0]["sig"]["message"]["data"]  # the objection turned into praise
    bad = deployed.file("bad.json", json.dumps(bundle(deployed, tampered)))
    outcome = deployed.fails(1, "feedback", "verify", bad)
    assert "1 of 2 attestation(s) in the bundle do not verify" in outcome.message
    assert "✘ attestation 2" in outcome.out and "uid" in outcome.out


def test_verify_refuses_what_is_not_a_bundle(deployed):
    path = deployed.file("x.json", json.dumps({"kind": "something else"}))
    assert "not an Ante feedback bundle" in deployed.bad_input("feedback", "verify", path)


def test_revoking_off_chain_feedback_is_recorded_on_eas(submitted, deployed):
    uid = give(deployed, submitted)["sig"]["uid"]
    done = deployed.ok("feedback", "revoke", uid, "--account", STRANGER, "--yes", "--json").json()
    assert done["uid"] == uid and done["revoker"] == deployed.addr(3)
    from ante.deployment import Registry

    registry = Registry()
    eas = registry.find(31337).eas
    from ante.eas import EasReader
    from ante.rpc import HttpNode

    revocations = EasReader(eas, HttpNode(deployed.chain.provider.uri)).offchain_revocations()
    assert [(r.revoker, r.uid) for r in revocations] == [(deployed.addr(3), uid)]


def test_an_evaluators_reasons_go_with_the_verdict_and_the_verdict_still_settles(submitted, deployed):
    path = deployed.folder / "v5.json"
    deployed.ok("verdict", "sign", submitted, "--score", "40%", "--comment", "https://example.org/why-40",
                "--account", "TEST::5", "--out", path)
    document = json.loads(path.read_text())
    reasons = SignedAttestation.from_json(document["reasons"])
    assert reasons.signer == document["signer"] == deployed.addr(5)
    assert (reasons.feedback().stance_name, reasons.feedback().comment) == ("object", "https://example.org/why-40")
    other = deployed.sign(submitted, "TEST::6", score="40%")
    settled = deployed.settle(submitted, path, other)
    assert settled["score"] == 4000
