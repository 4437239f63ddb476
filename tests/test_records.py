"""ante.records: contributor, evaluator and funder records from REAL events emitted by the contract.

Each test drives lifecycles on anvil with the `bounties` driver, reads the deployment's whole event log
back through Ape, converts it with ante.events and checks the records against numbers worked out by
hand from the lifecycle (DESIGN.md, "Records (reputation), derived from events").
"""

import json
import random

import pytest
from eth_utils import to_checksum_address

from ante import events as ev
from ante.records import PASS_MARK, Records, RecordsError, compute
from ante.state import State
from ante.terms import ZERO_ADDRESS
from lifecycle import DAY, ETHER

REWARD = ETHER
STAKE = ETHER // 10  # the driver's default: 10% of 1 ether
POT = REWARD + STAKE


def chain_events(ante, chain):
    """The deployment's complete log, every event type, as ante.events values in chain order."""
    head = chain.blocks.head.number
    timestamps = {}
    out = []
    for name in ev.EVENT_TYPES:
        for log in getattr(ante, name).range(0, head + 1):
            if log.block_number not in timestamps:
                timestamps[log.block_number] = chain.blocks[log.block_number].timestamp
            out.append(ev.from_contract_log(log, timestamp=timestamps[log.block_number]))
    return sorted(out, key=lambda e: e.position)


def lapse(bounties, challenge_id, record):
    return bounties.ante.lapse(challenge_id, record.as_tuple(), sender=bounties.relayer)


def settled(bounties, score, signers=None, sender=None, terms=None, promised_by=None, late=False):
    """create, accept, submit (on time unless `late`), settle with `score`; returns the challenge id."""
    cid, record, _ = bounties.create(terms)
    record, _ = bounties.accept(cid, record, sender=sender, promised_by=promised_by)
    if late:
        bounties.at(promised_by + 1)
    record, _ = bounties.submit(cid, record, sender=sender)
    bounties.settle(cid, record, score, signers=signers)
    return cid


@pytest.fixture
def newcomer(accounts):
    return accounts[5]


@pytest.fixture
def world(bounties, ante, chain, funder, contributor, stranger, newcomer, evaluators, token, deployer):
    """Every kind of ending, on chain. Returns a dict of what was done, by scenario letter."""
    b = bounties
    done = {}
    # A: pass 100%, on time. B: fail 0%. C: partial 60%, signed by evaluators 1 and 2.
    done["A"] = settled(b, 10_000)
    done["B"] = settled(b, 0)
    done["C"] = settled(b, 6_000, signers=evaluators[1:3])
    # D: full pass, but submitted after the promised-by time: the promise is broken anyway.
    done["D"] = settled(b, 10_000, promised_by=b.now + 100, late=True)
    # E: accepted, nothing delivered by the deadline: Defaulted.
    cid, record, _ = b.create()
    record, _ = b.accept(cid, record)
    b.at(b.deadline(cid) + 1)
    lapse(b, cid, record)
    done["E"] = cid
    # F: delivered on time, nobody reviews: Unreviewed (the stake back and, by default, the whole reward; the
    # panel misses a review).
    cid, record = b.submitted_challenge()
    b.at(b.deadline(cid) + 1)
    lapse(b, cid, record)
    done["F"] = cid
    # G: contributor abandons before accept-by (re-opens); stranger takes it and scores 80%.
    cid, record, _ = b.create()
    accepted, _ = b.accept(cid, record)
    ante.abandon(cid, accepted.as_tuple(), sender=contributor)
    again, _ = b.accept(cid, record, sender=stranger)
    again, _ = b.submit(cid, again, sender=stranger)
    b.settle(cid, again, 8_000)
    done["G"] = cid
    # H: contributor abandons after accept-by: the stake is forfeited and the challenge expires.
    cid, record, _ = b.create()
    accepted, _ = b.accept(cid, record)
    b.at(record.terms.accept_by + 1)
    ante.abandon(cid, accepted.as_tuple(), sender=contributor)
    done["H"] = cid
    # I: cancelled by the funder. K: nobody accepts: Expired.
    cid, record, _ = b.create()
    ante.cancel(cid, record.as_tuple(), sender=funder)
    done["I"] = cid
    cid, record, _ = b.create()
    b.at(record.terms.accept_by + 1)
    lapse(b, cid, record)
    done["K"] = cid
    # L: a token challenge (4 tokens, 5% stake = 0.2 tokens), full pass.
    done["L"] = settled(b, 10_000, terms=b.terms(token=token.address, reward=4 * ETHER, stake_bps=500))
    # N: newcomer, on a second panel (evaluators 3..5), delivers on time; that panel never reviews.
    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    other_panel = ante.panelCount()
    cid, record, _ = b.create(b.terms(panel_id=other_panel))
    record, _ = b.accept(cid, record, sender=newcomer)
    record, _ = b.submit(cid, record, sender=newcomer)
    b.at(b.deadline(cid) + 1)
    lapse(b, cid, record)
    done["N"] = cid
    # O: stranger posts a challenge of their own and cancels it (a second role for stranger).
    cid, record, _ = b.create(b.terms(funder=stranger.address), sender=stranger)
    ante.cancel(cid, record.as_tuple(), sender=stranger)
    done["O"] = cid
    # J: contributor accepts and is still working on it.
    cid, record, _ = b.create()
    b.accept(cid, record)
    done["J"] = cid
    # The funder withdraws: a Withdrawn event, which moves no record.
    ante.withdraw(ZERO_ADDRESS, sender=funder)
    done["other_panel"] = other_panel
    done["events"] = chain_events(ante, chain)
    return done


def test_contributor_record(world, contributor, token):
    records = compute(world["events"])
    r = records.contributor(contributor.address)
    # Acceptances: A B C D E F G(abandoned) H J L = 10.
    assert r.accepted == r.promises_made == 10
    assert r.delivered == 6  # A B C D F L
    assert r.delivered_on_time == 5  # D was late
    assert r.settled == 5  # A B C D L
    assert r.score_total == 10_000 + 0 + 6_000 + 10_000 + 10_000
    assert r.mean_score == 7_200.0
    assert (r.unreviewed, r.abandoned, r.defaulted, r.in_progress) == (1, 2, 1, 1)
    assert r.accepted == r.settled + r.unreviewed + r.abandoned + r.defaulted + r.in_progress
    # Kept: A C L. Broken: B (fail) D (late) E (default) G H (abandoned). Unjudged: F.
    assert (r.promises_kept, r.promises_broken, r.promises_unjudged) == (3, 5, 1)
    assert r.reliability == 0.375
    eth = r.amounts[ZERO_ADDRESS]
    assert eth.staked == 9 * STAKE
    assert eth.at_stake == STAKE  # J
    # Received: A 1.1, C 0.66, D 1.1, F 1.1 (the stake back and the whole reward); nothing for B E G H.
    assert eth.received == POT + POT * 6 // 10 + POT + POT
    # Earned: A 1.0, C 0.56, D 1.0, F 1.0 (paid by the terms, not a score). Forfeited: B E G H, one stake each.
    assert eth.earned == REWARD + (POT * 6 // 10 - STAKE) + REWARD + REWARD
    assert eth.forfeited == 4 * STAKE
    assert eth.received - (eth.staked - eth.at_stake) == eth.earned - eth.forfeited
    tok = r.amounts[token.address]
    assert (tok.staked, tok.received, tok.at_stake, tok.earned, tok.forfeited) == (
        ETHER // 5, 4 * ETHER + ETHER // 5, 0, 4 * ETHER, 0
    )
    assert r.earned == {ZERO_ADDRESS: eth.earned, token.address: 4 * ETHER}
    assert r.forfeited == {ZERO_ADDRESS: 4 * STAKE, token.address: 0}


def test_other_contributors(world, stranger, newcomer):
    records = compute(world["events"])
    s = records.contributor(stranger.address)
    assert (s.accepted, s.delivered, s.delivered_on_time, s.settled, s.mean_score) == (1, 1, 1, 1, 8_000.0)
    assert (s.promises_kept, s.promises_broken, s.promises_unjudged, s.reliability) == (1, 0, 0, 1.0)
    eth = s.amounts[ZERO_ADDRESS]
    assert (eth.staked, eth.received, eth.earned, eth.forfeited) == (STAKE, POT * 8 // 10, POT * 8 // 10 - STAKE, 0)
    # Unreviewed: paid the stake back and the whole reward, but judged by nobody: no score, and the promise
    # stays unjudged.
    n = records.contributor(newcomer.address)
    assert (n.accepted, n.delivered, n.settled, n.unreviewed, n.mean_score) == (1, 1, 0, 1, None)
    assert (n.score_total, n.deliveries[0].score) == (0, None)
    assert (n.promises_kept, n.promises_broken, n.promises_unjudged, n.reliability) == (0, 0, 1, None)
    eth = n.amounts[ZERO_ADDRESS]
    assert (eth.staked, eth.received, eth.at_stake, eth.earned, eth.forfeited) == (STAKE, POT, 0, REWARD, 0)


def test_evaluator_record(world, evaluators, panel_2of3):
    records = compute(world["events"])
    e0, e1, e2 = (records.evaluator(e.address) for e in evaluators[:3])
    # Their panel: settled A B C D G L (6), unreviewed F (1). C was signed by evaluators 1 and 2.
    for record in (e0, e1, e2):
        assert panel_2of3 in record.panels
        assert record.reviews_due == 7
        assert record.reviews_missed == 1
    assert (e0.verdicts_signed, e1.verdicts_signed, e2.verdicts_signed) == (5, 6, 1)
    # The second panel missed N and nothing else; evaluators 0..2 are not charged for it.
    for e in evaluators[3:6]:
        record = records.evaluator(e.address)
        assert world["other_panel"] in record.panels
        assert (record.reviews_due, record.verdicts_signed, record.reviews_missed) == (1, 0, 1)


def test_funder_record(world, funder, stranger, token):
    records = compute(world["events"])
    f = records.funder(funder.address)
    # Posted: A B C D E F G H I K L N J = 13.
    assert f.posted == 13
    assert (f.settled, f.paid_out) == (6, 5)  # A B C D G L; B scored 0
    assert (f.cancelled, f.expired, f.defaulted, f.unreviewed, f.active) == (1, 2, 1, 2, 1)
    eth = f.amounts[ZERO_ADDRESS]
    assert eth.posted == 12 * REWARD
    assert eth.in_escrow == REWARD  # J
    credited = (
        POT  # B: a fail returns reward and stake
        + (POT - POT * 6 // 10)  # C
        + POT  # E: default
        + 0  # F: unreviewed, the whole reward to the contributor
        + STAKE + (POT - POT * 8 // 10)  # G: the abandoned stake, then the 80% settlement's rest
        + STAKE + REWARD  # H: abandoned after accept-by
        + REWARD  # I: cancelled
        + REWARD  # K: expired
        + 0  # N: unreviewed
    )
    assert eth.credited == credited
    assert eth.net_paid == 12 * REWARD - REWARD - credited
    assert f.posted_amounts == {ZERO_ADDRESS: 12 * REWARD, token.address: 4 * ETHER}
    assert f.amounts[token.address].net_paid == 4 * ETHER
    s = records.funder(stranger.address)
    assert (s.posted, s.cancelled, s.active) == (1, 1, 0)
    assert s.amounts[ZERO_ADDRESS].net_paid == 0


def test_leaderboard_and_for_address(world, contributor, stranger, newcomer, funder, evaluators):
    records = compute(world["events"])
    board = [r.address for r in records.leaderboard()]
    assert board == [stranger.address, contributor.address, newcomer.address]  # 1.0, 0.375, None
    assert [r.address for r in records.leaderboard(limit=1)] == [stranger.address]

    both = records.for_address(stranger.address.lower())
    assert both.address == stranger.address
    assert both.contributor.accepted == 1 and both.funder.posted == 1
    # Other test files' session fixtures may seat stranger on an idle panel; it never judged anything here.
    assert both.evaluator is None or (both.evaluator.reviews_due, both.evaluator.verdicts_signed) == (0, 0)
    only_funder = records.for_address(funder.address)
    assert only_funder.contributor is None and only_funder.evaluator is None and only_funder.funder.posted == 13
    judge = records.for_address(evaluators[0].address)
    assert judge.contributor is None and judge.funder is None and judge.evaluator.verdicts_signed == 5
    nobody = records.for_address("0x" + "ee" * 20)
    assert nobody.to_json() == {
        "address": to_checksum_address("0x" + "ee" * 20), "contributor": None, "evaluator": None, "funder": None
    }


def test_json_is_stable_and_documented(world, contributor, evaluators, funder, token):
    records = compute(world["events"])
    data = records.to_json()
    assert list(data) == ["events", "last_position", "contributors", "evaluators", "funders", "leaderboard"]
    assert data["events"] == len(world["events"])
    assert data["last_position"] == list(world["events"][-1].position)
    assert json.loads(json.dumps(data)) == data
    for role in ("contributors", "evaluators", "funders"):
        keys = list(data[role])
        assert keys == sorted(keys, key=lambda a: int(a, 16))
    c = data["contributors"][contributor.address]
    assert list(c) == [
        "address", "accepted", "delivered", "delivered_on_time", "settled", "unreviewed", "abandoned", "defaulted",
        "in_progress", "score_total", "mean_score", "promises", "reliability", "closeness", "calibration", "amounts",
        "appeals",
    ]
    assert c["appeals"] == {"made": 0, "won": 0}
    assert c["calibration"] == {"stated": 0, "brier": None, "kelly_brier": None}  # nothing stated in this log
    assert c["promises"] == {"made": 10, "kept": 3, "broken": 5, "unjudged": 1}
    assert (c["mean_score"], c["reliability"]) == (7_200.0, 0.375)
    assert c["amounts"][token.address] == {
        "staked": str(ETHER // 5), "received": str(4 * ETHER + ETHER // 5), "at_stake": "0",
        "earned": str(4 * ETHER), "forfeited": "0",
    }
    assert c["amounts"][ZERO_ADDRESS]["forfeited"] == str(4 * STAKE)
    e = data["evaluators"][evaluators[2].address]
    assert list(e) == ["address", "panels", "reviews_due", "verdicts_signed", "reviews_missed",
                       "verdicts_overturned", "review_fees"]
    assert (e["verdicts_overturned"], e["review_fees"]) == (0, {})  # no appeal round in this log
    assert (e["reviews_due"], e["verdicts_signed"], e["reviews_missed"]) == (7, 1, 1)
    f = data["funders"][funder.address]
    assert list(f) == [
        "address", "posted", "active", "settled", "paid_out", "cancelled", "expired", "defaulted", "unreviewed",
        "co_funded", "amounts", "appeals",
    ]
    assert list(f["amounts"][ZERO_ADDRESS]) == ["posted", "in_escrow", "credited", "net_paid", "contributed", "claimed"]
    assert records.for_address(contributor.address).to_json()["contributor"] == c
    # The same log, shuffled, or stored as JSON and read back, gives the same records.
    shuffled = list(world["events"])
    random.Random(7).shuffle(shuffled)
    assert compute(shuffled).to_json() == data
    stored = [json.dumps(ev.to_json(e)) for e in world["events"]]
    assert compute(ev.from_json(json.loads(s)) for s in stored).to_json() == data


def test_incremental_matches_batch(world):
    records = Records()
    for event in world["events"]:
        records.add(event)
    assert records.to_json() == compute(world["events"]).to_json()


def test_promise_pass_mark_is_inclusive(bounties, ante, chain, contributor):
    """A score of exactly 50% keeps the promise; one basis point less breaks it."""
    settled(bounties, PASS_MARK)
    settled(bounties, PASS_MARK - 1)
    r = compute(chain_events(ante, chain)).contributor(contributor.address)
    assert (r.settled, r.promises_kept, r.promises_broken, r.reliability) == (2, 1, 1, 0.5)


def test_submitted_exactly_at_promised_by_is_on_time(bounties, ante, chain, contributor):
    promised_by = bounties.now + DAY
    cid, record, _ = bounties.create()
    record, _ = bounties.accept(cid, record, promised_by=promised_by)
    bounties.at(promised_by)
    record, _ = bounties.submit(cid, record)
    bounties.settle(cid, record, 10_000)
    r = compute(chain_events(ante, chain)).contributor(contributor.address)
    assert (r.delivered_on_time, r.promises_kept) == (1, 1)
    assert [(d.lateness, d.on_time, d.score) for d in r.deliveries] == [(0, True, 10_000)]


def test_closeness_from_real_events(world, contributor):
    """Lateness is the submission block's timestamp less the accepted promise, per delivery (A B C D F L)."""
    events = world["events"]
    r = compute(events).contributor(contributor.address)
    promised = {e.challenge_id: e.promised_by for e in events
                if isinstance(e, ev.ChallengeAccepted) and e.contributor == contributor.address}
    submitted = {e.challenge_id: e.timestamp for e in events if isinstance(e, ev.ChallengeSubmitted)
                 and e.contributor == contributor.address}
    assert [d.challenge_id for d in r.deliveries] == [world[k] for k in "ABCDFL"]
    assert all(d.lateness == submitted[d.challenge_id] - promised[d.challenge_id] for d in r.deliveries)
    late = [d.challenge_id for d in r.deliveries if not d.on_time]
    assert late == [world["D"]] and r.deliveries[3].lateness == 1  # submitted one second after its promise
    assert [d.score for d in r.deliveries] == [10_000, 0, 6_000, 10_000, None, 10_000]  # F went Unreviewed
    assert r.worst_lateness == 1
    assert r.undelivered == 3  # E defaulted, G and H abandoned
    assert r.on_time_share == 5 / 9  # 5 on time of 6 delivered + 3 undelivered


def test_late_delivery_unreviewed_is_a_broken_promise(bounties, ante, chain, contributor, evaluators):
    """Lateness is a fact even without a verdict; the stake still comes back, with the whole reward."""
    promised_by = bounties.now + 100
    cid, record, _ = bounties.create()
    record, _ = bounties.accept(cid, record, promised_by=promised_by)
    bounties.at(promised_by + 1)
    record, _ = bounties.submit(cid, record)
    bounties.at(bounties.deadline(cid) + 1)
    lapse(bounties, cid, record)
    records = compute(chain_events(ante, chain))
    r = records.contributor(contributor.address)
    assert (r.unreviewed, r.promises_broken, r.promises_unjudged, r.reliability) == (1, 1, 0, 0.0)
    eth = r.amounts[ZERO_ADDRESS]
    assert (eth.received, eth.earned, eth.forfeited) == (POT, REWARD, 0)
    assert records.evaluator(evaluators[0].address).reviews_missed == 1


def test_an_unreviewed_payout_is_never_a_score(bounties, ante, chain, contributor):
    """With its own share of 30%, an Unreviewed lapse pays the stake back and 30% of the reward: counted as
    received and earned, never as settled, scored, forecast or a promise kept; a share of 0 pays the stake
    back alone and earns nothing."""
    cid, record = bounties.create(unreviewed_bps=3_000)[:2]
    record, _ = bounties.accept(cid, record, confidence=9_000)
    record, _ = bounties.submit(cid, record)
    bounties.at(bounties.deadline(cid) + 1)
    lapse(bounties, cid, record)
    r = compute(chain_events(ante, chain)).contributor(contributor.address)
    assert (r.settled, r.unreviewed, r.score_total, r.mean_score) == (0, 1, 0, None)
    assert (r.promises_kept, r.promises_unjudged, r.reliability) == (0, 1, None)
    assert r.to_json()["calibration"]["stated"] == 0 and r.deliveries[0].score is None
    eth = r.amounts[ZERO_ADDRESS]
    assert (eth.received, eth.earned, eth.forfeited) == (STAKE + REWARD * 3 // 10, REWARD * 3 // 10, 0)
    cid, record = bounties.submitted_challenge(unreviewed_bps=0)
    bounties.at(bounties.deadline(cid) + 1)
    lapse(bounties, cid, record)
    r = compute(chain_events(ante, chain)).contributor(contributor.address)
    eth = r.amounts[ZERO_ADDRESS]
    assert (r.unreviewed, r.settled, eth.received, eth.earned) == (2, 0, 2 * STAKE + REWARD * 3 // 10, REWARD * 3 // 10)


def test_rejects_incomplete_duplicated_or_inconsistent_logs(bounties, ante, chain):
    settled(bounties, 10_000)
    events = chain_events(ante, chain)
    created = next(e for e in events if isinstance(e, ev.ChallengeCreated))
    with pytest.raises(RecordsError, match="never created"):
        compute([e for e in events if e is not created])
    records = compute(events)
    with pytest.raises(RecordsError, match="not after"):
        records.add(events[-1])
    panel = next(e for e in events if isinstance(e, ev.PanelCreated) and e.panel_id == created.panel_id)
    with pytest.raises(RecordsError, match="never created"):
        compute([e for e in events if e is not panel])
    settlement = next(e for e in events if isinstance(e, ev.ChallengeSettled))
    forged = ev.from_json({**ev.to_json(settlement), "to_contributor": "1"})
    with pytest.raises(RecordsError, match="splits reward and stake as"):
        compute([forged if e is settlement else e for e in events])
    lapse_forged = ev.ChallengeLapsed(
        challenge_id=created.challenge_id, state=State.EXPIRED, to_contributor=0, to_funder=REWARD,
        block_number=settlement.block_number + 1, log_index=0, transaction_hash="0x" + "00" * 32,
        timestamp=settlement.timestamp,
    )
    with pytest.raises(RecordsError, match="lapses to expired from settled"):
        compute([*events, lapse_forged])


# --- the appeal round ----------------------------------------------------------------------------


def test_appeals_overturned_verdicts_and_review_fees(bounties, ante, chain, contributor, funder, evaluators, deployer):
    """Three challenges with an appeal round and a review fee of 9 (two signers: 4 each, 1 to the creator):
    the contributor appeals 40% and the appeal panel raises it (won, overturned); the creator appeals 60% and
    the appeal panel keeps it (lost, not overturned); the third is finalized unappealed."""
    from ante.verdict import AppealVerdict

    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    options = (10_000, DAY, int(ante.panelCount()), 1_000, 9)
    judges = sorted(evaluators[3:5], key=lambda a: int(a.address, 16))

    def on_appeal(cid, record, score):
        verdict = AppealVerdict(chain.chain_id, ante.address, cid, record.deliverable, score)
        ante.settle(cid, record.as_tuple(), score, [j.address for j in judges], [verdict.sign(j.key) for j in judges],
                    sender=bounties.relayer)

    bond = REWARD // 10
    won, won_record = bounties.submitted_challenge(options=options)
    bounties.settle(won, won_record, 4_000)
    ante.appeal(won, won_record.as_tuple(), sender=contributor, value=bond)
    on_appeal(won, won_record, 8_000)
    lost, lost_record = bounties.submitted_challenge(options=options)
    bounties.settle(lost, lost_record, 6_000)
    ante.appeal(lost, lost_record.as_tuple(), sender=funder, value=bond)
    on_appeal(lost, lost_record, 6_000)
    unappealed, record = bounties.submitted_challenge(options=options)
    bounties.settle(unappealed, record, 5_000)
    bounties.at(bounties.deadline(unappealed) + 1)
    ante.finalize(unappealed, record.as_tuple(), sender=bounties.relayer)

    records = compute(chain_events(ante, chain))
    c, f = records.contributor(contributor.address), records.funder(funder.address)
    assert (c.appeals_made, c.appeals_won) == (1, 1) and (f.appeals_made, f.appeals_won) == (1, 0)
    assert (c.settled, c.score_total) == (3, 8_000 + 6_000 + 5_000)  # the score that paid
    first = sorted(evaluators[:2], key=lambda a: int(a.address, 16))
    for signer in first:
        e = records.evaluator(signer.address)
        assert (e.verdicts_signed, e.verdicts_overturned) == (3, 1)
        assert e.review_fees == {ZERO_ADDRESS: 3 * (9 // 2)}
    for judge in judges:
        e = records.evaluator(judge.address)
        assert (e.verdicts_signed, e.verdicts_overturned, e.review_fees) == (2, 0, {})
    data = records.for_address(signer.address).to_json()["evaluator"]
    assert (data["verdicts_overturned"], data["review_fees"]) == (1, {ZERO_ADDRESS: str(3 * (9 // 2))})
    assert records.for_address(funder.address).to_json()["funder"]["appeals"] == {"made": 1, "won": 0}

