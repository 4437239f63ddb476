"""ante.history and ante.audit with several funders: co-funded stories folded from REAL events.

Each story funds a challenge from more than one account on anvil, drives it to an end and claims the
co-funders' shares; at every step the fold must agree with the contract: the seal (the record's reward is
the total funded), ``funding(id)``, ``contribution(id, funder)``, every credit, and the books (what Ante
holds equals the escrow, pools included, plus the credits owed). The audit of each story is clean; a
dropped or altered co-funding event is caught.
"""

import json
from dataclasses import replace

import pytest

from ante import events as ev
from ante.audit import audit, audit_contract
from ante.history import fold
from ante.state import State
from ante.terms import ZERO_ADDRESS, ChallengeRecord
from lifecycle import ETHER
from test_history import abandon, folded_status, lapse, read_events, status

REWARD = ETHER


@pytest.fixture(scope="session")
def second(accounts):
    """A second co-funder (the first is `stranger`)."""
    return accounts[5]


def fund(b, cid, record, amount, sender):
    """Adds `amount` of ether to challenge `cid`; returns the record with the new total and the receipt."""
    receipt = b.ante.fund(cid, record.as_tuple(), amount, sender=sender, value=amount)
    return ChallengeRecord(replace(record.terms, reward=record.terms.reward + amount)), receipt


def claim(b, cid, record, funder, sender=None):
    return b.ante.claim(cid, record.as_tuple(), getattr(funder, "address", funder), sender=sender or b.relayer)


def agrees(ante, chain, cid):
    """Folds the whole log and checks the challenge and the books against the contract; returns the history."""
    chronicle = fold(read_events(ante, chain))
    h = chronicle.challenges[cid]
    assert folded_status(h) == status(ante, cid)
    assert (h.co_funded_total, h.shared) == tuple(int(v) for v in ante.funding(cid))
    for funder, contributed in h.contributions.items():
        assert ante.contribution(cid, funder) == (0 if funder in h.claims else contributed)
    for token, account in chronicle.accounts:
        assert chronicle.credit(token, account) == ante.credit(token, account), account
    assert ante.balance == chronicle.escrow(ZERO_ADDRESS) + chronicle.owed(ZERO_ADDRESS)
    return h


def co_funded(b, stranger, second, amounts=(ETHER // 2, ETHER // 4)):
    """A challenge of 1 ether co-funded by `stranger` and `second`; returns (id, record with the total)."""
    cid, record, _ = b.create()
    record, _ = fund(b, cid, record, amounts[0], stranger)
    record, _ = fund(b, cid, record, amounts[1], second)
    return cid, record


# --- funding -------------------------------------------------------------------------------------


def test_funding_raises_the_reward_and_keeps_the_seal(bounties, ante, chain, stranger, second, funder):
    cid, record = co_funded(bounties, stranger, second)
    h = agrees(ante, chain, cid)
    assert h.terms.reward == REWARD + ETHER // 2 + ETHER // 4 == record.terms.reward
    assert h.record() == record
    assert h.co_funded is True
    assert h.contributions == {stranger.address: ETHER // 2, second.address: ETHER // 4}
    assert (h.own, h.added, h.shared, h.to_creator, h.unclaimed()) == (REWARD, 0, 0, None, 0)
    assert h.escrow() == record.terms.reward
    assert [(f["funder"], f["amount"]) for f in h.funders()] == [
        (funder.address, str(REWARD)), (stranger.address, str(ETHER // 2)), (second.address, str(ETHER // 4))]


def test_the_creator_funding_more_only_raises_the_reward(bounties, ante, chain, funder):
    cid, record, _ = bounties.create()
    record, _ = fund(bounties, cid, record, 7, funder)
    h = agrees(ante, chain, cid)
    assert (h.co_funded, h.added, h.contributions, h.terms.reward) == (False, 7, {}, REWARD + 7)
    bounties.ante.cancel(cid, record.as_tuple(), sender=funder)
    h = agrees(ante, chain, cid)
    assert (h.to_funder, h.shared, h.to_creator, h.escrow()) == (REWARD + 7, 0, None, 0)


def test_a_co_funder_funding_twice_adds_up(bounties, ante, chain, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    record, _ = fund(bounties, cid, record, 5, stranger)
    h = agrees(ante, chain, cid)
    assert h.contributions[stranger.address] == ETHER // 2 + 5
    assert list(h.contributions) == [stranger.address, second.address]  # in order of first funding


# --- closing and claiming ----------------------------------------------------------------------------


def test_settled_partially_then_both_claims(bounties, ante, chain, funder, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    total = record.terms.reward
    accepted, _ = bounties.accept(cid, record)
    submitted, _ = bounties.submit(cid, accepted)
    bounties.settle(cid, submitted, 6_000)
    h = agrees(ante, chain, cid)
    pot = total + record.terms.stake
    to_funders = pot - pot * 6_000 // 10_000
    assert (h.state, h.to_funder, h.shared) == (State.SETTLED, to_funders, to_funders)
    assert h.to_creator == to_funders * REWARD // total
    assert ante.credit(ZERO_ADDRESS, funder.address) == h.to_creator
    assert h.unclaimed() == to_funders - h.to_creator == h.escrow()
    claim(bounties, cid, submitted, stranger)
    h = agrees(ante, chain, cid)
    assert h.claims[stranger.address][0] == to_funders * (ETHER // 2) // total
    claim(bounties, cid, submitted, second, sender=second)
    h = agrees(ante, chain, cid)
    assert h.unclaimed() == 0 and h.escrow() == 0
    data = json.loads(json.dumps(h.to_json()))
    assert (data["co_funded"], data["shared"], data["to_creator"], data["unclaimed"]) == (
        True, str(to_funders), str(h.to_creator), "0")
    assert [f["funder"] for f in data["funders"]] == [funder.address, stranger.address, second.address]
    assert all(f["claimed"] == f["share"] for f in data["funders"][1:])
    # every wei of the funders' side reached someone
    assert sum(int(f["claimed"]) for f in data["funders"]) == to_funders


def test_remainders_reach_the_creator(bounties, ante, chain, funder, stranger, second):
    """Odd amounts, so that the shares do not divide evenly: the carry hands the creator whole wei."""
    cid, record, _ = bounties.create(bounties.terms(reward=7))
    record, _ = fund(bounties, cid, record, 5, stranger)
    record, _ = fund(bounties, cid, record, 3, second)
    accepted, _ = bounties.accept(cid, record)
    submitted, _ = bounties.submit(cid, accepted)
    bounties.settle(cid, submitted, 3_333)
    for who in (second, stranger):
        claim(bounties, cid, submitted, who)
        agrees(ante, chain, cid)
    h = agrees(ante, chain, cid)
    assert h.unclaimed() == 0
    assert h.to_creator + sum(a + r for a, r in h.claims.values()) == h.shared


def test_cancelled_co_funded_refunds_by_contribution(bounties, ante, chain, funder, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    ante.cancel(cid, record.as_tuple(), sender=funder)
    h = agrees(ante, chain, cid)
    assert (h.state, h.shared, h.to_creator) == (State.CANCELLED, record.terms.reward, REWARD)
    claim(bounties, cid, record, stranger)
    h = agrees(ante, chain, cid)
    assert h.claims == {stranger.address: (ETHER // 2, 0)}
    assert h.unclaimed() == ETHER // 4


def test_abandoned_stakes_are_pooled_while_it_re_opens(bounties, ante, chain, funder, stranger, second, accounts):
    cid, record = co_funded(bounties, stranger, second)
    before = ante.credit(ZERO_ADDRESS, funder.address)
    accepted, _ = bounties.accept(cid, record)
    abandon(bounties, cid, accepted)
    h = agrees(ante, chain, cid)
    stake = record.terms.stake
    assert (h.state, h.forfeited, h.shared, h.unclaimed()) == (State.OPEN, stake, stake, stake)
    assert ante.credit(ZERO_ADDRESS, funder.address) == before  # not credited to the creator
    assert h.escrow() == record.terms.reward + stake
    accepted, _ = bounties.accept(cid, record, sender=accounts[6])
    bounties.at(bounties.deadline(cid) + 1)
    lapse(bounties, cid, accepted)
    h = agrees(ante, chain, cid)
    assert h.state == State.DEFAULTED
    assert h.shared == stake + record.terms.reward + stake
    for who in (stranger, second):
        claim(bounties, cid, accepted, who)
    assert agrees(ante, chain, cid).unclaimed() == 0


def test_abandoned_after_accept_by_expires_into_the_pool(bounties, ante, chain, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    accepted, _ = bounties.accept(cid, record)
    bounties.at(record.terms.accept_by + 1)
    abandon(bounties, cid, accepted)
    h = agrees(ante, chain, cid)
    assert (h.state, h.shared) == (State.EXPIRED, record.terms.reward + record.terms.stake)
    claim(bounties, cid, accepted, second)
    agrees(ante, chain, cid)


def test_unreviewed_and_expired_co_funded(bounties, ante, chain, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    accepted, _ = bounties.accept(cid, record)
    submitted, _ = bounties.submit(cid, accepted)
    bounties.at(bounties.deadline(cid) + 1)
    lapse(bounties, cid, submitted)
    h = agrees(ante, chain, cid)
    # The default share: the whole reward to the contributor, nothing back to the funders' side.
    assert (h.state, h.shared, h.to_creator) == (State.UNREVIEWED, 0, 0)
    assert h.to_contributor == record.terms.reward + record.terms.stake
    # An own share of 40%: the other 60% goes back to the funders' side, shared by contribution.
    own, record3, _ = bounties.create(unreviewed_bps=4_000)
    record3, _ = fund(bounties, own, record3, ETHER // 2, stranger)
    accepted3, _ = bounties.accept(own, record3)
    submitted3, _ = bounties.submit(own, accepted3)
    bounties.at(bounties.deadline(own) + 1)
    lapse(bounties, own, submitted3)
    h = agrees(ante, chain, own)
    reward = record3.terms.reward
    assert (h.state, h.shared) == (State.UNREVIEWED, reward - reward * 4_000 // 10_000)
    assert h.to_contributor == record3.terms.stake + reward * 4_000 // 10_000
    claim(bounties, own, submitted3, stranger)
    agrees(ante, chain, own)
    other, record2 = co_funded(bounties, stranger, second)
    bounties.at(record2.terms.accept_by + 1)
    lapse(bounties, other, record2)
    h = agrees(ante, chain, other)
    assert (h.state, h.shared) == (State.EXPIRED, record2.terms.reward)


# --- the audit -----------------------------------------------------------------------------------


def co_funded_stories(b, funder, stranger, second):
    """A settled and claimed, a cancelled and half-claimed, and a re-opened co-funded challenge."""
    cid, record = co_funded(b, stranger, second)
    accepted, _ = b.accept(cid, record)
    submitted, _ = b.submit(cid, accepted)
    b.settle(cid, submitted, 2_500)
    claim(b, cid, submitted, stranger)
    claim(b, cid, submitted, second)
    cancelled, record = co_funded(b, stranger, second, (3, 11))
    b.ante.cancel(cancelled, record.as_tuple(), sender=funder)
    claim(b, cancelled, record, second)
    reopened, record = co_funded(b, stranger, second)
    accepted, _ = b.accept(reopened, record)
    abandon(b, reopened, accepted)
    b.ante.withdraw(ZERO_ADDRESS, sender=stranger)
    return cid, cancelled, reopened


def test_co_funded_stories_audit_clean(bounties, ante, chain, funder, stranger, second):
    co_funded_stories(bounties, funder, stranger, second)
    report = audit_contract(ante)
    assert report.discrepancies == []
    assert report.clean


def test_a_dropped_claim_is_caught(bounties, ante, chain, funder, stranger, second):
    settled, cancelled, _ = co_funded_stories(bounties, funder, stranger, second)
    from ante.audit import ape_chain_view

    events = read_events(ante, chain)
    dropped = [e for e in events if not (isinstance(e, ev.FunderClaimed) and e.challenge_id == cancelled)]
    report = audit(dropped, ape_chain_view(ante))
    kinds = {d.kind for d in report.discrepancies}
    assert kinds == {"contribution", "credit"}  # the books still balance: the 11 wei are counted in the pool
    [contribution] = report.of_kind("contribution")
    assert (contribution.subject, contribution.expected, contribution.actual) == (
        f"challenge {cancelled} {second.address}", 11, 0)


def test_a_dropped_funding_is_caught(bounties, ante, chain, funder, stranger, second):
    _, _, reopened = co_funded_stories(bounties, funder, stranger, second)
    from ante.audit import ape_chain_view

    events = read_events(ante, chain)
    last_fund = [e for e in events if isinstance(e, ev.ChallengeFunded) and e.challenge_id == reopened][-1]
    report = audit([e for e in events if e is not last_fund], ape_chain_view(ante))
    kinds = [d.kind for d in report.discrepancies]
    assert "challenge_seal" in kinds and "funding" in kinds and "replay" in kinds
    [funding] = report.of_kind("funding")
    assert funding.to_json()["actual"] == f"{ETHER // 2 + ETHER // 4}/{ETHER // 10 * 175 // 100}"


# --- anomalies: a log that breaks the co-funding rules ---------------------------------------------------


def altered(events, cls, **changes):
    return [replace(e, **changes) if isinstance(e, cls) else e for e in events]


def test_a_claim_of_the_wrong_amount_is_an_anomaly(bounties, ante, chain, funder, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    ante.cancel(cid, record.as_tuple(), sender=funder)
    claim(bounties, cid, record, stranger)
    events = altered(read_events(ante, chain), ev.FunderClaimed, amount=ETHER)
    lenient = fold(events, strict=False)
    [anomaly] = lenient.anomalies
    assert anomaly.event == "FunderClaimed"
    assert anomaly.message == (f"challenge {cid}: {stranger.address}'s share is {ETHER // 2} with a remainder of 0, "
                               f"not {ETHER} and 0")
    with pytest.raises(Exception, match="share is"):
        fold(events)


def test_funding_after_an_acceptance_is_an_anomaly(bounties, ante, chain, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    accepted, _ = bounties.accept(cid, record)
    events = read_events(ante, chain)
    funded = [e for e in events if isinstance(e, ev.ChallengeFunded) and e.challenge_id == cid]
    accept = [e for e in events if isinstance(e, ev.ChallengeAccepted) and e.challenge_id == cid][0]
    moved = replace(funded[-1], block_number=accept.block_number, log_index=accept.log_index + 1)
    lenient = fold([e for e in events if e is not funded[-1]] + [moved], strict=False)
    messages = [a.message for a in lenient.anomalies]
    assert any("funded after it was accepted once" in m for m in messages)


def test_a_co_funder_accepting_is_an_anomaly(bounties, ante, chain, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    bounties.accept(cid, record)
    events = read_events(ante, chain)
    accepted = altered(events, ev.ChallengeAccepted, contributor=stranger.address)
    lenient = fold(accepted, strict=False)
    assert any(f"accepted by {stranger.address}, who co-funded it" in a.message for a in lenient.anomalies)


def test_a_wrong_creator_share_is_an_anomaly(bounties, ante, chain, funder, stranger, second):
    cid, record = co_funded(bounties, stranger, second)
    ante.cancel(cid, record.as_tuple(), sender=funder)
    events = altered(read_events(ante, chain), ev.FundersShared, to_creator=1)
    lenient = fold(events, strict=False)
    [anomaly] = lenient.anomalies
    assert anomaly.event == "FundersShared" and "the creator's share" in anomaly.message


# --- records ---------------------------------------------------------------------------------------


def test_the_creators_record_counts_its_own_part_and_share(bounties, ante, chain, funder, stranger, second):
    from ante.records import Records

    cid, record = co_funded(bounties, stranger, second)
    records = Records.from_events(read_events(ante, chain))
    amounts = records.funder(funder.address).amounts[ZERO_ADDRESS]
    assert (amounts.posted, amounts.in_escrow, amounts.credited) == (REWARD, REWARD, 0)
    ante.cancel(cid, record.as_tuple(), sender=funder)
    claim(bounties, cid, record, stranger)
    records = Records.from_events(read_events(ante, chain))
    amounts = records.funder(funder.address).amounts[ZERO_ADDRESS]
    assert (amounts.posted, amounts.in_escrow, amounts.credited, amounts.net_paid) == (REWARD, 0, REWARD, 0)
    # The co-funder's record: one challenge co-funded, its contribution and what its claim credited.
    backer = records.funder(stranger.address)
    assert (backer.posted, backer.co_funded, backer.active) == (0, 1, 0)
    [contribution] = [c for c in read_events(ante, chain) if isinstance(c, ev.ChallengeFunded)
                      and c.funder == stranger.address]
    assert backer.amounts[ZERO_ADDRESS].contributed == contribution.amount
    [claimed] = [c for c in read_events(ante, chain) if isinstance(c, ev.FunderClaimed)]
    assert claimed.funder == stranger.address and backer.amounts[ZERO_ADDRESS].claimed == claimed.amount
    assert claimed.amount == contribution.amount  # a cancel gives every contribution back whole
