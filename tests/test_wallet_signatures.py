"""Contract wallets on panels: settle takes a verdict signature that a member's key did not make when the
member, a contract, accepts it through ERC-1271 `isValidSignature`.

The wallet that matters is a real Safe (Safe's own v1.4.1 contracts, deployed on the test's anvil, with
Safe's CompatibilityFallbackHandler answering `isValidSignature`): its owners each sign the verdict's digest
as a SafeMessage in the Safe's domain. Its signature counts only for that digest, only for that Safe and
only while its owners and threshold still back it. The hostile cases use `HostileWallet`, a wallet whose
answer misbehaves in one way each: only an answer whose first word is the magic value counts, from a
wallet that changes nothing while it answers, and the oracle's and the CLI's check (`ante.erc1271`) must
agree with the contract on every one of them but the wallet that answers according to who asks.
"""

from __future__ import annotations


import ape
import pytest
from eth_account.messages import encode_typed_data

from ante.erc1271 import is_valid_signature
from ante.rpc import HttpNode
from ante.safes import combine
from ante.state import State
from ante.terms import split_payout
from ante.verdict import normalise_signature
from lifecycle import Bounties
from safe_support import owner_signatures, safe  # noqa: F401

SCORE = 7_000


def _sorted(pairs):
    """(signers, signatures) sorted ascending by signer, as settle requires."""
    pairs = sorted(pairs, key=lambda pair: int(pair[0], 16))
    return [p[0] for p in pairs], [p[1] for p in pairs]


@pytest.fixture(scope="module")
def safe_panel(ante, deployer, evaluators, safe):
    """A 2-of-3 panel: two evaluator keys and the Safe."""
    account, _ = safe
    ante.createPanel([evaluators[0].address, evaluators[1].address, account.address], 2, sender=deployer)
    return ante.panelCount()


@pytest.fixture
def on_safe_panel(ante, chain, funder, contributor, relayer, evaluators, safe_panel):
    return Bounties(ante, chain, funder, contributor, relayer, evaluators, safe_panel)


def _quorum(b, chain, safe, challenge_id, record, score=SCORE, safe_signature=None):
    """An evaluator's key and the Safe sign `score`; returns sorted (signers, signatures)."""
    account, owners = safe
    digest = b.verdict(challenge_id, record.deliverable, score).digest()
    if safe_signature is None:
        safe_signature = owner_signatures(chain, account.address, digest, owners[:2])
    key = b.evaluators[0]
    return _sorted([(key.address, b.verdict(challenge_id, record.deliverable, score).sign(key.key)),
                    (account.address, safe_signature)])


def test_a_safe_and_a_key_settle_and_both_are_credited(on_safe_panel, ante, chain, safe, funder, contributor):
    b = on_safe_panel
    challenge_id, record = b.submitted_challenge()
    signers, sigs = _quorum(b, chain, safe, challenge_id, record)
    terms = record.terms
    before = [ante.credit(terms.token, a.address) for a in (contributor, funder)] + [ante.balance]
    receipt = ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=b.relayer)
    [settled] = receipt.events.filter(ante.ChallengeSettled)
    assert list(settled.signers) == signers and safe[0].address in signers
    assert b.state(challenge_id) == State.SETTLED
    # The escrow moved to credits, exactly as the score splits it, and nothing left the contract.
    to_contributor, to_funder = split_payout(terms.reward, terms.stake_bps, SCORE)
    after = [ante.credit(terms.token, a.address) for a in (contributor, funder)] + [ante.balance]
    assert [a - b_ for a, b_ in zip(after, before)] == [to_contributor, to_funder, 0]


def test_a_safe_signature_for_another_score_is_refused(on_safe_panel, ante, chain, safe):
    b = on_safe_panel
    challenge_id, record = b.submitted_challenge()
    account, owners = safe
    other = b.verdict(challenge_id, record.deliverable, SCORE - 1).digest()
    signers, sigs = _quorum(b, chain, safe, challenge_id, record,
                            safe_signature=owner_signatures(chain, account.address, other, owners[:2]))
    index = signers.index(account.address)
    with ape.reverts(ante.AnteInvalidSignature, index=index, signer=account.address):
        ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=b.relayer)
    assert b.state(challenge_id) == State.SUBMITTED


def test_a_safe_signature_from_fewer_owners_than_its_threshold_is_refused(on_safe_panel, ante, chain, safe):
    b = on_safe_panel
    challenge_id, record = b.submitted_challenge()
    account, owners = safe
    digest = b.verdict(challenge_id, record.deliverable, SCORE).digest()
    one = owner_signatures(chain, account.address, digest, owners[:1])
    signers, sigs = _quorum(b, chain, safe, challenge_id, record, safe_signature=one)
    with ape.reverts(ante.AnteInvalidSignature, index=signers.index(account.address), signer=account.address):
        ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=b.relayer)


def test_an_owners_own_signature_of_the_verdict_is_not_the_safes(on_safe_panel, ante, chain, safe):
    """Two owners sign the verdict itself with their keys, not as the Safe's message: the Safe refuses."""
    b = on_safe_panel
    challenge_id, record = b.submitted_challenge()
    account, owners = safe
    typed = b.verdict(challenge_id, record.deliverable, SCORE).typed_data()
    direct = combine({o.address: normalise_signature(o.sign_message(encode_typed_data(full_message=typed)).encode_rsv())
                      for o in owners[:2]})
    signers, sigs = _quorum(b, chain, safe, challenge_id, record, safe_signature=direct)
    with ape.reverts(ante.AnteInvalidSignature, index=signers.index(account.address), signer=account.address):
        ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=b.relayer)


def test_a_safe_signature_does_not_count_for_another_safe_with_the_same_owners(
    ante, chain, deployer, accounts, funder, contributor, relayer, evaluators, safe
):
    """The SafeMessage is in the Safe's own domain: a twin Safe (same owners, same threshold) on a panel
    cannot reuse the first Safe's signature."""
    from ante.safes import deploy_local_safe

    account, owners = safe
    twin, _ = deploy_local_safe(deployer, [o.address for o in owners], 2)
    ante.createPanel([evaluators[0].address, twin], 2, sender=deployer)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, ante.panelCount())
    challenge_id, record = b.submitted_challenge()
    digest = b.verdict(challenge_id, record.deliverable, SCORE).digest()
    theirs = owner_signatures(chain, account.address, digest, owners[:2])
    key = evaluators[0]
    signers, sigs = _sorted([(key.address, b.verdict(challenge_id, record.deliverable, SCORE).sign(key.key)),
                             (twin, theirs)])
    with ape.reverts(ante.AnteInvalidSignature, index=signers.index(twin), signer=twin):
        ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=relayer)
    sigs[signers.index(twin)] = owner_signatures(chain, twin, digest, owners[:2])
    ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=relayer)
    assert b.state(challenge_id) == State.SETTLED


def test_a_safe_signature_counts_as_of_the_block_that_settles(on_safe_panel, ante, chain, safe):
    """The Safe signs, then raises its threshold to 3: the signature it gave no longer counts; its three
    owners' does. Its threshold goes back to 2 afterwards (the fixture is shared)."""
    b = on_safe_panel
    challenge_id, record = b.submitted_challenge()
    account, owners = safe
    signers, sigs = _quorum(b, chain, safe, challenge_id, record)
    account.contract.changeThreshold(3, sender=account)
    try:
        with ape.reverts(ante.AnteInvalidSignature, index=signers.index(account.address), signer=account.address):
            ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=b.relayer)
        digest = b.verdict(challenge_id, record.deliverable, SCORE).digest()
        sigs[signers.index(account.address)] = owner_signatures(chain, account.address, digest, owners)
        ante.settle(challenge_id, record.as_tuple(), SCORE, signers, sigs, sender=b.relayer)
        assert b.state(challenge_id) == State.SETTLED
    finally:
        account.contract.changeThreshold(2, sender=account)
    assert account.contract.getThreshold() == 2


# ---------------------------------------------------------------- hostile wallets

#: HostileWallet's modes, in its enum's order, and whether the contract must count the wallet's signature.
MODES = {
    "Accept": True, "Revert": False, "Empty": False, "Short": False, "WrongWord": False, "DirtyWord": False,
    "Long": True, "BurnGas": False, "WriteState": False, "Reenter": False,
}
#: The one mode whose answer depends on who asks: it calls back its caller, which is Ante (in the middle of
#: settling, so its reentrancy guard refuses) when the contract asks, and a probe with no code off chain.
#: The off-chain check cannot see that; the simulation before sending does (the CLI's and the oracle's).
ASKS_WHO_ASKS = {"Reenter"}


@pytest.fixture(scope="module")
def hostile(project, ante, deployer, evaluators):
    """A HostileWallet on a 2-of-2 panel with one evaluator key: (wallet, panel id)."""
    wallet = project.HostileWallet.deploy(0, sender=deployer)
    ante.createPanel([evaluators[0].address, wallet.address], 2, sender=deployer)
    return wallet, ante.panelCount()


@pytest.mark.parametrize("mode", list(MODES))
def test_only_a_first_word_of_magic_counts_and_the_offchain_check_agrees(
    mode, hostile, ante, chain, deployer, funder, contributor, relayer, evaluators
):
    wallet, panel_id = hostile
    wallet.setMode(list(MODES).index(mode), sender=deployer)
    b = Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_id)
    challenge_id, record = b.submitted_challenge()
    verdict = b.verdict(challenge_id, record.deliverable, SCORE)
    wallet_signature = b"\x01" * 65  # a wallet decides what its signatures look like; this one is never checked
    key = evaluators[0]
    signers, sigs = _sorted([(key.address, verdict.sign(key.key)), (wallet.address, wallet_signature)])
    node = HttpNode(chain.provider.uri)
    # The off-chain check (the oracle's and `ante settle`'s) answers as the contract will.
    offchain = is_valid_signature(node, wallet.address, verdict.digest(), wallet_signature, "latest")
    assert offchain is (MODES[mode] if mode not in ASKS_WHO_ASKS else True)
    call = (challenge_id, record.as_tuple(), SCORE, signers, sigs)
    if MODES[mode]:
        ante.settle(*call, sender=relayer)
        assert b.state(challenge_id) == State.SETTLED
        return
    # A wallet that spends all the gas it is given is a no like the others: the contract keeps the 1/64 of
    # the gas that a call may not take, enough to revert naming the wallet.
    with ape.reverts(ante.AnteInvalidSignature, index=signers.index(wallet.address), signer=wallet.address):
        ante.settle(*call, sender=relayer)
    assert b.state(challenge_id) == State.SUBMITTED
    assert wallet.writes() == 0
