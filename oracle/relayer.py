"""The relayer: sends the oracle's settlements, lapses and finalizations, and follows each to its confirmations.

One relayer owns the oracle's account on one deployment: every transaction goes through
:meth:`Relayer.send`, and :meth:`Relayer.follow` looks after all of them until they are final. It runs in
the chain worker's thread (:mod:`ante.oracle.loop`), under the chain lock.

Sending
-------
An intent (:class:`ante.oracle.policies.Intent`) becomes a transaction in four steps:

1. **Simulate**: an ``eth_call`` from the oracle's account at the latest block (then ``eth_estimateGas``
   for the gas limit, with a quarter on top). A revert costs nothing: the attempt is reconciled at once
   (below) and no transaction is sent.
2. **Nonce**: the relayer counts the account's nonces itself, from the node's pending count
   (``eth_getTransactionCount(address, "pending")``) and its own transactions in flight, so that many
   transactions are in flight at once. A node that answers "nonce too low" (or holds another
   transaction at that nonce) makes it read the count again, simulate again and try once more.
3. **Sign**: an EIP-1559 transaction with the node's fees (a fee cap of twice the pending block's base
   fee plus the priority fee, ``eth_maxPriorityFeePerGas``, read at most once a second), signed by the
   Ape account, so test, keyfile and other Ape accounts all work.
4. **Record, then broadcast**: the signed transaction is committed to the store (``outgoing`` and
   ``sends``) before ``eth_sendRawTransaction``, which does not wait for a receipt. A crash in between
   leaves a record of a transaction the node may never have seen: after the restart it is followed, and
   broadcast again only as the same signed bytes (the same nonce and hash), so it can never be doubled.

Following
---------
Each :meth:`Relayer.follow` reads the head block and the account's mined nonce once; only a
transaction whose nonce is below that count can have been mined, so only those are looked up by receipt,
whichever of the hashes sent for the nonce was mined.

- **Mined**: its block is remembered; once the head is ``confirmations`` blocks past it (by default 0 on
  a local dev chain, chain id 31337 or 1337, else Ape's ``required_confirmations`` for the network) the
  outcome is final: settled or lapsed by this oracle; or, if it reverted (another relayer's transaction
  came first in the block) or was a cancellation, reconciled.
- **Reorganised**: a mined transaction whose block is no longer the canonical one at its height before
  its confirmations is looked up again; not mined on the new chain, it is pending again, and if the node
  no longer has it, it is simulated again: still due, it is broadcast again at its nonce; not due any
  more, its nonce is filled by a cancellation (nothing sent to the oracle itself) so that the
  transactions after it are not held up.
- **Nonce taken**: the count passed its nonce, twice in a row, and none of its hashes was mined (another
  process shares the account): it is dropped, and the policies may send the intent again if still due.
- **Stuck**: a pending transaction whose fee cap is below the latest base fee, or the next to be mined
  and not mined ``stuck_blocks`` blocks after it was sent, is replaced at the SAME nonce with both fee
  fields raised by at least 12.5% (what nodes require of a replacement) and to at least what the node
  asks now. It is simulated again first; if it would now revert, the replacement is a cancellation.

Reconciling
-----------
A simulated revert, a mined revert or a cancellation ends in a fresh read of the chain: if the challenge
is settled (or ruled, for a first verdict with an appeal window), lapsed or finalized now, by whom
(``settled_elsewhere``; ``settled_by_us`` if the closing transaction came from this account after all, say
a receipt lost in a connection drop; likewise for lapses and finalizations); otherwise the attempt is
``failed`` with the contract's reason and, while the challenge is unchanged, never repeated. An appeal's
settlement that fails while the challenge is still Appealed is ``failed`` too.
"""

from __future__ import annotations

import logging
import threading
import time

from eth_utils import keccak
from hexbytes import HexBytes

from ante.errors import AnteError, refused
from ante.finality import LOCAL_CHAIN_IDS
from ante.oracle.store import (
    DROPPED,
    FAILED,
    FINALIZED_BY_US,
    FINALIZED_ELSEWHERE,
    LAPSED_BY_US,
    LAPSED_ELSEWHERE,
    MINED,
    PENDING,
    SETTLED_BY_US,
    SETTLED_ELSEWHERE,
    Outgoing,
    Send,
    VerdictStore,
)
from ante.oracle.snapshots import short
from ante.state import State
from ante.terms import ZERO_ADDRESS, to_checksum_address

log = logging.getLogger("ante.oracle")

#: A pending transaction that is the next to be mined and still is not after this many blocks gets a higher fee.
STUCK_BLOCKS = 3

#: How often a send is tried again after the node says its nonce is taken.
NONCE_TRIES = 3

#: How long fees read from the node are reused, in seconds (a burst of sends reads them once).
FEES_TTL = 1.0

#: Gas of a cancellation: a plain transfer.
TRANSFER_GAS = 21_000

#: The states an action leaves a challenge in (a first verdict on a challenge with an appeal window rules it:
#: Ruled, and maybe Appealed since), the events that show who did it, and how an attempt ends when it is done.
CLOSING = {"settle": (State.SETTLED, State.RULED, State.APPEALED),
           "lapse": (State.EXPIRED, State.DEFAULTED, State.UNREVIEWED),
           "finalize": (State.SETTLED,)}
CLOSED_BY = {"settle": ("ChallengeSettled", "ChallengeRuled"), "lapse": ("ChallengeLapsed",),
             "finalize": ("ChallengeSettled",)}
OUTCOMES = {"settle": (SETTLED_BY_US, SETTLED_ELSEWHERE), "lapse": (LAPSED_BY_US, LAPSED_ELSEWHERE),
            "finalize": (FINALIZED_BY_US, FINALIZED_ELSEWHERE)}
PAST = {"settle": "settled", "lapse": "lapsed", "finalize": "finalized"}


class Reverted(AnteError):
    """A simulated call reverted: the node's message and the revert data (0x-hex), if it gave any."""

    def __init__(self, message: str, data: str | None):
        super().__init__(message)
        self.message = message
        self.data = data


class RPCRefused(AnteError):
    """The node answered a request with an error."""


class NonceTaken(AnteError):
    """The node holds or has mined another transaction at this nonce."""


class NodeRefused(AnteError):
    """The node answered and refused a transaction (say, too little ether for its gas)."""


def default_confirmations(client) -> int:
    """0 on a local development chain, else the confirmations Ape requires on the connected network."""
    if int(client.chain_id) in LOCAL_CHAIN_IDS:
        return 0
    return int(client.chain.provider.network.required_confirmations or 0)


def bump(fee: int) -> int:
    """`fee` raised by at least 12.5%, the least a node takes as a replacement at the same nonce."""
    return fee + (fee + 7) // 8


def _hex(value) -> str:
    return "0x" + bytes(HexBytes(value)).hex()


class Relayer:
    """Sends and follows the transactions of `account` (an Ape account) to `client`'s deployment."""

    def __init__(self, client, account, store: VerdictStore, metrics, health, snapshots, chain_lock: threading.RLock,
                 *, confirmations: int | None = None, stuck_blocks: int = STUCK_BLOCKS):
        self.client = client
        self.account = account
        self.store = store
        self.metrics = metrics
        self.health = health
        self.snapshots = snapshots
        self.chain_lock = chain_lock
        self.chain_id = int(client.chain_id)
        self.contract = to_checksum_address(client.address)
        self.address = to_checksum_address(account.address)
        self.confirmations = default_confirmations(client) if confirmations is None else int(confirmations)
        self.stuck_blocks = stuck_blocks
        self.refused: set[tuple] = set()  # attempts the contract refused on an unchanged challenge: not repeated
        self._open: dict[int, Outgoing] = {}
        self._by_intent: dict[tuple[str, int], int] = {}
        self._intents: dict[int, object] = {}  # outgoing id -> the Intent it was sent for (this run only)
        self._check: set[int] = set()  # outgoing ids whose transaction the node may not have (restart, reorganisation)
        self._suspect: set[int] = set()  # outgoing ids whose nonce was taken without a receipt once already
        self._since: dict[int, int] = {}  # outgoing id -> the head when last broadcast
        self._status: dict[int, int] = {}  # outgoing id -> receipt status, once mined
        self._next_nonce: int | None = None
        self._fees: tuple[float, int, int] | None = None  # (when read, base fee, priority fee)
        for outgoing in store.outgoing(self.chain_id, self.contract, account=self.address, open_only=True):
            self._track(outgoing)
            self._check.add(outgoing.id)
        if self._open:
            log.info("following %d transactions sent before the restart", len(self._open))
        self.metrics.in_flight.set(len(self._open))

    @property
    def web3(self):
        return self.client.chain.provider.web3

    # ------------------------------------------------------------------ what is in flight

    def in_flight(self) -> int:
        """How many transactions are sent and not yet final."""
        return len(self._open)

    def busy(self, action: str, challenge_id: int) -> bool:
        """Whether a `action` transaction for `challenge_id` is in flight (it is never sent twice)."""
        return (action, challenge_id) in self._by_intent

    def _track(self, outgoing: Outgoing) -> None:
        self._open[outgoing.id] = outgoing
        self._by_intent[(outgoing.action, outgoing.challenge_id)] = outgoing.id
        self.metrics.in_flight.set(len(self._open))

    def _untrack(self, outgoing: Outgoing, state: str, **block) -> None:
        self.store.update_outgoing(outgoing, state, **block)
        self._forget(outgoing)

    def _forget(self, outgoing: Outgoing) -> None:
        self._open.pop(outgoing.id, None)
        self._by_intent.pop((outgoing.action, outgoing.challenge_id), None)
        for memo in (self._intents, self._since, self._status):
            memo.pop(outgoing.id, None)
        self._check.discard(outgoing.id)
        self._suspect.discard(outgoing.id)
        self.metrics.in_flight.set(len(self._open))

    # ------------------------------------------------------------------ sending

    def send(self, intent) -> bool:
        """Sends `intent` unless it is in flight already or was refused; True if it is in flight now.

        A simulated revert is reconciled and nothing is sent (False). Transient chain errors propagate;
        a transaction already recorded when one happens stays in flight and is followed."""
        if self.busy(intent.action, intent.challenge_id):
            return True
        if intent.key in self.refused:
            return False
        data = bytes(getattr(self.client.contract, intent.action).encode_input(*intent.args))
        token = intent.challenge.terms.token
        with self.health.calling(), self.chain_lock:
            for _ in range(NONCE_TRIES):
                revert, gas = self._simulate(data, token)
                if revert is not None:
                    self.metrics.simulated_reverts.inc()
                    if not self.reconcile([(intent.action, intent.challenge_id, revert, intent.key,
                                             intent.challenge.state, None)]):
                        raise RuntimeError("the chain could not be read to find out why the contract refused")
                    return False
                if not self._open:
                    self._next_nonce = None  # nothing of ours in flight: the node's count is the truth
                nonce = self._take_nonce()
                signed = self._sign(nonce, data, gas, *self._cap_and_tip())
                outgoing = self.store.add_outgoing(self.chain_id, self.contract, self.address, intent.challenge_id,
                                                   intent.action, nonce, data, gas, signed)
                self._track(outgoing)
                self._intents[outgoing.id] = intent
                try:
                    self._broadcast(signed.raw)
                except NonceTaken:
                    self._untrack(outgoing, DROPPED)
                    self._next_nonce = None
                    continue
                except NodeRefused:
                    self._untrack(outgoing, DROPPED)  # never in any pool: its nonce is free again
                    self._next_nonce = None
                    raise
                except Exception:
                    self._check.add(outgoing.id)  # the node may or may not have it: followed, never re-signed
                    raise
                self._since[outgoing.id] = signed.sent_block
                self.metrics.transactions_sent.labels("new").inc()
                log.debug("sent the %s of challenge %s (nonce %s, tx %s)", intent.action, intent.challenge_id,
                          nonce, signed.tx_hash)
                return True
        raise RuntimeError(f"the account's nonce was taken {NONCE_TRIES} times in a row by other transactions")

    def _simulate(self, data: bytes, token: str = ZERO_ADDRESS) -> tuple[AnteError | None, int]:
        """(the contract's refusal, None if none; the gas limit to send with) of a call at the latest block."""
        call = {"from": self.address, "to": self.contract, "data": "0x" + data.hex()}
        try:
            self._rpc("eth_call", call, "latest")
            gas = int(self._rpc("eth_estimateGas", call, "latest"), 16)
        except Reverted as revert:
            return self._refusal(revert, token), 0
        return None, gas + gas // 4

    def _rpc(self, method: str, *params):
        """One JSON-RPC request straight to the node. web3's middlewares would ask the node for its chain
        id before every call (a third of the requests of a burst of sends); this relayer knows it."""
        answer = self.web3.provider.make_request(method, list(params))
        error = answer.get("error")
        if error is None:
            return answer.get("result")
        message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        data = error.get("data") if isinstance(error, dict) else None
        if method in ("eth_call", "eth_estimateGas") and (
                "revert" in message.lower() or (isinstance(error, dict) and error.get("code") == 3)):
            raise Reverted(message, data if isinstance(data, str) else None)
        raise RPCRefused(message)

    def _refusal(self, revert: Reverted, token: str) -> AnteError:
        """The contract's custom error, decoded from the revert data, as one sentence."""
        data = revert.data
        if data and data.startswith("0x") and len(data) >= 10:
            try:
                decoded = self.client.chain.provider.network.ecosystem.decode_custom_error(HexBytes(data), self.contract)
            except Exception:  # not one of Ante's errors: say what the node said
                decoded = None
            if decoded is not None and getattr(decoded, "inputs", None) is not None:
                return refused(type(decoded).__name__, decoded.inputs, self.client.formatter(token))
        return AnteError(f"the contract refused: {revert.message}")

    def _take_nonce(self) -> int:
        if self._next_nonce is None:
            pending = int(self.web3.eth.get_transaction_count(self.address, "pending"))
            ours = max((o.nonce for o in self._open.values()), default=-1) + 1
            self._next_nonce = max(pending, ours)
        nonce, self._next_nonce = self._next_nonce, self._next_nonce + 1
        return nonce

    def _cap_and_tip(self, fresh: bool = False) -> tuple[int, int]:
        """(max fee per gas, max priority fee per gas) for a new transaction, from the node."""
        now = time.monotonic()
        if fresh or self._fees is None or now - self._fees[0] > FEES_TTL:
            block = self.web3.eth.get_block("pending")
            base = block.get("baseFeePerGas")
            if base is None:
                base = self.web3.eth.get_block("latest").get("baseFeePerGas") or 0
            self._fees = (now, int(base), int(self.web3.eth.max_priority_fee))
        _, base, tip = self._fees
        return 2 * base + tip, tip

    def _sign(self, nonce: int, data: bytes, gas: int, max_fee: int, tip: int, *, cancel: bool = False) -> Send:
        """One EIP-1559 transaction signed by the oracle's Ape account (a cancellation sends nothing to itself)."""
        ecosystem = self.client.chain.provider.network.ecosystem
        txn = ecosystem.create_transaction(
            chainId=self.chain_id, nonce=nonce, to=self.address if cancel else self.contract,
            data=b"" if cancel else data, gas=TRANSFER_GAS if cancel else gas, value=0, type=2,
            maxFeePerGas=max_fee, maxPriorityFeePerGas=tip)
        signed = self.account.sign_transaction(txn)
        if signed is None or not signed.signature:
            raise AnteError(f"the account {self.address} did not sign the oracle's transaction.")
        raw = bytes(signed.serialize_transaction())
        head = self.snapshots.current.head if self.snapshots.current is not None else 0
        return Send("0x" + keccak(raw).hex(), max_fee, tip, cancel, raw, head, time.time())

    def _broadcast(self, raw: bytes) -> None:
        """``eth_sendRawTransaction``; a node that already has these bytes is fine."""
        try:
            self._rpc("eth_sendRawTransaction", "0x" + raw.hex())
        except RPCRefused as error:
            text = str(error).lower()
            if "already known" in text or "already imported" in text:
                return
            if "nonce too low" in text or "replacement transaction underpriced" in text:
                raise NonceTaken(short(error)) from None
            raise NodeRefused(short(error)) from None

    # ------------------------------------------------------------------ following

    def follow(self) -> bool:
        """Looks at every open transaction once; True if any ended or was dropped (the policies look again)."""
        if not self._open:
            return False
        changed = False
        with self.health.calling(), self.chain_lock:
            w3 = self.web3
            mined_nonce = int(w3.eth.get_transaction_count(self.address, "latest"))
            latest = w3.eth.get_block("latest")
            head, base_fee = int(latest["number"]), latest.get("baseFeePerGas")
            hashes = {head: _hex(latest["hash"])}
            final = []
            for outgoing in sorted(self._open.values(), key=lambda o: o.nonce):
                if outgoing.state == MINED:
                    if self._canonical(outgoing.block_number, hashes) != outgoing.block_hash:
                        self._reorganised(outgoing, hashes)
                    if outgoing.state == MINED:
                        if head - outgoing.block_number >= self.confirmations:
                            final.append(outgoing)
                        continue
                if outgoing.nonce < mined_nonce:
                    found = self._receipt(outgoing)
                    if found is not None:
                        self._mined(outgoing, *found)
                        if head - outgoing.block_number >= self.confirmations:
                            final.append(outgoing)
                    elif outgoing.id in self._suspect:
                        log.info("nonce %s of the %s of challenge %s was used by another transaction; "
                                 "the challenge is looked at again", outgoing.nonce, outgoing.action,
                                 outgoing.challenge_id)
                        self._untrack(outgoing, DROPPED)
                        changed = True
                    else:
                        self._suspect.add(outgoing.id)  # a reorganisation under the reads? look once more
                    continue
                self._suspect.discard(outgoing.id)
                self._unstick(outgoing, head, base_fee, next_to_mine=outgoing.nonce == mined_nonce)
            if final:
                changed = self._conclude(final) or changed
        return changed

    def _canonical(self, number: int, hashes: dict[int, str]) -> str | None:
        """The hash of the canonical block at `number` (None if there is none), read once per follow."""
        from web3.exceptions import BlockNotFound

        if number not in hashes:
            try:
                block = self.web3.eth.get_block(number)
            except BlockNotFound:  # the chain is shorter now (blocks rolled back)
                block = None
            hashes[number] = None if block is None else _hex(block["hash"])
        return hashes[number]

    def _receipt(self, outgoing: Outgoing):
        """(the send that was mined, its receipt), looking at every hash sent for the nonce; else None."""
        from web3.exceptions import TransactionNotFound

        for send in reversed(outgoing.sends):
            try:
                receipt = self.web3.eth.get_transaction_receipt(send.tx_hash)
            except TransactionNotFound:
                continue
            if receipt is not None and receipt.get("blockNumber") is not None:
                return send, receipt
        return None

    def _mined(self, outgoing: Outgoing, send: Send, receipt) -> None:
        self.store.update_outgoing(outgoing, MINED, block_number=int(receipt["blockNumber"]),
                                   block_hash=_hex(receipt["blockHash"]), mined_hash=send.tx_hash)
        self._status[outgoing.id] = int(receipt["status"])
        self._suspect.discard(outgoing.id)

    def _reorganised(self, outgoing: Outgoing, hashes: dict[int, str]) -> None:
        """Its block left the chain: mined elsewhere on the new chain, or pending (and checked) again."""
        found = self._receipt(outgoing)
        if found is not None and self._canonical(int(found[1]["blockNumber"]), hashes) == _hex(found[1]["blockHash"]):
            self._mined(outgoing, *found)
            return
        log.warning("the %s of challenge %s (tx %s) was mined in block %s, which a reorganisation removed; "
                    "following it again", outgoing.action, outgoing.challenge_id, outgoing.mined_hash,
                    outgoing.block_number)
        self.metrics.reorganised.inc()
        self.store.update_outgoing(outgoing, PENDING)
        self._status.pop(outgoing.id, None)
        self._check.add(outgoing.id)

    def _unstick(self, outgoing: Outgoing, head: int, base_fee: int | None, *, next_to_mine: bool) -> None:
        """Broadcasts again what the node lost, and replaces at the same nonce what its fee holds back."""
        latest = outgoing.latest
        fee_short = base_fee is not None and latest.max_fee < int(base_fee)
        slow = next_to_mine and head - self._since.get(outgoing.id, latest.sent_block) >= self.stuck_blocks
        if outgoing.id not in self._check and not fee_short and not slow:
            return
        known = True
        if outgoing.id in self._check or slow:
            known = self._known(latest.tx_hash)
            self._check.discard(outgoing.id)
        if known and not fee_short and not slow:
            return
        revert = None
        if not latest.cancel:
            revert, _ = self._simulate(outgoing.data, self._token(outgoing.challenge_id))
        if revert is None and not latest.cancel and not known and not fee_short:
            self._broadcast_again(outgoing, head)
            return
        self._replace(outgoing, base_fee, cancel=latest.cancel or revert is not None)

    def _known(self, tx_hash: str) -> bool:
        from web3.exceptions import TransactionNotFound

        try:
            return self.web3.eth.get_transaction(tx_hash) is not None
        except TransactionNotFound:
            return False

    def _broadcast_again(self, outgoing: Outgoing, head: int) -> None:
        """The same signed bytes again (same nonce, same hash): the node had lost them."""
        try:
            self._broadcast(outgoing.latest.raw)
        except (NonceTaken, NodeRefused) as error:
            self.health.error(f"broadcasting again the {outgoing.action} of challenge {outgoing.challenge_id}", error,
                              outage=False)
            return
        self._since[outgoing.id] = head
        self.metrics.transactions_sent.labels("rebroadcast").inc()
        log.info("broadcast again the %s of challenge %s (nonce %s, tx %s)", outgoing.action, outgoing.challenge_id,
                 outgoing.nonce, outgoing.latest.tx_hash)

    def _replace(self, outgoing: Outgoing, base_fee: int | None, *, cancel: bool) -> None:
        """Signs `outgoing` again at its nonce with both fees raised by at least 12.5% (a cancellation if `cancel`)."""
        latest = outgoing.latest
        cap_now, tip_now = self._cap_and_tip(fresh=True)
        tip = max(bump(latest.priority_fee), tip_now)
        max_fee = max(bump(latest.max_fee), cap_now - tip_now + tip, 2 * int(base_fee or 0) + tip)
        signed = self._sign(outgoing.nonce, outgoing.data, outgoing.gas, max_fee, tip, cancel=cancel)
        self.store.add_send(outgoing, signed)
        try:
            self._broadcast(signed.raw)
        except NonceTaken:  # a version already mined, or another process at this nonce: the next follow sees
            return
        except NodeRefused as error:
            self.health.error(f"replacing the {outgoing.action} of challenge {outgoing.challenge_id}", error,
                              outage=False)
            return
        self._since[outgoing.id] = signed.sent_block
        self.metrics.transactions_sent.labels("cancel" if cancel else "replacement").inc()
        log.info("%s the %s of challenge %s at nonce %s: fee cap %s -> %s wei (tx %s)",
                 "cancelled" if cancel else "replaced", outgoing.action, outgoing.challenge_id, outgoing.nonce,
                 latest.max_fee, max_fee, signed.tx_hash)

    def _token(self, challenge_id: int) -> str:
        snapshot = self.snapshots.current
        c = snapshot.chronicle.challenges.get(challenge_id) if snapshot is not None else None
        return c.terms.token if c is not None else ZERO_ADDRESS

    # ------------------------------------------------------------------ concluding

    def _conclude(self, final: list[Outgoing]) -> bool:
        """Records confirmed transactions: ours if they succeeded; reconciled if they reverted or cancelled.
        Each outcome and its transaction's end are written together."""
        to_reconcile = []
        for outgoing in final:
            status = self._status.get(outgoing.id)
            if status is None:  # mined before a restart
                status = int(self.web3.eth.get_transaction_receipt(outgoing.mined_hash)["status"])
            mined = next(s for s in outgoing.sends if s.tx_hash == outgoing.mined_hash)
            intent = self._intents.get(outgoing.id)
            if status and not mined.cancel:
                ours = OUTCOMES[outgoing.action][0]
                self.record(outgoing.challenge_id, outgoing.action, ours, tx_hash=mined.tx_hash, confirmed=outgoing)
                self._forget(outgoing)
                log.info("%s challenge %s%s (tx %s)", PAST[outgoing.action], outgoing.challenge_id,
                         f" {intent.detail}" if intent is not None and intent.detail else "", mined.tx_hash)
            else:
                why = "was cancelled" if mined.cancel else "reverted"
                to_reconcile.append((outgoing.action, outgoing.challenge_id,
                                     RuntimeError(f"the transaction {mined.tx_hash} {why}"),
                                     intent.key if intent is not None else None,
                                     intent.challenge.state if intent is not None else None, outgoing))
        if to_reconcile:
            self.reconcile(to_reconcile)  # what cannot be looked up now stays open, for the next follow
        else:
            self.snapshots.refresh()
        return True

    def record(self, challenge_id: int, action: str, outcome: str, tx_hash: str | None = None,
               reason: str | None = None, confirmed: Outgoing | None = None) -> None:
        """Stores how an attempt ended (with the outgoing transaction it confirms, if any), and counts it."""
        self.store.record_attempt(self.chain_id, self.contract, challenge_id, action, outcome, tx_hash, reason,
                                  confirmed=confirmed)
        self.health.concluded(challenge_id)
        if action == "settle":
            self.metrics.settlements.labels(outcome).inc()
        elif outcome == LAPSED_BY_US:
            self.metrics.lapses.inc()
        elif outcome == FINALIZED_BY_US:
            self.metrics.finalizations.inc()

    def reconcile(self, refusals: list[tuple]) -> bool:
        """Finds out from a fresh read of the chain why each (action, challenge id, error, key, state then,
        outgoing transaction or None) did not go through, and records it; False if the chain could not be read."""
        if not self.snapshots.refresh():
            return False
        snapshot = self.snapshots.current
        for action, challenge_id, error, key, state_then, outgoing in refusals:
            now = snapshot.chronicle.challenges.get(challenge_id)
            state = now.state if now is not None else State.NONE
            closing = next((e for e in reversed(now.events) if type(e).__name__ in CLOSED_BY[action]),
                           None) if now is not None else None
            tx = closing.transaction_hash if closing is not None else None
            if state in CLOSING[action] and not (action == "settle" and state == state_then):
                ours, elsewhere = OUTCOMES[action]
                outcome, reason = (ours if tx is not None and self._sent_by_us(tx) else elsewhere), None
            else:
                outcome, reason, tx = FAILED, short(error), None
                if key is not None and state == state_then:
                    self.refused.add(key)
            self.record(challenge_id, action, outcome, tx_hash=tx, reason=reason, confirmed=outgoing)
            if outgoing is not None:
                self._forget(outgoing)
            log.info("%s of challenge %s: %s%s", action, challenge_id, outcome, f" ({reason})" if reason else "")
        return True

    def _sent_by_us(self, tx_hash: str) -> bool:
        try:
            return to_checksum_address(self.web3.eth.get_transaction(tx_hash)["from"]) == self.address
        except Exception:
            return False
