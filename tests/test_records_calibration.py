"""ante.records, calibration: the Brier score of stated confidences, and of the Kelly break-even, against verdicts.

The event lists are built by hand (no chain), so each case states exactly what it wants and the
expected scores are worked out below with fractions.
"""

import json
from fractions import Fraction

import pytest

from ante import events as ev
from ante.records import Records, RecordsError, calibration_words, compute
from ante.state import State
from ante.terms import ZERO_ADDRESS, Terms, split_payout, stake_for, to_checksum_address

FUNDER = to_checksum_address("0x" + "11" * 20)
ALICE = to_checksum_address("0x" + "aa" * 20)
BOB = to_checksum_address("0x" + "bb" * 20)
PANEL = tuple(to_checksum_address("0x" + f"{n:02x}" * 20) for n in (0xe1, 0xe2, 0xe3))
REWARD = 10**18
DAY = 86_400
T0 = 1_800_000_000


class Log:
    """A deployment's event log written by hand, one event per block, a minute apart."""

    def __init__(self):
        self.events = []
        self.block = 0
        self.terms = {}
        self.add(ev.PanelCreated, panel_id=1, creator=FUNDER, members=PANEL, threshold=2)

    def add(self, kind, at=None, **fields):
        self.block += 1
        self.events.append(kind(block_number=self.block, log_index=0, transaction_hash="0x" + "00" * 32,
                                timestamp=T0 + 60 * self.block if at is None else at, **fields))

    def post(self, stake_bps) -> int:
        cid = len(self.terms) + 1
        terms = Terms(funder=FUNDER, token=ZERO_ADDRESS, reward=REWARD, stake_bps=stake_bps, panel_id=1,
                      accept_by=T0 + 30 * DAY, deliver_within=30 * DAY, review_within=3 * DAY)
        self.terms[cid] = terms
        self.add(ev.ChallengeCreated, challenge_id=cid, funder=FUNDER, panel_id=1, terms=terms,
                 spec_uri="https://example.org/spec")
        return cid

    def accept(self, cid, confidence, who=ALICE):
        self.add(ev.ChallengeAccepted, challenge_id=cid, contributor=who, stake=self.terms[cid].stake,
                 deliver_by=T0 + 60 * (self.block + 1) + 30 * DAY, promise_hash=b"\x01" * 32,
                 promised_by=T0 + 10 * DAY, promise_uri="https://example.org/promise", confidence_bps=confidence)

    def submit(self, cid, who=ALICE):
        self.add(ev.ChallengeSubmitted, challenge_id=cid, contributor=who, deliverable=b"\x02" * 32,
                 review_by=T0 + 60 * (self.block + 1) + 3 * DAY, deliverable_uri="https://example.org/work")

    def settle(self, cid, score):
        to_contributor, to_funder = split_payout(REWARD, self.terms[cid].stake_bps, score)
        self.add(ev.ChallengeSettled, challenge_id=cid, score=score, to_contributor=to_contributor,
                 to_funder=to_funder, signers=PANEL[:2])

    def judged(self, stake_bps, confidence, score, who=ALICE) -> int:
        cid = self.post(stake_bps)
        self.accept(cid, confidence, who)
        self.submit(cid, who)
        self.settle(cid, score)
        return cid

    def abandon(self, cid, who=ALICE):
        self.add(ev.ChallengeAbandoned, challenge_id=cid, contributor=who, forfeited=self.terms[cid].stake,
                 reopened=True)

    def records(self) -> Records:
        return compute(self.events)


def test_brier_and_kelly_brier_over_the_judged_statements_only():
    log = Log()
    log.judged(1_000, 8_000, 10_000)  # (0.8 - 1)^2 = 1/25; break-even 0.1/1.1 = 1/11: (1/11 - 1)^2 = 100/121
    log.judged(2_500, 6_000, 0)  # (0.6 - 0)^2 = 9/25; break-even 0.25/1.25 = 1/5: (1/5)^2 = 1/25
    log.judged(0, 10_000, 5_000)  # (1 - 0.5)^2 = 1/4; no stake, break-even 0: (0 - 0.5)^2 = 1/4
    log.judged(1_000, 0, 10_000)  # stated nothing: not a forecast
    abandoned = log.post(1_000)
    log.accept(abandoned, 9_000)
    log.abandon(abandoned)  # no verdict came
    unreviewed = log.post(1_000)
    log.accept(unreviewed, 7_000)
    log.submit(unreviewed)
    log.add(ev.ChallengeLapsed, log.events[-1].review_by + 1, challenge_id=unreviewed, state=State.UNREVIEWED,
            to_contributor=stake_for(REWARD, 1_000) + REWARD, to_funder=0)  # nobody judged it by review-by
    in_progress = log.post(1_000)
    log.accept(in_progress, 5_000)
    log.submit(in_progress)  # no verdict yet

    alice = log.records().contributor(ALICE)
    assert alice.stated == 3
    assert [f.challenge_id for f in alice.forecasts] == [1, 2, 3]
    brier = (Fraction(1, 25) + Fraction(9, 25) + Fraction(1, 4)) / 3  # 13/60
    kelly = (Fraction(100, 121) + Fraction(1, 25) + Fraction(1, 4)) / 3  # 4503/12100
    assert (brier, kelly) == (Fraction(13, 60), Fraction(4503, 12100))
    assert alice.brier == float(brier)
    assert alice.kelly_brier == float(kelly)
    assert [f.break_even for f in alice.forecasts] == [Fraction(1, 11), Fraction(1, 5), 0]
    data = json.loads(json.dumps(alice.to_json()))
    assert data["calibration"] == {"stated": 3, "brier": float(brier), "kelly_brier": float(kelly)}
    assert calibration_words(alice) == ("Brier 0.217 over 3 stated confidences "
                                        "(the Kelly break-even scores 0.372; 0 is perfect)")


def test_perfect_and_worst_statements():
    log = Log()
    log.judged(1_000, 10_000, 10_000, who=ALICE)
    log.judged(1_000, 1, 0, who=ALICE)  # 1 basis point against a fail: (1/10000)^2
    log.judged(1_000, 10_000, 0, who=BOB)  # certain, and failed: the worst there is
    records = log.records()
    alice, bob = records.contributor(ALICE), records.contributor(BOB)
    assert alice.brier == float(Fraction(1, 10_000) ** 2 / 2)
    assert (bob.stated, bob.brier) == (1, 1.0)
    assert bob.kelly_brier == float(Fraction(1, 11) ** 2)


def test_a_reaccepted_challenge_scores_the_statement_that_was_judged():
    log = Log()
    cid = log.post(1_000)
    log.accept(cid, 9_000)
    log.abandon(cid)  # re-opened; this statement never meets a verdict
    log.accept(cid, 2_000, who=BOB)
    log.submit(cid, who=BOB)
    log.settle(cid, 0)
    records = log.records()
    assert records.contributor(ALICE).stated == 0
    bob = records.contributor(BOB)
    assert (bob.stated, bob.brier) == (1, float(Fraction(1, 25)))


def test_no_stated_confidence_means_no_calibration():
    log = Log()
    log.judged(1_000, 0, 10_000)
    alice = log.records().contributor(ALICE)
    assert alice.to_json()["calibration"] == {"stated": 0, "brier": None, "kelly_brier": None}
    assert calibration_words(alice) is None


def test_a_confidence_above_certainty_is_not_from_the_contract():
    log = Log()
    cid = log.post(1_000)
    log.accept(cid, 10_001)
    with pytest.raises(RecordsError, match="a stated confidence of 10001 basis points"):
        log.records()
