"""claim: a co-funded challenge's funders' side is shared by contribution. At close the creator's share is
credited; each co-funder's waits for a claim (anyone may make it); the rounding remainders reach the creator
one wei at a time. The books balance at every step: what Ante holds equals the escrow, plus what the pools
still owe, plus the credits. Every expected amount here is computed from the terms, not read back."""

from __future__ import annotations

from collections import Counter

import ape
import pytest

from ante.state import State
from ante.terms import stake_for
from funding_support import ZERO, claim_share, creator_share, creator_total_after, fund, funded, held
from lifecycle import DAY, ETHER, REENTRANCY_GUARD_SELECTOR

BPS = 10_000
PATHS = ["settle full", "settle partial", "settle zero", "cancel", "expire", "default", "unreviewed",
         "unreviewed 4000", "abandon then settle", "abandon late"]
#: The Unreviewed share each path's challenge is created with: its own for "unreviewed 4000", else the default.
OWN_SHARES = {"unreviewed 4000": 4_000}


class Books:
    """What the test expects Ante to owe, kept apart from the contract: escrow, the pools' unclaimed part,
    and each account's credit. `check` compares every part with the chain."""

    def __init__(self, ante, token=None):
        self.ante, self.token = ante, token
        self.address = ZERO if token is None else token.address
        self.escrow = 0
        self.pool = 0
        self.owed: Counter = Counter()

    def credit(self, account, amount):
        self.owed[getattr(account, "address", account)] += amount

    def check(self):
        for account, amount in self.owed.items():
            assert self.ante.credit(self.address, account) == amount, f"credit of {account}"
        assert held(self.ante, self.token) == self.escrow + self.pool + sum(self.owed.values())

    def withdraw_all(self, accounts_by_address):
        for address, amount in list(self.owed.items()):
            if amount:
                self.ante.withdraw(self.address, sender=accounts_by_address[address])
                self.owed[address] = 0
                self.check()


def _mint(token, deployer, ante, holders):
    for holder in holders:
        token.mint(holder, 10**24, sender=deployer)
        token.approve(ante, 2**256 - 1, sender=holder)


def drive(bounties, ante, books, record, challenge_id, path, score, stranger):
    """Takes a co-funded open challenge to its end along `path`; returns (closing receipt, final record,
    what went back to the funders' side in all), keeping `books` and checking them at every step."""
    terms = record.terms
    reward, stake = terms.reward, stake_for(terms.reward, terms.stake_bps)
    contributor = bounties.contributor
    shared = 0
    if path == "cancel":
        receipt = ante.cancel(challenge_id, record.as_tuple(), sender=bounties.funder)
        books.escrow -= reward
        return receipt, record, reward
    if path == "expire":
        bounties.at(terms.accept_by + 1)
        receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
        books.escrow -= reward
        return receipt, record, reward
    if path == "abandon then settle":
        accepted, _ = bounties.accept(challenge_id, record)
        books.escrow += stake
        books.check()
        receipt = ante.abandon(challenge_id, accepted.as_tuple(), sender=contributor)
        assert not receipt.events.filter(ante.FundersShared)
        books.escrow -= stake
        books.pool += stake  # held for the funders' side until the challenge closes
        shared += stake
        assert bounties.state(challenge_id) == State.OPEN
        assert ante.funding(challenge_id)[1] == stake
        books.check()
        with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.OPEN):
            ante.claim(challenge_id, record.as_tuple(), stranger, sender=stranger)
        contributor = stranger
    record, _ = bounties.accept(challenge_id, record, sender=contributor)
    books.escrow += stake
    books.check()
    if path == "abandon late":
        bounties.at(terms.accept_by + 1)
        receipt = ante.abandon(challenge_id, record.as_tuple(), sender=contributor)
        books.escrow -= reward + stake
        return receipt, record, stake + reward
    if path == "default":
        bounties.at(bounties.deadline(challenge_id) + 1)
        receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
        books.escrow -= reward + stake
        return receipt, record, reward + stake
    record, _ = bounties.submit(challenge_id, record, sender=contributor)
    books.check()
    if path.startswith("unreviewed"):
        # The contributor is paid the stake and the challenge's share of the reward (all of it by default).
        bounties.at(bounties.deadline(challenge_id) + 1)
        receipt = ante.lapse(challenge_id, record.as_tuple(), sender=stranger)
        paid = reward * OWN_SHARES.get(path, BPS) // BPS
        books.escrow -= reward + stake
        books.credit(contributor, stake + paid)
        return receipt, record, reward - paid
    receipt = bounties.settle(challenge_id, record, score)
    pot = reward + stake
    to_contributor = pot * score // BPS
    books.escrow -= pot
    books.credit(contributor, to_contributor)
    return receipt, record, shared + pot - to_contributor


def _score(path):
    return {"settle full": 10_000, "settle zero": 0}.get(path, 4_321)


def _claim_all(ante, books, challenge_id, record, claimants, shared, own, callers):
    """Each (account, contribution) claims in turn, by itself or by `callers`; checks the amounts, the creator's
    running total and the books after each; returns the sum of the co-funders' floors and the remainders."""
    reward = record.terms.reward
    creator = record.terms.funder
    creator_start = books.owed[creator] - creator_share(shared, own, reward)
    floors, remainders, done = 0, [], []
    for i, (account, contributed) in enumerate(claimants):
        assert ante.contribution(challenge_id, account) == contributed
        caller = (callers[i % len(callers)] if callers else None) or account
        receipt = ante.claim(challenge_id, record.as_tuple(), account, sender=caller)
        [event] = receipt.events.filter(ante.FunderClaimed)
        amount = claim_share(shared, contributed, reward)
        assert (event.challengeId, event.funder, event.amount) == (challenge_id, account.address, amount)
        assert event.remainder in (0, 1)
        done.append(contributed)
        floors += amount
        remainders.append(event.remainder)
        books.credit(account, amount)
        books.credit(creator, event.remainder)
        books.pool -= amount + event.remainder
        # The creator's running total is its floor share of everything claimed so far plus its own part.
        assert books.owed[creator] - creator_start == creator_total_after(shared, own, done, reward)
        assert ante.contribution(challenge_id, account) == 0
        books.check()
    return floors, remainders


@pytest.fixture(scope="session")
def backers(accounts):
    return [accounts[5], accounts[6], accounts[7]]


def _by_address(accounts):
    return {a.address: a for a in accounts}


@pytest.mark.parametrize("asset", ["ether", "token"])
@pytest.mark.parametrize("path", PATHS)
def test_every_path_shares_by_contribution(bounties, ante, token, deployer, funder, contributor, stranger, relayer,
                                           backers, accounts, path, asset):
    tok = token if asset == "token" else None
    if tok is not None:
        _mint(tok, deployer, ante, backers + [stranger])
    own, contributions = 1_000_003, [333_331, 777_777, 10_007]
    terms = bounties.terms(reward=own, stake_bps=3_333, token=ZERO if tok is None else tok.address)
    books = Books(ante, tok)
    challenge_id, record, _ = bounties.create(terms, unreviewed_bps=OWN_SHARES.get(path))
    books.escrow += own
    books.check()
    for backer, amount in zip(backers, contributions):
        record, _ = fund(ante, challenge_id, record, amount, backer)
        books.escrow += amount
        books.check()
    reward = record.terms.reward
    assert reward == own + sum(contributions)
    assert ante.funding(challenge_id) == (sum(contributions), 0)

    receipt, final, shared = drive(bounties, ante, books, record, challenge_id, path, _score(path), stranger)
    [shares] = receipt.events.filter(ante.FundersShared)
    to_creator = creator_share(shared, own, reward)
    assert (shares.challengeId, shares.shared, shares.toCreator) == (challenge_id, shared, to_creator)
    assert ante.funding(challenge_id) == (sum(contributions), shared)
    books.credit(funder, to_creator)
    books.pool = shared - to_creator  # the stakes abandoned before the close are part of `shared`
    books.check()

    claimants = list(zip(backers, contributions))
    floors, remainders = _claim_all(ante, books, challenge_id, final, claimants, shared, own, [None, relayer])
    # Once all have claimed the pool is empty: the creator received exactly shared less the co-funders' floors.
    assert books.pool == 0
    assert books.owed[funder.address] == shared - floors
    assert sum(remainders) == shared - floors - to_creator
    books.check()
    books.withdraw_all(_by_address(accounts))
    assert held(ante, tok) == 0


def test_the_paths_exercise_what_they_claim(bounties):
    # A guard on the parametrisation above: the awkward amounts leave remainders on the partial settlement.
    own, contributions = 1_000_003, [333_331, 777_777, 10_007]
    reward = own + sum(contributions)
    pot = reward + stake_for(reward, 3_333)
    shared = pot - pot * 4_321 // BPS
    assert any(shared * c % reward for c in contributions)
    assert shared - creator_share(shared, own, reward) - sum(claim_share(shared, c, reward) for c in contributions) >= 1
    # The Unreviewed lapse with its own share leaves the funders' side an amount with remainders too.
    shared = reward - reward * OWN_SHARES["unreviewed 4000"] // BPS
    assert 0 < shared < reward and any(shared * c % reward for c in contributions)


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_seven_co_funders_rounding_reaches_the_creator_wei_by_wei(bounties, ante, funder, contributor, accounts, order):
    backers = [accounts[i] for i in (3, 4, 5, 6, 7, 8, 9)]
    own, contributions = 1_000_003, [3, 5, 7, 11, 13, 17, 999_983]
    books = Books(ante)
    challenge_id, record, _ = bounties.create(bounties.terms(reward=own, stake_bps=3_333))
    books.escrow += own
    for backer, amount in zip(backers, contributions):
        record, _ = fund(ante, challenge_id, record, amount, backer)
        books.escrow += amount
        books.check()
    reward = record.terms.reward
    receipt, final, shared = drive(bounties, ante, books, record, challenge_id, "settle partial", 4_321, accounts[3])
    to_creator = creator_share(shared, own, reward)
    assert receipt.events.filter(ante.FundersShared)[0].toCreator == to_creator
    books.credit(funder, to_creator)
    books.pool = shared - to_creator
    books.check()
    claimants = list(zip(backers, contributions))
    if order == "reverse":
        claimants.reverse()
    floors, remainders = _claim_all(ante, books, challenge_id, final, claimants, shared, own, [])
    assert 0 in remainders and 1 in remainders  # the carry both held and handed over
    assert sum(remainders) == shared - to_creator - floors >= 2
    assert books.owed[funder.address] == shared - floors
    assert books.pool == 0
    books.withdraw_all(_by_address(accounts))
    assert ante.balance == 0


def test_claiming_before_the_challenge_closes_is_refused(bounties, ante, backers):
    backer = backers[0]
    challenge_id, record, _ = bounties.create()
    record, _ = fund(ante, challenge_id, record, 10, backer)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.OPEN):
        ante.claim(challenge_id, record.as_tuple(), backer, sender=backer)
    accepted, _ = bounties.accept(challenge_id, record)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.ACCEPTED):
        ante.claim(challenge_id, accepted.as_tuple(), backer, sender=backer)
    submitted, _ = bounties.submit(challenge_id, accepted)
    with ape.reverts(ante.AnteWrongState, challengeId=challenge_id, state=State.SUBMITTED):
        ante.claim(challenge_id, submitted.as_tuple(), backer, sender=backer)
    assert ante.contribution(challenge_id, backer) == 10


def test_claiming_twice_or_for_a_non_funder_is_refused(bounties, ante, funder, stranger, contributor, backers):
    backer = backers[0]
    challenge_id, record, _ = bounties.create()
    record, _ = fund(ante, challenge_id, record, ETHER, backer)
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    ante.claim(challenge_id, record.as_tuple(), backer, sender=backer)
    assert ante.credit(ZERO, backer) == ETHER
    for who, caller in ((backer, backer), (backer, stranger), (stranger, stranger), (funder, funder),
                        (contributor, stranger)):
        with ape.reverts(ante.AnteNothingToClaim, challengeId=challenge_id, funder=who.address):
            ante.claim(challenge_id, record.as_tuple(), who, sender=caller)
    assert ante.credit(ZERO, backer) == ETHER
    assert ante.credit(ZERO, funder) == ETHER
    assert ante.balance == 2 * ETHER


def test_claiming_on_a_challenge_nobody_co_funded_is_refused(bounties, ante, funder):
    challenge_id, record, _ = bounties.create()
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    with ape.reverts(ante.AnteNothingToClaim, challengeId=challenge_id, funder=funder.address):
        ante.claim(challenge_id, record.as_tuple(), funder, sender=funder)


def test_claiming_with_a_wrong_record_or_an_unknown_challenge_is_refused(bounties, ante, funder, backers):
    backer = backers[0]
    challenge_id, record, _ = bounties.create()
    new, _ = fund(ante, challenge_id, record, 5, backer)
    ante.cancel(challenge_id, new.as_tuple(), sender=funder)
    for stale in (record, funded(new, 1)):
        with ape.reverts(ante.AnteRecordMismatch, challengeId=challenge_id):
            ante.claim(challenge_id, stale.as_tuple(), backer, sender=backer)
    with ape.reverts(ante.AnteChallengeUnknown, challengeId=99):
        ante.claim(99, new.as_tuple(), backer, sender=backer)
    assert ante.contribution(challenge_id, backer) == 5


def test_anyone_may_claim_and_the_credit_is_the_funders(bounties, ante, funder, stranger, backers):
    backer = backers[0]
    challenge_id, record, _ = bounties.create(bounties.terms(reward=3))
    record, _ = fund(ante, challenge_id, record, 6, backer)
    ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    assert ante.credit(ZERO, funder) == 3
    receipt = ante.claim(challenge_id, record.as_tuple(), backer, sender=stranger)
    assert receipt.events.filter(ante.FunderClaimed)[0].funder == backer.address
    assert ante.credit(ZERO, backer) == 6
    assert ante.credit(ZERO, stranger) == 0
    with ape.reverts(ante.AnteNothingToWithdraw, token=ZERO, account=stranger.address):
        ante.withdraw(ZERO, sender=stranger)


def test_a_co_funder_abandoned_stakes_across_two_reopenings_are_shared(bounties, ante, funder, contributor, stranger,
                                                                      relayer, backers):
    backer = backers[0]
    books = Books(ante)
    challenge_id, record, _ = bounties.create(bounties.terms(reward=700, stake_bps=5_000))
    record, _ = fund(ante, challenge_id, record, 300, backer)
    books.escrow = 1_000
    stake = 500
    for who in (contributor, stranger):
        accepted, _ = bounties.accept(challenge_id, record, sender=who)
        ante.abandon(challenge_id, accepted.as_tuple(), sender=who)
        books.pool += stake
        books.check()
    assert ante.funding(challenge_id) == (300, 2 * stake)
    receipt = ante.cancel(challenge_id, record.as_tuple(), sender=funder)
    books.escrow = 0
    shared = 1_000 + 2 * stake
    assert receipt.events.filter(ante.FundersShared)[0].shared == shared
    books.credit(funder, shared * 700 // 1_000)
    books.pool = shared - shared * 700 // 1_000
    books.check()
    ante.claim(challenge_id, record.as_tuple(), backer, sender=relayer)
    books.credit(backer, shared * 300 // 1_000)
    books.pool = 0
    books.check()


def _calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def _fresh_accounts(accounts, deployer, count):
    fresh = []
    for _ in range(count):
        account = accounts.generate_test_account()
        deployer.transfer(account, 10 * ETHER)
        fresh.append(account)
    return fresh


def test_a_claim_costs_the_same_with_2_co_funders_as_with_20(bounties, ante, funder, accounts, deployer, stranger):
    """Execution gas (the receipt's gas less the intrinsic 21,000 and the calldata, which differs only in the
    challenge id's and the funder address's zero bytes) depends on what the claim writes, never on how many
    funders there are: the funder's contribution slot (cold read, cleared, a refund) and first credit
    (zero to non-zero), the pool's word (its `carry` changes unless shared * contribution divides evenly
    by the reward, else the write is a no-op) and, when a remainder completes a wei, the creator's credit
    (already non-zero since the close). So claims are compared within those classes, and must be equal."""
    fresh = _fresh_accounts(accounts, deployer, 22)
    accept_by = bounties.now + DAY
    reward = 20_000_021
    seen: dict[tuple, set] = {}
    for co_funders in (fresh[:2], fresh[2:]):
        count = len(co_funders)
        # The same total either way: the creator's own part makes up what the co-funders do not.
        contributions = [100_003 + 31_337 * i for i in range(count)]
        own = reward - sum(contributions)
        terms = bounties.terms(reward=own, stake_bps=3_333, accept_by=accept_by)
        challenge_id, record, _ = bounties.create(terms)
        for backer, amount in zip(co_funders, contributions):
            record, _ = fund(ante, challenge_id, record, amount, backer)
        assert record.terms.reward == reward
        record, _ = bounties.accept(challenge_id, record, sender=stranger)
        record, _ = bounties.submit(challenge_id, record, sender=stranger)
        bounties.settle(challenge_id, record, 4_321)
        shared = ante.funding(challenge_id)[1]
        for backer, amount in zip(co_funders, contributions):
            receipt = ante.claim(challenge_id, record.as_tuple(), backer, sender=backer)
            remainder = receipt.events.filter(ante.FunderClaimed)[0].remainder
            execution = receipt.gas_used - 21_000 - _calldata_gas(bytes(receipt.transaction.data))
            key = (bool(remainder), shared * amount % reward != 0)
            seen.setdefault(key, set()).add((count, execution))
    for key, costs in seen.items():
        assert len({gas for _, gas in costs}) == 1, f"claims of class {key} cost {sorted(costs)}"
    # Both sizes met the common classes (a remainder or none, the carry moving), so the comparison bites.
    for key in ((False, True), (True, True)):
        assert {count for count, _ in seen[key]} == {2, 20}, f"class {key}: {seen.get(key)}"


@pytest.mark.parametrize("reentry", ["claim", "withdraw"])
def test_a_reentrant_co_funder_takes_only_its_share(bounties, ante, funder, stranger, reentrant_receiver, reentry):
    rr = reentrant_receiver
    ids, records = [], []
    for _ in range(2):
        challenge_id, record, _ = bounties.create(bounties.terms(reward=ETHER))
        data = ante.fund.encode_input(challenge_id, record.as_tuple(), ETHER // 4)
        rr.execute(ante.address, data, sender=stranger, value=ETHER // 4)
        record = funded(record, ETHER // 4)
        ante.cancel(challenge_id, record.as_tuple(), sender=funder)
        ids.append(challenge_id)
        records.append(record)
    assert ante.contribution(ids[0], rr) == ETHER // 4
    ante.claim(ids[0], records[0].as_tuple(), rr, sender=stranger)
    call = (ante.claim.encode_input(ids[1], records[1].as_tuple(), rr.address) if reentry == "claim"
            else ante.withdraw.encode_input(ZERO))
    rr.arm(ante.address, call, sender=stranger)
    receipt = bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert rr.reentered() and not rr.reentrySucceeded()
    assert bytes(rr.reentryError()) == REENTRANCY_GUARD_SELECTOR
    assert len(receipt.events.filter(ante.Withdrawn)) == 1
    assert rr.balance == ETHER // 4
    assert ante.contribution(ids[1], rr) == ETHER // 4  # the re-entrant claim did not happen
    with ape.reverts(ante.AnteNothingToClaim, challengeId=ids[0], funder=rr.address):
        ante.claim(ids[0], records[0].as_tuple(), rr, sender=stranger)
    ante.claim(ids[1], records[1].as_tuple(), rr, sender=stranger)
    bounties.call_via(rr, "withdraw", ZERO, sender=stranger)
    assert rr.balance == ETHER // 2
    for challenge_id in ids:
        assert ante.contribution(challenge_id, rr) == 0
    ante.withdraw(ZERO, sender=funder)
    assert ante.balance == 0
