"""ante.audit: replaying REAL events against the contract, and catching each kind of discrepancy.

A mixed scenario (every ending, ether and a token, withdrawals) must audit clean; then each test damages
one thing, either the chain (value forced into or out of the contract) or the replayed log (an event
dropped), and checks that exactly that discrepancy is reported, with its numbers.
"""

import json

import pytest

from ante import events as ev
from ante.audit import KINDS, AuditReport, ChainView, Discrepancy, ape_chain_view, audit, audit_contract
from ante.chain import event_fetcher
from ante.state import State
from ante.terms import ZERO_ADDRESS
from lifecycle import ETHER
from test_history import every_state

STAKE = ETHER // 10


@pytest.fixture
def scenario(bounties, ante, chain, funder, contributor, stranger, token):
    """Every state, in ether and a token, with withdrawals in both; returns the challenge ids by name."""
    ids = every_state(bounties, funder, stranger, token)
    ante.withdraw(ZERO_ADDRESS, sender=funder)
    ante.withdraw(ZERO_ADDRESS, sender=contributor)
    ante.withdraw(token.address, sender=contributor)
    return ids


def replay(ante, chain):
    """The deployment's complete log up to the head, and a view of the contract pinned at the head."""
    head = chain.blocks.head.number
    return list(event_fetcher(ante)(0, head)), ape_chain_view(ante, head)


def audited(ante, chain, drop=lambda event: False) -> AuditReport:
    """Audits the log with the events `drop` selects left out."""
    events, view = replay(ante, chain)
    return audit([e for e in events if not drop(e)], view)


def set_ether_balance(chain, ante, amount):
    chain.provider.make_request("anvil_setBalance", [ante.address, hex(amount)])


# --- clean ---------------------------------------------------------------------------------------


def test_mixed_scenario_audits_clean(scenario, ante, chain, token):
    events, _ = replay(ante, chain)
    report = audit_contract(ante)
    assert report.discrepancies == []
    assert report.clean is True
    assert report.block == chain.blocks.head.number
    assert report.events == len(events)
    assert report.challenges == ante.challengeCount() == len(scenario)
    assert report.tokens == 2  # ether and the token
    # Funder, contributor and stranger (who holds a re-accepted challenge) in ether; funder and
    # contributor in the token.
    assert report.accounts == 5
    assert report.summary().startswith(f"Clean: {len(events)} events replayed; {len(scenario)} challenges")


def test_audit_reads_the_contract_at_the_block_it_is_given(bounties, ante, chain):
    bounties.create()
    events, view = replay(ante, chain)
    bounties.create()  # after the pinned block: neither the events nor the view see it
    assert view.challenge_count() == ante.challengeCount() - 1
    assert audit(events, view).clean


def test_ape_chain_view_satisfies_the_protocol(ante):
    assert isinstance(ape_chain_view(ante), ChainView)


def test_progress_is_reported_for_every_read(scenario, ante, chain):
    events, view = replay(ante, chain)
    calls = []
    report = audit(events, view, progress=lambda done, total: calls.append((done, total)))
    total = 1 + report.challenges + report.accounts + report.tokens
    assert calls == [(done, total) for done in range(1, total + 1)]


# --- value forced in or out ------------------------------------------------------------------------


def test_ether_forced_into_the_contract_is_a_surplus(scenario, ante, chain):
    books = ante.balance
    set_ether_balance(chain, ante, books + 12_345)
    report = audited(ante, chain)
    [d] = report.discrepancies
    assert (d.kind, d.subject, d.expected, d.actual) == ("balance_surplus", ZERO_ADDRESS, books, books + 12_345)
    assert d.message.startswith(f"The contract holds {books + 12_345} wei of ether, 12345 more than the {books}")
    assert report.clean is False


def test_ether_missing_from_the_contract_is_a_shortfall(scenario, ante, chain):
    books = ante.balance
    set_ether_balance(chain, ante, books - 7)
    [d] = audited(ante, chain).discrepancies
    assert (d.kind, d.subject, d.expected, d.actual) == ("balance_shortfall", ZERO_ADDRESS, books, books - 7)
    assert d.message.startswith(f"The contract holds {books - 7} wei of ether, 7 less than the {books}")


def test_tokens_sent_straight_to_the_contract_are_a_surplus(scenario, ante, chain, token, funder):
    books = token.balanceOf(ante)
    token.transfer(ante, 777, sender=funder)
    [d] = audited(ante, chain).discrepancies
    assert (d.kind, d.subject, d.expected, d.actual) == ("balance_surplus", token.address, books, books + 777)
    assert f"of token {token.address}, 777 more than the {books}" in d.message


# --- events missing from the replay -----------------------------------------------------------------


def test_dropped_acceptance_mismatches_state_deadline_and_seal(scenario, ante, chain, bounties):
    cid = scenario["accepted"]
    state, deadline, seal = ante.challengeStatus(cid)
    report = audited(ante, chain, lambda e: isinstance(e, ev.ChallengeAccepted) and e.challenge_id == cid)
    kinds = {d.kind: d for d in report.discrepancies}
    assert list(kinds) == ["challenge_state", "challenge_deadline", "challenge_seal", "balance_surplus"]
    assert all(d.subject == f"challenge {cid}" for d in report.discrepancies[:3])
    state_d = kinds["challenge_state"]
    assert (state_d.expected, state_d.actual) == (State.OPEN, State.ACCEPTED)
    assert state_d.message == f"Challenge {cid} is accepted on chain, but the events leave it open."
    seal_d = kinds["challenge_seal"]
    assert seal_d.actual == seal != seal_d.expected
    assert f"seal is 0x{seal:050x} on chain" in seal_d.message
    assert kinds["challenge_deadline"].actual == deadline
    # Without the acceptance the stake is unaccounted for: the contract holds it on top of the books.
    surplus = kinds["balance_surplus"]
    assert surplus.actual - surplus.expected == STAKE


def test_dropped_acceptance_of_a_finished_challenge_is_a_replay_discrepancy(scenario, ante, chain):
    cid = scenario["settled"]
    report = audited(ante, chain, lambda e: isinstance(e, ev.ChallengeAccepted) and e.challenge_id == cid)
    [d] = report.discrepancies
    assert d.kind == "replay"
    assert d.message == f"ChallengeSubmitted for challenge {cid}, which is open, not accepted."
    events, _ = replay(ante, chain)
    [submitted] = [e for e in events if isinstance(e, ev.ChallengeSubmitted) and e.challenge_id == cid]
    assert d.subject == f"event {submitted.block_number}:{submitted.log_index}"


def test_dropped_withdrawal_mismatches_the_credit(scenario, ante, chain, contributor):
    events, _ = replay(ante, chain)
    [withdrawn] = [
        e for e in events
        if isinstance(e, ev.Withdrawn) and e.account == contributor.address and e.token == ZERO_ADDRESS
    ]
    report = audited(ante, chain, lambda e: e == withdrawn)
    credit = report.of_kind("credit")
    assert [(d.subject, d.expected, d.actual) for d in credit] == [
        (f"{ZERO_ADDRESS} {contributor.address}", withdrawn.amount, 0)
    ]
    assert credit[0].message == (
        f"{contributor.address} can withdraw 0 wei of ether on chain, "
        f"but the events leave it {withdrawn.amount} wei."
    )
    # The books then owe what was already paid out: the contract holds less than they say.
    [shortfall] = report.of_kind("balance_shortfall")
    assert shortfall.expected - shortfall.actual == withdrawn.amount


def test_challenge_missing_from_the_events_mismatches_the_count(scenario, ante, chain):
    last = ante.challengeCount()
    report = audited(ante, chain, lambda e: getattr(e, "challenge_id", None) == last)
    [count] = report.of_kind("challenge_count")
    assert (count.subject, count.expected, count.actual) == ("challenges", last - 1, last)
    assert count.message == f"The contract counts {last} challenges but the events create {last - 1}."
    [missing] = report.of_kind("challenge_state")
    # The scenario's last challenge is the appealed one.
    assert (missing.subject, missing.expected, missing.actual) == (f"challenge {last}", State.NONE, State.APPEALED)
    assert missing.message == f"Challenge {last} is appealed on chain, but the events never create it."


def test_a_challenges_own_unreviewed_share_audits_clean_and_a_dropped_one_mismatches(bounties, ante, chain):
    default_id = bounties.create()[0]
    cid, record = bounties.submitted_challenge(unreviewed_bps=2_500)
    assert audit_contract(ante).clean
    report = audited(ante, chain, lambda e: isinstance(e, ev.ChallengeOptionsSet))
    [d] = report.discrepancies
    assert (d.kind, d.subject, d.expected, d.actual) == (
        "options", f"challenge {cid}", (10_000, 0, 0, 0, 0), (2_500, 0, 0, 0, 0))
    assert d.message == f"Challenge {cid}'s Unreviewed share is 25% of the reward on chain, but the events give 100%."
    assert d.to_json()["expected"] == "10000/0/0/0/0" and d.subject != f"challenge {default_id}"
    # Once lapsed, the replay also finds the lapse paying what the default share would not.
    bounties.at(bounties.deadline(cid) + 1)
    ante.lapse(cid, record.as_tuple(), sender=bounties.relayer)
    kinds = [d.kind for d in audited(ante, chain, lambda e: isinstance(e, ev.ChallengeOptionsSet)).discrepancies]
    assert kinds[0] == "replay" and "options" in kinds


def test_an_appeal_round_and_its_fee_audit_clean_and_every_option_is_checked(bounties, ante, chain, evaluators,
                                                                              deployer, contributor):
    """Ruled, appealed, decided: the books (fee, bond) balance at every step; dropped options mismatch on each
    of the five fields."""
    from ante.verdict import AppealVerdict

    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    appeal_panel = int(ante.panelCount())
    options = (7_500, 3_600, appeal_panel, 2_000, 11)
    cid, record = bounties.submitted_challenge(options=options)
    assert audit_contract(ante).clean
    bounties.settle(cid, record, 3_000)
    assert audit_contract(ante).clean
    ante.appeal(cid, record.as_tuple(), sender=contributor, value=-(-record.terms.reward * 2_000 // 10_000))
    assert audit_contract(ante).clean
    judges = sorted(evaluators[3:5], key=lambda a: int(a.address, 16))
    verdict = AppealVerdict(chain.chain_id, ante.address, cid, record.deliverable, 8_000)
    ante.settle(cid, record.as_tuple(), 8_000, [j.address for j in judges], [verdict.sign(j.key) for j in judges],
                sender=bounties.relayer)
    assert audit_contract(ante).clean

    report = audited(ante, chain, lambda e: isinstance(e, ev.ChallengeOptionsSet))
    [d] = report.of_kind("options")
    assert (d.expected, d.actual) == ((10_000, 0, 0, 0, 0), options)
    assert d.message == (
        f"Challenge {cid}'s options disagree: its Unreviewed share is 7500 on chain but 10000 in the events; its "
        f"appeal window is 3600 on chain but 0 in the events; its appeal panel is {appeal_panel} on chain but 0 in "
        "the events; its appeal bond is 2000 on chain but 0 in the events; its review fee is 11 on chain but 0 in "
        "the events.")
    assert report.of_kind("replay")  # and the replay finds a ruling, a fee and a bond the defaults do not have


# --- the report ----------------------------------------------------------------------------------


def test_report_json_has_stable_keys_and_string_values(scenario, ante, chain):
    cid = scenario["accepted"]
    report = audited(ante, chain, lambda e: isinstance(e, ev.ChallengeAccepted) and e.challenge_id == cid)
    data = json.loads(json.dumps(report.to_json()))
    assert list(data) == ["clean", "block", "events", "challenges", "accounts", "tokens", "discrepancies"]
    assert data["clean"] is False and data["block"] == chain.blocks.head.number
    state, deadline, seal = ante.challengeStatus(cid)
    by_kind = {d["kind"]: d for d in data["discrepancies"]}
    assert all(list(d) == ["kind", "subject", "expected", "actual", "message"] for d in data["discrepancies"])
    assert (by_kind["challenge_state"]["expected"], by_kind["challenge_state"]["actual"]) == ("open", "accepted")
    assert by_kind["challenge_deadline"]["actual"] == str(deadline)
    assert by_kind["challenge_seal"]["actual"] == f"0x{seal:050x}"
    assert by_kind["balance_surplus"]["actual"] == str(ante.balance)


def test_discrepancy_kinds_are_reported_in_the_documented_order():
    class View:
        def challenge_count(self):
            return 1

        def challenge_status(self, challenge_id):
            return (1, 0, 0)

        def credit(self, token, account):
            return 0

        def balance(self, token):
            return 0

    report = audit([], View())
    assert [d.kind for d in report.discrepancies] == ["challenge_count", "challenge_state"]
    assert KINDS.index("challenge_count") < KINDS.index("challenge_state")
    with pytest.raises(ValueError, match="unknown discrepancy kind"):
        report.of_kind("nonsense")
    assert isinstance(report.discrepancies[0], Discrepancy)
