"""withdrawTo: a payee draws their own credit and has it sent elsewhere (a blocklisted account, a contract
that refuses ether); nobody can draw another's credit, and Ante or zero are never the recipient."""

import ape
import pytest

from lifecycle import ETHER, REENTRANCY_GUARD_SELECTOR, books

ZERO = "0x" + "00" * 20
STAKE = ETHER // 10


def test_withdraw_to_sends_the_callers_ether_credit_to_another_address(bounties, ante, contributor, funder, stranger):
    challenge_id, record = bounties.submitted_challenge()
    bounties.settle(challenge_id, record, 10_000)
    before_contributor, before_stranger = contributor.balance, stranger.balance
    receipt = ante.withdrawTo(ZERO, stranger, sender=contributor)
    assert stranger.balance == before_stranger + ETHER + STAKE
    assert contributor.balance == before_contributor - receipt.total_fees_paid
    assert ante.credit(ZERO, contributor) == 0
    [event] = receipt.events.filter(ante.Withdrawn)
    assert (event.token, event.account, event.amount) == (ZERO, contributor.address, ETHER + STAKE)
    assert ante.balance == books(ante, 0, [funder, contributor, stranger])[1] == 0


def test_withdraw_to_sends_tokens(bounties, ante, token, funder, stranger):
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=321))
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    before = token.balanceOf(funder)
    ante.withdrawTo(token.address, stranger, sender=funder)
    assert token.balanceOf(stranger) == 321
    assert token.balanceOf(funder) == before
    assert token.balanceOf(ante) == 0 and ante.credit(token.address, funder) == 0


def test_a_blocklisted_payee_draws_the_credit_to_another_address(bounties, ante, blocklist_token, funder, stranger):
    tok = blocklist_token
    challenge_id, record, _ = bounties.create(bounties.terms(token=tok.address, reward=5_000))
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    tok.setBlocklisted(funder, True, sender=stranger)
    with ape.reverts(tok.Blocklisted, account=funder.address):
        ante.withdraw(tok.address, sender=funder)
    assert ante.credit(tok.address, funder) == 5_000  # the failed withdrawal changed nothing
    ante.withdrawTo(tok.address, stranger, sender=funder)
    assert tok.balanceOf(stranger) == 5_000
    assert tok.balanceOf(ante) == ante.credit(tok.address, funder) == 0


def test_a_contract_that_refuses_ether_draws_it_to_another_address(bounties, ante, rejecting_receiver, stranger):
    rr = rejecting_receiver
    challenge_id, record, _ = bounties.create_via(rr, bounties.terms(funder=rr.address), sender=stranger)
    bounties.call_via(rr, "cancel", challenge_id, record.as_tuple(), sender=stranger)
    with ape.reverts(ante.AnteEtherTransferFailed, account=rr.address, amount=ETHER):
        bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    before = stranger.balance
    receipt = bounties.call_via(rr, "withdrawTo", ZERO, stranger.address, sender=stranger)
    assert stranger.balance == before + ETHER - receipt.total_fees_paid
    assert ante.balance == ante.credit(ZERO, rr) == 0


def test_withdraw_to_a_recipient_that_refuses_ether_changes_nothing(bounties, ante, funder, rejecting_receiver):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteEtherTransferFailed, account=rejecting_receiver.address, amount=ETHER):
        ante.withdrawTo(ZERO, rejecting_receiver, sender=funder)
    assert ante.credit(ZERO, funder) == ETHER and ante.balance == ETHER


@pytest.mark.parametrize("recipient", ["zero", "ante"])
def test_withdraw_to_zero_or_to_ante_itself_is_refused(bounties, ante, token, funder, recipient):
    to = ZERO if recipient == "zero" else ante.address
    challenge_id, record, _ = bounties.create(bounties.terms(token=token.address, reward=77))
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteRecipientInvalid, to=to):
        ante.withdrawTo(token.address, to, sender=funder)
    assert ante.credit(token.address, funder) == 77
    assert token.balanceOf(ante) == 77


def test_nobody_draws_another_accounts_credit(bounties, ante, funder, stranger):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=stranger.address):
        ante.withdrawTo(ZERO, stranger, sender=stranger)
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=stranger.address):
        ante.withdrawTo(ZERO, funder, sender=stranger)
    assert ante.credit(ZERO, funder) == ETHER


def test_withdraw_to_twice_pays_once(bounties, ante, funder, stranger):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    ante.withdrawTo(ZERO, stranger, sender=funder)
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=funder.address):
        ante.withdrawTo(ZERO, stranger, sender=funder)
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=funder.address):
        ante.withdraw(ZERO, sender=funder)


@pytest.mark.parametrize("reentry", ["withdraw", "withdrawTo"])
def test_a_reentrant_recipient_is_paid_once(bounties, ante, funder, reentrant_receiver, stranger, reentry):
    rr = reentrant_receiver
    first, first_record, _ = bounties.create()
    second, second_record, _ = bounties.create()
    ante.cancel(first, first_record.as_tuple(), sender=funder)
    ante.cancel(second, second_record.as_tuple(), sender=funder)
    call = (ante.withdraw.encode_input(ZERO) if reentry == "withdraw"
            else ante.withdrawTo.encode_input(ZERO, rr.address))
    rr.arm(ante.address, call, sender=stranger)
    receipt = ante.withdrawTo(ZERO, rr, sender=funder)
    assert rr.balance == 2 * ETHER
    assert rr.reentered() and not rr.reentrySucceeded()
    assert bytes(rr.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert len(receipt.events.filter(ante.Withdrawn)) == 1
    assert ante.balance == ante.credit(ZERO, funder) == 0
