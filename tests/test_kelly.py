"""The Kelly helper: odds, Kelly fraction, break-even, expected value, the bankroll limit and the plain words."""

import dataclasses
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ante.kelly import KellyView, kelly
from ante.units import InputError, format_amount

ETHER = 10**18
TENTH = ETHER // 10


def message(call, *args, **kwargs) -> str:
    """The InputError message that `call` raises."""
    with pytest.raises(InputError) as raised:
        call(*args, **kwargs)
    return str(raised.value)


# --- the design's example: p = 0.7, reward 1 ETH, stake 0.1 ETH -----------------------------------


def test_odds_are_reward_over_stake():
    assert kelly(0.7, ETHER, TENTH).odds == 10


def test_fraction_is_p_minus_loss_chance_over_odds():
    assert kelly(0.7, ETHER, TENTH).fraction == pytest.approx(0.7 - 0.3 / 10)


def test_break_even_is_one_over_one_plus_odds():
    assert kelly(0.7, ETHER, TENTH).break_even_p == pytest.approx(1 / 11)


def test_expected_value_in_base_units():
    assert kelly(0.7, ETHER, TENTH).expected_value == pytest.approx(0.67 * ETHER)


def test_expected_value_is_a_float():
    assert isinstance(kelly(0.7, ETHER, TENTH).expected_value, float)


def test_max_stake_is_fraction_of_bankroll():
    assert kelly(0.7, ETHER, TENTH, bankroll=5 * ETHER).max_stake == 3_350_000_000_000_000_000


def test_max_stake_is_none_without_bankroll():
    assert kelly(0.7, ETHER, TENTH).max_stake is None


def test_accepts_stake_within_kelly_limit():
    assert kelly(0.7, ETHER, TENTH, bankroll=5 * ETHER).should_accept


def test_accepts_positive_edge_without_bankroll():
    assert kelly(0.7, ETHER, TENTH).should_accept


def test_explain_the_design_example():
    lines = kelly(0.7, ETHER, TENTH, bankroll=5 * ETHER).explain(format_amount)
    assert lines == [
        "You risk 0.1 ETH to win 1 ETH (odds 10 to 1).",
        "You break even if you succeed more than 9.1% of the time; you believe 70%.",
        "Expected value: +0.67 ETH.",
        "Kelly says stake at most 67% of your bankroll (3.35 ETH of 5 ETH): accept.",
    ]


def test_explain_defaults_to_raw_base_units():
    assert kelly(0.7, ETHER, TENTH).explain()[0] == f"You risk {TENTH} to win {ETHER} (odds 10 to 1)."


def test_explain_without_bankroll_states_the_condition():
    assert kelly(0.7, ETHER, TENTH).explain(format_amount)[-1] == (
        "Kelly says stake at most 67% of your bankroll: accept if 0.1 ETH is no more than that."
    )


# --- the bankroll limit ----------------------------------------------------------------------------


def test_stake_above_kelly_limit_is_refused():
    # p = 0.1 at odds 10: f* = 0.1 - 0.9 / 10 = 0.01, so a 1 ETH bankroll allows 0.01 ETH, not 0.1 ETH.
    assert not kelly(0.1, ETHER, TENTH, bankroll=ETHER).should_accept


def test_explain_stake_above_kelly_limit():
    assert kelly(0.1, ETHER, TENTH, bankroll=ETHER).explain(format_amount)[-1] == (
        "Kelly says stake at most 1% of your bankroll (0.01 ETH of 1 ETH), less than the 0.1 ETH asked: do not accept."
    )


def test_stake_exactly_at_kelly_limit_is_accepted():
    # p = 0.6 at even odds: f* = 0.2 exactly (0.6 read as 6/10, not the float just below it).
    assert kelly(0.6, ETHER, ETHER, bankroll=5 * ETHER).should_accept


def test_stake_one_wei_over_kelly_limit_is_refused():
    assert not kelly(0.6, ETHER, ETHER, bankroll=5 * ETHER - 1).should_accept


def test_max_stake_rounds_down():
    assert kelly(0.6, ETHER, ETHER, bankroll=5 * ETHER - 1).max_stake == ETHER - 1


def test_exact_p_types_are_used_as_given():
    assert kelly(Fraction(1, 3), 3, 1, bankroll=9).max_stake == 1  # f* = 1/3 - (2/3) / 3 = 1/9


def test_decimal_p_is_exact():
    assert kelly(Decimal("0.6"), ETHER, ETHER, bankroll=5 * ETHER).max_stake == ETHER


# --- edge cases ------------------------------------------------------------------------------------


def test_zero_stake_has_infinite_odds():
    assert kelly(0.7, ETHER, 0).odds == math.inf


def test_zero_stake_fraction_is_p():
    assert kelly(0.7, ETHER, 0).fraction == 0.7


def test_zero_stake_breaks_even_at_zero():
    assert kelly(0.7, ETHER, 0).break_even_p == 0


def test_zero_stake_is_accepted_with_any_chance():
    assert kelly(0.01, ETHER, 0, bankroll=ETHER).should_accept


def test_zero_stake_explain_says_nothing_at_risk():
    assert kelly(0.7, ETHER, 0).explain(format_amount)[0] == "You risk nothing to win 1 ETH."


def test_zero_stake_without_bankroll_explain_accepts():
    assert kelly(0.7, ETHER, 0).explain(format_amount)[-1] == (
        "Kelly says stake at most 70% of your bankroll, and this challenge asks no stake: accept."
    )


def test_p_zero_with_zero_stake_is_not_accepted():
    assert not kelly(0, ETHER, 0).should_accept


def test_p_zero_expected_value_is_minus_stake():
    assert kelly(0, ETHER, TENTH).expected_value == -TENTH


def test_p_one_fraction_is_one():
    assert kelly(1, ETHER, TENTH).fraction == 1


def test_p_one_max_stake_is_whole_bankroll():
    assert kelly(1, ETHER, TENTH, bankroll=3 * ETHER).max_stake == 3 * ETHER


def test_p_one_stake_beyond_bankroll_is_refused():
    assert not kelly(1, ETHER, 2 * ETHER, bankroll=ETHER).should_accept


def test_negative_fraction():
    assert kelly(0.05, ETHER, TENTH).fraction == pytest.approx(0.05 - 0.95 / 10)


def test_negative_fraction_max_stake_is_zero():
    assert kelly(0.05, ETHER, TENTH, bankroll=ETHER).max_stake == 0


def test_negative_fraction_is_refused():
    assert not kelly(0.05, ETHER, TENTH).should_accept


def test_break_even_p_has_zero_fraction_and_is_refused():
    assert not kelly(0.5, ETHER, ETHER, bankroll=ETHER).should_accept


def test_explain_negative_edge():
    assert kelly(0.05, ETHER, TENTH, bankroll=ETHER).explain(format_amount)[2:] == [
        "Expected value: -0.045 ETH.",
        "Kelly says stake nothing, since your edge at these odds is not positive: do not accept.",
    ]


def test_explain_zero_expected_value_has_no_sign():
    assert kelly(0.5, ETHER, ETHER).explain(format_amount)[2] == "Expected value: 0 ETH."


def test_explain_marks_inexact_expected_value():
    # EV = (1/3) x 1 ETH - (2/3) x 0.1 ETH = 0.2666... ETH, not a whole number of wei.
    assert kelly(Fraction(1, 3), ETHER, TENTH).explain(format_amount)[2] == "Expected value: ~+0.266666 ETH."


def test_explain_marks_expected_value_with_a_fraction_of_a_base_unit():
    # EV = (1/3) x 10 - (2/3) x 1 = 8/3 base units, shown rounded toward zero.
    assert kelly(Fraction(1, 3), 10, 1).explain()[2] == "Expected value: ~+2."


def test_explain_fractional_odds():
    assert kelly(0.9, 2 * ETHER, 3 * ETHER // 2).explain(format_amount)[0] == (
        "You risk 1.5 ETH to win 2 ETH (odds 1.33 to 1)."
    )


def test_explain_tiny_break_even_is_not_shown_as_zero():
    assert kelly(0.5, 10_000, 1).explain()[1] == (
        "You break even if you succeed more than 0.01% of the time; you believe 50%."
    )


def test_explain_belief_just_below_one_is_not_shown_as_100_percent():
    assert kelly(0.9999, ETHER, TENTH).explain()[1].endswith("you believe 99.99%.")


def test_view_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        kelly(0.7, ETHER, TENTH).stake = 0


@given(
    p=st.floats(min_value=0, max_value=1),
    reward=st.integers(min_value=1, max_value=10**30),
    stake=st.integers(min_value=0, max_value=10**30),
    bankroll=st.integers(min_value=1, max_value=10**30),
)
def test_should_accept_iff_stake_within_max_stake(p, reward, stake, bankroll):
    view = kelly(p, reward, stake, bankroll)
    assert view.should_accept == (view.fraction > 0 and stake <= view.max_stake)


@given(
    p=st.floats(min_value=0, max_value=1),
    reward=st.integers(min_value=1, max_value=10**30),
    stake=st.integers(min_value=1, max_value=10**30),
)
def test_positive_fraction_iff_p_above_break_even(p, reward, stake):
    view = kelly(p, reward, stake)
    assert (view.fraction > 0) == (Fraction(repr(p)) > Fraction(stake, reward + stake))


# --- bad input -------------------------------------------------------------------------------------


def test_rejects_p_above_one():
    assert message(kelly, 1.5, ETHER, TENTH) == "the chance of success must be between 0 and 1, got 1.5."


def test_rejects_negative_p():
    assert message(kelly, -0.1, ETHER, TENTH) == "the chance of success must be between 0 and 1, got -0.1."


def test_rejects_nan_p():
    assert message(kelly, math.nan, ETHER, TENTH) == "the chance of success must be between 0 and 1, got nan."


def test_rejects_zero_reward():
    assert message(kelly, 0.7, 0, TENTH) == "the reward must be more than 0, got 0."


def test_rejects_negative_stake():
    assert message(kelly, 0.7, ETHER, -1) == "the stake cannot be negative, got -1."


def test_rejects_zero_bankroll():
    assert message(kelly, 0.7, ETHER, TENTH, 0) == "the bankroll must be more than 0, got 0."


def test_direct_construction_is_validated_too():
    assert message(KellyView, 2, ETHER, TENTH) == "the chance of success must be between 0 and 1, got 2."


def test_rejects_float_amounts():
    with pytest.raises(TypeError, match="the stake must be an integer amount in base units"):
        kelly(0.7, ETHER, 0.1)


def test_rejects_non_numeric_p():
    with pytest.raises(TypeError, match="the chance of success must be a number"):
        kelly("70%", ETHER, TENTH)


def test_rejects_decimal_nan_p():
    assert message(kelly, Decimal("NaN"), ETHER, TENTH) == "the chance of success must be between 0 and 1, got NaN."
