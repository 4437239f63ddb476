"""End to end: the installed `ante` executable, as a subprocess, through the demo's five stories.

The stories run against the test session's anvil node; afterwards the chain is read back through
`ante --json` and every outcome is checked, down to the wei.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANTE = Path(sys.executable).parent / "ante"
ETHER = 10**18


@pytest.fixture(scope="module")
def demo_module():
    spec = importlib.util.spec_from_file_location("ante_demo", ROOT / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stories(demo_module, chain, tmp_path_factory):
    port = urlparse(chain.provider.uri).port
    demo = demo_module.Demo(port, tmp_path_factory.mktemp("stories"), oracle_port=8741)
    demo.start_node()  # reuses the test session's node
    assert demo.node is None
    try:
        demo_module.run(demo)
        yield demo, demo_module
    finally:
        demo.stop_oracle()


def ante_json(demo, *args):
    done = subprocess.run([str(ANTE), *args, "--json"], env=demo.env, cwd=demo.workdir,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_three_stories_end_as_told(stories):
    demo, module = stories
    challenges = {c["challenge_id"]: c for c in ante_json(demo, "list")}
    assert {i: c["state"] for i, c in challenges.items()} == {1: "settled", 2: "settled", 3: "defaulted", 4: "open",
                                                                5: "settled", 6: "settled"}
    assert (challenges[1]["score"], challenges[1]["to_contributor"], challenges[1]["to_funder"]) == (
        9000, str(99 * ETHER // 100), str(11 * ETHER // 100)
    )
    assert (challenges[2]["score"], challenges[2]["to_contributor"], challenges[2]["to_funder"]) == (
        0, "0", str(6 * ETHER // 10)
    )
    assert challenges[3]["to_funder"] == str(33 * ETHER // 100)
    # Story 3 was posted with its own Unreviewed share; every other challenge has the default, all of the reward.
    assert {i: c["unreviewed_bps"] for i, c in challenges.items()} == {1: 10_000, 2: 10_000, 3: 5_000, 4: 10_000,
                                                                         5: 10_000, 6: 10_000}
    # Story 6: 0.5 ETH with a 10% stake, ruled 40%, appealed by the contributor and raised to 80% on appeal.
    pot = 5 * ETHER // 10 + 5 * ETHER // 100
    assert (challenges[6]["score"], challenges[6]["to_contributor"], challenges[6]["to_funder"]) == (
        8_000, str(pot * 8 // 10), str(pot - pot * 8 // 10))
    assert (challenges[6]["appeal_window"], challenges[6]["appeal_panel_id"], challenges[6]["appeal_bond_bps"],
            challenges[6]["review_fee"]) == (2 * 86_400, 2, 2_000, str(ETHER // 100))
    shown = subprocess.run([str(ANTE), "show", "3"], env=demo.env, cwd=demo.workdir, capture_output=True, text=True)
    assert ("  if unreviewed   if nobody reviews in time: the contributor gets 0.18 ETH (the stake back and 50% of the "
            "reward), the funder 0.15 ETH") in shown.stdout


def test_the_safe_funded_the_fourth_challenge(stories):
    demo, module = stories
    [challenge] = [c for c in ante_json(demo, "list") if c["challenge_id"] == 4]
    safe = challenge["terms"]["funder"]
    who = module.addresses()
    assert safe not in who.values()  # not Fiona nor any owner: the Safe itself
    assert demo.rpc("eth_getCode", [safe, "latest"]) not in ("0x", "", None)  # a contract: the Safe's proxy
    assert int(demo.rpc("eth_getBalance", [safe, "latest"]), 16) == ETHER - 4 * ETHER // 10


def test_the_co_funded_fifth_challenge_shared_its_funders_side_by_contribution(stories):
    """Fiona posted 0.4 ETH, Olga added 0.2 ETH; Cleo staked 10% of the 0.6 ETH total and was judged 50%. The
    funders' 0.33 ETH went two thirds to Fiona at once and one third to Olga by her claim, which she withdrew."""
    demo, module = stories
    who = module.addresses()
    fiona, olga, cleo = who["Fiona (funder)"], who["Olga (colleague)"], who["Cleo (contributor)"]
    shown = ante_json(demo, "show", "5")
    assert (shown["terms"]["reward"], shown["stake"], shown["score"]) == (str(6 * ETHER // 10), str(6 * ETHER // 100), 5_000)
    assert (shown["contributor"], shown["to_contributor"], shown["to_funder"]) == (
        cleo, str(33 * ETHER // 100), str(33 * ETHER // 100))
    assert shown["co_funded"] is True
    assert (shown["shared"], shown["unclaimed"]) == (str(33 * ETHER // 100), "0")
    funders = {f["funder"]: f for f in shown["funders"]}
    assert set(funders) == {fiona, olga}
    assert (funders[fiona]["amount"], funders[fiona]["share"]) == (str(4 * ETHER // 10), str(22 * ETHER // 100))
    assert (funders[olga]["amount"], funders[olga]["share"]) == (str(2 * ETHER // 10), str(11 * ETHER // 100))
    assert (funders[fiona]["claimed"], funders[olga]["claimed"]) == (str(22 * ETHER // 100), str(11 * ETHER // 100))
    # The claim's event names Olga and her share; the audit (below) checks every credit against the contract.
    [claimed] = [e for e in shown["events"] if e["event"] == "FunderClaimed"]
    assert (claimed["funder"], claimed["amount"]) == (olga, str(11 * ETHER // 100))


def test_the_oracle_settled_and_lapsed_from_its_own_account(stories):
    demo, module = stories
    remy = module.addresses()["Remy (relayer)"]
    views = {i: demo.oracle_get(f"/challenges/{i}") for i in (1, 2, 3)}
    assert [(a["action"], a["outcome"]) for a in views[1]["attempts"]] == [("settle", "settled_by_us")]
    assert [(a["action"], a["outcome"]) for a in views[2]["attempts"]] == [("settle", "settled_by_us")]
    assert [(a["action"], a["outcome"]) for a in views[3]["attempts"]] == [("lapse", "lapsed_by_us")]
    # The chain agrees: each of those transactions was sent by the oracle's account.
    for view in views.values():
        tx = demo.rpc("eth_getTransactionByHash", [view["attempts"][0]["tx_hash"]])
        assert tx["from"].lower() == remy.lower()
    # Every verdict the evaluators posted is in the oracle's store, with the signer the chain knows.
    signers = {i: sorted(v["signer"] for v in views[i]["verdicts"]) for i in (1, 2)}
    who = module.addresses()
    assert signers[1] == sorted([who["Eve (evaluator)"], who["Evan (evaluator)"]])
    assert signers[2] == sorted([who["Evan (evaluator)"], who["Ezra (evaluator)"]])


def test_the_audit_after_the_stories_is_clean(stories):
    demo, _ = stories
    report = ante_json(demo, "audit")
    assert report["clean"] is True and report["discrepancies"] == []
    # Story 3's ChallengeOptionsSet among the first 24; story 6 adds 12: its appeal panel, creation and options,
    # acceptance, submission, fee and ruling, appeal, decision and settlement, and two withdrawals.
    assert (report["challenges"], report["events"]) == (6, 36)


def test_records_after_the_stories(stories):
    demo, module = stories
    who = module.addresses()
    carl = ante_json(demo, "records", who["Carl (contributor)"])["contributor"]
    dana = ante_json(demo, "records", who["Dana (contributor)"])["contributor"]
    assert (carl["accepted"], carl["settled"], carl["defaulted"], carl["reliability"]) == (2, 1, 1, 0.5)
    assert (dana["accepted"], dana["settled"], dana["promises"]["broken"], dana["reliability"]) == (2, 2, 1, 0.5)
    assert dana["appeals"] == {"made": 1, "won": 1}  # story 6: her appeal raised the score
    # Carl stated 80% on challenge 1 (scored 90%) and kept his 60% private on challenge 3; Dana stated 90% and
    # was judged a fail, then 75% on challenge 6, scored 80% on appeal. Her Kelly break-evens are her stakes':
    # 0.1 / (0.5 + 0.1) = 1/6, then 0.05 / (0.5 + 0.05) = 1/11.
    assert carl["calibration"]["stated"] == 1 and abs(carl["calibration"]["brier"] - 0.01) < 1e-12
    from fractions import Fraction

    assert dana["calibration"] == {
        "stated": 2, "brier": float((Fraction(81, 100) + (Fraction(3, 4) - Fraction(4, 5)) ** 2) / 2),
        "kelly_brier": float((Fraction(1, 36) + (Fraction(1, 11) - Fraction(4, 5)) ** 2) / 2)}
    shown = {i: ante_json(demo, "show", str(i))["confidence_bps"] for i in (1, 2, 3, 6)}
    assert shown == {1: 8_000, 2: 9_000, 3: None, 6: 7_500}
    fiona = ante_json(demo, "records", who["Fiona (funder)"])["funder"]
    assert (fiona["posted"], fiona["paid_out"], fiona["defaulted"]) == (5, 3, 1)  # story 4's funder is the Safe
    assert fiona["appeals"] == {"made": 0, "won": 0}
    olga = ante_json(demo, "records", who["Olga (colleague)"])["funder"]  # she co-funded story 5's challenge
    assert (olga["posted"], olga["co_funded"]) == (0, 1)
    assert olga["amounts"]["0x" + "00" * 20]["contributed"] == str(2 * ETHER // 10)
    assert olga["amounts"]["0x" + "00" * 20]["claimed"] == str(11 * ETHER // 100)
    shown = subprocess.run([str(ANTE), "records", who["Olga (colleague)"]], env=demo.env, cwd=demo.workdir,
                           capture_output=True, text=True)
    assert "as co-funder: added to 1 challenge others posted, 0.2 ETH in all; claimed 0.11 ETH" in shown.stdout
    assert "as funder:" not in shown.stdout
    evan = ante_json(demo, "records", who["Evan (evaluator)"])["evaluator"]
    # Stories 1 and 2, and story 6's first verdict, which the appeal overturned; its review fee paid him half.
    assert (evan["verdicts_signed"], evan["reviews_missed"], evan["verdicts_overturned"]) == (3, 0, 1)
    assert evan["review_fees"] == {"0x" + "00" * 20: str(ETHER // 100 // 2)}


def test_the_stories_documents_are_published_by_the_oracle_and_open_for_anyone(stories):
    """Specs and promises were files in the demo's folder: on chain they are the oracle's URLs for them,
    which answer with exactly the bytes whose hash the chain records; no local path is anywhere."""
    import urllib.request

    from eth_utils import keccak

    demo, _ = stories
    files = {"1": ("guide-spec.md", "guide-promise.md"), "2": ("flaky-spec.md", "flaky-promise.md"),
             "3": ("translate-spec.md", "translate-promise.md")}
    for cid, names in files.items():
        shown = ante_json(demo, "show", cid)
        for (uri, digest), name in zip(((shown["spec_uri"], shown["terms"]["spec_hash"]),
                                        (shown["promise_uri"], shown["promise_hash"])), names):
            data = (demo.workdir / name).read_bytes()
            assert digest == "0x" + keccak(data).hex()
            assert uri == f"{demo.oracle_url}/documents/{digest}"
            with urllib.request.urlopen(uri, timeout=10) as response:
                assert response.read() == data
        assert str(demo.workdir) not in json.dumps(shown)


def test_the_stories_feedback_an_outsiders_endorsement_and_the_evaluators_reasons(stories):
    """Olga, on no panel, endorsed Carl's guide; Eve's and Evan's verdicts came with their reasons. Each is an
    EAS attestation the oracle keeps and `ante feedback list` verifies again."""
    demo, module = stories
    who = module.addresses()
    first = ante_json(demo, "feedback", "list", "1", "--oracle", demo.oracle_url)["feedback"]
    assert {(r["signer"], r["role"], r["stance"]) for r in first} == {
        (who["Olga (colleague)"], "community", "endorse"), (who["Eve (evaluator)"], "panel", "endorse")}
    second = ante_json(demo, "feedback", "list", "2", "--oracle", demo.oracle_url)["feedback"]
    assert [(r["signer"], r["role"], r["stance"]) for r in second] == [(who["Evan (evaluator)"], "panel", "object")]
    import urllib.request

    from eth_utils import keccak

    olga = next(r for r in first if r["role"] == "community")
    with urllib.request.urlopen(olga["comment"], timeout=10) as response:
        assert "0x" + keccak(response.read()).hex() == olga["comment_hash"]


def test_carls_feedback_exported_verifies_offline(stories):
    demo, module = stories
    carl = module.addresses()["Carl (contributor)"]
    bundle = demo.workdir / "carl-feedback.json"
    done = subprocess.run([str(ANTE), "feedback", "export", carl, "--oracle", demo.oracle_url, "--out", str(bundle)],
                          env=demo.env, cwd=demo.workdir, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(bundle.read_text())["attestations"]) == 2  # Eve's reasons and Olga's endorsement
    result = ante_json(demo, "feedback", "verify", str(bundle))
    assert (result["verified"], result["failed"]) == (2, 0)


def test_the_dashboard_shows_the_endorsement_and_the_reasons_in_a_browser(stories):
    from playwright.sync_api import sync_playwright
    from test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS

    demo, module = stories
    who = module.addresses()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(demo.oracle_url + "/ui/challenges/1")
            rows = page.locator("table#feedback tbody tr")
            texts = [rows.nth(i).inner_text() for i in range(rows.count())]
            olga = who["Olga (colleague)"]
            assert any(olga[:6] in text and "community" in text and "endorse" in text for text in texts), texts
            eve = page.locator("table.verdicts tbody tr", has_text=who["Eve (evaluator)"][:6])
            assert "endorse" in eve.inner_text() and "/documents/0x" in eve.inner_html()
            page.goto(demo.oracle_url + f"/ui/people/{who['Carl (contributor)']}")
            assert "Feedback received" in page.content()
        finally:
            browser.close()


def test_carls_records_give_the_evidence_of_his_work(stories):
    """`ante records ADDRESS --oracle URL`: the feedback Carl's work received beside his record, counted by
    distinct signers, each item naming its signer's role and its attestation."""
    demo, module = stories
    who = module.addresses()
    carl = ante_json(demo, "records", who["Carl (contributor)"], "--oracle", demo.oracle_url)
    received = carl["feedback"]
    assert received["signers"] == {"endorse": 2, "neutral": 0, "object": 0}
    assert {(i["challenge_id"], i["role"]) for i in received["items"]} == {(1, "panel"), (1, "community")}
    assert all(i["uid"].startswith("0x") and len(i["uid"]) == 66 for i in received["items"])
    dana = ante_json(demo, "records", who["Dana (contributor)"], "--oracle", demo.oracle_url)["feedback"]
    assert dana["signers"] == {"endorse": 0, "neutral": 0, "object": 1}  # Evan's reasons for the fail
