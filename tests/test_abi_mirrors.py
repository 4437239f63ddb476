"""The Python mirrors of IAnte's types agree with the packaged ABI, field by field and width by width:
the terms, options and challenge tuples (their canonical types, field order and integer widths), every event
(name, argument names in order, and the kind each is read as), and the state enum (every error's sentence is checked in tests/test_errors.py).
A changed struct, event or error in the contract fails here before it can be misread anywhere else."""

import re

from ante import terms
from ante.abi import ante_abi
from ante.events import EVENT_TYPES
from ante.primitives import canonical_type
from ante.state import State

#: The ABI types each kind of event argument is read from.
KINDS = {
    "address": {"address"}, "addresses": {"address[]"}, "bytes32": {"bytes32"}, "str": {"string"},
    "bool": {"bool"}, "state": {"uint8"}, "terms": {terms.TERMS_ABI}, "options": {terms.OPTIONS_ABI},
    "int": {f"uint{n}" for n in range(8, 257, 8)} | {f"int{n}" for n in range(8, 257, 8)},
    "amount": {f"uint{n}" for n in range(8, 257, 8)},
}


def _entry(kind, name):
    [entry] = [e for e in ante_abi() if e.get("type") == kind and e.get("name") == name]
    return entry


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_terms_and_challenge_tuples_match_the_abi():
    [terms_input] = [i for i in _entry("function", "create")["inputs"] if i["name"] == "terms"]
    assert terms_input["internalType"] == "struct IAnteCore.Terms"
    assert canonical_type(terms_input) == terms.TERMS_ABI
    assert [c["name"] for c in terms_input["components"]] == list(terms._TERMS_FIELDS)
    assert [_snake(c["name"]) for c in terms_input["components"]] == list(terms.Terms.__dataclass_fields__)
    [challenge_input] = [i for i in _entry("function", "lapse")["inputs"] if i["name"] == "challenge"]
    assert challenge_input["internalType"] == "struct IAnteCore.Challenge"
    assert canonical_type(challenge_input) == terms.CHALLENGE_ABI
    assert [c["name"] for c in challenge_input["components"]] == ["terms", "contributor", "deliverable"]


def test_the_options_tuple_matches_the_abi():
    """``IAnte.Options``: what createWithOptions takes, ChallengeOptionsSet carries and optionsOf returns."""
    [options_input] = _entry("function", "createWithOptions")["inputs"][2:]
    [options_output] = _entry("function", "optionsOf")["outputs"]
    [options_arg] = [i for i in _entry("event", "ChallengeOptionsSet")["inputs"] if i["name"] == "options"]
    for item in (options_input, options_output, options_arg):
        assert item["internalType"] == "struct IAnteCore.Options"
        assert canonical_type(item) == terms.OPTIONS_ABI
        assert [c["name"] for c in item["components"]] == list(terms._OPTIONS_FIELDS)
        assert [_snake(c["name"]) for c in item["components"]] == list(terms.Options.__dataclass_fields__)
    widths = {_snake(c["name"]): c["type"] for c in options_input["components"]}
    assert {field: f"uint{bits}" for field, bits, _, _ in terms._OPTIONS_LIMITS} == widths


def test_the_default_options_are_the_contracts(bounties, ante):
    """A plain `create` reads back the mirrored defaults; a created option set reads back field by field."""
    plain, _, _ = bounties.create()
    assert terms.Options.from_event(ante.optionsOf(plain)) == terms.DEFAULT_OPTIONS
    own, _, _ = bounties.create(options=(2_500, 0, 0, 0, 7))
    assert terms.Options.from_event(ante.optionsOf(own)) == terms.Options(2_500, 0, 0, 0, 7)


def test_term_limits_are_the_contracts_widths():
    [terms_input] = [i for i in _entry("function", "create")["inputs"] if i["name"] == "terms"]
    widths = {_snake(c["name"]): c["type"] for c in terms_input["components"]}
    for field, bits, _, _ in terms._TERMS_LIMITS:
        assert widths[field] == f"uint{bits}", field
    assert {f for f, t in widths.items() if t.startswith("uint")} == {f for f, *_ in terms._TERMS_LIMITS}


def test_every_event_is_mirrored_with_its_arguments_in_order():
    abi_events = {e["name"]: e for e in ante_abi() if e.get("type") == "event" and e["name"] in EVENT_TYPES}
    declared = {e["name"] for e in ante_abi() if e.get("type") == "event"}
    # Only OpenZeppelin's own EIP712DomainChanged is not Ante's (it is never emitted: the domain is fixed).
    assert declared - set(EVENT_TYPES) == {"EIP712DomainChanged"}
    assert set(abi_events) == set(EVENT_TYPES)
    for name, cls in EVENT_TYPES.items():
        inputs = abi_events[name]["inputs"]
        assert [i["name"] for i in inputs] == [abi_name for abi_name, _, _ in cls.ARGS], name
        for item, (abi_name, attr, kind) in zip(inputs, cls.ARGS):
            assert canonical_type(item) in KINDS[kind], (name, abi_name, item["type"], kind)
            assert attr in cls.__dataclass_fields__, (name, attr)


def test_the_state_enum_is_the_contracts():
    status = _entry("function", "challengeStatus")
    assert status["outputs"][0]["internalType"] == "enum IAnteCore.State"
    assert [s.name for s in State] == ["NONE", "OPEN", "ACCEPTED", "SUBMITTED", "SETTLED", "CANCELLED",
                                       "EXPIRED", "DEFAULTED", "UNREVIEWED", "RULED", "APPEALED"]
    assert [s.name for s in State if s.is_final] == ["SETTLED", "CANCELLED", "EXPIRED", "DEFAULTED", "UNREVIEWED"]


#: What Ante's ABI has beyond IAnte's: its constructor and the errors of the OpenZeppelin contracts it is
#: built on (EIP712's ShortStrings, ReentrancyGuardTransient, SafeERC20, and Address, through which it delegates
#: to its appeal module), which a caller never needs.
NOT_IN_THE_INTERFACE = {("constructor", None), ("error", "InvalidShortString"), ("error", "StringTooLong"),
                        ("error", "ReentrancyGuardReentrantCall"), ("error", "SafeERC20FailedOperation"),
                        ("error", "FailedCall"), ("error", "AddressEmptyCode")}


def _abi_entries(abi) -> dict:
    """Each entry by (type, name), with what callers rely on: inputs and outputs (names and types, internal
    types left out, as they name the declaring contract), mutability and indexing."""
    def plain(entry):
        return {k: ([plain(i) for i in v] if k in ("inputs", "outputs", "components") else v)
                for k, v in entry.items() if k != "internalType"}
    return {(e["type"], e.get("name")): plain(e) for e in abi}


def test_the_interface_declares_every_function_event_and_error_of_the_contract(project):
    """`Ante is IAnte` makes the contract implement every function IAnte declares; this holds the other
    way: nothing a caller can reach on Ante is missing from IAnte, and the packaged ABI is that contract's."""
    declared = _abi_entries([e.model_dump(mode="json", by_alias=True) for e in project.IAnte.contract_type.abi])
    packaged = _abi_entries(ante_abi())
    assert {k for k in packaged if k not in declared} == NOT_IN_THE_INTERFACE
    assert {k for k in declared if k not in packaged} == set()
    for key, entry in declared.items():
        assert packaged[key] == entry, key
    assert sum(1 for kind, _ in declared if kind == "function") == 32


def test_the_constants_mirrored_in_python_are_the_contracts(ante):
    """``ante.terms`` mirrors the contract's constants the core computes with."""
    assert ante.DEFAULT_UNREVIEWED_BPS() == terms.DEFAULT_UNREVIEWED_BPS == 10_000
    assert ante.BPS() == terms.BPS
