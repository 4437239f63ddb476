"""`ante dev token`: tools for a local development chain."""

import click

from ante.cli.options import chain_options, write_options
from ante.cli.params import ADDRESS


@click.group()
def dev():
    """Tools for a local development chain (refused on any other network).

    \b
    Example:
      ante dev token --symbol TUSD --decimals 6 --mint 1000 --to 0x7099... --to 0x3C44... --account TEST::0
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
