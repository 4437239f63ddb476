"""The oracle's Prometheus metrics, in a registry of their own (``GET /metrics``)."""

from __future__ import annotations

from ante.oracle.admission import STATUS
from ante.oracle.feedback import REPLACED, STORED, UNCHANGED
from ante.oracle.feedback import STATUS as FEEDBACK_STATUS
from ante.oracle.store import FAILED, SETTLED_BY_US, SETTLED_ELSEWHERE

#: Labels of ``verdicts_rejected_total``: the reasons of the admission's status table.
REJECT_REASONS = tuple(STATUS)

#: Labels of ``feedback_rejected_total`` and ``feedback_accepted_total``.
FEEDBACK_REASONS = tuple(FEEDBACK_STATUS)
FEEDBACK_KEPT = (STORED, REPLACED, UNCHANGED)

#: Labels of ``transactions_sent_total``: a first broadcast, the same bytes again (the node had lost
#: them), a fee replacement at the same nonce, or a cancellation filling a nonce.
SEND_KINDS = ("new", "rebroadcast", "replacement", "cancel")


class Metrics:
    """Counters and gauges of verdicts, feedback, settlements, lapses, finalizations, transactions and the chain."""

    def __init__(self, registry=None):
        from prometheus_client import CollectorRegistry, Counter, Gauge

        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.verdicts_accepted = Counter("verdicts_accepted", "Verdicts stored (new, replaced or unchanged).", registry=r)
        self.verdicts_rejected = Counter("verdicts_rejected", "Verdicts refused, by reason.", ["reason"], registry=r)
        self.feedback_accepted = Counter("feedback_accepted", "Feedback attestations kept, by status.", ["status"],
                                         registry=r)
        self.feedback_rejected = Counter("feedback_rejected", "Feedback attestations refused, by reason.", ["reason"],
                                         registry=r)
        self.settlements = Counter("settlements", "Settlement attempts, by outcome.", ["outcome"], registry=r)
        self.lapses = Counter("lapses", "Challenges this oracle lapsed.", registry=r)
        self.finalizations = Counter("finalizations", "Recorded verdicts this oracle finalized.", registry=r)
        self.chain_errors = Counter("chain_errors", "Failed chain operations (node unreachable, timeouts...).", registry=r)
        self.chain_lag = Gauge("chain_lag_blocks", "Chain head minus the last block in the event index.", registry=r)
        self.chain_head = Gauge("chain_head_block", "The latest chain head seen.", registry=r)
        self.indexed_block = Gauge("indexed_block", "The last block read into the event index.", registry=r)
        self.transactions_sent = Counter("transactions_sent", "Signed transactions broadcast, by kind.", ["kind"],
                                         registry=r)
        self.simulated_reverts = Counter("simulated_reverts", "Sends not made because their simulation reverted.",
                                         registry=r)
        self.reorganised = Counter("transactions_reorganised", "Mined transactions whose block left the chain.",
                                   registry=r)
        self.in_flight = Gauge("transactions_in_flight", "Transactions sent and not yet confirmed.", registry=r)
        for reason in REJECT_REASONS:
            self.verdicts_rejected.labels(reason)
        for reason in FEEDBACK_REASONS:
            self.feedback_rejected.labels(reason)
        for status in FEEDBACK_KEPT:
            self.feedback_accepted.labels(status)
        for outcome in (SETTLED_BY_US, SETTLED_ELSEWHERE, FAILED):
            self.settlements.labels(outcome)
        for kind in SEND_KINDS:
            self.transactions_sent.labels(kind)

    def text(self) -> bytes:
        """The metrics in the Prometheus text exposition format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
