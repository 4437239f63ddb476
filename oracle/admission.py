"""Verdicts in: one posted verdict checked completely, stored durably, and a settlement queued on quorum.

:meth:`Admission.accept` checks a posted verdict completely (well-formed; the signature recovers to the
named signer or, for a contract wallet such as a Safe, the wallet accepts it when asked on chain; this
chain and deployment; the challenge exists and is Submitted; its review window is open at the chain's
time; the deliverable is the submitted one; the score is in range; the signer sits on the challenge's
panel).

An appeal verdict comes in the same way: typed data ``AppealVerdict`` (``ante verdict sign`` writes one for
an appealed challenge), told apart from a first-round verdict by its primary type, and by the document's
optional ``kind`` (``"verdict"`` or ``"appeal"``; when given, the typed data must be of that kind). It is
checked against the appeal round instead: the challenge is Appealed, its rule-by deadline has not passed,
and the signer sits on the challenge's appeal panel (from its options). Its quorum is its appeal panel's.

A failure raises :class:`Rejected` (a reason, which is also its metrics label, and one plain
sentence; :data:`STATUS` gives each reason's HTTP status) and stores nothing. A verdict that passes is
committed to the store before the method returns; if its challenge now has a quorum, a settlement is
queued with the chain worker at once.
"""

from __future__ import annotations

import json
import logging

from ante.errors import AnteError
from ante.history import ChallengeHistory
from ante.oracle.readmodel import Quorum, members
from ante.oracle.snapshots import NotReady, Snapshot
from ante.state import State
from ante.units import format_time
from ante.verdict import AppealVerdict, SignedVerdict, Verdict, VerdictError

#: What a document's ``kind`` takes: the verdict types it may hold (without one, either).
KINDS: dict[str | None, tuple[type[Verdict], ...]] = {
    None: (Verdict, AppealVerdict),
    "verdict": (Verdict,),
    "appeal": (AppealVerdict,),
}


def kind_of(signed: SignedVerdict) -> str:
    """``"appeal"`` for an appeal verdict, else ``"verdict"``."""
    return "appeal" if isinstance(signed.verdict, AppealVerdict) else "verdict"

log = logging.getLogger("ante.oracle")


#: Every reason a verdict is refused for, with its HTTP status: the one place the two are tied. A
#: :class:`ante.verdict.VerdictError` carries its reason (``invalid``, or ``bad_signature`` for a
#: :class:`ante.verdict.SignatureError`) and is answered by this table too.
STATUS: dict[str, int] = {
    "too_large": 413,
    "not_json": 400,
    "malformed": 422,
    "invalid": 422,
    "bad_signature": 422,
    "wrong_chain": 422,
    "wrong_contract": 422,
    "not_member": 422,
    "unknown_challenge": 404,
    "not_submitted": 409,
    "not_appealed": 409,
    "review_closed": 409,
    "appeal_closed": 409,
    "wrong_deliverable": 409,
    "not_ready": 503,
}


class Rejected(AnteError):
    """A posted verdict the oracle will not store: its `reason` (a key of :data:`STATUS`, and the metrics
    label) and one sentence."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status that answers this refusal."""
        return STATUS[self.reason]


class Admission:
    """Checks and stores verdicts for `service` (its snapshots, store, metrics and worker)."""

    def __init__(self, service):
        self.service = service

    def accept(self, body: bytes | str | dict) -> dict:
        """Verifies and stores one signed verdict (the JSON `ante verdict sign` writes).

        Returns ``{status, kind, challenge_id, signer, score, quorum, settlement}`` once the verdict is on
        disk (``kind``: ``verdict`` or ``appeal``; an appeal verdict's quorum is its appeal panel's); raises
        :class:`Rejected` (nothing stored) otherwise.
        """
        s = self.service
        try:
            signed, challenge, snapshot = self.verify(body)
        except Rejected as rejection:
            s.metrics.verdicts_rejected.labels(rejection.reason).inc()
            raise
        status = s.store.put(signed)
        s.metrics.verdicts_accepted.inc()
        v = signed.verdict
        appeal = isinstance(v, AppealVerdict)
        panel = snapshot.chronicle.panels[challenge.appeal_panel_id if appeal else challenge.terms.panel_id]
        quorum = Quorum.of(challenge, panel, s.store.verdicts(s.chain_id, s.contract, v.challenge_id, appeal=appeal))
        settlement = None
        if quorum.reached() is not None:
            settlement = "queued"
            s.worker.queue_settlement(v.challenge_id)
        # One line per verdict only with -v: at a thousand verdicts a second, logging them costs 8% of the CPU.
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s: %s scores challenge %s at %s (%s of %s agree)", kind_of(signed), status,
                      signed.signer, v.challenge_id, v.score, quorum.agreeing(v.score), quorum.threshold)
        return {
            "status": status,
            "kind": kind_of(signed),
            "challenge_id": v.challenge_id,
            "signer": signed.signer,
            "score": v.score,
            "quorum": quorum.to_json(v.score, full=False),
            "settlement": settlement,
        }

    def _check_deployment(self, v) -> None:
        s = self.service
        if v.chain_id != s.chain_id:
            raise Rejected("wrong_chain",
                           f"the verdict is for chain {v.chain_id}, but this oracle serves chain {s.chain_id}.")
        if v.contract != s.contract:
            raise Rejected("wrong_contract",
                           f"the verdict is for the Ante deployment at {v.contract}, but this oracle serves {s.contract}.")

    def _wallet(self, account: str, v, signature: bytes) -> bool | None:
        """Whether `account`, a contract wallet (a Safe), accepts `signature` over verdict `v`, asked on this
        chain as the contract will ask it (ERC-1271); only for a verdict meant for this deployment."""
        from ante.erc1271 import wallet_check

        self._check_deployment(v)
        s = self.service
        try:
            with s.chain_health.calling(), s.chain_lock:
                return wallet_check(s.client.node)(account, v, signature)
        except AnteError:
            raise Rejected("not_ready", f"the oracle could not ask {account} whether the signature is its own (the "
                                        "chain is not answering); try again shortly.") from None

    def verify(self, body) -> tuple[SignedVerdict, ChallengeHistory, Snapshot]:
        """The signed verdict in `body`, its challenge and the snapshot it was checked against."""
        s = self.service
        if isinstance(body, (bytes, str)):
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError) as error:
                raise Rejected("not_json", f"the body is not valid JSON ({error}).") from None
            except RecursionError:  # arrays nested thousands deep, within the size limit
                raise Rejected("not_json", "the body nests arrays or objects too deeply to be a signed verdict.") from None
        else:
            document = body
        if not isinstance(document, dict):
            raise Rejected("malformed",
                           "the body must be a JSON object with typedData, signer and signature (as `ante verdict sign` writes).")
        kind = document.get("kind")
        if not isinstance(kind, (str, type(None))) or kind not in KINDS:
            raise Rejected("malformed", f"the kind of a verdict is \"verdict\" or \"appeal\", not {str(kind)[:40]!r}.")
        try:
            signed = SignedVerdict.from_json(document, self._wallet, KINDS[kind])
        except VerdictError as error:
            raise Rejected(error.reason, str(error)) from None
        v = signed.verdict
        appeal = isinstance(v, AppealVerdict)
        self._check_deployment(v)
        try:
            snapshot = s.snapshots.ready()
        except NotReady as error:
            raise Rejected("not_ready", str(error)) from None
        c = snapshot.chronicle.challenges.get(v.challenge_id)
        as_of = ""
        earlier = (State.OPEN, State.ACCEPTED) + ((State.SUBMITTED, State.RULED) if appeal else ())
        if c is None or c.state in earlier:
            # The snapshot may predate the challenge, its submission or its appeal: look again while the node answers.
            latest, fresh = s.snapshots.fresh()
            snapshot = latest or snapshot
            c = snapshot.chronicle.challenges.get(v.challenge_id)
            if not fresh:
                as_of = (f" as of block {snapshot.head}, the latest the oracle could read (the chain is not "
                         f"answering right now, so try again shortly)")
        if c is None:
            raise Rejected("unknown_challenge", f"there is no challenge {v.challenge_id} on this deployment "
                                                f"{as_of.lstrip() or f'as of block {snapshot.head}'}.")
        if appeal:
            return self._check_appeal(signed, c, snapshot, as_of)
        if c.state != State.SUBMITTED:
            raise Rejected("not_submitted", f"challenge {v.challenge_id} is {c.state.label}{as_of}; verdicts are only "
                                            f"taken while it is submitted.")
        if snapshot.chain_time > c.review_by:
            raise Rejected("review_closed",
                           f"the review window of challenge {v.challenge_id} closed at {format_time(c.review_by)} "
                           f"(the chain's time is {format_time(snapshot.chain_time)}).")
        if v.deliverable != c.deliverable:
            raise Rejected("wrong_deliverable",
                           f"the verdict judges deliverable 0x{v.deliverable.hex()}, but challenge {v.challenge_id} "
                           f"was submitted with 0x{c.deliverable.hex()}.")
        panel = snapshot.chronicle.panels.get(c.terms.panel_id)
        if panel is None or signed.signer not in members(panel):
            raise Rejected("not_member",
                           f"{signed.signer} is not an evaluator on panel {c.terms.panel_id}, which judges challenge {v.challenge_id}.")
        return signed, c, snapshot

    @staticmethod
    def _check_appeal(signed: SignedVerdict, c: ChallengeHistory, snapshot: Snapshot,
                      as_of: str) -> tuple[SignedVerdict, ChallengeHistory, Snapshot]:
        """An appeal verdict's checks: the challenge is Appealed, before its rule-by, on its deliverable, and
        the signer sits on its appeal panel."""
        v = signed.verdict
        if c.state != State.APPEALED:
            raise Rejected("not_appealed", f"challenge {v.challenge_id} is {c.state.label}{as_of}; appeal verdicts are "
                                           f"only taken while its recorded verdict is appealed.")
        if snapshot.chain_time > c.deadline:
            raise Rejected("appeal_closed",
                           f"the appeal of challenge {v.challenge_id} had to be decided by {format_time(c.deadline)} "
                           f"(the chain's time is {format_time(snapshot.chain_time)}).")
        if v.deliverable != c.deliverable:
            raise Rejected("wrong_deliverable",
                           f"the appeal verdict judges deliverable 0x{v.deliverable.hex()}, but challenge "
                           f"{v.challenge_id} was submitted with 0x{c.deliverable.hex()}.")
        panel = snapshot.chronicle.panels.get(c.appeal_panel_id)
        if panel is None or signed.signer not in members(panel):
            raise Rejected("not_member", f"{signed.signer} is not an evaluator on appeal panel {c.appeal_panel_id}, "
                                         f"which decides the appeal of challenge {v.challenge_id}.")
        return signed, c, snapshot
