"""An independent fuzzer over the oracle's whole HTTP API: Schemathesis against a live oracle.

The oracle is `ante oracle run` (a process of its own) on an anvil of its own, over a deployment that
holds challenges in several states (open, accepted, submitted with a stored verdict, settled by the
oracle on a quorum, cancelled) and a document in its store. Schemathesis reads the oracle's own
``/openapi.json`` and runs its phases (the coverage of each schema's edges and off-by-ones, random
fuzzing, and stateful sequences along the links it infers, such as PUT then GET of a document) with
every check it has: no server error; every status, content type, header and body as documented;
schema-valid requests accepted and invalid ones refused; 405 with ``Allow`` for a method a path does not
take, and ``Allow`` naming exactly the documented methods. Zero failures are allowed.

Two operations need telling what no schema can say: a body that matches the schema of a signed verdict
is still signed by nobody on the panel (its signature is random bytes), so ``POST /verdicts`` may
refuse schema-valid data with 422; and a document whose bytes do not hash to the name in the path is
refused by ``PUT /documents/{name}`` with 422. Every other operation must accept valid data.

The same holds for ``POST /feedback``: a schema-valid attestation package is signed by nobody (and its
UID is not its contents'), so it may be refused with 422 (or 403, 404, 409 for what it names). The
oracle takes feedback in a made-up EAS domain (``--eas`` and ``--eas-version``), and holds one
attestation, so that ``GET /feedback`` lists something.

The run is bounded by examples per operation (seeded, so it is the same run every time) and by a
deadline on the process; it prints the operations and cases it ran and its duration. Ports 19101 and
19111 (ANTE_FUZZ_NODE_PORT and ANTE_FUZZ_ORACLE_PORT move them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from eth_utils import keccak

from ante.feedback import ZERO_HASH, EasDomain, Feedback, sign_feedback
from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms
from node_support import ANTE, wait_for
from test_oracle_faults import DAY, ETHER, POLL, Oracle, deployed_node, http, signed

NODE_PORT = int(os.environ.get("ANTE_FUZZ_NODE_PORT", 19101))
ORACLE_PORT = int(os.environ.get("ANTE_FUZZ_ORACLE_PORT", 19111))

#: The made-up EAS deployment the fuzzed oracle takes feedback for (no contract is needed off-chain).
EAS, EAS_VERSION = "0x4200000000000000000000000000000000000021", "1.4.0"

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

#: Cases per operation and phase (with the coverage phase's own cases and the stateful scenarios, about
#: 1,600 cases in under a minute); ANTE_FUZZ_EXAMPLES and ANTE_FUZZ_SEED explore further by hand.
MAX_EXAMPLES = int(os.environ.get("ANTE_FUZZ_EXAMPLES", 100))
SEED = int(os.environ.get("ANTE_FUZZ_SEED", 10))

#: The longest the fuzzer may run, in seconds; beyond it the test fails.
DEADLINE = int(os.environ.get("ANTE_FUZZ_DEADLINE", 120))

#: What a schema-valid request may be answered with where the default (2xx, 3xx, 401, 403, 404, 409, 429)
#: does not fit: a verdict nobody on the panel signed, a document that is not the hash in its path.
CONFIG = """
[[operations]]
include-name = "POST /verdicts"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "409", "422", "503"]

[[operations]]
include-name = "POST /feedback"
checks.positive_data_acceptance.expected-statuses = ["2xx", "403", "404", "409", "422", "429", "503"]

[[operations]]
include-name = "PUT /documents/{name}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "413", "422"]
"""


def create(chain, *, panel_id: int = 1) -> tuple[int, ChallengeRecord]:
    """Posts a challenge of 1 ether with a 10% stake; returns (id, record)."""
    funder = chain.accounts[1]
    terms = Terms(funder, ZERO_ADDRESS, ETHER, 1_000, panel_id, chain.now() + DAY, 7 * DAY, 3 * DAY,
                  spec_hash=keccak(text="spec"))
    receipt = chain.send(chain.ante.functions.create(terms.as_tuple(), "ipfs://spec"), funder, ETHER)
    return chain.ante.events.ChallengeCreated().process_receipt(receipt)[0].args.challengeId, ChallengeRecord(terms)


def accept(chain, cid: int, record: ChallengeRecord) -> ChallengeRecord:
    contributor = chain.accounts[2]
    chain.send(chain.ante.functions.accept(cid, record.as_tuple(), keccak(text="promise"), chain.now() + DAY,
                                           "ipfs://promise", 5_000), contributor, record.terms.stake)
    return record.accepted_by(contributor)


class FeedbackOracle(Oracle):
    """`ante oracle run` taking feedback for the made-up EAS deployment."""

    def start(self) -> Oracle:
        assert self.process is None or self.process.poll() is not None
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [str(ANTE), "oracle", "run", "--account", self.account, "--port", str(self.port), "--db",
                 str(self.db), "--poll", str(POLL), "--contract", self.contract, "--eas", EAS,
                 "--eas-version", EAS_VERSION],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.runs.append(self.process)
        return self


@pytest.fixture(scope="module")
def node(tmp_path_factory, evaluators):
    with deployed_node(tmp_path_factory.mktemp("fuzz"), NODE_PORT, evaluators) as deployed:
        yield deployed


def populate(chain, oracle, evaluators) -> None:
    """Challenges open, accepted, submitted (one verdict stored), settled (by the oracle, on two
    verdicts) and cancelled, once the oracle shows them all; and one document in its store."""
    create(chain)
    accept(chain, *create(chain))
    cancelled, record = create(chain)
    chain.send(chain.ante.functions.cancel(cancelled, record.as_tuple()), chain.accounts[1])
    waiting, deliverable, _ = chain.submitted_challenge()
    wait_for(lambda: oracle.post(signed(chain, waiting, deliverable, evaluators[0], 7000))[0] == 202, 30,
             "a verdict stored")
    settled, deliverable, _ = chain.submitted_challenge()
    for evaluator in evaluators[:2]:
        status, answer = oracle.post(signed(chain, settled, deliverable, evaluator, 9000))
        assert status == 202, answer
    wait_for(lambda: oracle.sees(settled, "settled"), 60, "the quorum settled")
    wait_for(lambda: oracle.sees(cancelled, "cancelled"), 30, "the oracle seeing every challenge")
    domain = EasDomain(chain.chain_id, EAS, EAS_VERSION)
    review = sign_feedback(evaluators[3].key, Feedback(oracle.contract, cancelled, ZERO_HASH, 1, "https://example.org/r"),
                           domain, ZERO_ADDRESS, int(time.time()))
    status, answer = http(oracle.port, "POST", "/feedback", review.to_json())
    assert status == 201, answer
    assert [item["uid"] for item in http(oracle.port, "GET", "/feedback")[1]] == [review.uid]
    document = b"A deliverable kept in the oracle's document store."
    name = "0x" + keccak(document).hex()
    request = urllib.request.Request(f"http://127.0.0.1:{oracle.port}/documents/{name}", document, method="PUT",
                                     headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    states = {c["state"] for c in oracle.get("/challenges")[1]}
    assert states == {"open", "accepted", "submitted", "settled", "cancelled"}, states


@pytest.fixture(scope="module")
def oracle(node, evaluators, tmp_path_factory):
    """The oracle over a deployment with challenges in five states and stored verdicts."""
    oracle = FeedbackOracle(node, tmp_path_factory.mktemp("fuzz-oracle"), chain_uri=node["uri"], account="TEST::4",
                    name="oracle", port=ORACLE_PORT)
    try:
        oracle.start()
        oracle.wait_healthy()
        populate(node["chain"], oracle, evaluators)
        yield oracle
    finally:
        oracle.close()


def test_schemathesis_finds_nothing_wrong_with_the_api(oracle, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    report = tmp_path / "report.json"
    command = [str(SCHEMATHESIS), "--no-color", "--config-file", str(config), "run",
               f"http://127.0.0.1:{oracle.port}/openapi.json", "--checks", "all", "--max-examples", str(MAX_EXAMPLES),
               "--seed", str(SEED), "--workers", "1", "--request-timeout", "20", "--generation-database", "none",
               "--report", "json", "--report-json-path", str(report)]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "150"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=DEADLINE)
    took = time.monotonic() - started
    output = done.stdout[-30_000:] + done.stderr[-5_000:]
    assert report.exists(), output
    run = json.loads(report.read_text())
    cases, operations = run["test_cases"], run["operations"]
    print(f"\nschemathesis {run['schemathesis_version']}, every check, seed {run['seed']}: {operations['tested']} of "
          f"{operations['total']} operations, {cases['generated']} cases, {cases['with_failures']} with failures, "
          f"{len(run['errors'])} errors, in {took:.1f} s")
    for operation, rates in sorted(run["valid_rates"].items()):
        print(f"  {operation}: " + ", ".join(f"{phase} {r['accepted']} accepted, {r['rejected']} rejected"
                                              for phase, r in rates.items()))
    assert done.returncode == 0 and run["complete"], output
    assert cases["with_failures"] == 0 and not run["failures"] and not run["errors"], output
    assert operations["tested"] == operations["total"] >= 12, operations
    assert {phase: result["status"] for phase, result in run["phases"].items() if phase != "examples"} == \
        {"coverage": "success", "fuzzing": "success", "stateful": "success"}, run["phases"]
    assert http(oracle.port, "GET", "/challenges")[0] == 200, "the oracle answers after the run"
