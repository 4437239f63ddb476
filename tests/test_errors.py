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
        ante.accept(challenge_id, record.as_tuple(), keccak(text="p"), bounties.now + 60, "u", 0,
                    sender=bounties.contributor, value=1)
    error = info.value
    sentence = explain(type(error).__name__, error.inputs, ether)
    assert sentence == f"The stake must be {ether(record.terms.stake)}, you sent {ether(1)}."


# ------------------------------------------------------------------------------------------ one exception tree


def _package_exceptions():
    """Every exception class defined in a module of the installed `ante` package (CLI and oracle included)."""
    import importlib
    import inspect
    import pkgutil

    import ante.cli
    import ante.oracle

    names = {"ante"} | {info.name for package in (ante, ante.cli, ante.oracle)
                        for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")}
    found = []
    for name in sorted(names):
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            # A private class (history's _Skip) is control flow inside its module, never raised to a caller.
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__ and not cls.__name__.startswith("_"):
                found.append(cls)
    return found


def test_every_exception_the_package_defines_is_an_ante_error():
    found = _package_exceptions()
    names = {cls.__name__ for cls in found}
    assert {"VerdictError", "SignatureError", "RecordsError", "Rejected", "NotReady"} <= names
    outside = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in found if not issubclass(cls, AnteError))
    assert outside == []


def test_errors_keep_what_callers_caught_them_as():
    from ante.errors import BadInput
    from ante.records import RecordsError
    from ante.verdict import SignatureError, VerdictError

    assert issubclass(VerdictError, ValueError) and issubclass(VerdictError, BadInput)
    assert issubclass(SignatureError, VerdictError)
    assert issubclass(RecordsError, ValueError) and not issubclass(RecordsError, BadInput)


def _exit_code(error) -> int:
    from ante.cli.session import Session

    session = Session("ethereum:local:foundry", None, None, as_json=False, yes=True, verbose=False)
    with pytest.raises(SystemExit) as caught:
        with session.guard():
            raise error
    return caught.value.code


def test_the_command_line_exits_2_for_bad_input_and_1_for_a_refusal():
    from ante.oracle.admission import Rejected
    from ante.oracle.snapshots import NotReady
    from ante.records import RecordsError
    from ante.verdict import SignatureError, VerdictError

    assert _exit_code(VerdictError("the typed data is not an Ante Verdict.")) == 2
    assert _exit_code(SignatureError("the signature is not hex.")) == 2
    assert _exit_code(RecordsError("challenge 1 created twice")) == 1
    assert _exit_code(Rejected("not_member", "0x1 is not an evaluator on panel 1.")) == 1
    assert _exit_code(NotReady("the oracle has not read the chain yet.")) == 1
    assert _exit_code(refused("AnteQuorumNotMet", {"signers": 1, "threshold": 2})) == 1


def test_an_unreviewed_share_above_the_whole_reward_names_it_as_a_percentage():
    assert explain("AnteUnreviewedBpsInvalid", {"unreviewedBps": 10_001}) == (
        "The Unreviewed share must be 0% to 100% of the reward, not 100.01%."
    )
