"""`ante dev token` and `ante dev safe`: tools for a local development chain."""

import click

from ante.cli.options import chain_options, write_options
from ante.cli.params import ADDRESS


@click.group()
def dev():
    """Tools for a local development chain (refused on any other network).

    \b
    Examples:
      ante dev token --symbol TUSD --decimals 6 --mint 1000 --to 0x7099... --to 0x3C44... --account TEST::0
      ante dev safe --owner 0x90F7... --owner 0x15d3... --threshold 2 --alias org-safe --account TEST::0
    """


@dev.command()
@click.option("--name", default="Test Token", show_default=True, help="The token's name.")
@click.option("--symbol", default="TST", show_default=True, help="The token's symbol, as amounts are written.")
@click.option("--decimals", type=int, default=18, show_default=True, help="Decimals of one whole token.")
@click.option("--mint", "amount", default="1000", show_default=True,
              help="Whole tokens to mint to each --to address (0: none).")
@click.option("--to", "holders", type=ADDRESS, multiple=True,
              help="An address to mint to; repeat for each [default: the sender].")
@chain_options
@write_options
def token(session, name, symbol, decimals, amount, holders):
    """Deploy an ERC-20 anyone can mint, to try challenges paid in a token.

    Only on a local development chain (anvil, chain id 31337 or 1337): a token anyone can mint is
    worthless, so it is refused anywhere it could be taken for money. Post with its address:
    `ante post --token ADDRESS --reward 100 …`.

    \b
    Example:
      ante dev token --symbol TUSD --decimals 6 --mint 1000 --to 0x7099... --account TEST::0
    """
    from ape import chain

    from ante.devchain import check_local, check_token_terms, deploy_test_token, mint
    from ante.units import InputError, format_amount, parse_amount

    check_token_terms(name, symbol, decimals)
    try:
        units = parse_amount(amount, decimals, symbol=symbol)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--mint")
    session.connect()
    check_local(chain.chain_id)
    account = session.account()
    holders = list(dict.fromkeys(holders or [account.address]))
    minting = f" and mint {format_amount(units, decimals, symbol)} to {', '.join(holders)}" if units else ""
    session.confirm(f"Deploy the test token {symbol} on chain {chain.chain_id} from {account.address}{minting}?")
    deployed = session.transaction(f"Deployed {symbol}",
                                   lambda: deploy_test_token(account, name, symbol, decimals, session.active_policy))
    if units:
        for holder in holders:
            session.transaction(f"Minted {format_amount(units, decimals, symbol)} to {holder}",
                                lambda holder=holder: mint(deployed.address, holder, units, account,
                                                           session.active_policy))
            deployed.minted[holder] = units
    session.emit(
        {"address": deployed.address, "name": name, "symbol": symbol, "decimals": decimals, "chain_id": chain.chain_id,
         "minted": {holder: str(value) for holder, value in deployed.minted.items()}},
        lambda: session.out.print(f"Test token {symbol} ({decimals} decimals) is at {deployed.address}; "
                                  f"post with --token {deployed.address}."),
    )


@dev.command()
@click.option("--owner", "owners", type=ADDRESS, multiple=True, required=True,
              help="An owner's address; repeat for each. Owners that are local Ape accounts sign for it.")
@click.option("--threshold", type=click.IntRange(min=1), required=True, help="How many owners must sign.")
@click.option("--alias", required=True, help="The name to use it by: --account ALIAS.")
@click.option("--fund", default="0", show_default=True, help="Ether to send it from the --account, e.g. '2 ether'.")
@chain_options
@write_options
def safe(session, owners, threshold, alias, fund):
    """Deploy a Safe (an organisation's multisig account) and register it with ape-safe.

    Only on a local development chain: it deploys Safe's own v1.4.1 contracts (as the ape-safe
    plugin ships them) and a Safe with these owners. Elsewhere, use the Safe your organisation
    has and register it with `ape safe add ADDRESS ALIAS`. Then post, cancel and withdraw as it
    with `--account ALIAS`: its owners that are local Ape accounts sign, and one of them submits.

    \b
    JSON (--json): address, alias, owners, threshold, funded (wei, as text), chain_id.

    \b
    Example:
      ante dev safe --owner 0x90F7... --owner 0x15d3... --owner 0x9965... --threshold 2 \\
                    --alias org-safe --fund "5 ether" --account TEST::0
    """
    from ape import chain

    from ante.devchain import check_local
    from ante.safes import deploy_local_safe, register
    from ante.units import InputError, format_amount, parse_amount

    try:
        funded = parse_amount(fund, 18, symbol="ETH")
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--fund")
    owners = tuple(dict.fromkeys(owners))
    if threshold > len(owners):
        raise click.BadParameter(f"a Safe's threshold is 1 to its {len(owners)} owners, not {threshold}.",
                                 param_hint="--threshold")
    if not alias.replace("-", "").replace("_", "").isalnum():
        raise click.BadParameter(f"{alias!r}: use letters, digits, - and _.", param_hint="--alias")
    session.connect()
    check_local(chain.chain_id, "a Safe made by `ante dev safe`")
    from ape import accounts

    if alias in accounts.containers["safe"].aliases:
        raise click.BadParameter(f"there is already a Safe named {alias!r}.", param_hint="--alias")
    account = session.account()
    funding = f" and send it {format_amount(funded, 18, 'ETH')}" if funded else ""
    session.confirm(f"Deploy a {threshold}-of-{len(owners)} Safe on chain {chain.chain_id} from "
                    f"{account.address}{funding}?")
    address, _ = session.transaction(f"Deployed a {threshold}-of-{len(owners)} Safe",
                                     lambda: deploy_local_safe(account, list(owners), threshold, session.active_policy))
    if funded:
        session.transaction(f"Sent it {format_amount(funded, 18, 'ETH')}",
                            lambda: account.transfer(address, funded))
    register(alias, address)
    session.emit(
        {"address": address, "alias": alias, "owners": list(owners), "threshold": threshold,
         "funded": str(funded), "chain_id": chain.chain_id},
        lambda: session.out.print(f"Safe {alias} is at {address}; act as it with --account {alias}."),
    )
