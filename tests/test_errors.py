"""Contract errors become one plain sentence with the numbers involved."""

import ape
import pytest
from eth_utils import keccak

from ante.errors import AnteError, ContractRefused, explain, refused

ETHER = 10**18


def ether(value):
    return f"{value / ETHER:g} ETH"


def test_wrong_stake_names_both_amounts():
    assert explain("AnteWrongStake", {"expected": ETHER // 10, "sent": ETHER // 20}, ether) == (
        "The stake must be 0.1 ETH, you sent 0.05 ETH."
    )


def test_wrong_state_names_the_state():
    assert explain("AnteWrongState", {"challengeId": 7, "state": 4}) == (
        "Challenge 7 is settled, so that is not possible now."
    )


def test_deadline_is_shown_in_utc():
    sentence = explain("AnteDeadlinePassed", {"challengeId": 1, "deadline": 59, "timestamp": 60})
    assert "passed at 1970-01-01 00:00:59 UTC (the chain's time is 1970-01-01 00:01 UTC)" in sentence


def test_times_read_as_everywhere_else():
    from ante.units import format_time

    for ts in (0, 59, 1_796_083_200, 1_796_083_201, 2**40 - 1):
        sentence = explain("AnteDeadlineNotPassed", {"challengeId": 1, "deadline": ts, "timestamp": 0})
        assert f"before its deadline, {format_time(ts)} (" in sentence


def test_unknown_error_still_reads_as_a_sentence():
    assert explain("SomethingElse", {"a": 1}) == "The contract refused with SomethingElse(a=1)."


def test_refused_is_an_ante_error_carrying_name_and_inputs():
    error = refused("AnteQuorumNotMet", {"signers": 1, "threshold": 2})
    assert isinstance(error, AnteError) and isinstance(error, ContractRefused)
    assert (error.name, error.inputs, str(error)) == (
        "AnteQuorumNotMet", {"signers": 1, "threshold": 2}, "1 verdicts agree but the panel needs 2."
    )


def test_every_error_the_contract_declares_has_a_sentence(ante):
    from ante.errors import _SENTENCES

    declared = {abi.name for abi in ante.contract_type.errors}
    missing = sorted(name for name in declared if name not in _SENTENCES)
    assert missing == []


def test_a_real_revert_decodes_to_its_sentence(bounties, ante):
    challenge_id, record, _ = bounties.create()
    with pytest.raises(ape.exceptions.ContractLogicError) as info:
        ante.accept(challenge_id, record.as_tuple(), keccak(text="p"), bounties.now + 60, "u",
                    sender=bounties.contributor, value=1)
    error = info.value
    sentence = explain(type(error).__name__, error.inputs, ether)
    assert sentence == f"The stake must be {ether(record.terms.stake)}, you sent {ether(1)}."
