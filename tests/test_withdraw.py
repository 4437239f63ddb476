"""withdraw: pays out credits (pull payments); hostile payees can neither re-enter nor block others."""

import ape

from ante.state import State
from lifecycle import ETHER, REENTRANCY_GUARD_SELECTOR, books

ZERO = "0x" + "00" * 20
STAKE = ETHER // 10


def test_withdraw_ether_pays_credit_once(bounties, ante, contributor, funder):
    challenge_id, record = bounties.submitted_challenge()
    bounties.settle(challenge_id, record, 10_000)
    before_contract = ante.balance
    before = contributor.balance
    receipt = ante.withdraw(ZERO, sender=contributor)
    assert contributor.balance == before + ETHER + STAKE - receipt.total_fees_paid
    assert ante.balance == before_contract - ETHER - STAKE
    assert ante.credit(ZERO, contributor) == 0
    [event] = receipt.events.filter(ante.Withdrawn)
    assert (event.token, event.account, event.amount) == (ZERO, contributor.address, ETHER + STAKE)
    assert ante.balance == books(ante, 0, [funder, contributor])[1] == 0


def test_withdraw_token_pays_credit(bounties, ante, token, funder):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=123))
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    before = token.balanceOf(funder)
    receipt = ante.withdraw(token.address, sender=funder)
    assert token.balanceOf(funder) == before + 123
    assert token.balanceOf(ante) == 0
    assert ante.credit(token.address, funder) == 0
    [event] = receipt.events.filter(ante.Withdrawn)
    assert (event.token, event.account, event.amount) == (token.address, funder.address, 123)


def test_withdraw_only_touches_the_named_token(bounties, ante, token, funder):
    eth_id, eth_record, _ = bounties.create()
    tok_id, tok_record, _ = bounties.create(bounties.terms(token=token.address, reward=55))
    ante.cancel(eth_id, eth_record.as_tuple(), sender=funder)
    ante.cancel(tok_id, tok_record.as_tuple(), sender=funder)
    ante.withdraw(token.address, sender=funder)
    assert ante.credit(token.address, funder) == 0
    assert ante.credit(ZERO, funder) == ETHER
    assert ante.balance == ETHER


def test_withdraw_reverts_on_nothing_to_withdraw(ante, stranger):
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=stranger.address):
        ante.withdraw(ZERO, sender=stranger)


def test_withdraw_reverts_twice(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    ante.withdraw(ZERO, sender=funder)
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=funder.address):
        ante.withdraw(ZERO, sender=funder)


def test_withdraw_reverts_on_ether_transfer_failed(bounties, ante, rejecting_receiver, stranger):
    rr = rejecting_receiver
    challenge_id, record, _ = bounties.create_via(rr, bounties.terms(funder=rr.address), sender=stranger)
    bounties.call_via(rr, "cancel", challenge_id, record.as_tuple(), sender=stranger)
    assert ante.credit(ZERO, rr) == ETHER
    with ape.reverts(ante.AnteEtherTransferFailed, account=rr.address, amount=ETHER):
        bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert ante.credit(ZERO, rr) == ETHER  # the failed withdrawal changed nothing
    assert ante.balance == ETHER


def test_withdraw_reentrant_funder_is_paid_once(bounties, ante, reentrant_receiver, stranger):
    rr = reentrant_receiver
    challenge_id, record, _ = bounties.create_via(rr, bounties.terms(funder=rr.address), sender=stranger)
    bounties.call_via(rr, "cancel", challenge_id, record.as_tuple(), sender=stranger)
    rr.arm(ante.address, ante.withdraw.encode_input(ZERO), sender=stranger)
    receipt = bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert rr.balance == ETHER
    assert ante.balance == 0
    assert ante.credit(ZERO, rr) == 0
    assert rr.reentered()
    assert not rr.reentrySucceeded()
    assert bytes(rr.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert len(receipt.events.filter(ante.Withdrawn)) == 1


def test_withdraw_reentrant_contributor_is_paid_once(bounties, ante, reentrant_receiver, stranger, funder):
    rr = reentrant_receiver
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept_via(rr, challenge_id, record, sender=stranger)
    deliverable = b"\x11" * 32
    bounties.call_via(rr, "submit", challenge_id, record.as_tuple(), deliverable, "ipfs://d", sender=stranger)
    record = record.submitted(deliverable)
    bounties.settle(challenge_id, record, 10_000)
    assert ante.credit(ZERO, rr) == ETHER + STAKE
    rr.arm(ante.address, ante.withdraw.encode_input(ZERO), sender=stranger)
    bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert rr.balance == ETHER + STAKE
    assert ante.balance == 0
    assert not rr.reentrySucceeded()
    assert bytes(rr.reentryError()) == REENTRANCY_GUARD_SELECTOR


def test_withdraw_reentry_into_lapse_is_refused(bounties, ante, reentrant_receiver, stranger, funder):
    rr = reentrant_receiver
    challenge_id, record, _ = bounties.create_via(rr, bounties.terms(funder=rr.address), sender=stranger)
    bounties.call_via(rr, "cancel", challenge_id, record.as_tuple(), sender=stranger)
    other_id, other_record, _ = bounties.create()
    bounties.at(other_record.terms.accept_by + 1)
    rr.arm(ante.address, ante.lapse.encode_input(other_id, other_record.as_tuple()), sender=stranger)
    bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert not rr.reentrySucceeded()
    assert bytes(rr.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert bounties.state(other_id) == State.OPEN
    assert ante.balance == ETHER == books(ante, ETHER, [funder, rr])[1]


def test_rejecting_funder_cannot_block_settle(bounties, ante, rejecting_receiver, stranger, contributor):
    rr = rejecting_receiver
    challenge_id, record, _ = bounties.create_via(rr, bounties.terms(funder=rr.address), sender=stranger)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.settle(challenge_id, record, 4_000)
    pot = ETHER + STAKE
    assert bounties.state(challenge_id) == State.SETTLED
    assert ante.credit(ZERO, contributor) == pot * 4_000 // 10_000
    assert ante.credit(ZERO, rr) == pot - pot * 4_000 // 10_000
    before = contributor.balance
    receipt = ante.withdraw(ZERO, sender=contributor)
    assert contributor.balance == before + pot * 4_000 // 10_000 - receipt.total_fees_paid
    with ape.reverts(ante.AnteEtherTransferFailed, account=rr.address, amount=pot - pot * 4_000 // 10_000):
        bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert ante.balance == books(ante, 0, [rr, contributor])[1]


def test_rejecting_funder_cannot_block_lapse(bounties, ante, rejecting_receiver, stranger, contributor):
    # A default Unreviewed lapse would credit the funder nothing; with its own share of 2500 the funder is owed
    # three quarters of the reward, which it cannot receive, and the contributor withdraws all the same.
    rr = rejecting_receiver
    terms = bounties.terms(funder=rr.address)
    challenge_id, record, _ = bounties.create_via(rr, terms, sender=stranger, unreviewed_bps=2_500)
    record, _ = bounties.accept(challenge_id, record)
    record, _ = bounties.submit(challenge_id, record)
    bounties.at(bounties.deadline(challenge_id) + 1)
    ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
    assert bounties.state(challenge_id) == State.UNREVIEWED
    paid = ETHER // 4
    assert ante.credit(ZERO, contributor) == STAKE + paid
    assert ante.credit(ZERO, rr) == ETHER - paid
    before = contributor.balance
    receipt = ante.withdraw(ZERO, sender=contributor)
    assert contributor.balance == before + STAKE + paid - receipt.total_fees_paid
    with ape.reverts(ante.AnteEtherTransferFailed, account=rr.address, amount=ETHER - paid):
        bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert ante.balance == ETHER - paid == books(ante, 0, [rr, contributor])[1]


def test_rejecting_contributor_cannot_block_funder(bounties, ante, rejecting_receiver, stranger, funder):
    rr = rejecting_receiver
    challenge_id, record, _ = bounties.create()
    record, _ = bounties.accept_via(rr, challenge_id, record, sender=stranger)
    deliverable = b"\x22" * 32
    bounties.call_via(rr, "submit", challenge_id, record.as_tuple(), deliverable, "ipfs://d", sender=stranger)
    record = record.submitted(deliverable)
    bounties.settle(challenge_id, record, 5_000)
    pot = ETHER + STAKE
    ante.withdraw(ZERO, sender=funder)
    assert ante.credit(ZERO, funder) == 0
    assert ante.balance == pot // 2 == ante.credit(ZERO, rr)


def test_withdraw_then_credit_again_pays_exactly_the_new_credit(bounties, ante, funder):
    first, first_record, _ = bounties.create()
    ante.cancel(first, first_record.as_tuple(), sender=funder)
    ante.withdraw(ZERO, sender=funder)
    assert ante.credit(ZERO, funder) == 0
    second, second_record, _ = bounties.create(bounties.terms(reward=3))
    ante.cancel(second, second_record.as_tuple(), sender=funder)
    assert ante.credit(ZERO, funder) == 3
    receipt = ante.withdraw(ZERO, sender=funder)
    assert receipt.events.filter(ante.Withdrawn)[0].amount == 3
    assert ante.credit(ZERO, funder) == 0
    assert ante.balance == 0
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=funder.address):
        ante.withdraw(ZERO, sender=funder)


def test_withdraw_accumulates_credits(bounties, ante, funder):
    for reward in (5, 7):
        challenge_id, record, _ = bounties.create(bounties.terms(reward=reward))
        ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert ante.credit(ZERO, funder) == 12
    receipt = ante.withdraw(ZERO, sender=funder)
    assert receipt.events.filter(ante.Withdrawn)[0].amount == 12
