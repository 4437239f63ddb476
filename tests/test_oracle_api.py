"""The oracle's HTTP API (FastAPI TestClient over the in-process service), the CLI's `--post` and
`verdict status`, and `ante oracle run` as a real process.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import pytest
from eth_account import Account

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from lifecycle import Bounties
from oracle_support import document, oracle, oracle_client, sign, store, store_path, wait_until  # noqa: F401

from ante.oracle.app import create_app

SETTLED = 4
ANTE = Path(sys.executable).parent / "ante"


@pytest.fixture
def api(oracle):
    with TestClient(create_app(oracle)) as client:
        yield client


def post(api, body, **kwargs):
    if not isinstance(body, bytes):
        body = json.dumps(body)
    return api.post("/verdicts", content=body, headers={"Content-Type": "application/json"}, **kwargs)


def detail(response) -> str:
    text = response.json()["detail"]
    assert isinstance(text, str) and not text[0].islower() and text.endswith((".", ")")), text
    return text


def metric(api, line_start: str) -> float:
    for line in api.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {line_start}")


# ------------------------------------------------------------------------------------------ POST /verdicts


def test_a_verdict_is_accepted_with_202_after_it_is_stored(api, oracle, bounties, evaluators, store_path):
    cid, record = bounties.submitted_challenge()
    response = post(api, document(bounties, cid, record, evaluators[0], 9000))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "stored" and body["challenge_id"] == cid and body["signer"] == evaluators[0].address
    assert body["quorum"] == {"threshold": 2, "score": 9000, "agreeing": 1, "missing": 1, "reached": False}
    from ante.oracle.store import VerdictStore

    with VerdictStore(store_path) as another:  # a second connection sees the committed verdict
        assert [v.signer for v in another.verdicts(oracle.chain_id, oracle.contract, cid)] == [evaluators[0].address]


def test_resubmission_is_unchanged_and_a_new_score_replaces(api, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    doc = document(bounties, cid, record, evaluators[0], 9000)
    assert post(api, doc).json()["status"] == "stored"
    assert post(api, doc).json()["status"] == "unchanged"
    assert post(api, document(bounties, cid, record, evaluators[0], 5000)).json()["status"] == "replaced"


def test_a_quorum_over_http_settles_on_chain(api, oracle, bounties, evaluators, ante):
    cid, record = bounties.submitted_challenge()
    post(api, document(bounties, cid, record, evaluators[0], 10_000))
    response = post(api, document(bounties, cid, record, evaluators[2], 10_000))
    assert response.status_code == 202
    assert response.json()["quorum"]["reached"] and response.json()["settlement"] == "queued"
    oracle.run_once()
    assert ante.challengeStatus(cid)[0] == SETTLED
    view = api.get(f"/challenges/{cid}").json()
    assert view["challenge"]["state"] == "settled" and view["challenge"]["score"] == 10_000
    assert [(a["action"], a["outcome"]) for a in view["attempts"]] == [("settle", "settled_by_us")]
    assert metric(api, 'settlements_total{outcome="settled_by_us"}') == 1


# ------------------------------------------------------------------------------------------ junk


def assert_nothing_stored(oracle):
    assert oracle.store.count() == 0


def test_malformed_json_is_400(api, oracle):
    response = post(api, b'{"typedData": ')
    assert response.status_code == 400 and detail(response).startswith("The body is not valid JSON")
    assert post(api, b"\xff\xfe not utf-8").status_code == 400
    assert_nothing_stored(oracle)


@pytest.mark.parametrize("body", [[], "a string", 42, None, {}, {"typedData": "x", "signer": 1, "signature": 2},
                                  {"typedData": {"primaryType": "Verdict"}, "signer": "0x1", "signature": "0x"}])
def test_json_that_is_not_a_signed_verdict_is_422(api, oracle, body):
    response = post(api, body)
    assert response.status_code == 422, response.text
    detail(response)
    assert_nothing_stored(oracle)


def test_wrong_types_inside_a_verdict_are_422(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    good = document(bounties, cid, record, evaluators[0])
    for path, value in [(("typedData", "message", "challengeId"), "one"), (("typedData", "message", "score"), [1]),
                        (("typedData", "domain", "chainId"), {"x": 1}), (("signature",), 12345),
                        (("signer",), "not an address"), (("typedData", "message", "deliverable"), "0xzz")]:
        doc = json.loads(json.dumps(good))
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        response = post(api, doc)
        assert response.status_code == 422, (path, response.text)
        detail(response)
    assert_nothing_stored(oracle)


def test_a_score_out_of_range_is_422(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    doc = document(bounties, cid, record, evaluators[0], 10_000)
    doc["typedData"]["message"]["score"] = 10_001
    response = post(api, doc)
    assert response.status_code == 422 and "score" in detail(response)
    assert_nothing_stored(oracle)


def test_a_huge_body_is_413_before_it_is_read(api, oracle):
    response = post(api, b"{" + b" " * 100_000 + b"}")
    assert response.status_code == 413 and "larger than" in detail(response)

    def chunks():  # no Content-Length: the limit applies while reading
        for _ in range(100):
            yield b" " * 1024

    response = api.post("/verdicts", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert metric(api, 'verdicts_rejected_total{reason="too_large"}') == 2
    assert_nothing_stored(oracle)


def test_a_non_member_is_422(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    outsider = Account.from_key(bytes.fromhex(f"{999:064x}"))
    response = post(api, document(bounties, cid, record, outsider))
    assert response.status_code == 422
    assert detail(response) == f"{outsider.address} is not an evaluator on panel {bounties.panel_id}, which judges challenge {cid}."
    # A member of another panel (the 5-of-9 has six more evaluators) is not a member of this one either.
    response = post(api, document(bounties, cid, record, evaluators[5]))
    assert response.status_code == 422
    assert_nothing_stored(oracle)


def test_a_verdict_for_another_deployment_is_422(api, oracle, bounties, evaluators, other_ante):
    cid, record = bounties.submitted_challenge()
    response = post(api, document(bounties, cid, record, evaluators[0], contract=other_ante.address))
    assert response.status_code == 422 and other_ante.address in detail(response)
    assert_nothing_stored(oracle)


def test_a_verdict_for_another_chain_is_422(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    response = post(api, document(bounties, cid, record, evaluators[0], chain_id=1))
    assert response.status_code == 422 and detail(response).startswith("The verdict is for chain 1")
    assert_nothing_stored(oracle)


def test_a_bad_signature_is_422(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    forged = document(bounties, cid, record, evaluators[2])  # signed by evaluator 2 ...
    forged["signer"] = evaluators[0].address  # ... claimed to be evaluator 0's
    response = post(api, forged)
    assert response.status_code == 422 and "not by the named signer" in detail(response)
    tampered = document(bounties, cid, record, evaluators[0], 2000)
    tampered["typedData"]["message"]["score"] = 10_000  # the signature was over 20%
    assert post(api, tampered).status_code == 422
    short = document(bounties, cid, record, evaluators[0])
    short["signature"] = short["signature"][:-2]
    assert post(api, short).status_code == 422
    assert metric(api, 'verdicts_rejected_total{reason="bad_signature"}') == 3
    assert_nothing_stored(oracle)


def test_an_unknown_challenge_is_404(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    response = post(api, sign(bounties, cid + 5, record.deliverable, evaluators[0], 9000).to_json())
    head = oracle.current().head  # the oracle looked again before refusing
    assert response.status_code == 404
    assert detail(response) == f"There is no challenge {cid + 5} on this deployment as of block {head}."
    assert_nothing_stored(oracle)


def test_a_challenge_not_submitted_is_409(api, oracle, bounties, evaluators):
    cid, record, _ = bounties.create()
    record, _ = bounties.accept(cid, record)
    response = post(api, sign(bounties, cid, b"\x01" * 32, evaluators[0], 9000).to_json())
    assert response.status_code == 409
    assert detail(response) == f"Challenge {cid} is accepted; verdicts are only taken while it is submitted."
    assert_nothing_stored(oracle)


def test_another_deliverable_is_409(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    response = post(api, sign(bounties, cid, b"\x02" * 32, evaluators[0], 9000).to_json())
    assert response.status_code == 409 and "was submitted with" in detail(response)
    assert_nothing_stored(oracle)


def test_after_the_review_window_it_is_409(api, oracle, bounties, evaluators, chain):
    oracle.keeper = False
    cid, record = bounties.submitted_challenge()
    chain.mine(timestamp=bounties.deadline(cid) + 1)
    oracle.run_once()
    response = post(api, document(bounties, cid, record, evaluators[0]))
    assert response.status_code == 409 and "review window" in detail(response)
    assert_nothing_stored(oracle)


def test_a_replay_after_settlement_is_409_and_not_stored(api, oracle, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    first, second, late = (document(bounties, cid, record, e, 9000) for e in evaluators[:3])
    post(api, first)
    post(api, second)
    oracle.run_once()
    assert bounties.state(cid) == SETTLED
    stored = oracle.store.count()
    for doc in (first, late):
        response = post(api, doc)
        assert response.status_code == 409
        assert detail(response) == f"Challenge {cid} is settled; verdicts are only taken while it is submitted."
    assert oracle.store.count() == stored == 2


def test_the_service_stays_up_after_junk(api, bounties, evaluators):
    for junk in (b"", b"null", b"[[[[", b'{"typedData": {"types": 1}}', b"\x00" * 1000):
        assert 400 <= post(api, junk).status_code < 500
    cid, record = bounties.submitted_challenge()
    assert post(api, document(bounties, cid, record, evaluators[0])).status_code == 202
    assert api.get("/health").status_code == 200


# ------------------------------------------------------------------------------------------ reads


def test_challenge_view_shows_verdicts_by_score_and_what_is_missing(api, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    post(api, document(bounties, cid, record, evaluators[0], 9000))
    post(api, document(bounties, cid, record, evaluators[1], 4000))
    view = api.get(f"/challenges/{cid}").json()
    assert view["challenge"]["challenge_id"] == cid and view["challenge"]["state"] == "submitted"
    assert {v["signer"]: v["score"] for v in view["verdicts"]} == {evaluators[0].address: 9000, evaluators[1].address: 4000}
    q = view["quorum"]
    assert (q["threshold"], q["agreeing"], q["missing"], q["reached"]) == (2, 1, 1, False)
    assert [(g["score"], g["signers"]) for g in q["by_score"]] == [(4000, [evaluators[1].address]),
                                                                  (9000, [evaluators[0].address])]
    assert q["not_signed"] == [evaluators[2].address]
    assert view["attempts"] == []


def test_challenge_view_of_an_open_challenge_has_no_quorum_yet(api, oracle, bounties):
    cid, _, _ = bounties.create()
    oracle.run_once()
    view = api.get(f"/challenges/{cid}").json()
    assert view["challenge"]["state"] == "open" and view["quorum"] is None and view["verdicts"] == []


def test_unknown_or_malformed_challenge_ids(api, oracle):
    response = api.get("/challenges/77")
    head = oracle.current().head
    assert response.status_code == 404
    assert detail(response) == f"There is no challenge 77 on this deployment as of block {head}, the oracle's latest view of the chain."
    for malformed in ("seven", "-1", "1.5"):
        response = api.get(f"/challenges/{malformed}")
        assert response.status_code == 422 and detail(response).startswith("The challenge_id in the path: "), response.text


def test_a_challenge_newer_than_the_snapshot_is_not_looked_up_by_a_read(api, oracle, bounties):
    """Reads answer from the latest snapshot and never wait on the node; the next sync shows it."""
    cid, _, _ = bounties.create()
    response = api.get(f"/challenges/{cid}")
    assert response.status_code == 404 and f"as of block {oracle.current().head}" in detail(response)
    oracle.run_once()
    assert api.get(f"/challenges/{cid}").status_code == 200


def test_challenge_list_and_state_filter(api, bounties, evaluators):
    open_id, _, _ = bounties.create()
    cid, record = bounties.submitted_challenge()
    post(api, document(bounties, cid, record, evaluators[0]))
    listing = api.get("/challenges").json()
    assert [(c["challenge_id"], c["state"], c["verdicts"]) for c in listing] == [(open_id, "open", 0),
                                                                               (cid, "submitted", 1)]
    assert [c["challenge_id"] for c in api.get("/challenges", params={"state": "submitted"}).json()] == [cid]
    assert api.get("/challenges", params={"state": "settled"}).json() == []
    response = api.get("/challenges", params={"state": "bogus"})
    assert response.status_code == 422 and "there is no state" in detail(response).lower()


def test_records_of_an_address(api, oracle, bounties, evaluators, contributor, funder):
    cid, record = bounties.submitted_challenge()
    post(api, document(bounties, cid, record, evaluators[0], 8000))
    post(api, document(bounties, cid, record, evaluators[1], 8000))
    oracle.run_once()
    mine = api.get(f"/records/{contributor.address.lower()}").json()
    assert mine["address"] == contributor.address
    assert mine["contributor"]["settled"] == 1 and mine["funder"] is None
    assert api.get(f"/records/{funder.address}").json()["funder"]["posted"] == 1
    assert api.get(f"/records/{evaluators[0].address}").json()["evaluator"]["verdicts_signed"] == 1
    response = api.get("/records/0x1234")
    assert response.status_code == 422 and "is not an address" in detail(response)


def test_health(api, oracle):
    response = api.get("/health")
    assert response.status_code == 200
    health = response.json()
    assert health["ok"] is True and health["chain_id"] == oracle.chain_id and health["contract"] == oracle.contract
    assert health["head"] == health["indexed"] and health["lag"] == 0 and health["last_error"] is None


def test_health_is_503_after_a_chain_error(api, oracle, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(oracle.client, "events", down)
    oracle.run_once()
    response = api.get("/health")
    assert response.status_code == 503
    assert response.json()["ok"] is False and "connection refused" in response.json()["last_error"]["message"]
    assert api.get("/challenges").status_code == 200  # reads keep working from the last snapshot
    assert metric(api, "chain_errors_total") == 1


def test_while_the_chain_is_down_known_challenges_still_take_verdicts(api, oracle, bounties, evaluators, monkeypatch):
    cid, record = bounties.submitted_challenge()
    oracle.run_once()  # the snapshot shows it submitted
    later, later_record = bounties.submitted_challenge()  # the snapshot does not show this one

    def down(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(oracle.client, "events", down)
    assert post(api, document(bounties, cid, record, evaluators[0])).status_code == 202
    response = post(api, document(bounties, later, later_record, evaluators[0]))
    head = oracle.current().head
    assert response.status_code == 404
    assert detail(response) == (f"There is no challenge {later} on this deployment as of block {head}, the latest the "
                                f"oracle could read (the chain is not answering right now, so try again shortly).")
    assert [v.signer for v in oracle.store.verdicts(oracle.chain_id, oracle.contract, later)] == []
    assert api.get(f"/challenges/{cid}").status_code == 200
    assert api.get(f"/challenges/{later}").status_code == 404


def test_metrics_in_prometheus_format(api, bounties, evaluators):
    cid, record = bounties.submitted_challenge()
    post(api, document(bounties, cid, record, evaluators[0]))
    post(api, b"junk")
    response = api.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in ("verdicts_accepted_total", "verdicts_rejected_total", "settlements_total", "lapses_total",
                 "chain_lag_blocks", "chain_errors_total"):
        assert f"\n{name}" in text, name
    assert metric(api, "verdicts_accepted_total") == 1
    assert metric(api, 'verdicts_rejected_total{reason="not_json"}') == 1
    assert metric(api, "chain_lag_blocks") == 0


def test_openapi_is_served(api):
    spec = api.get("/openapi.json").json()
    assert {"/verdicts", "/challenges", "/challenges/{challenge_id}", "/records/{address}", "/health",
            "/metrics"} <= set(spec["paths"])
    body = spec["paths"]["/verdicts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"anyOf": [{"$ref": "#/components/schemas/SignedVerdict"}, {"$ref": "#/components/schemas/SignedTypedData"}]}
    assert spec["components"]["schemas"]["SignedVerdict"]["required"] == ["typedData", "signature"]
    assert api.get("/docs").status_code == 200  # tests/test_oracle_openapi.py checks the description itself


# ------------------------------------------------------------------------------------------ the CLI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(oracle):
    """The oracle's API on a real port (uvicorn in a thread); yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(oracle), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=10)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def cli(monkeypatch, tmp_path, chain, ante):
    """Runs `ante` in-process against the test's chain and the session's deployment."""
    from click.testing import CliRunner

    from ante.cli.main import cli as ante_cli

    monkeypatch.setenv("ANTE_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("APE_FOUNDRY_HOST", chain.provider.uri)
    monkeypatch.setenv("ANTE_CONTRACT", ante.address)
    for name in ("ANTE_NETWORK", "ANTE_ACCOUNT", "ANTE_ORACLE_URL"):
        monkeypatch.delenv(name, raising=False)
    from ape.logging import logger

    level = logger.level

    def run(*args):
        result = CliRunner(mix_stderr=False).invoke(ante_cli, [str(a) for a in args], prog_name="ante")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    yield run
    logger.set_level(level)


def test_verdict_sign_post_and_status(served, cli, oracle, ante, chain, funder, contributor, relayer, evaluators,
                                      panel_with_stranger, stranger):
    # Panel: evaluators[0], evaluators[1] and the Ape test account `stranger` (TEST::3), 2 of 3.
    bounties = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_with_stranger)
    cid, record = bounties.submitted_challenge()

    result = cli("verdict", "sign", cid, "--score", "90%", "--account", "TEST::3", "--post", served)
    assert result.exit_code == 0, result.stderr
    assert "stored 90%" in result.stdout and "1 more needed" in result.stdout

    result = cli("verdict", "status", cid, "--oracle", served, "--json")
    assert result.exit_code == 0, result.stderr
    view = json.loads(result.stdout)
    assert view["quorum"]["agreeing"] == 1 and view["quorum"]["missing"] == 1
    assert view["verdicts"][0]["signer"] == stranger.address

    result = cli("verdict", "status", cid, "--oracle", served)
    assert result.exit_code == 0 and "1 more agreeing verdict(s) needed for 90%" in result.stdout

    result = cli("verdict", "sign", cid, "--score", "90%", "--account", "TEST::3", "--post", served + "/verdicts",
                 "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["oracle"]["status"] == "unchanged" and answer["verdict"]["signer"] == stranger.address

    # The second member signs with a wallet library and posts; the oracle settles.
    urllib.request.urlopen(urllib.request.Request(
        served + "/verdicts", json.dumps(document(bounties, cid, record, evaluators[0], 9000)).encode(),
        {"Content-Type": "application/json"}), timeout=10)
    oracle.run_once()
    assert bounties.state(cid) == SETTLED

    result = cli("verdict", "sign", cid, "--score", "90%", "--account", "TEST::3", "--post", served)
    assert result.exit_code == 1  # the CLI itself refuses: the challenge is no longer submitted

    result = cli("verdict", "status", cid, "--oracle", served)
    assert "settled_by_us" in result.stdout and "is settled" in result.stdout

    result = cli("verdict", "status", 99, "--oracle", served)
    assert result.exit_code == 1 and "HTTP 404" in result.stderr and "no challenge 99" in result.stderr

    result = cli("verdict", "status", cid, "--oracle", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1 and "cannot reach the oracle" in result.stderr.lower()


# ------------------------------------------------------------------------------------------ `ante oracle run`


def _get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def _start_oracle(tmp_path, chain, ante, *extra, env_extra=None):
    port = free_port()
    env = dict(os.environ, APE_FOUNDRY_HOST=chain.provider.uri, ANTE_DATA_DIR=str(tmp_path / "proc-data"),
               **(env_extra or {}))
    for name in ("ANTE_NETWORK", "ANTE_ACCOUNT", "ANTE_CONTRACT"):
        env.pop(name, None)
    # Output goes to files, never to pipes nobody reads (-v makes Ape log every RPC call).
    logs = (tmp_path / "oracle.out").open("w"), (tmp_path / "oracle.err").open("w")
    process = subprocess.Popen(
        [str(ANTE), "oracle", "run", "--port", str(port), "--contract", ante.address, "--poll", "0.2", *extra],
        env=env, cwd=tmp_path, stdout=logs[0], stderr=logs[1], stdin=subprocess.DEVNULL)
    process.logs = tmp_path / "oracle.out", tmp_path / "oracle.err"
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the oracle exited {process.returncode}: {process.logs[1].read_text()}")
        try:
            if _get(url + "/health")[0] == 200:
                return process, url
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    process.wait()
    raise AssertionError(f"the oracle did not become healthy: {process.logs[1].read_text()}")


def _stop(process, sig=signal.SIGTERM):
    """Sends `sig`; returns (exit code, stdout, stderr)."""
    process.send_signal(sig)
    process.wait(timeout=30)
    return process.returncode, process.logs[0].read_text(), process.logs[1].read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_oracle_run_serves_settles_and_stops_cleanly(tmp_path, chain, ante, bounties, evaluators, sig):
    process, url = _start_oracle(tmp_path, chain, ante, "--account", "TEST::4", "--no-keeper")
    try:
        cid, record = bounties.submitted_challenge()
        for e in evaluators[:2]:
            request = urllib.request.Request(url + "/verdicts", json.dumps(document(bounties, cid, record, e)).encode(),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 202
        wait_until(lambda: bounties.state(cid) == SETTLED, timeout=20)
        assert (tmp_path / "proc-data" / "oracle.sqlite").exists()
    finally:
        code, out, err = _stop(process, sig)
    assert code == 0, err
    assert "Traceback" not in err


def test_oracle_run_with_a_keyfile_account_never_shows_its_passphrase(tmp_path, chain, ante, accounts):
    passphrase = "correct horse battery staple 4711"
    key = Account.create()
    ape_folder = tmp_path / "ape"
    (ape_folder / "accounts").mkdir(parents=True)
    (ape_folder / "accounts" / "oracle.json").write_text(json.dumps(Account.encrypt(key.key, passphrase)))
    accounts[0].transfer(key.address, 10**18)
    env = {"APE_DATA_FOLDER": str(ape_folder), "ANTE_ORACLE_PASSPHRASE": passphrase}
    process, url = _start_oracle(tmp_path, chain, ante, "--account", "oracle", "-v", env_extra=env)
    try:
        assert _get(url + "/health")[1]["account"] == key.address
    finally:
        code, out, err = _stop(process)
    assert code == 0, err
    assert passphrase not in out + err

    wrong = dict(os.environ, APE_FOUNDRY_HOST=chain.provider.uri, ANTE_DATA_DIR=str(tmp_path / "proc-data"),
                 APE_DATA_FOLDER=str(ape_folder), ANTE_ORACLE_PASSPHRASE="not it")
    done = subprocess.run([str(ANTE), "oracle", "run", "--account", "oracle", "--contract", ante.address],
                          env=wrong, cwd=tmp_path, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "wrong passphrase" in done.stderr and "not it" not in done.stderr


# ------------------------------------------------------------------------------------------ a node that hangs

UNSEEN_NODE_PORT, UNSEEN_PROXY_PORT, UNSEEN_ORACLE_PORT = 19121, 19122, 19131


@pytest.fixture(scope="module")
def own_node(tmp_path_factory, evaluators):
    """An anvil of its own with Ante deployed and a 2-of-3 panel (the faults drills' deployment)."""
    from test_oracle_faults import deployed_node

    with deployed_node(tmp_path_factory.mktemp("unseen"), UNSEEN_NODE_PORT, evaluators) as deployed:
        yield deployed


def test_unseen_challenges_are_answered_from_the_snapshot_while_the_node_hangs(own_node, tmp_path, evaluators):
    """`ante oracle run` behind a proxy that is cut and replaced by a listener that never answers: a read
    and a verdict for a challenge posted since the oracle's last snapshot are answered from that
    snapshot (404 naming its block) while the node still hangs, instead of waiting on it."""
    from node_support import wait_for
    from tcp_proxy import TcpProxy
    from test_oracle_faults import Oracle as OracleProcess
    from test_oracle_faults import http, signed
    from test_oracle_liveness import Unanswering

    chain = own_node["chain"]
    proxy = TcpProxy(UNSEEN_PROXY_PORT, UNSEEN_NODE_PORT).start()
    process = OracleProcess(own_node, tmp_path, chain_uri=proxy.uri, account="TEST::4", name="oracle")
    process.port = UNSEEN_ORACLE_PORT
    hanging = None

    def node_hangs():
        status, health = process.get("/health")
        message = (health["last_error"] or {}).get("message", "")
        return health if status == 503 and "no answer from the chain" in message else None

    try:
        process.start()
        process.wait_healthy()
        proxy.cut()
        hanging = Unanswering(UNSEEN_PROXY_PORT)
        health = wait_for(node_hangs, 30, "/health reporting the hanging node")
        cid, deliverable, _ = chain.submitted_challenge()  # straight to the node: the oracle cannot see it

        status, answer = http(process.port, "GET", f"/challenges/{cid}", timeout=30)
        assert status == 404, answer
        assert answer["detail"] == (f"There is no challenge {cid} on this deployment as of block {health['indexed']}, "
                                    f"the oracle's latest view of the chain.")
        status, answer = http(process.port, "POST", "/verdicts", signed(chain, cid, deliverable, evaluators[0], 9000),
                              timeout=30)
        assert status == 404, answer
        assert answer["detail"].startswith(f"There is no challenge {cid} on this deployment as of block "
                                           f"{health['indexed']}, the latest the oracle could read")
        assert http(process.port, "GET", "/challenges", timeout=30)[0] == 200
        assert node_hangs(), "the answers came while the node was still hanging"
    finally:
        process.close()
        if hanging is not None:
            hanging.close()
        proxy.close()
