"""`ante audit`."""

import click

from ante.cli.options import chain_options


@click.command()
@chain_options
def audit(session):
    """Replay every event since deployment and check the contract's books against them.

    Recomputes every challenge (state, deadline, seal of its record, Unreviewed share), the
    co-funding of each (what its co-funders contributed, what went back to its funders, who has
    claimed) and every credit from the events, and checks them, and each token's balance (escrow,
    co-funding pools included, plus credits), against the contract.
    Prints each discrepancy and exits with code 1 if there is any.

    \b
    JSON (--json): {clean, block, events, challenges, accounts, tokens, discrepancies: [{kind,
    subject, expected, actual, message}]}.

    \b
    Example:
      ante audit --network ethereum:sepolia:node --contract 0x...
    """
    from ante.audit import audit as run_audit
    from ante.audit import node_chain_view

    client = session.client()
    head = client.head()
    with session.status("Replaying events…") as status:
        events = client.events(lambda done, total: status.update(f"Reading blocks… {done:,} of {total:,}"), head=head)
        view = node_chain_view(client.node, client.address, head)
        report = run_audit(events, view, lambda done, total: status.update(f"Checking the contract… {done} of {total}"),
                           block=head)

    def human():
        out = session.out.print
        if report.clean:
            out(f"[green]✔[/] {report.summary()}")
        else:
            out(f"[red]✘[/] {report.summary()}")
            for d in report.discrepancies:
                out(f"  [{d.kind}] {d.message}")

    session.emit(report.to_json(), human)
    if not report.clean:
        raise SystemExit(1)
