"""One fold behind every view: the history fold's acceptances, and records as a projection of them.

The event lists are built by hand (no chain), with the closeness tests' log.
"""

import pytest

from ante import events as ev
from ante.history import fold
from ante.records import Records, RecordsError, compute
from ante.state import State
from test_records_closeness import ACCEPT_BY, ALICE, BOB, DAY, PROMISED, REWARD, STAKE, Log


def story() -> tuple[Log, dict[str, int]]:
    """Every way an acceptance ends, and one that has not."""
    log = Log()
    ids = {
        "settled": log.delivered(PROMISED, -DAY, score=9_000),
        "defaulted": log.defaulted(PROMISED),
        "unreviewed": log.unreviewed(PROMISED, DAY),
        "reaccepted": log.abandoned(PROMISED),
    }
    log.accept(ids["reaccepted"], PROMISED, who=BOB, at=log.events[-1].timestamp)
    log.submit(ids["reaccepted"], PROMISED + 5, who=BOB)
    ids["reopened_then_expired"] = log.abandoned(PROMISED)
    log.add(ev.ChallengeLapsed, ACCEPT_BY + 1, challenge_id=ids["reopened_then_expired"], state=State.EXPIRED,
            to_contributor=0, to_funder=REWARD)
    ids["late_abandon"] = cid = log.post()
    log.accept(cid, PROMISED, at=ACCEPT_BY - 10)
    log.add(ev.ChallengeAbandoned, ACCEPT_BY + 5, challenge_id=cid, contributor=ALICE, forfeited=STAKE, reopened=False)
    log.add(ev.ChallengeLapsed, ACCEPT_BY + 5, challenge_id=cid, state=State.EXPIRED, to_contributor=0,
            to_funder=REWARD)
    return log, ids


def test_the_fold_gives_each_challenge_its_acceptances_and_how_they_ended():
    log, ids = story()
    chronicle = fold(log.events)

    def ends(name):
        return [(a.contributor, a.outcome, a.payout, a.score, a.submitted_at)
                for a in chronicle.challenges[ids[name]].acceptances]

    settled = chronicle.challenges[ids["settled"]]
    assert ends("settled") == [(ALICE, "settled", settled.to_contributor, 9_000, PROMISED - DAY)]
    assert ends("defaulted") == [(ALICE, "defaulted", 0, None, None)]
    assert ends("unreviewed") == [(ALICE, "unreviewed", STAKE + REWARD, None, PROMISED + DAY)]  # paid, no score
    assert ends("reaccepted") == [(ALICE, "abandoned", 0, None, None), (BOB, "submitted", None, None, PROMISED + 5)]
    assert ends("reopened_then_expired") == [(ALICE, "expired", 0, None, None)]
    assert ends("late_abandon") == [(ALICE, "expired", 0, None, None)]
    [accepted] = chronicle.challenges[ids["settled"]].acceptances
    assert (accepted.stake, accepted.promised_by, accepted.confidence_bps, accepted.on_time) == (
        STAKE, PROMISED, None, True)
    with pytest.raises(AttributeError):
        accepted.outcome = "kept"  # frozen: a view cannot move the fold's state


def test_records_project_the_chronicle_they_are_given():
    log, ids = story()
    records = compute(log.events)
    alice = records.contributor(ALICE)
    assert (alice.accepted, alice.settled, alice.defaulted, alice.unreviewed, alice.abandoned, alice.in_progress) == (
        6, 1, 1, 1, 3, 0)
    assert records.contributor(BOB).in_progress == 1
    chronicle = fold(log.events)
    assert Records(chronicle).to_json() == records.to_json()
    # A chronicle that moves on is projected again when next read.
    projected = Records(chronicle)
    assert projected.funder(log.events[1].funder).active == 1
    log.settle(ids["reaccepted"], 10_000, PROMISED + DAY)
    chronicle.add(log.events[-1])
    assert projected.contributor(BOB).settled == 1 and projected.funder(log.events[1].funder).active == 0
    assert projected.to_json() == compute(log.events).to_json()


def test_a_lenient_chronicle_with_an_anomaly_gives_no_records():
    log, ids = story()
    events = [e for e in log.events if not isinstance(e, ev.ChallengeAccepted) or e.contributor != BOB]
    lenient = fold(events, strict=False)
    [anomaly] = lenient.anomalies
    with pytest.raises(RecordsError, match="ChallengeSubmitted for challenge .*, which is open, not accepted"):
        Records(lenient).contributors
    with pytest.raises(RecordsError, match="which is open, not accepted"):
        compute(events)
    assert Records(fold(log.events, strict=False)).to_json() == compute(log.events).to_json()
