"""Tools for a local development chain: a test token to try challenges paid in an ERC-20.

``TestToken`` (packaged in :mod:`ante.artifacts`) lets anyone mint, so it is worthless by design and
must never be deployed where it could be mistaken for money: :func:`check_local` refuses every chain
but a local development node (the chain ids of :data:`ante.finality.LOCAL_CHAIN_IDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ante.errors import BadInput
from ante.finality import LOCAL_CHAIN_IDS
from ante.transactions import TransactionPolicy


def check_local(chain_id: int, what: str = "a test token anyone can mint") -> None:
    """Refuses any chain but a local development node."""
    if int(chain_id) not in LOCAL_CHAIN_IDS:
        ids = ", ".join(str(i) for i in sorted(LOCAL_CHAIN_IDS))
        raise BadInput(f"{what} is only for a local development chain (chain id {ids}); "
                       f"this network is chain {chain_id}.")


@dataclass
class TestTokenDeployment:
    """A deployed test token and what was minted, in base units, to whom."""

    __test__ = False  # not a pytest test class, despite its name

    address: str
    name: str
    symbol: str
    decimals: int
    receipt: object
    minted: dict[str, int] = field(default_factory=dict)


def check_token_terms(name: str, symbol: str, decimals: int) -> None:
    """The token's name and symbol must be printable and short, its decimals those an ERC-20 can hold."""
    if not 0 <= decimals <= 36:
        raise BadInput(f"decimals must be between 0 and 36, not {decimals}.")
    for what, text, longest in (("name", name, 64), ("symbol", symbol, 11)):
        if not text or not text.isprintable() or len(text) > longest or text != text.strip():
            raise BadInput(f"the token's {what} must be 1 to {longest} printable characters without surrounding "
                           f"spaces, not {text!r}.")


def deploy_test_token(sender, name: str, symbol: str, decimals: int,
                      policy: TransactionPolicy | None = None) -> TestTokenDeployment:
    """Deploys a TestToken from `sender` (after :func:`check_local` on the connected chain)."""
    from ape import chain
    from ape.contracts import ContractContainer

    from ante.artifacts import contract_type
    from ante.transactions import deploy

    check_local(chain.chain_id)
    check_token_terms(name, symbol, decimals)
    instance, receipt = deploy(ContractContainer(contract_type("TestToken")), sender, policy,
                               args=(name, symbol, decimals))
    return TestTokenDeployment(instance.address, name, symbol, decimals, receipt)


def mint(token_address: str, to: str, amount: int, sender, policy: TransactionPolicy | None = None):
    """Mints `amount` base units of a TestToken to `to`; returns the confirmed receipt."""
    from ape import Contract

    from ante.artifacts import contract_type
    from ante.transactions import send

    token = Contract(token_address, contract_type=contract_type("TestToken"))
    return send(token.mint, to, amount, sender=sender, policy=policy)
