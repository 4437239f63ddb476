"""One exception root for Ante, and the contract's custom errors as plain sentences.

Every failure a person can meet ends as an ``AnteError`` whose message is one sentence saying what
happened and, where it helps, what to do, with the numbers involved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from ante.state import State


class AnteError(Exception):
    """The root of every error Ante raises on purpose."""


class BadInput(AnteError):
    """What a person asked for cannot be right: a malformed value, or something that does not exist."""


class ContractRefused(AnteError):
    """The contract reverted with one of its custom errors."""

    def __init__(self, name: str, inputs: Mapping, message: str):
        super().__init__(message)
        self.name = name
        self.inputs = dict(inputs)


def _when(ts) -> str:
    """A unix timestamp as ``ante.units.format_time`` shows it (that module imports this one): ISO-8601
    UTC, with seconds only when they are not zero; beyond the year 9999, "unix time N"."""
    try:
        moment = datetime.fromtimestamp(int(ts), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return f"unix time {int(ts)}"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if moment.second else "%Y-%m-%d %H:%M UTC")


def _state(value) -> str:
    return State(int(value)).label


# Each template receives the error's inputs, plus `amount` (a formatter for token amounts) and helpers.
_SENTENCES: dict[str, Callable[..., str]] = {
    "AntePanelSizeInvalid": lambda i, a: f"a panel needs 1 to 32 evaluators, not {i['size']}.",
    "AntePanelThresholdInvalid": lambda i, a: (
        f"a threshold of {i['threshold']} of {i['size']} is not a strict majority: "
        f"use more than {int(i['size']) // 2} and at most {i['size']}."
    ),
    "AntePanelMemberZero": lambda i, a: f"evaluator number {int(i['index']) + 1} is the zero address.",
    "AntePanelMemberDuplicate": lambda i, a: f"{i['member']} is listed twice in the panel.",
    "AntePanelUnknown": lambda i, a: f"there is no panel {i['panelId']}; create one with `ante panel create`.",
    "AnteFunderNotCaller": lambda i, a: f"the terms name {i['funder']} as funder but {i['caller']} is sending.",
    "AnteFunderOnPanel": lambda i, a: (
        f"{i['funder']} sits on panel {i['panelId']}, and a funder may not judge their own challenge; "
        "choose a panel without the funder (`ante panel create`)."
    ),
    "AnteRewardZero": lambda i, a: "the reward must be more than zero.",
    "AnteStakeBpsInvalid": lambda i, a: f"the stake must be 0% to 100% of the reward, not {int(i['stakeBps']) / 100:g}%.",
    "AnteUnreviewedBpsInvalid": lambda i, a: (
        f"the Unreviewed share must be 0% to 100% of the reward, not {int(i['unreviewedBps']) / 100:g}%."
    ),
    "AnteAppealTermsInvalid": lambda i, a: (
        f"an appeal round needs a window, another existing panel than the challenge's and a bond of 0.01% to 100% "
        f"of the reward, and no panel or bond without a window (window {i['appealWindow']} s, panel "
        f"{i['appealPanelId']}, bond {int(i['appealBondBps']) / 100:g}%)."
    ),
    "AnteAcceptByInPast": lambda i, a: (
        f"accept-by {_when(i['acceptBy'])} is already past (the chain's time is {_when(i['timestamp'])})."
    ),
    "AnteWindowZero": lambda i, a: "the delivery and review windows must each be at least one second.",
    "AnteDeadlinesOutOfRange": lambda i, a: "the deadlines reach too far into the future; shorten them.",
    "AnteWrongReward": lambda i, a: f"the reward is {a(i['expected'])} but {a(i['sent'])} was sent.",
    "AnteWrongStake": lambda i, a: f"the stake must be {a(i['expected'])}, you sent {a(i['sent'])}.",
    "AnteUnexpectedEther": lambda i, a: f"this challenge is paid in a token; do not send ether ({i['sent']} wei was sent).",
    "AnteTokenShortfall": lambda i, a: (
        f"the token {i['token']} delivered {i['received']} instead of {i['expected']} "
        "(a fee-on-transfer token?); Ante only accepts tokens that deliver exactly what is sent."
    ),
    "AnteChallengeUnknown": lambda i, a: f"there is no challenge {i['challengeId']}.",
    "AnteRecordMismatch": lambda i, a: (
        f"the record of challenge {i['challengeId']} does not match the chain; refresh the index and retry."
    ),
    "AnteWrongState": lambda i, a: f"challenge {i['challengeId']} is {_state(i['state'])}, so that is not possible now.",
    "AnteDeadlinePassed": lambda i, a: (
        f"the deadline of challenge {i['challengeId']} passed at {_when(i['deadline'])} "
        f"(the chain's time is {_when(i['timestamp'])})."
    ),
    "AnteDeadlineNotPassed": lambda i, a: (
        f"challenge {i['challengeId']} cannot lapse or be finalized before its deadline, {_when(i['deadline'])} "
        f"(the chain's time is {_when(i['timestamp'])})."
    ),
    "AnteNotParty": lambda i, a: (
        f"only the creator or the contributor of challenge {i['challengeId']} can appeal its verdict, not {i['caller']}."
    ),
    "AnteWrongBond": lambda i, a: f"the appeal bond is {a(i['expected'])} but {a(i['sent'])} was sent.",
    "AnteNotDelegated": lambda i, a: "the appeal module runs only through the Ante contract; call Ante instead.",
    "AnteNotFunder": lambda i, a: f"only the funder can do that to challenge {i['challengeId']}, not {i['caller']}.",
    "AnteNotContributor": lambda i, a: (
        f"only the contributor can do that to challenge {i['challengeId']}, not {i['caller']}."
    ),
    "AnteNotDesignated": lambda i, a: (
        f"challenge {i['challengeId']} is reserved for {i['designated']}, not {i['caller']}."
    ),
    "AnteSelfDealing": lambda i, a: (
        f"{i['account']} is the funder, a co-funder or one of the panel's evaluators and cannot accept."
    ),
    "AntePromiseMissing": lambda i, a: "a promise is required: give the promise document.",
    "AntePromiseTooLate": lambda i, a: (
        f"the promise date {_when(i['promisedBy'])} is after the delivery deadline {_when(i['deliverBy'])}."
    ),
    "AnteConfidenceInvalid": lambda i, a: (
        f"a stated confidence is 0% to 100% (0 = not stated), not {int(i['confidenceBps']) / 100:g}%."
    ),
    "AnteDeliverableMissing": lambda i, a: "the deliverable hash is empty.",
    "AnteScoreInvalid": lambda i, a: f"a score is 0% to 100%, not {int(i['score']) / 100:g}%.",
    "AnteSignatureCountMismatch": lambda i, a: f"{i['signers']} signers but {i['signatures']} signatures were given.",
    "AnteQuorumNotMet": lambda i, a: f"{i['signers']} verdicts agree but the panel needs {i['threshold']}.",
    "AnteSignersNotAscending": lambda i, a: (
        f"signer {i['signer']} is out of order or repeated (verdicts must come from distinct evaluators)."
    ),
    "AnteNotPanelMember": lambda i, a: f"{i['signer']} is not an evaluator on this challenge's panel.",
    "AnteInvalidSignature": lambda i, a: (
        f"the signature from {i['signer']} does not sign this verdict (wrong challenge, deliverable, score or chain?)."
    ),
    "AnteAmountZero": lambda i, a: "the amount to add must be more than zero.",
    "AnteFundingClosed": lambda i, a: (
        f"challenge {i['challengeId']} has been accepted once, which fixed its reward: it can no longer be funded."
    ),
    "AnteRewardOutOfRange": lambda i, a: (
        f"that would take the reward to {a(i['reward'])}, past the largest reward the contract holds (2^128 - 1 "
        "base units)."
    ),
    "AnteWrongAmount": lambda i, a: f"the amount to add is {a(i['expected'])} but {a(i['sent'])} was sent.",
    "AnteNothingToClaim": lambda i, a: (
        f"{i['funder']} has no share to claim in challenge {i['challengeId']}: it co-funded nothing there, "
        "or its share was already claimed."
    ),
    "AnteNothingToWithdraw": lambda i, a: f"{i['account']} has nothing to withdraw in that token.",
    "AnteEtherTransferFailed": lambda i, a: f"sending {a(i['amount'])} to {i['account']} failed; it refuses ether (withdraw it --to another address).",
    "AnteRecipientInvalid": lambda i, a: f"{i['to']} cannot receive a withdrawal: name an account other than zero or Ante.",
    "SafeERC20FailedOperation": lambda i, a: f"the token {i['token']} refused the transfer (check balance and allowance).",
    "ReentrancyGuardReentrantCall": lambda i, a: "a re-entrant call was refused.",
    # OpenZeppelin's ShortStrings errors are declared by EIP712 but unreachable: "Ante" and "1" are short.
    "InvalidShortString": lambda i, a: "the contract's EIP-712 name is not a short string.",
    "StringTooLong": lambda i, a: f"the string {i.get('str')!r} is too long for the contract.",
    "FailedCall": lambda i, a: "the contract's call to its appeal module failed without a reason.",
    "AddressEmptyCode": lambda i, a: f"{i.get('target')} has no code, so the contract cannot call it.",
}


def explain(name: str, inputs: Mapping, amount: Callable[[int], str] | None = None) -> str:
    """One plain sentence for a contract error `name` with its decoded `inputs`."""
    amount = amount or (lambda value: f"{int(value)} wei")
    template = _SENTENCES.get(name)
    if template is None:
        detail = ", ".join(f"{k}={v}" for k, v in inputs.items())
        sentence = f"the contract refused with {name}({detail})."
    else:
        sentence = template(dict(inputs), amount)
    return sentence[0].upper() + sentence[1:]


def refused(name: str, inputs: Mapping, amount: Callable[[int], str] | None = None) -> ContractRefused:
    """A ``ContractRefused`` for a decoded custom error."""
    return ContractRefused(name, inputs, explain(name, inputs, amount))
