"""ante.events: typed events from decoded logs, and an exact JSON round trip for every event type."""

import json
from dataclasses import replace

import pytest
from eth_utils import keccak
from hexbytes import HexBytes

from ante import events as ev
from ante.state import State
from ante.terms import ZERO_ADDRESS, ChallengeRecord, Options, Terms
from ante.verdict import AppealVerdict

BIG = 2**200 + 12345  # an amount no float can hold: JSON must carry it exactly
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
CAROL = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
TX = "0x" + "ab" * 32
H1 = keccak(text="one")
H2 = keccak(text="two")
WHERE = dict(block_number=7, log_index=3, transaction_hash=TX, timestamp=1_800_000_000)

TERMS = Terms(
    funder=ALICE,
    token=ZERO_ADDRESS,
    reward=BIG,
    stake_bps=1_000,
    panel_id=4,
    accept_by=1_800_086_400,
    deliver_within=604_800,
    review_within=259_200,
    designated=BOB,
    spec_hash=H1,
)

#: One event of every type, with every field set away from its zero value.
SAMPLES = {
    "PanelCreated": ev.PanelCreated(panel_id=4, creator=ALICE, members=(BOB, CAROL), threshold=2, **WHERE),
    "ChallengeCreated": ev.ChallengeCreated(
        challenge_id=9, funder=ALICE, panel_id=4, terms=TERMS, spec_uri="ipfs://s", **WHERE
    ),
    "ChallengeOptionsSet": ev.ChallengeOptionsSet(challenge_id=9, options=Options(2_500, 86_400, 5, 1_500, BIG),
                                                  **WHERE),
    "ChallengeAccepted": ev.ChallengeAccepted(
        challenge_id=9, contributor=BOB, stake=BIG, deliver_by=1_800_604_800, promise_hash=H1,
        promised_by=1_800_100_000, promise_uri="ipfs://p", confidence_bps=7_500, **WHERE,
    ),
    "ChallengeSubmitted": ev.ChallengeSubmitted(
        challenge_id=9, contributor=BOB, deliverable=H2, review_by=1_800_400_000, deliverable_uri="ipfs://d", **WHERE
    ),
    "ChallengeSettled": ev.ChallengeSettled(
        challenge_id=9, score=6_000, to_contributor=BIG, to_funder=BIG + 1, signers=(BOB, CAROL), **WHERE
    ),
    "ChallengeRuled": ev.ChallengeRuled(challenge_id=9, score=6_000, appeal_by=1_800_500_000, signers=(BOB, CAROL),
                                        **WHERE),
    "ChallengeAppealed": ev.ChallengeAppealed(challenge_id=9, appellant=ALICE, bond=BIG, rule_by=1_800_700_000,
                                              **WHERE),
    "AppealDecided": ev.AppealDecided(challenge_id=9, score=3_000, appellant_won=True, bond_to=ALICE, bond=BIG,
                                      signers=(CAROL,), **WHERE),
    "ReviewFeePaid": ev.ReviewFeePaid(challenge_id=9, share=BIG, remainder=1, signers=(BOB, CAROL), **WHERE),
    "ReviewFeeReturned": ev.ReviewFeeReturned(challenge_id=9, fee=BIG, **WHERE),
    "ChallengeLapsed": ev.ChallengeLapsed(
        challenge_id=9, state=State.UNREVIEWED, to_contributor=BIG, to_funder=1, **WHERE
    ),
    "ChallengeCancelled": ev.ChallengeCancelled(challenge_id=9, refund=BIG, **WHERE),
    "ChallengeAbandoned": ev.ChallengeAbandoned(challenge_id=9, contributor=BOB, forfeited=BIG, reopened=True, **WHERE),
    "ChallengeFunded": ev.ChallengeFunded(challenge_id=9, funder=CAROL, amount=BIG, reward=BIG + 1, **WHERE),
    "FundersShared": ev.FundersShared(challenge_id=9, shared=BIG + 1, to_creator=1, **WHERE),
    "FunderClaimed": ev.FunderClaimed(challenge_id=9, funder=CAROL, amount=BIG, remainder=1, **WHERE),
    "Withdrawn": ev.Withdrawn(token=CAROL, account=BOB, amount=BIG, **WHERE),
}


def roundtrip(event):
    """Through to_json, a JSON text and back."""
    return ev.from_json(json.loads(json.dumps(ev.to_json(event))))


def test_samples_cover_every_event_type():
    assert set(SAMPLES) == set(ev.EVENT_TYPES)
    assert all(type(SAMPLES[name]) is cls and cls.NAME == name for name, cls in ev.EVENT_TYPES.items())


@pytest.mark.parametrize("name", sorted(ev.EVENT_TYPES))
def test_json_roundtrip_is_exact(name):
    event = SAMPLES[name]
    data = ev.to_json(event)
    assert data["event"] == name
    assert roundtrip(event) == event
    assert ev.to_json(roundtrip(event)) == data


def test_json_form():
    data = ev.to_json(SAMPLES["ChallengeCreated"])
    assert data == {
        "event": "ChallengeCreated",
        "block_number": 7,
        "log_index": 3,
        "transaction_hash": TX,
        "timestamp": 1_800_000_000,
        "challenge_id": 9,
        "funder": ALICE,
        "panel_id": 4,
        "terms": {
            "funder": ALICE,
            "token": ZERO_ADDRESS,
            "reward": str(BIG),
            "stake_bps": 1_000,
            "panel_id": 4,
            "accept_by": 1_800_086_400,
            "deliver_within": 604_800,
            "review_within": 259_200,
            "designated": BOB,
            "spec_hash": "0x" + H1.hex(),
        },
        "spec_uri": "ipfs://s",
    }
    settled = ev.to_json(SAMPLES["ChallengeSettled"])
    assert settled["to_contributor"] == str(BIG) and settled["signers"] == [BOB, CAROL]
    assert ev.to_json(SAMPLES["ChallengeLapsed"])["state"] == 8
    assert ev.to_json(SAMPLES["ChallengeAbandoned"])["reopened"] is True
    assert ev.to_json(SAMPLES["ChallengeAccepted"])["promise_hash"] == "0x" + H1.hex()
    assert ev.to_json(SAMPLES["ChallengeOptionsSet"]) == {
        "event": "ChallengeOptionsSet", **WHERE, "challenge_id": 9,
        "options": {"unreviewed_bps": 2_500, "appeal_window": 86_400, "appeal_panel_id": 5, "appeal_bond_bps": 1_500,
                    "review_fee": str(BIG)}}
    assert ev.to_json(SAMPLES["AppealDecided"])["bond"] == str(BIG)
    assert ev.to_json(SAMPLES["AppealDecided"])["appellant_won"] is True
    assert ev.to_json(SAMPLES["ReviewFeePaid"])["share"] == str(BIG)
    assert ev.to_json(SAMPLES["ReviewFeeReturned"])["fee"] == str(BIG)


def test_from_log_normalises_what_ape_decodes():
    """Ape gives the terms tuple as a list with lower-case addresses, bytes32 as HexBytes, a tx hash as HexBytes."""
    terms_list = [
        ALICE.lower(), ZERO_ADDRESS, BIG, 1_000, 4, 1_800_086_400, 604_800, 259_200, BOB.lower(), HexBytes(H1)
    ]
    event = ev.from_log(
        "ChallengeCreated",
        {"challengeId": 9, "funder": ALICE, "panelId": 4, "terms": terms_list, "specURI": "ipfs://s"},
        block_number=7, log_index=3, transaction_hash=HexBytes(TX), timestamp=1_800_000_000,
    )
    assert event == SAMPLES["ChallengeCreated"]
    assert isinstance(event.terms, Terms) and event.terms.funder == ALICE and event.terms.designated == BOB
    assert type(event.terms.spec_hash) is bytes
    assert event.transaction_hash == TX


def test_from_log_terms_as_mapping():
    terms = {
        "funder": ALICE, "token": ZERO_ADDRESS, "reward": BIG, "stakeBps": 1_000, "panelId": 4,
        "acceptBy": 1_800_086_400, "deliverWithin": 604_800, "reviewWithin": 259_200, "designated": BOB,
        "specHash": H1,
    }
    args = {"challengeId": 9, "funder": ALICE.lower(), "panelId": 4, "terms": terms, "specURI": "ipfs://s"}
    assert ev.from_log("ChallengeCreated", args, **WHERE) == SAMPLES["ChallengeCreated"]


def test_from_log_other_types():
    lapsed = ev.from_log(
        "ChallengeLapsed", {"challengeId": 9, "state": 8, "toContributor": BIG, "toFunder": 1}, **WHERE
    )
    assert lapsed == SAMPLES["ChallengeLapsed"] and lapsed.state is State.UNREVIEWED
    abandoned = ev.from_log(
        "ChallengeAbandoned", {"challengeId": 9, "contributor": BOB.lower(), "forfeited": BIG, "reopened": 1}, **WHERE
    )
    assert abandoned == SAMPLES["ChallengeAbandoned"] and abandoned.reopened is True
    accepted = ev.from_log(
        "ChallengeAccepted",
        {
            "challengeId": 9, "contributor": BOB, "stake": BIG, "deliverBy": 1_800_604_800,
            "promiseHash": "0x" + H1.hex(), "promisedBy": 1_800_100_000, "promiseURI": "ipfs://p",
            "confidenceBps": 7_500,
        },
        **WHERE,
    )
    assert accepted == SAMPLES["ChallengeAccepted"] and type(accepted.promise_hash) is bytes
    panel = ev.from_log(
        "PanelCreated",
        {"panelId": 4, "creator": ALICE, "members": [BOB.lower(), CAROL.lower()], "threshold": 2},
        **WHERE,
    )
    assert panel == SAMPLES["PanelCreated"] and panel.members == (BOB, CAROL)
    options = ev.from_log("ChallengeOptionsSet", {"challengeId": 9, "options": [2_500, 86_400, 5, 1_500, BIG]}, **WHERE)
    assert options == SAMPLES["ChallengeOptionsSet"] and isinstance(options.options, Options)
    assert type(options.options.review_fee) is int
    as_mapping = {"unreviewedBps": 2_500, "appealWindow": 86_400, "appealPanelId": 5, "appealBondBps": 1_500,
                  "reviewFee": BIG}
    assert ev.from_log("ChallengeOptionsSet", {"challengeId": 9, "options": as_mapping}, **WHERE) == options
    decided = ev.from_log("AppealDecided", {"challengeId": 9, "score": 3_000, "appellantWon": 1,
                                            "bondTo": ALICE.lower(), "bond": BIG, "signers": [CAROL.lower()]}, **WHERE)
    assert decided == SAMPLES["AppealDecided"] and decided.appellant_won is True


def test_from_log_rejects_unknown_event_and_bad_arguments():
    with pytest.raises(ValueError, match="unknown Ante event"):
        ev.from_log("Transfer", {}, **WHERE)
    with pytest.raises(ValueError, match="missing \\['refund'\\]"):
        ev.from_log("ChallengeCancelled", {"challengeId": 1}, **WHERE)
    with pytest.raises(ValueError, match="unexpected \\['extra'\\]"):
        ev.from_log("ChallengeCancelled", {"challengeId": 1, "refund": 5, "extra": 0}, **WHERE)
    with pytest.raises(ValueError):
        ev.from_log(
            "ChallengeSubmitted",
            {"challengeId": 1, "contributor": BOB, "deliverable": b"short", "reviewBy": 1, "deliverableURI": ""},
            **WHERE,
        )


def test_from_json_rejects_malformed():
    with pytest.raises(ValueError, match="no 'event' key"):
        ev.from_json({})
    with pytest.raises(ValueError, match="unknown Ante event"):
        ev.from_json({"event": "Nope"})
    data = ev.to_json(SAMPLES["Withdrawn"])
    del data["amount"]
    with pytest.raises(ValueError, match="missing \\['amount'\\]"):
        ev.from_json(data)


def test_events_are_frozen_and_ordered():
    event = SAMPLES["Withdrawn"]
    with pytest.raises(AttributeError):
        event.amount = 1
    assert event.position == (7, 3)


def test_real_events_from_the_chain(bounties, ante, chain, funder, contributor, stranger, evaluators, panel_2of3):
    """Every event type, emitted by the contract, decoded by Ape, converted and round-tripped through JSON."""
    receipts = []
    cid, record, receipt = bounties.create()
    receipts.append(receipt)
    accepted, receipt = bounties.accept(cid, record)
    receipts.append(receipt)
    receipts.append(ante.abandon(cid, accepted.as_tuple(), sender=contributor))  # re-opens
    accepted, receipt = bounties.accept(cid, record)
    receipts.append(receipt)
    submitted, receipt = bounties.submit(cid, accepted)
    receipts.append(receipt)
    receipts.append(bounties.settle(cid, submitted, 6_000))
    cancelled_id, cancelled, receipt = bounties.create()
    receipts.append(receipt)
    receipts.append(ante.cancel(cancelled_id, cancelled.as_tuple(), sender=funder))
    lapsed_id, lapsed, receipt = bounties.create()
    receipts.append(receipt)
    bounties.at(lapsed.terms.accept_by + 1)
    receipts.append(ante.lapse(lapsed_id, lapsed.as_tuple(), sender=funder))
    receipts.append(ante.withdraw(ZERO_ADDRESS, sender=funder))
    funded_id, funded, receipt = bounties.create()
    receipts.append(receipt)
    receipts.append(ante.fund(funded_id, funded.as_tuple(), 3, sender=stranger, value=3))
    funded = ChallengeRecord(replace(funded.terms, reward=funded.terms.reward + 3))
    receipts.append(ante.cancel(funded_id, funded.as_tuple(), sender=funder))
    receipts.append(ante.claim(funded_id, funded.as_tuple(), stranger.address, sender=contributor))
    shared_id, _, receipt = bounties.create(unreviewed_bps=2_500)
    receipts.append(receipt)
    receipts.append(ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=funder))
    # An appeal round and a review fee: the panel's verdict is recorded, the contributor appeals it, the
    # appeal panel raises the score; another challenge with a fee is cancelled and its fee returned.
    appeal_panel, fee = ante.panelCount(), 5
    appealed_id, appealed, receipt = bounties.create(options=(2_500, 3_600, appeal_panel, 1_000, fee))
    receipts.append(receipt)
    appealed, receipt = bounties.accept(appealed_id, appealed)
    receipts.append(receipt)
    appealed, receipt = bounties.submit(appealed_id, appealed)
    receipts.append(receipt)
    receipts.append(bounties.settle(appealed_id, appealed, 4_000))
    bond = -(-appealed.terms.reward * 1_000 // 10_000)
    receipts.append(ante.appeal(appealed_id, appealed.as_tuple(), sender=contributor, value=bond))
    judges = sorted(evaluators[3:5], key=lambda a: int(a.address, 16))
    on_appeal = AppealVerdict(chain.chain_id, ante.address, appealed_id, appealed.deliverable, 7_000)
    receipts.append(ante.settle(appealed_id, appealed.as_tuple(), 7_000, [j.address for j in judges],
                                [on_appeal.sign(j.key) for j in judges], sender=stranger))
    refunded_id, refunded, receipt = bounties.create(options=(10_000, 0, 0, 0, fee))
    receipts.append(receipt)
    receipts.append(ante.cancel(refunded_id, refunded.as_tuple(), sender=funder))

    events = [ev.from_contract_log(log) for receipt in receipts for log in receipt.events]
    assert {type(e).NAME for e in events} == set(ev.EVENT_TYPES)
    for event in events:
        assert roundtrip(event) == event
        assert event.timestamp == chain.blocks[event.block_number].timestamp
        assert event.transaction_hash.startswith("0x") and len(event.transaction_hash) == 66
    positions = [e.position for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)

    created = events[0]
    assert isinstance(created, ev.ChallengeCreated)
    assert (created.challenge_id, created.funder, created.panel_id) == (cid, funder.address, panel_2of3)
    assert created.terms == record.terms
    assert created.spec_uri == "ipfs://spec"
    assert created.transaction_hash == str(receipts[0].txn_hash).lower()

    first_accept, abandoned = events[1], events[2]
    assert first_accept.contributor == contributor.address and first_accept.stake == record.terms.stake
    assert first_accept.promise_hash == keccak(text="promise: ship it in a day")
    assert first_accept.promise_uri == "ipfs://promise"
    assert (abandoned.contributor, abandoned.forfeited, abandoned.reopened) == (
        contributor.address, record.terms.stake, True
    )

    submit, settled = events[4], events[5]
    assert submit.deliverable == submitted.deliverable and submit.deliverable_uri == "ipfs://deliverable"
    assert submit.review_by == ante.challengeStatus(cid)[1]
    pot = record.terms.reward + record.terms.stake
    assert (settled.score, settled.to_contributor, settled.to_funder) == (6_000, pot * 6 // 10, pot - pot * 6 // 10)
    assert settled.signers == tuple(sorted((e.address for e in evaluators[:2]), key=lambda a: int(a, 16)))

    lapse = next(e for e in events if isinstance(e, ev.ChallengeLapsed))
    assert (lapse.challenge_id, lapse.state, lapse.to_contributor, lapse.to_funder) == (
        lapsed_id, State.EXPIRED, 0, lapsed.terms.reward
    )
    withdrawn = next(e for e in events if isinstance(e, ev.Withdrawn))
    assert (withdrawn.token, withdrawn.account) == (ZERO_ADDRESS, funder.address)
    assert withdrawn.amount == (pot - pot * 6 // 10) + record.terms.stake + 2 * record.terms.reward
    fund = next(e for e in events if isinstance(e, ev.ChallengeFunded))
    assert (fund.challenge_id, fund.funder, fund.amount, fund.reward) == (
        funded_id, stranger.address, 3, funded.terms.reward
    )
    shared = next(e for e in events if isinstance(e, ev.FundersShared))
    own = funded.terms.reward - 3
    assert (shared.challenge_id, shared.shared, shared.to_creator) == (
        funded_id, funded.terms.reward, funded.terms.reward * own // funded.terms.reward
    )
    share = next(e for e in events if isinstance(e, ev.ChallengeOptionsSet))
    [share_created] = [e for e in events if isinstance(e, ev.ChallengeCreated) and e.challenge_id == shared_id]
    assert (share.challenge_id, share.options) == (shared_id, Options(unreviewed_bps=2_500))
    # Right after its ChallengeCreated, in the same transaction.
    assert share.transaction_hash == share_created.transaction_hash
    assert share.position == (share_created.block_number, share_created.log_index + 1)
    claimed = next(e for e in events if isinstance(e, ev.FunderClaimed))
    assert (claimed.challenge_id, claimed.funder, claimed.amount, claimed.remainder) == (funded_id, stranger.address, 3, 0)
    panel = [e for e in events if isinstance(e, ev.PanelCreated)][-1]
    assert panel.members == tuple(e.address for e in evaluators[3:6]) and panel.threshold == 2
    assert panel.creator == funder.address and panel.panel_id == ante.panelCount()

    appeal_options = [e for e in events if isinstance(e, ev.ChallengeOptionsSet)][1]
    assert appeal_options.options == Options(2_500, 3_600, panel.panel_id, 1_000, fee)
    paid = next(e for e in events if isinstance(e, ev.ReviewFeePaid))
    first_signers = tuple(sorted((e.address for e in evaluators[:2]), key=lambda a: int(a, 16)))
    assert (paid.challenge_id, paid.share, paid.remainder, paid.signers) == (appealed_id, fee // 2, fee % 2, first_signers)
    ruled = next(e for e in events if isinstance(e, ev.ChallengeRuled))
    assert (ruled.challenge_id, ruled.score, ruled.signers) == (appealed_id, 4_000, first_signers)
    assert ruled.appeal_by == ruled.timestamp + 3_600
    appeal = next(e for e in events if isinstance(e, ev.ChallengeAppealed))
    assert (appeal.challenge_id, appeal.appellant, appeal.bond) == (appealed_id, contributor.address, bond)
    assert appeal.rule_by == appeal.timestamp + appealed.terms.review_within
    decided = next(e for e in events if isinstance(e, ev.AppealDecided))
    assert (decided.challenge_id, decided.score, decided.appellant_won, decided.bond_to, decided.bond) == (
        appealed_id, 7_000, True, contributor.address, bond)
    assert decided.signers == tuple(j.address for j in judges)
    returned = next(e for e in events if isinstance(e, ev.ReviewFeeReturned))
    assert (returned.challenge_id, returned.fee) == (refunded_id, fee)
