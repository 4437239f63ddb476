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

For boards of many challenges, `synthetic_oracle` builds an oracle over a synthetic chain instead
(SyntheticChain: any number of challenges in chosen states, no node).
"""

from __future__ import annotations

import time

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

    def closing(cid):
        attempts = oracle.store.attempts(oracle.chain_id, oracle.contract, cid)
        return attempts[-1].tx_hash if attempts and attempts[-1].tx_hash else None

    # On a busy machine a pass may end before the keeper's lapse is sent: pass again until all three are closed.
    deadline = time.monotonic() + 60
    while not all(closing(cid) for cid in (PAID, FAILED, DEFAULTED)) and time.monotonic() < deadline:
        time.sleep(0.2)
        oracle.run_once()
    for cid in (PAID, FAILED, DEFAULTED):
        assert closing(cid), f"challenge {cid} was not closed by the oracle within 60 s"
        txs[cid].append(closing(cid).lower())

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


# ------------------------------------------------------------------------------------------ a synthetic chain

START = 1_780_000_000  # 2026-05-28, the first challenge's block time
NOW = START + 2 * DAY  # the chain's time when its snapshot is read


def person(kind: int, n: int) -> str:
    """The `n`th address of a kind (0xF for funders, 0xC for contributors, 0xE for evaluators)."""
    from eth_utils import to_checksum_address

    return to_checksum_address(f"0x{kind:x}{n:039x}")


class SyntheticChain:
    """Stands in for the oracle's AnteClient (the way bench/dashboard.py builds 1,000 challenges): a chain
    whose head, at chain time NOW, holds the rule-abiding event log of one challenge per entry of `states`
    (challenge i is in states[i - 1]: open, accepted, submitted, settled, expired or cancelled), each posted
    by its own funder and, once accepted, held by its own contributor, on one 2-of-3 panel. `uris(i)` gives
    challenge i's spec URI (its promise and deliverable URIs are that with "/promise" and "/deliverable")."""

    def __init__(self, states: list[str], uris=lambda i: f"https://example.org/specs/{i}"):
        from types import SimpleNamespace

        self._events = synthetic_events(states, uris)
        self.chain_id = 31337
        self.address = "0x" + "a1" * 20
        head = SimpleNamespace(number=self._events[-1].block_number + 1, timestamp=NOW, hash="0x" + "ab" * 32)
        self.chain = SimpleNamespace(blocks=SimpleNamespace(head=head))

    def events(self, progress=None, head=None):
        return list(self._events)


def synthetic_events(states: list[str], uris) -> list:
    from ante.events import (
        ChallengeAccepted, ChallengeCancelled, ChallengeCreated, ChallengeLapsed, ChallengeSettled,
        ChallengeSubmitted, PanelCreated,
    )
    from ante.state import State
    from ante.terms import ZERO_ADDRESS, Terms, split_payout

    evaluators = [person(0xE, i) for i in range(3)]
    log = []

    def at(timestamp):
        block = len(log) + 1
        return dict(block_number=block, log_index=0, transaction_hash=f"0x{block:064x}", timestamp=timestamp)

    log.append(PanelCreated(**at(START - DAY), panel_id=1, creator=person(0xF, 0), members=tuple(evaluators),
                            threshold=2))
    for i, state in enumerate(states, start=1):
        t = START + i * 60
        funder, who = person(0xF, i), person(0xC, i)
        terms = Terms(funder=funder, token=ZERO_ADDRESS, reward=ETHER, stake_bps=1_000, panel_id=1,
                      accept_by=t + 30 if state == "expired" else NOW + 30 * DAY, deliver_within=60 * DAY,
                      review_within=30 * DAY, spec_hash=keccak(text=f"spec {i}"))
        log.append(ChallengeCreated(**at(t), challenge_id=i, funder=funder, panel_id=1, terms=terms,
                                    spec_uri=uris(i)))
        if state == "expired":
            log.append(ChallengeLapsed(**at(t + 40), challenge_id=i, state=State.EXPIRED, to_contributor=0,
                                       to_funder=terms.reward))
        elif state == "cancelled":
            log.append(ChallengeCancelled(**at(t + 10), challenge_id=i, refund=terms.reward))
        elif state != "open":
            log.append(ChallengeAccepted(**at(t + 10), challenge_id=i, contributor=who, stake=terms.stake,
                                         deliver_by=t + 10 + terms.deliver_within,
                                         promise_hash=keccak(text=f"promise {i}"), promised_by=t + DAY,
                                         promise_uri=uris(i) + "/promise", confidence_bps=0))
            if state in ("submitted", "settled"):
                log.append(ChallengeSubmitted(**at(t + 20), challenge_id=i, contributor=who,
                                              deliverable=keccak(text=f"deliverable {i}"),
                                              review_by=t + 20 + terms.review_within,
                                              deliverable_uri=uris(i) + "/deliverable"))
            if state == "settled":
                to_contributor, to_funder = split_payout(terms.reward, terms.stake_bps, 9_000)
                log.append(ChallengeSettled(**at(t + 30), challenge_id=i, score=9_000, to_contributor=to_contributor,
                                            to_funder=to_funder, signers=tuple(evaluators[:2])))
    return log


def synthetic_oracle(folder, states: list[str], **chain) -> OracleService:
    """An oracle over a SyntheticChain (no worker, no keeper), after its one sync."""
    from types import SimpleNamespace

    service = OracleService(SyntheticChain(states, **chain), SimpleNamespace(address="0x" + "b2" * 20),
                            VerdictStore(folder / "oracle.sqlite"), keeper=False)
    service.run_once()
    return service
