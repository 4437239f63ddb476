"""The evaluator's commands: `ante verdict sign` and `ante verdict typed-data`."""

import json

import click

from ante.cli.options import chain_options
from ante.cli.params import SCORE


@click.group()
def verdict():
    """Sign a verdict as an evaluator, or print it for any wallet to sign.

    A verdict is the EIP-712 message Verdict(challengeId, deliverable, score) in the domain
    {name: "Ante", version: "1", chainId, verifyingContract}: it cannot be replayed on another
    challenge, deliverable, chain or deployment.
    """


@verdict.command()
@click.argument("challenge_id", type=int)
@click.option("--score", type=SCORE, required=True, help="80%, 8000 (basis points), pass or fail.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the signed verdict here, not to stdout.")
@chain_options
def sign(session, challenge_id, score, out):
    """Sign a verdict with your Ape account; prints (or writes) the signed verdict as JSON.

    Give the files of a quorum of evaluators to `ante settle`.

    \b
    Example:
      ante verdict sign 3 --score 90% --account TEST::5 --out v5.json
    """
    from eth_account.messages import encode_typed_data

    from ante.errors import BadInput
    from ante.verdict import SignedVerdict

    client = session.client()
    account = session.account()
    c = client.challenge(challenge_id, session.chronicle())
    unsigned = client.verdict(c, score)
    members, _ = client.panel(c.terms.panel_id)
    if account.address not in members:
        raise BadInput(f"{account.address} is not an evaluator on panel {c.terms.panel_id}, so its verdict would not count.")
    signature = account.sign_message(encode_typed_data(full_message=unsigned.typed_data()))
    if signature is None:
        raise BadInput("the account declined to sign.")
    signed = SignedVerdict(unsigned, account.address, signature.encode_rsv())
    document = json.dumps(signed.to_json(), indent=2)
    if out:
        with open(out, "w") as handle:
            handle.write(document + "\n")
        if not session.as_json:
            session.out.print(f"Signed {score / 100:g}% for challenge {challenge_id} as {account.address}; wrote {out}.")
        else:
            print(document)
    else:
        print(document)


@verdict.command("typed-data")
@click.argument("challenge_id", type=int)
@click.option("--score", type=SCORE, required=True, help="80%, 8000 (basis points), pass or fail.")
@chain_options
def typed_data(session, challenge_id, score):
    """Print the verdict's EIP-712 typed data, for eth_signTypedData_v4 in any wallet.

    Save the wallet's signature as {"typedData": <this>, "signer": <address>, "signature": <0x...>}
    and give the file to `ante settle`.
    """
    client = session.client()
    c = client.challenge(challenge_id, session.chronicle())
    print(json.dumps(client.verdict(c, score).typed_data(), indent=2))
