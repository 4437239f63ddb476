"""`ante settle`."""

import click

from ante.cli.options import chain_options, write_options


#: A signed verdict is about 1 KiB; a file much larger than that is not one (and is not read whole).
MAX_VERDICT_BYTES = 64 * 1024


@click.command()
@click.argument("challenge_id", type=int)
@click.argument("verdict_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@chain_options
@write_options
def settle(session, challenge_id, verdict_files):
    """Settle a submitted challenge with signed verdicts from a quorum of its panel.

    Every verdict must give the same score; they are checked here (signature, panel, chain,
    contract, deliverable) before anything is sent. Anyone may relay them. A file is what
    `ante verdict sign` writes, or what a wallet gives for `ante verdict typed-data`'s output:
    {"typedData": ..., "signature": "0x..."} (the signer is recovered), or the typed data with
    its "signature" beside its fields. Signatures with v of 0/1 or a high s are normalised. A
    contract wallet's verdict (a Safe's) names its "signer", and the wallet is asked (ERC-1271)
    whether it accepts the signature, as the contract will ask it.

    \b
    Example:
      ante settle 3 v5.json v6.json --account TEST::4
    """
    from ante.erc1271 import wallet_check
    from ante.errors import BadInput
    from ante.verdict import SignedVerdict, VerdictError, parse_document

    documents = []
    for path in verdict_files:
        with open(path, "rb") as handle:
            data = handle.read(MAX_VERDICT_BYTES + 1)
        if len(data) > MAX_VERDICT_BYTES:
            raise BadInput(f"{path} is larger than {MAX_VERDICT_BYTES // 1024} KiB; a signed verdict is about 1 KiB.")
        try:
            documents.append((path, parse_document(data, "it")))
        except VerdictError as error:
            raise BadInput(f"{path} is not JSON ({error})." if "not valid JSON" in str(error) else f"{path}: {error}")
    client = session.client()
    wallet = wallet_check(client.node)  # a Safe's verdict is checked by asking the Safe, as the contract will
    verdicts = []
    for path, document in documents:
        try:
            verdicts.append(SignedVerdict.from_json(document, wallet))
        except VerdictError as error:
            raise BadInput(f"{path}: {error}")
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    members, threshold = client.panel(c.terms.panel_id)
    distinct = {v.signer for v in verdicts}
    if len(distinct) < threshold:
        raise BadInput(f"{len(distinct)} distinct evaluators signed but panel {c.terms.panel_id} needs {threshold}.")
    fmt = client.formatter(c.terms.token)
    from ante.terms import split_payout

    score = verdicts[0].verdict.score
    to_contributor, to_funder = split_payout(c.terms.reward, c.terms.stake_bps, score)
    if not session.as_json:
        session.out.print(f"Verdict {score / 100:g}%: {fmt(to_contributor)} to the contributor, {fmt(to_funder)} to the funder.")
    session.confirm(f"Settle challenge {challenge_id}?")
    try:
        receipt = session.transaction(f"Settled challenge {challenge_id}", lambda: client.settle(c, verdicts, account))
    except VerdictError as error:
        raise BadInput(str(error))
    from ante.cli.session import receipt_json

    session.emit({"challenge_id": challenge_id, "score": score, "to_contributor": str(to_contributor),
                  "to_funder": str(to_funder), **receipt_json(receipt)})
