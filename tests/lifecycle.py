"""A small driver for Ante's lifecycle in tests: builds terms, tracks records and signs verdicts."""

from __future__ import annotations

from dataclasses import replace

from eth_utils import keccak

from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms
from ante.verdict import Verdict

ETHER = 10**18
DAY = 86_400


def challenge_options(options=None, unreviewed_bps=None) -> tuple | None:
    """The Options tuple (unreviewedBps, appealWindow, appealPanelId, appealBondBps, reviewFee) to create a challenge
    with: `options` as given, or only an Unreviewed share, or None for a plain `create`."""
    if options is not None:
        if unreviewed_bps is not None:
            raise ValueError("give either options or unreviewed_bps")
        return tuple(options)
    if unreviewed_bps is not None:
        return (unreviewed_bps, 0, 0, 0, 0)
    return None


class Bounties:
    """Drives challenges through the contract with sensible defaults; every call can be overridden."""

    def __init__(self, ante, chain, funder, contributor, relayer, evaluators, panel_id):
        self.ante = ante
        self.chain = chain
        self.funder = funder
        self.contributor = contributor
        self.relayer = relayer
        self.evaluators = evaluators
        self.panel_id = panel_id

    @property
    def now(self) -> int:
        return self.chain.blocks.head.timestamp

    def terms(self, **overrides) -> Terms:
        """Ether terms: 1 ether, 10% stake, accept within a day, deliver within 7, review within 3."""
        base = Terms(
            funder=self.funder.address,
            token=ZERO_ADDRESS,
            reward=ETHER,
            stake_bps=1_000,
            panel_id=self.panel_id,
            accept_by=self.now + DAY,
            deliver_within=7 * DAY,
            review_within=3 * DAY,
            spec_hash=keccak(text="spec: build the thing"),
        )
        return replace(base, **overrides)

    def create(self, terms: Terms | None = None, sender=None, value=None, uri="ipfs://spec", unreviewed_bps=None,
               options=None):
        """Posts a challenge: with `createWithOptions` when `options` (an Options tuple: unreviewedBps, appealWindow,
        appealPanelId, appealBondBps, reviewFee) or `unreviewed_bps` (the options (bps, 0, 0, 0, 0)) is given, else
        with `create`. An ether challenge sends its reward plus the review fee unless `value` says otherwise.
        Returns (challenge id, record, receipt)."""
        terms = terms or self.terms()
        options = challenge_options(options, unreviewed_bps)
        if value is None:
            value = terms.reward + (options[4] if options else 0) if terms.is_ether else 0
        if options is None:
            receipt = self.ante.create(terms.as_tuple(), uri, sender=sender or self.funder, value=value)
        else:
            receipt = self.ante.createWithOptions(terms.as_tuple(), uri, options, sender=sender or self.funder,
                                                  value=value)
        challenge_id = receipt.events.filter(self.ante.ChallengeCreated)[0].challengeId
        return challenge_id, ChallengeRecord(terms), receipt

    def accept(self, challenge_id, record, sender=None, value=None, promised_by=None, promise=None, confidence=0):
        """Accepts with exactly the stake, stating `confidence` basis points (0 = none); returns (record, receipt)."""
        sender = sender or self.contributor
        if value is None:
            value = record.terms.stake if record.terms.is_ether else 0
        if promised_by is None:
            promised_by = self.now + DAY
        promise = promise or keccak(text="promise: ship it in a day")
        receipt = self.ante.accept(
            challenge_id, record.as_tuple(), promise, promised_by, "ipfs://promise", confidence, sender=sender, value=value
        )
        return record.accepted_by(sender.address), receipt

    def submit(self, challenge_id, record, deliverable=None, sender=None):
        """Submits a deliverable; returns (record, receipt)."""
        deliverable = deliverable or keccak(text=f"deliverable of {challenge_id}")
        receipt = self.ante.submit(
            challenge_id, record.as_tuple(), deliverable, "ipfs://deliverable", sender=sender or self.contributor
        )
        return record.submitted(deliverable), receipt

    def verdict(self, challenge_id, deliverable, score) -> Verdict:
        return Verdict(self.chain.chain_id, self.ante.address, challenge_id, deliverable, score)

    def signatures(self, challenge_id, record, score, signers=None):
        """Signs the verdict with `signers` (default: the first two evaluators); returns sorted (addresses, sigs)."""
        signers = sorted(signers or self.evaluators[:2], key=lambda a: int(a.address, 16))
        verdict = self.verdict(challenge_id, record.deliverable, score)
        return [s.address for s in signers], [verdict.sign(s.key) for s in signers]

    def settle(self, challenge_id, record, score, signers=None, sender=None):
        """Settles with a quorum's signatures; returns the receipt."""
        addresses, sigs = self.signatures(challenge_id, record, score, signers)
        return self.ante.settle(
            challenge_id, record.as_tuple(), score, addresses, sigs, sender=sender or self.relayer
        )

    def submitted_challenge(self, terms: Terms | None = None, unreviewed_bps=None, options=None):
        """A challenge created (with its own options if `options` or `unreviewed_bps` is given, as in `create`),
        accepted and submitted; returns (challenge id, record)."""
        challenge_id, record, _ = self.create(terms, unreviewed_bps=unreviewed_bps, options=options)
        record, _ = self.accept(challenge_id, record)
        record, _ = self.submit(challenge_id, record)
        return challenge_id, record

    def state(self, challenge_id) -> int:
        return self.ante.challengeStatus(challenge_id)[0]

    def deadline(self, challenge_id) -> int:
        return self.ante.challengeStatus(challenge_id)[1]

    def at(self, timestamp: int):
        """Makes the next transaction's block carry exactly `timestamp`."""
        self.chain.pending_timestamp = timestamp


# --- Helpers appended for the per-function test files. ---

#: The order of the secp256k1 group; a signature's s must be at most SECP256K1_N // 2 (low-s).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

#: The selector of OpenZeppelin's ReentrancyGuardReentrantCall().
REENTRANCY_GUARD_SELECTOR = bytes.fromhex("3ee5aeb5")


def high_s(signature: bytes) -> bytes:
    """The malleable twin of a valid 65-byte signature: s' = n - s, v flipped 27 <-> 28."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


def books(ante, escrow: int, accounts, token=ZERO_ADDRESS) -> tuple[int, int]:
    """(what Ante holds, escrow + the credits of `accounts`) in `token`: equal when the books balance."""
    held = ante.balance if int(str(token), 16) == 0 else token.balanceOf(ante)
    token_address = ZERO_ADDRESS if int(str(token), 16) == 0 else token.address
    credits = sum(ante.credit(token_address, getattr(a, "address", a)) for a in accounts)
    return held, escrow + credits


def _create_via(self, proxy, terms: Terms, sender, uri="ipfs://spec", unreviewed_bps=None, options=None):
    """Posts a challenge from a contract account (`proxy.execute`), with its own options if `options` or
    `unreviewed_bps` is given (as in `Bounties.create`); `terms.funder` must be the proxy."""
    options = challenge_options(options, unreviewed_bps)
    value = terms.reward + (options[4] if options else 0) if terms.is_ether else 0
    if options is None:
        data = self.ante.create.encode_input(terms.as_tuple(), uri)
    else:
        data = self.ante.createWithOptions.encode_input(terms.as_tuple(), uri, options)
    receipt = proxy.execute(self.ante.address, data, sender=sender, value=value)
    challenge_id = receipt.events.filter(self.ante.ChallengeCreated)[0].challengeId
    return challenge_id, ChallengeRecord(terms), receipt


def _accept_via(self, proxy, challenge_id, record, sender, promised_by=None, confidence=0):
    """Accepts from a contract account (`proxy.execute`) with exactly the stake, stating `confidence` basis
    points (0 = none); returns (record, receipt)."""
    value = record.terms.stake if record.terms.is_ether else 0
    if promised_by is None:
        promised_by = self.now + DAY
    data = self.ante.accept.encode_input(
        challenge_id, record.as_tuple(), keccak(text="promise"), promised_by, "ipfs://promise", confidence
    )
    receipt = proxy.execute(self.ante.address, data, sender=sender, value=value)
    return record.accepted_by(proxy.address), receipt


def _call_via(self, proxy, method: str, *args, sender):
    """Calls `ante.<method>(*args)` from a contract account (`proxy.execute`); returns the receipt."""
    data = getattr(self.ante, method).encode_input(*args)
    return proxy.execute(self.ante.address, data, sender=sender)


Bounties.create_via = _create_via
Bounties.accept_via = _accept_via
Bounties.call_via = _call_via
