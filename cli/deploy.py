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

    Feedback goes to the Ethereum Attestation Service (EAS): the record also names the
    chain's EAS and Ante's feedback schema in it, registered once. A local development
    chain gets an EAS of its own (deployed first, then reused); other chains use EAS's
    published deployment. On a chain without EAS, Ante works all the same, without
    feedback on chain.

    \b
    Example:
      ante deploy --account TEST::0 --yes
    """
    session.connect()
    account = session.account()
    session.confirm(f"Deploy Ante (and set up EAS for feedback where needed) on {session.network} "
                    f"from {account.address}?")
    from ante.client import AnteClient

    client = session.transaction("Deployed Ante", lambda: AnteClient.deploy(account, network=session.network,
                                                                          policy=session.active_policy))
    session.set_client(client)
    d = client.deployment

    def human():
        session.out.print(f"Ante is at {d.address} on chain {d.chain_id} (from block {d.block}).")
        if d.eas:
            session.out.print(f"Feedback goes to EAS at {d.eas} (version {d.eas_version}), in Ante's schema "
                              f"{d.feedback_schema}.")
        else:
            note = client.eas_note
            session.out.print(note[:1].upper() + note[1:])

    session.emit(
        {"address": d.address, "chain_id": d.chain_id, "block": d.block, "network": d.network, "eas": d.eas,
         "eas_version": d.eas_version, "feedback_schema": d.feedback_schema},
        human,
    )
