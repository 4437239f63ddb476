"""`ante deploy`."""

import click

from ante.cli.options import chain_options, write_options


@click.command()
@chain_options
@write_options
def deploy(session):
    """Deploy the Ante contract and record its address for this chain.

    Every other command finds the contract through this record (in the data folder,
    $ANTE_DATA_DIR), keyed by chain id; --contract ADDRESS overrides it.

    \b
    Example:
      ante deploy --account TEST::0 --yes
    """
    session.connect()
    account = session.account()
    session.confirm(f"Deploy Ante on {session.network} from {account.address}?")
    from ante.client import AnteClient

    client = session.transaction("Deployed Ante", lambda: AnteClient.deploy(account, network=session.network,
                                                                          policy=session.active_policy))
    session.set_client(client)
    d = client.deployment
    session.emit(
        {"address": d.address, "chain_id": d.chain_id, "block": d.block, "network": d.network},
        lambda: session.out.print(f"Ante is at {d.address} on chain {d.chain_id} (from block {d.block})."),
    )
