"""ante.records, promise closeness: lateness per delivery, its median and worst, the share on time.

The event lists are built by hand (no chain), so each case puts a delivery exactly where it wants it:
early, late, on the promised second, and promises that end with nothing delivered.
"""

import json

import pytest

from ante import events as ev
from ante.records import Records, compute, lateness_words
from ante.state import State
from ante.terms import ZERO_ADDRESS, Terms, split_payout, stake_for, to_checksum_address

# Checksummed, as ante.events writes addresses.
FUNDER = to_checksum_address("0x" + "11" * 20)
ALICE = to_checksum_address("0x" + "aa" * 20)
BOB = to_checksum_address("0x" + "bb" * 20)
PANEL = tuple(to_checksum_address("0x" + f"{n:02x}" * 20) for n in (0xe1, 0xe2, 0xe3))
REWARD, STAKE_BPS = 10**18, 1_000
STAKE = stake_for(REWARD, STAKE_BPS)
DAY, HOUR = 86_400, 3_600
T0 = 1_800_000_000
ACCEPT_BY = T0 + 30 * DAY


class Log:
    """A deployment's event log written by hand: one event per block, at the times the test names."""

    def __init__(self):
        self.events = []
        self.block = 0
        self.challenges = 0
        self.add(ev.PanelCreated, T0, panel_id=1, creator=FUNDER, members=PANEL, threshold=2)

    def add(self, kind, timestamp, **fields):
        self.block += 1
        self.events.append(kind(block_number=self.block, log_index=0, transaction_hash="0x" + "00" * 32,
                                timestamp=timestamp, **fields))

    def post(self) -> int:
        self.challenges += 1
        terms = Terms(funder=FUNDER, token=ZERO_ADDRESS, reward=REWARD, stake_bps=STAKE_BPS, panel_id=1,
                      accept_by=ACCEPT_BY, deliver_within=60 * DAY, review_within=3 * DAY)
        self.add(ev.ChallengeCreated, T0, challenge_id=self.challenges, funder=FUNDER, panel_id=1, terms=terms,
                 spec_uri="https://example.org/spec")
        return self.challenges

    def accept(self, cid, promised_by, who=ALICE, at=T0):
        self.add(ev.ChallengeAccepted, at, challenge_id=cid, contributor=who, stake=STAKE, deliver_by=at + 60 * DAY,
                 promise_hash=b"\x01" * 32, promised_by=promised_by, promise_uri="https://example.org/promise",
                 confidence_bps=0)

    def submit(self, cid, at, who=ALICE):
        self.add(ev.ChallengeSubmitted, at, challenge_id=cid, contributor=who, deliverable=b"\x02" * 32,
                 review_by=at + 3 * DAY, deliverable_uri="https://example.org/work")

    def settle(self, cid, score, at):
        to_contributor, to_funder = split_payout(REWARD, STAKE_BPS, score)
        self.add(ev.ChallengeSettled, at, challenge_id=cid, score=score, to_contributor=to_contributor,
                 to_funder=to_funder, signers=PANEL[:2])

    def delivered(self, promised_by, lateness, score=8_000, who=ALICE) -> int:
        """A challenge accepted with `promised_by`, submitted `lateness` seconds after it, then settled."""
        cid = self.post()
        self.accept(cid, promised_by, who=who)
        self.submit(cid, promised_by + lateness, who=who)
        if score is not None:
            self.settle(cid, score, promised_by + lateness + HOUR)
        return cid

    def defaulted(self, promised_by, who=ALICE) -> int:
        cid = self.post()
        self.accept(cid, promised_by, who=who)
        self.add(ev.ChallengeLapsed, T0 + 61 * DAY, challenge_id=cid, state=State.DEFAULTED, to_contributor=0,
                 to_funder=REWARD + STAKE)
        return cid

    def abandoned(self, promised_by, who=ALICE) -> int:
        cid = self.post()
        self.accept(cid, promised_by, who=who)
        self.add(ev.ChallengeAbandoned, T0 + DAY, challenge_id=cid, contributor=who, forfeited=STAKE, reopened=True)
        return cid

    def unreviewed(self, promised_by, lateness, who=ALICE) -> int:
        cid = self.delivered(promised_by, lateness, score=None, who=who)
        self.add(ev.ChallengeLapsed, promised_by + lateness + 4 * DAY, challenge_id=cid, state=State.UNREVIEWED,
                 to_contributor=STAKE + REWARD, to_funder=0)  # the default share: the whole reward
        return cid

    def records(self) -> Records:
        return compute(self.events)


PROMISED = T0 + 10 * DAY


def test_an_early_delivery_has_negative_lateness_and_is_on_time():
    log = Log()
    cid = log.delivered(PROMISED, -2 * DAY, score=9_000)
    r = log.records().contributor(ALICE)
    [d] = r.deliveries
    assert (d.challenge_id, d.promised_by, d.submitted_at) == (cid, PROMISED, PROMISED - 2 * DAY)
    assert (d.lateness, d.on_time, d.score) == (-2 * DAY, True, 9_000)
    assert (r.median_lateness, r.worst_lateness, r.on_time_share) == (-2 * DAY, -2 * DAY, 1.0)


def test_a_late_delivery_has_positive_lateness_and_is_not_on_time():
    log = Log()
    log.delivered(PROMISED, 3 * HOUR, score=10_000)
    r = log.records().contributor(ALICE)
    [d] = r.deliveries
    assert (d.lateness, d.on_time, d.score) == (3 * HOUR, False, 10_000)
    assert (r.median_lateness, r.worst_lateness, r.on_time_share) == (3 * HOUR, 3 * HOUR, 0.0)


def test_on_the_promised_second_is_on_time_and_one_second_after_is_late():
    log = Log()
    log.delivered(PROMISED, 0)
    log.delivered(PROMISED, 1)
    r = log.records().contributor(ALICE)
    assert [(d.lateness, d.on_time) for d in r.deliveries] == [(0, True), (1, False)]
    assert (r.delivered_on_time, r.on_time_share) == (1, 0.5)


def test_the_median_of_an_odd_count_is_the_middle_value():
    log = Log()
    for lateness in (5 * DAY, -DAY, 2 * HOUR, -3 * DAY, 0):  # out of order on purpose
        log.delivered(PROMISED, lateness)
    r = log.records().contributor(ALICE)
    assert r.median_lateness == 0  # sorted: -3d, -1d, 0, 2h, 5d
    assert r.worst_lateness == 5 * DAY


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    log = Log()
    for lateness in (-4 * DAY, DAY, -2 * DAY, 10 * DAY):
        log.delivered(PROMISED, lateness)
    r = log.records().contributor(ALICE)
    assert r.median_lateness == (-2 * DAY + DAY) // 2 == -HOUR * 12
    assert isinstance(r.median_lateness, int)
    # Middle values an odd number of seconds apart: the exact half, as a number.
    log = Log()
    for lateness in (-1, 2):
        log.delivered(PROMISED, lateness)
    r = log.records().contributor(ALICE)
    assert r.median_lateness == 0.5 and r.worst_lateness == 2


def test_when_every_delivery_was_early_the_worst_is_the_least_early():
    log = Log()
    for lateness in (-5 * DAY, -HOUR, -2 * DAY):
        log.delivered(PROMISED, lateness)
    r = log.records().contributor(ALICE)
    assert r.worst_lateness == -HOUR and r.median_lateness == -2 * DAY and r.on_time_share == 1.0


def test_undelivered_promises_count_in_the_share_but_not_in_the_median():
    log = Log()
    log.delivered(PROMISED, -DAY)
    log.delivered(PROMISED, 2 * DAY)
    log.delivered(PROMISED, -HOUR)
    log.defaulted(PROMISED)
    log.abandoned(PROMISED)
    r = log.records().contributor(ALICE)
    assert (r.delivered, r.delivered_on_time, r.undelivered) == (3, 2, 2)
    assert r.on_time_share == 2 / 5
    assert (r.median_lateness, r.worst_lateness) == (-HOUR, 2 * DAY)
    assert [d.lateness for d in r.deliveries] == [-DAY, 2 * DAY, -HOUR]


def test_nothing_delivered_yet_has_no_lateness_and_in_progress_is_not_counted():
    log = Log()
    cid = log.post()
    log.accept(cid, PROMISED)  # in progress, past its promise or not: not counted until it finishes
    r = log.records().contributor(ALICE)
    assert (r.deliveries, r.median_lateness, r.worst_lateness, r.on_time_share) == ([], None, None, None)
    log.defaulted(PROMISED)
    r = log.records().contributor(ALICE)
    assert (r.undelivered, r.median_lateness, r.worst_lateness, r.on_time_share) == (1, None, None, 0.0)


def test_a_delivery_awaiting_a_verdict_or_unreviewed_has_its_lateness_and_no_score():
    log = Log()
    log.unreviewed(PROMISED, -DAY)
    log.delivered(PROMISED, DAY, score=None)  # submitted, no verdict yet
    log.delivered(PROMISED, 0, score=0)  # settled at 0%: a score, not None
    r = log.records().contributor(ALICE)
    assert [(d.lateness, d.score) for d in r.deliveries] == [(-DAY, None), (DAY, None), (0, 0)]
    assert (r.median_lateness, r.on_time_share) == (0, 2 / 3)


def test_each_contributor_has_their_own_closeness():
    log = Log()
    log.delivered(PROMISED, -DAY, who=ALICE)
    log.delivered(PROMISED, 3 * DAY, who=BOB)
    records = log.records()
    assert records.contributor(ALICE).worst_lateness == -DAY
    assert records.contributor(BOB).worst_lateness == 3 * DAY


def test_closeness_in_json():
    log = Log()
    paid = log.delivered(PROMISED, -DAY, score=9_000)
    late = log.delivered(PROMISED, 2 * DAY, score=4_000)
    log.abandoned(PROMISED)
    c = log.records().to_json()["contributors"][ALICE]
    assert list(c)[-4:] == ["closeness", "calibration", "amounts", "appeals"]
    assert c["closeness"] == {
        "delivered": 2, "on_time": 1, "undelivered": 1, "on_time_share": 1 / 3,
        "median_lateness": DAY // 2, "worst_lateness": 2 * DAY,
        "deliveries": [
            {"challenge_id": paid, "promised_by": PROMISED, "submitted_at": PROMISED - DAY, "lateness": -DAY,
             "on_time": True, "score": 9_000},
            {"challenge_id": late, "promised_by": PROMISED, "submitted_at": PROMISED + 2 * DAY,
             "lateness": 2 * DAY, "on_time": False, "score": 4_000},
        ],
    }
    assert json.loads(json.dumps(c)) == c


@pytest.mark.parametrize("seconds, words", [
    (0, "exactly on time"),
    (-86_400, "1 day early"),
    (2 * 86_400, "2 days late"),
    (int(1.25 * 86_400), "1.2 days late"),
    (86_400 * 10 - 5, "10 days late"),
    (-3 * 3_600, "3 hours early"),
    (59 * 60 + 40, "1 hour late"),
    (-90, "2 minutes early"),
    (1, "1 second late"),
    (0.5, "0.5 seconds late"),
])
def test_lateness_in_words(seconds, words):
    assert lateness_words(seconds) == words
