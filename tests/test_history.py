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
    assert history(ante, chain, cid).unreviewed_bps == 10_000 == ante.unreviewedShareOf(cid)
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
    """createWithUnreviewedShare: the share comes from UnreviewedShareSet, the preview of the lapse is what the
    contract pays (3333 bps of an odd reward rounds the contributor's part down), and the fold, strict, checks
    the ChallengeLapsed against it."""
    reward = REWARD + 1
    cid, record = bounties.submitted_challenge(bounties.terms(reward=reward), unreviewed_bps=bps)
    stake = record.terms.stake
    before = history(ante, chain, cid)
    assert before.unreviewed_bps == bps == ante.unreviewedShareOf(cid)
    paid = reward * bps // 10_000
    assert before.unreviewed_payout() == (stake + paid, reward - paid)
    assert [type(e).__name__ for e in before.events] == [
        "ChallengeCreated", "UnreviewedShareSet", "ChallengeAccepted", "ChallengeSubmitted"]
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

    as_default = [e for e in events if not isinstance(e, ev.UnreviewedShareSet)]
    [anomaly] = fold(as_default, strict=False).anomalies
    assert anomaly.event == "ChallengeLapsed" and anomaly.message == (
        f"challenge {cid} lapses to unreviewed paying {STAKE + REWARD // 2} and {REWARD // 2}, but from submitted "
        f"the contract lapses to unreviewed paying {STAKE + REWARD} and 0")

    too_much = [dataclasses.replace(e, unreviewed_bps=10_001) if isinstance(e, ev.UnreviewedShareSet) else e
                for e in events]
    messages = [a.message for a in fold(too_much, strict=False).anomalies]
    assert messages[0] == f"challenge {cid}: an Unreviewed share of 10001 basis points, above 10000"
    with pytest.raises(HistoryError, match="an Unreviewed share of 10001 basis points"):
        fold(too_much)

    later = [dataclasses.replace(e, transaction_hash="0x" + "ee" * 32) if isinstance(e, ev.UnreviewedShareSet) else e
             for e in events]
    [anomaly] = fold(later, strict=False).anomalies
    assert anomaly.message == f"challenge {cid} sets its Unreviewed share after the transaction that created it"


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
    # Live ether challenges: open, reopened (reward each), reaccepted, accepted, submitted (reward + stake).
    assert folded.escrow(ZERO_ADDRESS) == 2 * REWARD + 3 * (REWARD + STAKE)
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
        "challenge_id", "state", "deadline", "terms", "unreviewed_bps", "spec_uri", "created_at", "contributor", "stake",
        "promise_hash", "promise_uri", "promised_by", "confidence_bps", "accepted_at", "deliver_by", "deliverable",
        "deliverable_uri", "submitted_at", "review_by", "score", "to_contributor", "to_funder", "forfeited",
        "signers", "settled_at", "closed_at", "abandoned_by", "escrow", "co_funded", "funders", "shared",
        "to_creator", "unclaimed", "seal", "events",
    ]
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
