"""Sending a transaction the way a real network needs: simulated first, then mined, then confirmed.

Every write of the command line goes through :func:`send` (and a deployment through :func:`deploy`):

1. **Simulate.** The call is run first as an ``eth_call`` from the sender, with the same arguments and
   value, so a transaction the contract would refuse is never signed or paid for; the refusal comes back
   as the contract's custom error (which :class:`ante.client.AnteClient` turns into one sentence).
2. **Send.** Through Ape's account (keyfile, hardware and Safe accounts alike), with Ape's EIP-1559 fees
   from the node unless the policy names ``max_fee`` or ``priority_fee`` (wei). Ape is asked for no
   confirmations of its own: on a node that mines on an interval it would answer before the transaction
   is in a block, and its progress bar would mix into piped output.
3. **Confirm.** :func:`confirm` waits until the transaction is in a block and that block has
   ``confirmations`` more on top of it (Ape's meaning: 0 = mined), re-checking before it returns that the
   block is still the chain's (a transaction reorganised out is waited for again, as a node re-mines it
   from its pool). Progress is reported through the policy's ``progress`` callback as one short line.
   It gives up, with one sentence naming the transaction, after ``timeout`` seconds.

A transaction that was mined but reverted (another relayer got there first in the same block) is
simulated again at the new head so that the contract's reason is what the caller sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ante.errors import AnteError

#: How often the confirmation loop asks the node, at most (seconds).
POLL = 0.25


@dataclass(frozen=True)
class TransactionPolicy:
    """How writes are sent and confirmed. None means: as the connected Ape network says."""

    confirmations: int | None = None  # blocks on top of the transaction's block; None: the network's setting
    max_fee: int | None = None  # maxFeePerGas in wei; None: Ape's estimate from the node's base fee
    priority_fee: int | None = None  # maxPriorityFeePerGas in wei; None: the node's suggestion
    timeout: float | None = None  # seconds to wait for mining and confirmations; None: from the network
    progress: Callable[[str], None] | None = None
    sent: Callable[[str], None] | None = None  # told each transaction's hash as soon as it is broadcast

    def with_progress(self, progress: Callable[[str], None] | None,
                      sent: Callable[[str], None] | None = None) -> TransactionPolicy:
        return replace(self, progress=progress, sent=sent)

    def required_confirmations(self) -> int:
        """The confirmations to wait for: the policy's, else the connected network's (0 on a local chain)."""
        if self.confirmations is not None:
            return self.confirmations
        from ape import chain

        return int(chain.provider.network.required_confirmations or 0)

    def wait_limit(self, confirmations: int) -> float:
        """Seconds to wait for a transaction: the network's acceptance timeout plus room for its confirmations."""
        if self.timeout is not None:
            return self.timeout
        from ape import chain

        network = chain.provider.network
        block_time = max(1, int(network.block_time or 0))
        return float(network.transaction_acceptance_timeout) + 4 * block_time * (confirmations + 1)

    def fee_kwargs(self) -> dict:
        """The transaction arguments Ape takes for this policy (never Ape's own confirmation wait)."""
        kwargs: dict = {"required_confirmations": 0}
        if self.max_fee is not None:
            kwargs["max_fee"] = self.max_fee
        if self.priority_fee is not None:
            kwargs["max_priority_fee"] = self.priority_fee
        return kwargs

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def report_sent(self, txn_hash: str) -> None:
        if self.sent is not None:
            self.sent(txn_hash)


def send(method, *args, sender, value: int = 0, policy: TransactionPolicy | None = None):
    """Simulates, sends and confirms one call of an Ape contract method; returns the confirmed receipt.

    The contract's refusal (in simulation, or when a mined transaction reverted) propagates as Ape's
    ``ContractLogicError`` with the decoded custom error."""
    policy = policy or TransactionPolicy()
    simulate(method, *args, sender=sender, value=value)
    txn = method.as_transaction(*args, sender=sender.address, value=value, **policy.fee_kwargs())
    receipt = _broadcast(sender, txn, policy)
    confirmed = confirm(str(receipt.txn_hash), policy)
    if confirmed.failed:
        simulate(method, *args, sender=sender, value=value)  # raises the contract's reason if it has one
        raise AnteError(f"the transaction {confirmed.txn_hash} reverted in block {confirmed.block_number}.")
    return confirmed


def _broadcast(sender, txn, policy: TransactionPolicy):
    """Signs `txn` with the Ape account `sender` and hands it to the node; returns Ape's receipt.

    The hash is reported the moment the transaction is signed, before the node sees it, so that an
    interruption while it is on its way still names the transaction that may be mined. An account that
    sends its own way (a Safe proposes, an impersonated account is not signed for) goes through its own
    ``call`` and is reported once that returns."""
    from ape.api.accounts import AccountAPI
    from ape.exceptions import SignatureError
    from eth_utils import to_hex

    if type(sender).call is not AccountAPI.call:
        receipt = sender.call(txn)
        policy.report_sent(str(receipt.txn_hash))
        return receipt
    txn = sender.prepare_transaction(txn)
    signed = sender.sign_transaction(txn)
    if not signed:
        raise SignatureError("The transaction was not signed.", transaction=txn)
    signed.sender = signed.sender or sender.address
    policy.report_sent(to_hex(signed.txn_hash))
    return sender.provider.send_transaction(signed)


def simulate(method, *args, sender, value: int = 0) -> bytes:
    """Runs the call as an ``eth_call`` from `sender` at the latest block and returns its output; a refusal
    raises Ape's ``ContractLogicError`` (the contract's custom error class, with its inputs, when the
    contract's ABI declares it)."""
    from ape import chain
    from eth_utils import to_hex
    from web3.exceptions import ContractLogicError as NodeRefused

    contract = method.contract
    call = {"from": sender.address, "to": contract.address, "data": to_hex(method.encode_input(*args))}
    if value:
        call["value"] = value
    try:
        return bytes(chain.provider.web3.eth.call(call, "latest"))
    except NodeRefused as error:
        raise _refusal(contract, error) from None


def _refusal(contract, error):
    """Ape's error for a node's refusal of a call to `contract`: its custom error if the ABI has it."""
    from ape.exceptions import ContractLogicError
    from hexbytes import HexBytes

    data = error.data if isinstance(getattr(error, "data", None), str) else None
    if data and data.startswith("0x") and len(data) >= 10:
        raw = HexBytes(data)
        abi = contract.contract_type.errors[raw[:4]] if raw[:4] in contract.contract_type.errors else None
        if abi is not None:
            from ape import chain

            inputs = chain.provider.network.ecosystem.decode_calldata(abi, raw[4:])
            return contract.get_error_by_signature(abi.signature)(abi, inputs, contract_address=contract.address)
    message = getattr(error, "message", None) or str(error)
    return ContractLogicError(revert_message=message, contract_address=contract.address)


def deploy(container, sender, policy: TransactionPolicy | None = None, args: tuple = ()):
    """Deploys an Ape ``ContractContainer`` (with constructor `args`) from `sender`; returns (contract
    instance, confirmed receipt)."""
    from ape import Contract

    policy = policy or TransactionPolicy()
    txn = container(*args, sender=sender.address, **policy.fee_kwargs())
    _simulate_creation(sender.address, txn.data, container)
    receipt = _broadcast(sender, txn, policy)
    confirmed = confirm(str(receipt.txn_hash), policy)
    address = getattr(confirmed, "contract_address", None)
    if confirmed.failed or not address:
        raise AnteError(f"the deployment {confirmed.txn_hash} failed in block {confirmed.block_number}.")
    return Contract(address, contract_type=container.contract_type), confirmed


def _simulate_creation(sender: str, data: bytes, container) -> None:
    """Runs a contract creation as an ``eth_call``; a constructor that would revert is refused unsent."""
    from ape import chain
    from eth_utils import to_hex
    from web3.exceptions import ContractLogicError as NodeRefused

    try:
        chain.provider.web3.eth.call({"from": sender, "data": to_hex(data)}, "latest")
    except NodeRefused as error:
        name = container.contract_type.name or "the contract"
        raise AnteError(f"deploying {name} would fail: {error.message or 'its constructor reverted'}.") from error


def confirm(txn_hash: str, policy: TransactionPolicy | None = None):
    """Waits for `txn_hash` to be mined in the chain's current history with the policy's confirmations;
    returns Ape's receipt for it."""
    from ape import chain
    from web3.exceptions import TransactionNotFound

    policy = policy or TransactionPolicy()
    needed = policy.required_confirmations()
    limit = policy.wait_limit(needed)
    web3 = chain.provider.web3
    started = time.monotonic()
    shown = None
    while True:
        try:
            found = web3.eth.get_transaction_receipt(txn_hash)
        except TransactionNotFound:
            found = None
        if found is not None and found.get("blockNumber") is not None:
            block = int(found["blockNumber"])
            head = int(web3.eth.block_number)
            done = max(0, head - block)
            if done >= needed:
                # Still the chain's block? (A reorganisation may have dropped it since the receipt was read.)
                canonical = web3.eth.get_block(block)
                if bytes(canonical["hash"]) == bytes(found["blockHash"]):
                    return chain.provider.get_receipt(txn_hash)
                message = f"block {block} was reorganised away; waiting for the transaction to be mined again…"
            else:
                message = f"mined in block {block}; {done} of {needed} confirmations…"
        else:
            message = "waiting to be mined…"
        if message != shown:
            policy.report(message)
            shown = message
        if time.monotonic() - started > limit:
            raise AnteError(
                f"the transaction {txn_hash} was not {'mined' if found is None else 'confirmed'} within "
                f"{limit:.0f} s; it may still be: look it up before sending it again."
            )
        time.sleep(POLL)
