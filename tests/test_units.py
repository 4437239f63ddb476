"""Parsing and formatting what people type: amounts, stakes, scores, probabilities, durations and times."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ante.units import (
    InputError,
    format_amount,
    format_duration,
    format_time,
    parse_amount,
    parse_duration,
    parse_probability,
    parse_score,
    parse_stake,
    parse_time,
)

ETHER = 10**18
GWEI = 10**9
DAY = 86_400
NOW = 1_764_374_400  # 2025-11-29 00:00 UTC
DEC_1_2026 = 1_796_083_200  # 2026-12-01 00:00 UTC


def message(call, *args, **kwargs) -> str:
    """The InputError message that `call` raises."""
    with pytest.raises(InputError) as raised:
        call(*args, **kwargs)
    return str(raised.value)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


# --- parse_amount ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.5 ether", 15 * 10**17),
        ("1.5 eth", 15 * 10**17),
        ("1.5 ETH", 15 * 10**17),
        ("1.5eth", 15 * 10**17),
        ("250 gwei", 250 * GWEI),
        ("1000 wei", 1000),
        ("1e18 wei", ETHER),
        ("1.5e-9 ether", 15 * 10**8),
        (".5 eth", ETHER // 2),
        ("  2 ether  ", 2 * ETHER),
        ("0 ether", 0),
        ("0.10 ether", ETHER // 10),  # trailing zeros beyond what is needed are harmless
    ],
)
def test_parse_amount_reads_ether_units(text, expected):
    assert parse_amount(text) == expected


def test_parse_amount_bare_number_is_whole_tokens():
    assert parse_amount("0.25") == ETHER // 4


def test_parse_amount_bare_number_uses_decimals():
    assert parse_amount("0.25", decimals=6) == 250_000


def test_parse_amount_word_tokens_uses_decimals():
    assert parse_amount("3 tokens", decimals=6) == 3_000_000


def test_parse_amount_ether_units_ignore_decimals():
    assert parse_amount("1 gwei", decimals=6) == GWEI


def test_parse_amount_accepts_underscores():
    assert parse_amount("1_000") == 1000 * ETHER


def test_parse_amount_accepts_thousands_separators():
    assert parse_amount("1,000,000.5 eth") == 1_000_000 * ETHER + ETHER // 2


def test_parse_amount_reads_the_token_symbol_when_given():
    assert parse_amount("1,000 TST", decimals=6, symbol="TST") == 1_000_000_000


def test_parse_amount_largest_uint256():
    assert parse_amount(f"{2**256 - 1} wei") == 2**256 - 1


def test_parse_amount_rejects_too_many_decimals_for_ether():
    assert message(parse_amount, "0.0000000000000000001 ether") == (
        "0.0000000000000000001 ether has more than 18 decimals, the most ether allows."
    )


def test_parse_amount_rejects_too_many_decimals_for_gwei():
    assert message(parse_amount, "0.0000000001 gwei") == (
        "0.0000000001 gwei has more than 9 decimals, the most gwei allows."
    )


def test_parse_amount_rejects_too_many_decimals_for_token():
    assert message(parse_amount, "0.0000001", decimals=6) == (
        "0.0000001 has more than 6 decimals, the most this token allows."
    )


def test_parse_amount_rejects_fraction_of_wei():
    assert message(parse_amount, "1.5 wei") == "1.5 wei is not a whole number of wei."


def test_parse_amount_rejects_fraction_of_token_without_decimals():
    assert message(parse_amount, "0.5", decimals=0) == "0.5 is not a whole number, and this token has no decimals."


def test_parse_amount_rejects_negative():
    assert message(parse_amount, "-1 eth") == "an amount cannot be negative, got -1 eth."


def test_parse_amount_rejects_empty():
    assert message(parse_amount, "   ") == "an amount is required, such as 1.5 ether."


def test_parse_amount_rejects_unknown_unit():
    assert message(parse_amount, "1 btc") == (
        '"btc" is not a known unit in "1 btc"; use ether, eth, gwei, wei or tokens.'
    )


def test_parse_amount_unknown_unit_lists_the_symbol():
    assert message(parse_amount, "1 usdc", decimals=6, symbol="TST") == (
        '"usdc" is not a known unit in "1 usdc"; use ether, eth, gwei, wei, tokens or TST.'
    )


@pytest.mark.parametrize("text", ["abc", "1,5 eth", "1__0", "1.2.3 eth", "~0.3 ETH", "."])
def test_parse_amount_rejects_non_numbers(text):
    assert message(parse_amount, text) == f'"{text}" is not an amount; write it like 1.5 ether, 250 gwei or 1000 wei.'


def test_parse_amount_rejects_more_than_256_bits():
    assert message(parse_amount, f"{2**256} wei") == f"{2**256} wei is too large for an amount."


def test_parse_amount_rejects_huge_exponent_without_computing_it():
    assert message(parse_amount, "1e999999999 ether") == "1e999999999 ether is too large for an amount."


def test_parse_amount_rejects_negative_decimals():
    with pytest.raises(ValueError, match="decimals must be at least 0"):
        parse_amount("1", decimals=-1)


# --- format_amount ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, decimals, symbol, expected",
    [
        (15 * 10**17, 18, "ETH", "1.5 ETH"),
        (ETHER // 10, 18, "ETH", "0.1 ETH"),
        (1000 * 10**6, 6, "TST", "1,000 TST"),
        (0, 18, "ETH", "0 ETH"),
        (1, 18, "ETH", "0.000000000000000001 ETH"),
        (1_234_567 * ETHER, 18, "ETH", "1,234,567 ETH"),
        (5, 0, "TST", "5 TST"),
        (ETHER + ETHER // 4, 18, "", "1.25"),
    ],
)
def test_format_amount_exact(amount, decimals, symbol, expected):
    assert format_amount(amount, decimals, symbol) == expected


def test_format_amount_marks_shortened_fraction():
    assert format_amount(ETHER // 3) == "~0.333333 ETH"


def test_format_amount_rounds_down_when_shortening():
    assert format_amount(2 * ETHER // 3) == "~0.666666 ETH"


def test_format_amount_counts_significant_digits_from_first_nonzero():
    assert format_amount(1_234_567_891) == "~0.00000000123456 ETH"


def test_format_amount_six_significant_digits_are_exact():
    assert format_amount(123_456 * 10**12) == "0.123456 ETH"


def test_format_amount_negative():
    assert format_amount(-ETHER // 2) == "-0.5 ETH"


def test_format_amount_rejects_negative_decimals():
    with pytest.raises(ValueError, match="decimals must be at least 0"):
        format_amount(1, decimals=-1)


@given(amount=st.integers(min_value=0, max_value=2**256 - 1), decimals=st.integers(min_value=0, max_value=30))
def test_format_then_parse_amount_round_trips(amount, decimals):
    text = format_amount(amount, decimals, "TST")
    parsed = parse_amount(text.removeprefix("~"), decimals, symbol="TST")
    if text.startswith("~"):
        assert parsed < amount
    else:
        assert parsed == amount


@given(whole=st.integers(min_value=0, max_value=10**12), fraction=st.integers(min_value=0, max_value=999_999))
def test_format_then_parse_ether_round_trips_when_short(whole, fraction):
    amount = whole * ETHER + fraction * 10**12
    text = format_amount(amount)
    assert not text.startswith("~")
    assert parse_amount(text) == amount


# --- parse_stake and parse_score -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, bps",
    [("10%", 1000), ("12.5%", 1250), ("0.01%", 1), ("1000", 1000), ("1000bps", 1000), ("1000 bps", 1000),
     ("1000 BPS", 1000), ("0%", 0), ("100%", 10000), ("10000", 10000), (" 10 % ", 1000)],
)
def test_parse_stake(text, bps):
    assert parse_stake(text) == bps


def test_parse_stake_rejects_more_than_100_percent():
    assert message(parse_stake, "120%") == "stake must be between 0% and 100%, got 120%."


def test_parse_stake_rejects_more_than_10000_bps():
    assert message(parse_stake, "12000") == "stake must be between 0% and 100%, got 12000 bps."


def test_parse_stake_rejects_negative():
    assert message(parse_stake, "-5%") == "stake must be between 0% and 100%, got -5%."


def test_parse_stake_rejects_fraction_of_a_basis_point():
    assert message(parse_stake, "12.345%") == "stake must be a whole number of basis points (0.01%), got 12.345%."


def test_parse_stake_rejects_empty():
    assert message(parse_stake, "") == "a stake is required, such as 10% or 1000bps."


def test_parse_stake_rejects_words():
    assert message(parse_stake, "ten") == (
        '"ten" is not a stake; give a percentage such as 10% or basis points such as 1000bps.'
    )


@given(st.integers(min_value=0, max_value=10_000))
def test_parse_stake_of_percent_text_is_exact(bps):
    assert parse_stake(f"{bps / 100}%") == bps


@pytest.mark.parametrize("text, bps", [("80%", 8000), ("8000", 8000), ("8000bps", 8000), ("pass", 10000),
                                       ("fail", 0), ("PASS", 10000), ("0", 0)])
def test_parse_score(text, bps):
    assert parse_score(text) == bps


def test_parse_score_rejects_out_of_range():
    assert message(parse_score, "101%") == "score must be between 0% and 100%, got 101%."


def test_parse_score_rejects_words():
    assert message(parse_score, "great") == (
        '"great" is not a score; give a percentage such as 10% or basis points such as 1000bps.'
    )


# --- parse_probability -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, p", [("70%", 0.7), ("0.7", 0.7), ("1", 1.0), ("0%", 0.0), ("12.5%", 0.125)])
def test_parse_probability(text, p):
    assert parse_probability(text) == p


def test_parse_probability_suggests_percent_for_bare_number_above_one():
    assert message(parse_probability, "70") == (
        "a probability must be between 0% and 100%, got 70 (for a percentage write 70%)."
    )


def test_parse_probability_rejects_more_than_100_percent():
    assert message(parse_probability, "150%") == "a probability must be between 0% and 100%, got 150%."


def test_parse_probability_rejects_words():
    assert message(parse_probability, "likely") == '"likely" is not a probability; write it like 70% or 0.7.'


def test_parse_probability_rejects_empty():
    assert message(parse_probability, "") == "a probability is required, such as 70% or 0.7."


# --- durations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [("36h", 36 * 3600), ("14d", 14 * DAY), ("90m", 5400), ("30s", 30), ("2w", 14 * DAY), ("1d12h", 36 * 3600),
     ("1d 12h", 36 * 3600), ("3600", 3600), ("1.5h", 5400), ("2 days", 2 * DAY), ("1D", DAY)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_zero():
    assert message(parse_duration, "0s") == "a duration must be positive, got 0s."


def test_parse_duration_rejects_negative():
    assert message(parse_duration, "-1d") == "a duration must be positive, got -1d."


def test_parse_duration_rejects_unknown_unit():
    assert message(parse_duration, "2mo") == '"mo" is not a unit of time in "2mo"; use w, d, h, m or s.'


def test_parse_duration_rejects_number_without_unit_after_parts():
    assert message(parse_duration, "1h30") == '"1h30" is not a duration; write it like 14d, 36h, 90m or 1d12h.'


def test_parse_duration_rejects_fraction_of_a_second():
    assert message(parse_duration, "0.5s") == "0.5s is not a whole number of seconds."


def test_parse_duration_rejects_empty():
    assert message(parse_duration, "") == "a duration is required, such as 14d or 36h."


@pytest.mark.parametrize("seconds, text", [(36 * 3600, "1d 12h"), (36 * 60, "36m"), (0, "0s"), (14 * DAY + 5, "14d 5s"),
                                           (DAY + 3661, "1d 1h 1m 1s"), (-7200, "-2h")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@given(st.integers(min_value=1, max_value=10**10))
def test_format_then_parse_duration_round_trips(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


# --- times -----------------------------------------------------------------------------------------


def test_parse_time_relative_days():
    assert parse_time("+14d", NOW) == NOW + 14 * DAY


def test_parse_time_relative_hours():
    assert parse_time("+36h", NOW) == NOW + 36 * 3600


def test_parse_time_date_means_end_of_that_day_utc():
    assert parse_time("2026-12-01", NOW) == DEC_1_2026 + DAY - 1


@pytest.mark.parametrize(
    "text", ["2026-12-01T12:00", "2026-12-01 12:00:00Z", "2026-12-01 12:00 UTC", "2026-12-01T12:00:00+00:00"]
)
def test_parse_time_utc_forms(text):
    assert parse_time(text, NOW) == DEC_1_2026 + 12 * 3600


def test_parse_time_honours_offset():
    assert parse_time("2026-12-01T12:00+02:00", NOW) == DEC_1_2026 + 10 * 3600


def test_parse_time_drops_fractions_of_a_second():
    assert parse_time("2026-12-01T12:00:00.9", NOW) == DEC_1_2026 + 12 * 3600


def test_parse_time_bare_integer_is_unix_timestamp():
    assert parse_time(str(DEC_1_2026), NOW) == DEC_1_2026


def test_parse_time_rejects_past_times():
    assert message(parse_time, "2020-01-01", NOW) == (
        "the time must be after now (2025-11-29 00:00 UTC), got 2020-01-01 23:59:59 UTC."
    )


def test_parse_time_rejects_now_itself():
    assert message(parse_time, str(NOW), NOW) == (
        "the time must be after now (2025-11-29 00:00 UTC), got 2025-11-29 00:00 UTC."
    )


def test_parse_time_allows_past_times_when_not_future():
    assert parse_time("1970-01-01T00:00Z", NOW, future=False) == 0


@pytest.mark.parametrize("text", ["2026-13-01", "tomorrow", "2026-12-01 25:00"])
def test_parse_time_rejects_non_times(text):
    assert message(parse_time, text, NOW) == (
        f'"{text}" is not a time; write it like +14d, 2026-12-01, 2026-12-01T12:00 or a unix timestamp.'
    )


def test_parse_time_rejects_empty():
    assert message(parse_time, " ", NOW) == "a time is required, such as +14d or 2026-12-01."


def test_parse_time_relative_needs_a_duration():
    assert message(parse_time, "+0s", NOW) == "a duration must be positive, got 0s."


def test_format_time_whole_minutes():
    assert format_time(DEC_1_2026 + 12 * 3600) == "2026-12-01 12:00 UTC"


def test_format_time_shows_seconds_when_not_zero():
    assert format_time(DEC_1_2026 + DAY - 1) == "2026-12-01 23:59:59 UTC"


def test_format_time_beyond_year_9999():
    assert format_time(2**40 - 1) == "unix time 1099511627775"


@given(st.integers(min_value=0, max_value=253_402_300_799))  # up to 9999-12-31 23:59:59
def test_format_then_parse_time_round_trips(timestamp):
    assert parse_time(format_time(timestamp), 0, future=False) == timestamp
