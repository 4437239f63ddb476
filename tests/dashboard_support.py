"""A demo-like deployment for the dashboard's tests, built once per test module.

Five challenges on the test run's Ante deployment, judged through an in-process oracle (verdicts posted
to it; it settles and its keeper lapses, as in `make demo`):

1. paid: accepted by the contributor, delivered on time, settled at 90% by two evaluators;
2. failed: accepted by the contributor, delivered a day after the promised time, settled at 0%;
3. defaulted: accepted by the contributor, never delivered; a week later the keeper lapses it;
4. open: posted on the 5-of-9 panel after the others, nobody has accepted it;
5. submitted: accepted by `stranger`, delivered; one evaluator's verdict (90%) is in, one more is needed.

The contributor states an 80% chance of success on challenge 1, 60% on challenge 2 and 70% on challenge
3; `stranger` states none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import keccak

from ante.client import AnteClient
from ante.deployment import Deployment
from ante.oracle.service import OracleService
from ante.oracle.store import VerdictStore
from lifecycle import DAY, ETHER, Bounties
from oracle_support import document

PAID, FAILED, DEFAULTED, OPEN, SUBMITTED = 1, 2, 3, 4, 5


@dataclass
class Scenario:
    oracle: OracleService
    bounties: Bounties
    contributor: str
    stranger: str
    funder: str
    evaluators: list
    receipts: dict = field(default_factory=dict)  # challenge id -> [tx hash of each of its events' transactions]


def build(tmp_path, ante, chain, funder, contributor, stranger, relayer, evaluators, panel_2of3, panel_5of9) -> Scenario:
    """The five challenges above, and the oracle that saw them (no worker thread: run_once() drives it)."""
    client = AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "index.sqlite")
    oracle = OracleService(client, relayer, VerdictStore(tmp_path / "oracle.sqlite"), poll=0.2, sync_wait=5)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)
    s = Scenario(oracle, b, contributor.address, stranger.address, funder.address, evaluators)
    txs = s.receipts

    def note(cid, receipt):
        txs.setdefault(cid, []).append(str(receipt.txn_hash).lower())

    records = {}
    promises = {PAID: 3 * DAY, FAILED: DAY, DEFAULTED: 2 * DAY}  # promised-by, from acceptance
    confidences = {PAID: 8_000, FAILED: 6_000, DEFAULTED: 7_000}
    for cid_expected, spec in ((PAID, "onboarding guide"), (FAILED, "flaky test fix"), (DEFAULTED, "release notes")):
        terms = b.terms(reward=ETHER if cid_expected != FAILED else 2 * ETHER,
                        spec_hash=keccak(text=f"spec: {spec}"))
        cid, record, receipt = b.create(terms, uri=f"https://example.org/specs/{cid_expected}")
        assert cid == cid_expected
        note(cid, receipt)
        record, receipt = b.accept(cid, record, promised_by=b.now + promises[cid],
                                   promise=keccak(text=f"promise {cid}"), confidence=confidences[cid])
        note(cid, receipt)
        records[cid] = record
        chain.mine(deltatime=3 * 3_600)
    chain.mine(deltatime=2 * DAY)  # challenge 1 is delivered on time, challenge 2 a day late
    for cid in (PAID, FAILED):
        records[cid], receipt = b.submit(cid, records[cid], deliverable=keccak(text=f"work {cid}"))
        note(cid, receipt)
    oracle.run_once()
    for cid, score, signers in ((PAID, 9000, evaluators[:2]), (FAILED, 0, evaluators[1:3])):
        for evaluator in signers:
            oracle.accept_verdict(document(b, cid, records[cid], evaluator, score))
    oracle.run_once()  # settles both
    chain.mine(deltatime=8 * DAY)
    oracle.run_once()  # the keeper lapses the defaulted one
    for cid in (PAID, FAILED, DEFAULTED):
        closing = [a for a in oracle.store.attempts(oracle.chain_id, oracle.contract, cid)]
        assert closing and closing[-1].tx_hash, f"challenge {cid} was not closed by the oracle"
        txs[cid].append(closing[-1].tx_hash.lower())

    cid, record, receipt = b.create(b.terms(panel_id=panel_5of9, reward=3 * ETHER, stake_bps=2_000),
                                    uri="https://example.org/specs/4")
    assert cid == OPEN
    note(cid, receipt)
    cid, record, receipt = b.create(b.terms(reward=ETHER // 2), uri="https://example.org/specs/5")
    assert cid == SUBMITTED
    note(cid, receipt)
    record, receipt = b.accept(cid, record, sender=stranger, promised_by=b.now + DAY)
    note(cid, receipt)
    record, receipt = b.submit(cid, record, sender=stranger, deliverable=keccak(text="work 5"))
    note(cid, receipt)
    oracle.run_once()
    oracle.accept_verdict(document(b, cid, record, evaluators[0], 9000))
    oracle.run_once()
    return s
