"""ante.history: each challenge's story folded from REAL events, checked field by field against the chain.

Every test drives lifecycles on anvil with the `bounties` driver, reads the deployment's whole log back
with `ante.chain.event_fetcher` (as the index does) and folds it. Wherever a challenge is checked, its
state, current deadline and seal are compared with `challengeStatus` itself.
"""

import json

import pytest
from eth_utils import keccak

from ante import events as ev
from ante.chain import event_fetcher
from ante.history import ChallengeHistory, Chronicle, HistoryError, PanelView, fold
from ante.state import State
from ante.terms import ZERO_ADDRESS, ZERO_HASH, ChallengeRecord, split_payout
from lifecycle import DAY, ETHER

REWARD = ETHER
STAKE = ETHER // 10  # the driver's default: 10% of 1 ether
PROMISE = keccak(text="promise: ship it in a day")


# --- helpers -------------------------------------------------------------------------------------


def read_events(ante, chain):
    """The deployment's complete log, as ante.events values in chain order."""
    return list(event_fetcher(ante)(0, chain.blocks.head.number))


def chronicle(ante, chain, **options) -> Chronicle:
    return fold(read_events(ante, chain), **options)


def history(ante, chain, challenge_id) -> ChallengeHistory:
    return chronicle(ante, chain).challenges[challenge_id]


def status(ante, challenge_id):
    state, deadline, seal = ante.challengeStatus(challenge_id)
    return State(int(state)), int(deadline), int(seal)


def folded_status(h: ChallengeHistory):
    return h.state, h.deadline, h.record().seal()


def block_time(chain, receipt) -> int:
    return chain.blocks[receipt.block_number].timestamp


def lapse(b, challenge_id, record):
    return b.ante.lapse(challenge_id, record.as_tuple(), sender=b.relayer)


def abandon(b, challenge_id, record, sender=None):
    return b.ante.abandon(challenge_id, record.as_tuple(), sender=sender or b.contributor)


def every_state(b, funder, stranger, token):
    """Challenges in every state the contract has, by name: ends of every kind and live ones."""
    ante = b.ante
    ids = {}
    cid, record = b.submitted_challenge()
    b.settle(cid, record, 6_000)
    ids["settled"] = cid
    cid, record, _ = b.create()
    record, _ = b.accept(cid, record)
    b.at(b.deadline(cid) + 1)
    lapse(b, cid, record)
    ids["defaulted"] = cid
    cid, record = b.submitted_challenge()
    b.at(b.deadline(cid) + 1)
    lapse(b, cid, record)
    ids["unreviewed"] = cid
    cid, record, _ = b.create()
    b.at(record.terms.accept_by + 1)
    lapse(b, cid, record)
    ids["expired"] = cid
    cid, record, _ = b.create()
    ante.cancel(cid, record.as_tuple(), sender=funder)
    ids["cancelled"] = cid
    cid, record, _ = b.create()
    accepted, _ = b.accept(cid, record)
    b.at(record.terms.accept_by + 1)
    abandon(b, cid, accepted)
    ids["abandoned_expired"] = cid
    cid, record, _ = b.create()
    accepted, _ = b.accept(cid, record)
    abandon(b, cid, accepted)
    ids["reopened"] = cid
    cid, record, _ = b.create()
    accepted, _ = b.accept(cid, record)
    abandon(b, cid, accepted)
    b.accept(cid, record, sender=stranger)
    ids["reaccepted"] = cid
    ids["open"] = b.create()[0]
    cid, record, _ = b.create()
    b.accept(cid, record)
    ids["accepted"] = cid
    ids["submitted"] = b.submitted_challenge()[0]
    cid, record = b.submitted_challenge(b.terms(token=token.address, reward=4 * ETHER, stake_bps=500))
    b.settle(cid, record, 10_000)
    ids["token_settled"] = cid
    ids["token_open"] = b.create(b.terms(token=token.address, reward=3 * ETHER))[0]
    ante.createPanel([e.address for e in b.evaluators[3:6]], 2, sender=b.relayer)
    appeal = (10_000, DAY, int(ante.panelCount()), 1_000, 0)
    cid, record = b.submitted_challenge(options=appeal)
    b.settle(cid, record, 5_000)
    ids["ruled"] = cid
    cid, record = b.submitted_challenge(options=appeal)
    b.settle(cid, record, 5_000)
    ante.appeal(cid, record.as_tuple(), sender=b.contributor, value=record.terms.reward // 10)
    ids["appealed"] = cid
    return ids


# --- one challenge, state by state -----------------------------------------------------------------


def test_open_challenge_has_its_terms_and_accept_by_deadline(bounties, ante, chain):
    cid, record, receipt = bounties.create()
    h = history(ante, chain, cid)
    assert (h.challenge_id, h.terms, h.spec_uri) == (cid, record.terms, "ipfs://spec")
    assert h.created_at == block_time(chain, receipt)
    assert (h.state, h.deadline) == (State.OPEN, record.terms.accept_by)
    assert (h.contributor, h.stake, h.promise_hash, h.accepted_at, h.deliver_by) == (None,) * 5
    assert (h.deliverable, h.submitted_at, h.review_by, h.score, h.closed_at) == (None,) * 5
    assert (h.signers, h.abandoned_by, h.forfeited) == ((), [], 0)
    assert h.record() == record
    assert h.escrow() == REWARD
    assert folded_status(h) == status(ante, cid)


def test_accepted_challenge_has_the_promise_and_deliver_by_deadline(bounties, ante, chain, contributor):
    cid, record, _ = bounties.create()
    promised_by = bounties.now + DAY
    accepted, receipt = bounties.accept(cid, record, promised_by=promised_by)
    h = history(ante, chain, cid)
    accepted_at = block_time(chain, receipt)
    assert h.state == State.ACCEPTED
    assert (h.contributor, h.stake) == (contributor.address, STAKE)
    assert (h.promise_hash, h.promise_uri, h.promised_by) == (PROMISE, "ipfs://promise", promised_by)
    assert h.accepted_at == accepted_at
    assert h.deliver_by == h.deadline == accepted_at + 7 * DAY
    assert h.deliverable is None
    assert h.record() == accepted


def test_history_keeps_the_stated_confidence_while_the_acceptance_stands(bounties, ante, chain, contributor, stranger):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record, confidence=8_000)
    h = history(ante, chain, cid)
    assert h.confidence_bps == 8_000 and h.to_json()["confidence_bps"] == 8_000
    bounties.ante.abandon(cid, accepted.as_tuple(), sender=contributor)
    assert history(ante, chain, cid).confidence_bps is None  # re-opened: nobody holds an acceptance
    bounties.accept(cid, record, sender=stranger)  # accepted again, stating nothing (0 on chain)
    h = history(ante, chain, cid)
    assert (h.contributor, h.confidence_bps) == (stranger.address, None)
    assert h.escrow() == REWARD + STAKE
    assert folded_status(h) == status(ante, cid)


def test_submitted_challenge_has_the_deliverable_and_review_by_deadline(bounties, ante, chain):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    submitted, receipt = bounties.submit(cid, accepted)
    h = history(ante, chain, cid)
    submitted_at = block_time(chain, receipt)
    assert h.state == State.SUBMITTED
    assert (h.deliverable, h.deliverable_uri) == (keccak(text=f"deliverable of {cid}"), "ipfs://deliverable")
    assert h.submitted_at == submitted_at
    assert h.review_by == h.deadline == submitted_at + 3 * DAY
    assert h.record() == submitted
    assert h.escrow() == REWARD + STAKE
    assert folded_status(h) == status(ante, cid)


def test_settled_challenge_has_the_verdict_and_keeps_its_review_deadline(bounties, ante, chain, evaluators):
    cid, record = bounties.submitted_challenge()
    review_by = bounties.deadline(cid)
    receipt = bounties.settle(cid, record, 6_000, signers=evaluators[1:3])
    h = history(ante, chain, cid)
    settled_at = block_time(chain, receipt)
    assert (h.state, h.deadline) == (State.SETTLED, review_by)
    assert h.score == 6_000
    assert (h.to_contributor, h.to_funder) == split_payout(REWARD, 1_000, 6_000) == (660 * 10**15, 440 * 10**15)
    assert h.signers == tuple(sorted((e.address for e in evaluators[1:3]), key=lambda a: int(a, 16)))
    assert h.settled_at == h.closed_at == settled_at
    assert h.record() == record
    assert h.escrow() == 0
    assert folded_status(h) == status(ante, cid)


def test_lapsed_open_challenge_expires_with_the_reward_to_the_funder(bounties, ante, chain):
    cid, record, _ = bounties.create()
    bounties.at(record.terms.accept_by + 1)
    receipt = lapse(bounties, cid, record)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.EXPIRED, record.terms.accept_by)
    assert (h.to_contributor, h.to_funder) == (0, REWARD)
    assert h.closed_at == block_time(chain, receipt) == record.terms.accept_by + 1
    assert (h.contributor, h.settled_at) == (None, None)
    assert h.record() == record
    assert folded_status(h) == status(ante, cid)


def test_lapsed_accepted_challenge_defaults_with_reward_and_stake_to_the_funder(bounties, ante, chain, contributor):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    deliver_by = bounties.deadline(cid)
    bounties.at(deliver_by + 1)
    lapse(bounties, cid, accepted)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.DEFAULTED, deliver_by)
    assert (h.to_contributor, h.to_funder) == (0, REWARD + STAKE)
    assert h.contributor == contributor.address
    assert h.record() == accepted
    assert h.escrow() == 0
    assert folded_status(h) == status(ante, cid)


def test_lapsed_submitted_challenge_is_unreviewed_with_the_stake_and_the_whole_reward(bounties, ante, chain,
                                                                                      contributor, funder):
    cid, record = bounties.submitted_challenge()
    review_by = bounties.deadline(cid)
    assert history(ante, chain, cid).unreviewed_bps == 10_000 == ante.optionsOf(cid)[0]
    assert history(ante, chain, cid).unreviewed_payout() == (STAKE + REWARD, 0)
    bounties.at(review_by + 1)
    lapse(bounties, cid, record)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.UNREVIEWED, review_by)
    assert (h.to_contributor, h.to_funder) == (STAKE + REWARD, 0)  # silence does not pay the funder
    assert (h.score, h.signers) == (None, ())
    assert h.acceptances[-1].payout == STAKE + REWARD and h.acceptances[-1].score is None
    assert h.record() == record
    assert folded_status(h) == status(ante, cid)
    assert chronicle(ante, chain).credit(ZERO_ADDRESS, contributor.address) == ante.credit(ZERO_ADDRESS, contributor)


@pytest.mark.parametrize("bps", [0, 2_500, 3_333, 10_000])
def test_an_own_unreviewed_share_is_folded_and_its_lapse_pays_it(bounties, ante, chain, bps):
    """createWithOptions: the share comes from ChallengeOptionsSet, the preview of the lapse is what the
    contract pays (3333 bps of an odd reward rounds the contributor's part down), and the fold, strict, checks
    the ChallengeLapsed against it."""
    reward = REWARD + 1
    cid, record = bounties.submitted_challenge(bounties.terms(reward=reward), unreviewed_bps=bps)
    stake = record.terms.stake
    before = history(ante, chain, cid)
    assert before.unreviewed_bps == bps == ante.optionsOf(cid)[0]
    paid = reward * bps // 10_000
    assert before.unreviewed_payout() == (stake + paid, reward - paid)
    assert [type(e).__name__ for e in before.events] == [
        "ChallengeCreated", "ChallengeOptionsSet", "ChallengeAccepted", "ChallengeSubmitted"]
    bounties.at(bounties.deadline(cid) + 1)
    receipt = lapse(bounties, cid, record)
    [lapsed] = receipt.events.filter(ante.ChallengeLapsed)
    h = history(ante, chain, cid)
    assert (h.to_contributor, h.to_funder) == (lapsed.toContributor, lapsed.toFunder) == before.unreviewed_payout()
    assert h.unreviewed_payout() == before.unreviewed_payout()
    assert h.to_json()["unreviewed_bps"] == bps


def test_an_unreviewed_share_is_checked(bounties, ante, chain):
    """A lapse paying other than the share, a share above 10000, or one set after the creating transaction:
    the contract never does these, so a log that carries one did not come from it."""
    import dataclasses

    cid, record = bounties.submitted_challenge(unreviewed_bps=5_000)
    bounties.at(bounties.deadline(cid) + 1)
    lapse(bounties, cid, record)
    events = read_events(ante, chain)
    assert fold(events).challenges[cid].to_contributor == STAKE + REWARD // 2

    as_default = [e for e in events if not isinstance(e, ev.ChallengeOptionsSet)]
    [anomaly] = fold(as_default, strict=False).anomalies
    assert anomaly.event == "ChallengeLapsed" and anomaly.message == (
        f"challenge {cid} lapses to unreviewed paying {STAKE + REWARD // 2} and {REWARD // 2}, but from submitted "
        f"the contract lapses to unreviewed paying {STAKE + REWARD} and 0")

    too_much = [dataclasses.replace(e, options=dataclasses.replace(e.options, unreviewed_bps=10_001))
                if isinstance(e, ev.ChallengeOptionsSet) else e for e in events]
    messages = [a.message for a in fold(too_much, strict=False).anomalies]
    assert messages[0] == f"challenge {cid}: an Unreviewed share of 10001 basis points, above 10000"
    with pytest.raises(HistoryError, match="an Unreviewed share of 10001 basis points"):
        fold(too_much)

    later = [dataclasses.replace(e, transaction_hash="0x" + "ee" * 32) if isinstance(e, ev.ChallengeOptionsSet) else e
             for e in events]
    [anomaly] = fold(later, strict=False).anomalies
    assert anomaly.message == f"challenge {cid} sets its options after the transaction that created it"


def test_cancelled_challenge_refunds_the_funder_and_keeps_accept_by(bounties, ante, chain, funder):
    cid, record, _ = bounties.create()
    receipt = ante.cancel(cid, record.as_tuple(), sender=funder)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.CANCELLED, record.terms.accept_by)
    assert (h.to_contributor, h.to_funder) == (0, REWARD)
    assert h.closed_at == block_time(chain, receipt)
    assert h.escrow() == 0
    assert folded_status(h) == status(ante, cid)


def test_abandoned_before_accept_by_reopens_with_no_contributor(bounties, ante, chain, contributor):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    abandon(bounties, cid, accepted)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.OPEN, record.terms.accept_by)
    assert (h.contributor, h.stake, h.promise_hash, h.accepted_at, h.deliver_by) == (None,) * 5
    assert h.abandoned_by == [contributor.address]
    assert h.forfeited == STAKE
    assert (h.to_funder, h.closed_at) == (None, None)
    assert h.record() == ChallengeRecord(record.terms, ZERO_ADDRESS, ZERO_HASH)
    assert h.escrow() == REWARD
    assert folded_status(h) == status(ante, cid)


def test_reopened_challenge_accepted_again_holds_the_new_contributor(bounties, ante, chain, contributor, stranger):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    abandon(bounties, cid, accepted)
    again, receipt = bounties.accept(cid, record, sender=stranger)
    h = history(ante, chain, cid)
    assert (h.state, h.contributor) == (State.ACCEPTED, stranger.address)
    assert h.accepted_at == block_time(chain, receipt)
    assert h.abandoned_by == [contributor.address]
    assert h.record() == again
    assert h.escrow() == REWARD + STAKE
    assert folded_status(h) == status(ante, cid)


def test_abandoned_after_accept_by_expires_keeping_contributor_and_deadline(bounties, ante, chain, contributor):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    deliver_by = bounties.deadline(cid)
    bounties.at(record.terms.accept_by + 1)
    receipt = abandon(bounties, cid, accepted)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.EXPIRED, deliver_by)
    assert h.contributor == contributor.address  # the contract's seal keeps it
    assert h.abandoned_by == [contributor.address]
    assert (h.forfeited, h.to_contributor, h.to_funder) == (STAKE, 0, REWARD)
    assert h.closed_at == block_time(chain, receipt)
    assert h.record() == accepted
    assert h.escrow() == 0
    assert folded_status(h) == status(ante, cid)


def test_token_challenge_is_in_its_token(bounties, ante, chain, token):
    terms = bounties.terms(token=token.address, reward=4 * ETHER, stake_bps=500)
    cid, record, _ = bounties.create(terms)
    accepted, _ = bounties.accept(cid, record)
    h = history(ante, chain, cid)
    assert h.token == token.address
    assert h.stake == ETHER // 5
    assert h.escrow() == 4 * ETHER + ETHER // 5
    assert folded_status(h) == status(ante, cid)


# --- every challenge at once ---------------------------------------------------------------------


def test_seal_state_and_deadline_match_the_chain_in_every_state(bounties, ante, chain, funder, stranger, token):
    ids = every_state(bounties, funder, stranger, token)
    folded = chronicle(ante, chain)
    states = {name: folded.challenges[cid].state for name, cid in ids.items()}
    assert set(states.values()) == set(State) - {State.NONE}
    assert sorted(folded.challenges) == list(range(1, ante.challengeCount() + 1))
    for cid, h in folded.challenges.items():
        assert folded_status(h) == status(ante, cid), f"challenge {cid} ({h.state.label})"


def test_timeline_lists_a_challenges_events_in_order(bounties, ante, chain, stranger):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    abandon(bounties, cid, accepted)
    again, _ = bounties.accept(cid, record, sender=stranger)
    again, _ = bounties.submit(cid, again, sender=stranger)
    bounties.settle(cid, again, 10_000)
    h = history(ante, chain, cid)
    assert [type(e) for e in h.events] == [
        ev.ChallengeCreated, ev.ChallengeAccepted, ev.ChallengeAbandoned, ev.ChallengeAccepted,
        ev.ChallengeSubmitted, ev.ChallengeSettled,
    ]
    assert all(e.challenge_id == cid for e in h.events)
    assert [e.position for e in h.events] == sorted(e.position for e in h.events)


def test_abandon_after_accept_by_timeline_has_the_lapse_of_the_same_transaction(bounties, ante, chain):
    cid, record, _ = bounties.create()
    accepted, _ = bounties.accept(cid, record)
    bounties.at(record.terms.accept_by + 1)
    abandon(bounties, cid, accepted)
    abandoned, lapsed = history(ante, chain, cid).events[-2:]
    assert (type(abandoned), type(lapsed)) == (ev.ChallengeAbandoned, ev.ChallengeLapsed)
    assert abandoned.transaction_hash == lapsed.transaction_hash
    assert (abandoned.reopened, lapsed.state) == (False, State.EXPIRED)


# --- the ledger ----------------------------------------------------------------------------------


def test_credits_equal_the_contracts_for_every_account(bounties, ante, chain, funder, stranger, token):
    every_state(bounties, funder, stranger, token)
    folded = chronicle(ante, chain)
    contributor = bounties.contributor.address
    # Stranger still holds its challenge; a full pass in the token credits the funder nothing.
    assert set(folded.credits) == {
        (ZERO_ADDRESS, funder.address), (ZERO_ADDRESS, contributor), (token.address, contributor),
    }
    # ...but every funder and contributor is involved, and their credit (0 or not) is checked too.
    assert set(folded.accounts) == set(folded.credits) | {
        (ZERO_ADDRESS, stranger.address), (token.address, funder.address),
    }
    for token_address, account in folded.accounts:
        assert folded.credit(token_address, account) == ante.credit(token_address, account), (token_address, account)


def test_withdrawn_is_subtracted_from_the_credit(bounties, ante, chain, contributor, funder):
    cid, record = bounties.submitted_challenge()
    bounties.settle(cid, record, 10_000)
    before = chronicle(ante, chain).credits[(ZERO_ADDRESS, contributor.address)]
    ante.withdraw(ZERO_ADDRESS, sender=contributor)
    after = chronicle(ante, chain)
    assert before == REWARD + STAKE
    assert after.credits[(ZERO_ADDRESS, contributor.address)] == 0 == ante.credit(ZERO_ADDRESS, contributor)
    assert (ZERO_ADDRESS, funder.address) not in after.credits  # a full pass credits the funder nothing


def test_escrow_plus_owed_is_what_the_contract_holds_per_token(bounties, ante, chain, funder, stranger, token):
    every_state(bounties, funder, stranger, token)
    ante.withdraw(ZERO_ADDRESS, sender=funder)
    ante.withdraw(token.address, sender=bounties.contributor)
    folded = chronicle(ante, chain)
    # Live ether challenges: open, reopened (reward each), reaccepted, accepted, submitted, ruled (reward +
    # stake), appealed (reward + stake + a bond of 10% of the reward).
    assert folded.escrow(ZERO_ADDRESS) == 2 * REWARD + 5 * (REWARD + STAKE) + REWARD // 10
    assert folded.escrow(token.address) == 3 * ETHER  # only token_open is live
    assert folded.escrow(ZERO_ADDRESS) + folded.owed(ZERO_ADDRESS) == ante.balance
    assert folded.escrow(token.address) + folded.owed(token.address) == token.balanceOf(ante)
    assert folded.tokens == sorted([ZERO_ADDRESS, token.address], key=lambda a: int(a, 16))


def test_panels_are_folded_with_members_threshold_and_creator(ante, chain, panel_2of3, deployer, evaluators):
    panel = chronicle(ante, chain).panels[panel_2of3]
    assert panel == PanelView(panel_2of3, tuple(e.address for e in evaluators[:3]), 2, deployer.address)


# --- time, errors and JSON -----------------------------------------------------------------------


def test_time_left_counts_down_to_the_deadline_and_stops_when_final(bounties, ante, chain):
    cid, record, _ = bounties.create()
    h = history(ante, chain, cid)
    accept_by = record.terms.accept_by
    assert h.time_left(accept_by - 100) == 100
    assert h.time_left(accept_by) == 0  # deadlines are inclusive: still in time
    assert h.time_left(accept_by + 5) == -5  # past: it can be lapsed
    bounties.at(accept_by + 1)
    lapse(bounties, cid, record)
    assert history(ante, chain, cid).time_left(accept_by + 5) is None


def test_event_for_an_unknown_challenge_raises_a_clear_error(bounties, ante, chain):
    cid, record, _ = bounties.create()
    bounties.accept(cid, record)
    events = [e for e in read_events(ante, chain) if not isinstance(e, ev.ChallengeCreated)]
    with pytest.raises(HistoryError, match=rf"ChallengeAccepted for challenge {cid}, which was never created"):
        fold(events)


def test_a_stated_confidence_above_certainty_is_an_anomaly(bounties, ante, chain):
    """The contract refuses it, so a log that carries one did not come from it."""
    import dataclasses

    cid, record, _ = bounties.create()
    bounties.accept(cid, record, confidence=10_000)
    events = [dataclasses.replace(e, confidence_bps=10_001) if isinstance(e, ev.ChallengeAccepted) else e
              for e in read_events(ante, chain)]
    message = f"challenge {cid}: a stated confidence of 10001 basis points, above 10000"
    with pytest.raises(HistoryError, match=message):
        fold(events)
    assert [a.message for a in fold(events, strict=False).anomalies] == [message]
    assert fold(read_events(ante, chain)).challenges[cid].confidence_bps == 10_000


def test_event_out_of_lifecycle_raises_in_strict_mode_and_is_listed_otherwise(bounties, ante, chain):
    cid, record = bounties.submitted_challenge()
    events = [e for e in read_events(ante, chain) if not isinstance(e, ev.ChallengeAccepted)]
    message = rf"ChallengeSubmitted for challenge {cid}, which is open, not accepted"
    with pytest.raises(HistoryError, match=message):
        fold(events)
    lenient = fold(events, strict=False)
    [anomaly] = lenient.anomalies
    assert (anomaly.event, anomaly.challenge_id) == ("ChallengeSubmitted", cid)
    assert anomaly.message == message.replace("\\", "")
    assert lenient.challenges[cid].state == State.SUBMITTED  # applied as the chain reported it


def test_fold_sorts_events_into_chain_order(bounties, ante, chain):
    cid, record = bounties.submitted_challenge()
    events = read_events(ante, chain)
    assert folded_status(fold(reversed(events)).challenges[cid]) == status(ante, cid)


def test_history_json_has_stable_keys_and_exact_values(bounties, ante, chain, contributor):
    cid, record = bounties.submitted_challenge()
    data = json.loads(json.dumps(history(ante, chain, cid).to_json()))
    assert list(data) == [
        "challenge_id", "state", "deadline", "terms", "unreviewed_bps", "appeal_window", "appeal_panel_id",
        "appeal_bond_bps", "review_fee", "spec_uri", "created_at", "contributor", "stake",
        "promise_hash", "promise_uri", "promised_by", "confidence_bps", "accepted_at", "deliver_by", "deliverable",
        "deliverable_uri", "submitted_at", "review_by", "score", "to_contributor", "to_funder", "forfeited",
        "signers", "settled_at", "closed_at", "abandoned_by", "escrow", "co_funded", "funders", "shared",
        "to_creator", "unclaimed", "appeal", "review_fee_paid", "review_fee_returned", "seal", "events",
    ]
    assert (data["appeal_window"], data["appeal_panel_id"], data["appeal_bond_bps"], data["review_fee"]) == (
        0, 0, 0, "0")
    assert (data["appeal"], data["review_fee_paid"], data["review_fee_returned"]) == (None, None, None)
    assert (data["challenge_id"], data["state"], data["deadline"]) == (cid, "submitted", bounties.deadline(cid))
    assert data["terms"]["reward"] == str(REWARD) and data["terms"]["token"] == ZERO_ADDRESS
    assert data["unreviewed_bps"] == 10_000  # plain create: the contract's default
    assert data["terms"]["spec_hash"] == "0x" + record.terms.spec_hash.hex()
    assert (data["contributor"], data["stake"]) == (contributor.address, str(STAKE))
    assert data["promise_hash"] == "0x" + PROMISE.hex()
    assert data["deliverable"] == "0x" + record.deliverable.hex()
    assert (data["score"], data["to_contributor"], data["signers"]) == (None, None, [])
    assert (data["escrow"], data["forfeited"]) == (str(REWARD + STAKE), "0")
    assert (data["co_funded"], data["shared"], data["to_creator"], data["unclaimed"]) == (False, "0", None, "0")
    assert data["funders"] == [{"funder": record.terms.funder, "amount": str(REWARD), "share": None, "claimed": None}]
    assert int(data["seal"], 16) == status(ante, cid)[2] and len(data["seal"]) == 2 + 50
    assert [e["event"] for e in data["events"]] == ["ChallengeCreated", "ChallengeAccepted", "ChallengeSubmitted"]


def test_chronicle_json_lists_books_and_credits_as_decimal_strings(bounties, ante, chain, contributor):
    cid, record = bounties.submitted_challenge()
    bounties.settle(cid, record, 10_000)
    open_id = bounties.create()[0]
    data = json.loads(json.dumps(chronicle(ante, chain).to_json()))
    assert list(data) == ["events", "last_position", "challenges", "panels", "credits", "books", "anomalies"]
    assert data["books"] == {ZERO_ADDRESS: {"escrow": str(REWARD), "owed": str(REWARD + STAKE)}}
    assert data["credits"] == {ZERO_ADDRESS: {contributor.address: str(REWARD + STAKE)}}
    assert data["challenges"][str(open_id)]["state"] == "open"
    assert data["anomalies"] == []


# --- the appeal round and the review fee -------------------------------------------------------------

APPEAL_WINDOW = DAY
BOND_BPS = 1_500
FEE = 7  # an odd fee: two signers get 3 each and the creator the remainder of 1


def appeal_panel(ante, evaluators, deployer) -> int:
    """A second panel, of evaluators 4 to 6 (threshold 2), to decide appeals."""
    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    return int(ante.panelCount())


def ruled(bounties, ante, panel_id, score, fee=FEE):
    """A challenge with an appeal window and a review fee, submitted and ruled on at `score` by the first two
    evaluators; returns (id, record, receipt of the ruling)."""
    cid, record = bounties.submitted_challenge(options=(10_000, APPEAL_WINDOW, panel_id, BOND_BPS, fee))
    return cid, record, bounties.settle(cid, record, score)


def appeal_settle(bounties, ante, evaluators, cid, record, score, sender):
    """Settles an appealed challenge with evaluators 4 and 5's AppealVerdict at `score`."""
    from ante.verdict import AppealVerdict

    judges = sorted(evaluators[3:5], key=lambda a: int(a.address, 16))
    verdict = AppealVerdict(bounties.chain.chain_id, ante.address, cid, record.deliverable, score)
    return ante.settle(cid, record.as_tuple(), score, [j.address for j in judges],
                       [verdict.sign(j.key) for j in judges], sender=sender)


def balanced(ante, chain) -> bool:
    folded = chronicle(ante, chain)
    return folded.escrow(ZERO_ADDRESS) + folded.owed(ZERO_ADDRESS) == ante.balance


def test_a_recorded_verdict_pays_the_fee_at_once_and_the_score_once_its_window_closes(
        bounties, ante, chain, evaluators, deployer, funder, contributor):
    panel_id = appeal_panel(ante, evaluators, deployer)
    cid, record, receipt = ruled(bounties, ante, panel_id, 6_000)
    signers = tuple(sorted((e.address for e in evaluators[:2]), key=lambda a: int(a, 16)))
    h = history(ante, chain, cid)
    assert h.options.as_tuple() == (10_000, APPEAL_WINDOW, panel_id, BOND_BPS, FEE) == tuple(ante.optionsOf(cid))
    assert (h.state, h.deadline) == (State.RULED, block_time(chain, receipt) + APPEAL_WINDOW)
    assert folded_status(h) == status(ante, cid)
    assert (h.first_score, h.first_signers, h.score) == (6_000, signers, None)
    assert (h.fee_share, h.fee_signers, h.fee_held()) == (FEE // 2, signers, 0)
    assert h.escrow() == REWARD + STAKE and not h.is_final and h.acceptances[-1].running
    folded = chronicle(ante, chain)
    for signer in signers:
        assert folded.credit(ZERO_ADDRESS, signer) == FEE // 2 == ante.credit(ZERO_ADDRESS, signer)
    assert folded.credit(ZERO_ADDRESS, funder.address) == FEE % 2 == ante.credit(ZERO_ADDRESS, funder)
    assert balanced(ante, chain)

    bounties.at(h.deadline + 1)
    ante.finalize(cid, record.as_tuple(), sender=bounties.relayer)
    h = history(ante, chain, cid)
    to_contributor, to_funder = split_payout(REWARD, record.terms.stake_bps, 6_000)
    assert (h.state, h.score, h.signers) == (State.SETTLED, 6_000, ())
    assert (h.to_contributor, h.to_funder) == (to_contributor, to_funder)
    assert (h.appellant, h.bond, h.appellant_won) == (None, None, None)
    assert h.acceptances[-1].outcome == "settled" and h.acceptances[-1].score == 6_000
    assert folded_status(h) == status(ante, cid) and h.escrow() == 0
    assert chronicle(ante, chain).credit(ZERO_ADDRESS, contributor.address) == ante.credit(ZERO_ADDRESS, contributor)
    assert balanced(ante, chain)


def test_an_appeal_the_contributor_wins_pays_the_appeal_panels_score_and_returns_the_bond(
        bounties, ante, chain, evaluators, deployer, funder, contributor, stranger):
    panel_id = appeal_panel(ante, evaluators, deployer)
    cid, record, _ = ruled(bounties, ante, panel_id, 4_000)
    bond = -(-REWARD * BOND_BPS // 10_000)
    receipt = ante.appeal(cid, record.as_tuple(), sender=contributor, value=bond)
    h = history(ante, chain, cid)
    assert (h.state, h.deadline) == (State.APPEALED, block_time(chain, receipt) + record.terms.review_within)
    assert folded_status(h) == status(ante, cid)
    assert (h.appellant, h.bond, h.appealed_at) == (contributor.address, bond, block_time(chain, receipt))
    assert h.escrow() == REWARD + STAKE + bond and balanced(ante, chain)

    appeal_settle(bounties, ante, evaluators, cid, record, 7_000, stranger)
    h = history(ante, chain, cid)
    judges = tuple(sorted((e.address for e in evaluators[3:5]), key=lambda a: int(a, 16)))
    to_contributor, to_funder = split_payout(REWARD, record.terms.stake_bps, 7_000)
    assert (h.state, h.first_score, h.appeal_score, h.score) == (State.SETTLED, 4_000, 7_000, 7_000)
    assert (h.appellant_won, h.bond_to, h.appeal_signers, h.signers) == (True, contributor.address, judges, judges)
    assert (h.to_contributor, h.to_funder) == (to_contributor, to_funder)
    assert chronicle(ante, chain).credit(ZERO_ADDRESS, contributor.address) == to_contributor + bond \
        == ante.credit(ZERO_ADDRESS, contributor)
    assert folded_status(h) == status(ante, cid) and h.escrow() == 0 and balanced(ante, chain)
    data = json.loads(json.dumps(h.to_json()))
    first = sorted((e.address for e in evaluators[:2]), key=lambda a: int(a, 16))
    assert data["appeal"] == {
        "first_score": 4_000, "first_signers": first, "ruled_at": h.ruled_at, "appellant": contributor.address,
        "bond": str(bond), "appealed_at": h.appealed_at, "appeal_score": 7_000, "appeal_signers": list(judges),
        "appellant_won": True, "bond_to": contributor.address}
    assert data["review_fee_paid"] == {"share": str(FEE // 2), "signers": first}
    assert (data["review_fee"], data["review_fee_returned"], data["appeal_window"]) == (str(FEE), None, APPEAL_WINDOW)
    from ante.oracle.openapi import ChallengeFull

    ChallengeFull.model_validate(data)  # the oracle's API documents this form


def test_an_appeal_the_creator_loses_gives_the_bond_to_the_contributor(
        bounties, ante, chain, evaluators, deployer, funder, contributor, stranger):
    panel_id = appeal_panel(ante, evaluators, deployer)
    cid, record, _ = ruled(bounties, ante, panel_id, 5_000, fee=0)
    bond = -(-REWARD * BOND_BPS // 10_000)
    ante.appeal(cid, record.as_tuple(), sender=funder, value=bond)
    appeal_settle(bounties, ante, evaluators, cid, record, 5_000, stranger)  # not lower: the creator loses
    h = history(ante, chain, cid)
    assert (h.appellant, h.appellant_won, h.bond_to) == (funder.address, False, contributor.address)
    assert (h.fee_share, h.fee_held()) == (None, 0)
    to_contributor, _ = split_payout(REWARD, record.terms.stake_bps, 5_000)
    assert chronicle(ante, chain).credit(ZERO_ADDRESS, contributor.address) == to_contributor + bond \
        == ante.credit(ZERO_ADDRESS, contributor)
    assert folded_status(h) == status(ante, cid) and balanced(ante, chain)


def test_a_silent_appeal_panel_leaves_the_first_verdict_and_returns_the_bond(
        bounties, ante, chain, evaluators, deployer, funder):
    panel_id = appeal_panel(ante, evaluators, deployer)
    cid, record, _ = ruled(bounties, ante, panel_id, 3_000)
    bond = -(-REWARD * BOND_BPS // 10_000)
    ante.appeal(cid, record.as_tuple(), sender=funder, value=bond)
    bounties.at(bounties.deadline(cid) + 1)
    ante.finalize(cid, record.as_tuple(), sender=bounties.relayer)
    h = history(ante, chain, cid)
    _, to_funder = split_payout(REWARD, record.terms.stake_bps, 3_000)
    assert (h.state, h.score, h.appeal_score, h.appeal_signers) == (State.SETTLED, 3_000, None, ())
    assert (h.appellant_won, h.bond_to) == (False, funder.address)
    assert chronicle(ante, chain).credit(ZERO_ADDRESS, funder.address) == to_funder + bond + FEE % 2 \
        == ante.credit(ZERO_ADDRESS, funder)
    assert folded_status(h) == status(ante, cid) and balanced(ante, chain)


def test_a_review_fee_goes_back_to_the_creator_when_no_verdict_comes(bounties, ante, chain, funder):
    cancelled, record, _ = bounties.create(options=(10_000, 0, 0, 0, FEE))
    assert history(ante, chain, cancelled).escrow() == REWARD + FEE and balanced(ante, chain)
    ante.cancel(cancelled, record.as_tuple(), sender=funder)
    unreviewed, submitted = bounties.submitted_challenge(options=(2_500, 0, 0, 0, FEE))
    bounties.at(bounties.deadline(unreviewed) + 1)
    lapse(bounties, unreviewed, submitted)
    folded = chronicle(ante, chain)
    for cid in (cancelled, unreviewed):
        h = folded.challenges[cid]
        assert (h.fee_returned, h.fee_share, h.fee_held(), h.escrow()) == (FEE, None, 0, 0)
        assert type(h.events[-1]) is ev.ReviewFeeReturned
    assert folded.credit(ZERO_ADDRESS, funder.address) == REWARD + FEE + (REWARD - REWARD // 4) + FEE \
        == ante.credit(ZERO_ADDRESS, funder)
    assert balanced(ante, chain)


def test_an_appeals_rules_are_checked(bounties, ante, chain, evaluators, deployer, contributor, stranger):
    """A bond credited to the wrong party, or a fee paid unequally: the contract never does these."""
    import dataclasses

    panel_id = appeal_panel(ante, evaluators, deployer)
    cid, record, _ = ruled(bounties, ante, panel_id, 4_000)
    ante.appeal(cid, record.as_tuple(), sender=contributor, value=-(-REWARD * BOND_BPS // 10_000))
    appeal_settle(bounties, ante, evaluators, cid, record, 7_000, stranger)
    events = read_events(ante, chain)
    assert not fold(events, strict=False).anomalies
    wrong_bond = [dataclasses.replace(e, appellant_won=False, bond_to=record.terms.funder)
                  if isinstance(e, ev.AppealDecided) else e for e in events]
    [anomaly] = fold(wrong_bond, strict=False).anomalies
    assert anomaly.event == "AppealDecided" and anomaly.message == (
        f"challenge {cid}'s appeal is decided at 7000 (won False, bond to {record.terms.funder}), but the rules say "
        f"7000 (won True, bond to {contributor.address})")
    unequal = [dataclasses.replace(e, share=FEE // 2 + 1, remainder=0) if isinstance(e, ev.ReviewFeePaid) else e
               for e in events]
    with pytest.raises(HistoryError, match=f"a review fee of {FEE} paid to 2 signers is 3 each with a remainder of 1"):
        fold(unequal)
