"""A stateful property test: random lifecycles by several actors in ether and a token, against anvil.

A model predicts whether each action must succeed and what it pays; the contract must agree on every
step. After every step the books must balance for each token (the contract's balance equals the
escrowed rewards and stakes plus the unwithdrawn credits) and states may only move along the
lifecycle's diagram. At the end every deadline lapses, everyone withdraws and the contract must hold
nothing. Transactions go straight to anvil through web3 (one block per step, with the block's
timestamp set by the model) so that the thousands of steps stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from ante.state import TRANSITIONS, State
from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms, split_payout, stake_for

ETHER = 10**18
HOUR = 3_600
DAY = 86_400
GAS = 3_000_000
GAS_PRICE = 10**9

STEPS = {"count": 0, "examples": 0}


@dataclass
class Modelled:
    """What the model believes about one challenge."""

    challenge_id: int
    record: ChallengeRecord
    state: State
    deadline: int

    @property
    def token(self) -> str:
        return self.record.terms.token

    @property
    def escrow(self) -> int:
        terms = self.record.terms
        if self.state == State.OPEN:
            return terms.reward
        if self.state in (State.ACCEPTED, State.SUBMITTED):
            return terms.reward + terms.stake
        return 0


class Chain:
    """The parts of the chain the machine needs, deployed afresh for every example."""

    def __init__(self, w3, project, accounts, evaluators):
        self.w3 = w3
        self.project = project
        self.funders = [accounts[1].address, accounts[2].address]
        self.contributors = [accounts[3].address, accounts[4].address, accounts[5].address]
        self.actors = self.funders + self.contributors
        self.deployer = accounts[0].address
        self.evaluators = evaluators

    def contract(self, contract_type, address=None):
        abi = [entry.model_dump(mode="json", by_alias=True) for entry in contract_type.abi]
        if address is None:
            return self.w3.eth.contract(abi=abi, bytecode=contract_type.deployment_bytecode.bytecode)
        return self.w3.eth.contract(address=address, abi=abi)

    def deploy(self, contract_type, *args):
        factory = self.contract(contract_type)
        tx = factory.constructor(*args).transact({"from": self.deployer, "gas": 6_000_000, "gasPrice": GAS_PRICE})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.005)
        assert receipt.status == 1
        return self.contract(contract_type, receipt.contractAddress)


class AnteMachine(RuleBasedStateMachine):
    chain_env: Chain = None  # set by the test before running

    def __init__(self):
        super().__init__()
        env = self.chain_env
        self.w3 = env.w3
        self.env = env
        self.now = 0
        self.ante = env.deploy(env.project.Ante.contract_type)
        self.token = env.deploy(env.project.TestToken.contract_type, "Stateful", "STF", 18)
        for holder in env.actors:
            self._send(self.token.functions.mint(holder, 10**30), env.deployer, check=True, stamp=False)
            self._send(self.token.functions.approve(self.ante.address, 2**256 - 1), holder, check=True, stamp=False)
        evaluators = sorted(env.evaluators[:3], key=lambda a: int(a.address, 16))
        self.evaluators = evaluators
        self._send(self.ante.functions.createPanel([e.address for e in evaluators], 2), env.deployer, check=True, stamp=False)
        self.panel_id = self.ante.functions.panelCount().call()
        self.tokens = [ZERO_ADDRESS, self.token.address]
        self.now = self.w3.eth.get_block("latest").timestamp
        self.challenges: list[Modelled] = []
        self.credits: dict[tuple[str, str], int] = {}
        STEPS["examples"] += 1

    # ------------------------------------------------------------------ plumbing

    def _send(self, call, sender, value=0, check=False, stamp=True):
        """Sends one transaction in its own block, stamped one second after the model's clock."""
        if stamp:
            self.now += 1
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [self.now])
        tx = call.transact({"from": sender, "value": value, "gas": GAS, "gasPrice": GAS_PRICE})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.005)
        if check:
            assert receipt.status == 1, f"transaction failed: {call.fn_name}"
        if not stamp:
            self.now = max(self.now, self.w3.eth.get_block(receipt.blockNumber).timestamp)
        return receipt

    def _expect(self, ok: bool, call, sender, value=0):
        receipt = self._send(call, sender, value)
        assert receipt.status == (1 if ok else 0), (
            f"{call.fn_name} by {sender} {'should succeed' if ok else 'should revert'} at t={self.now}"
        )
        STEPS["count"] += 1
        return ok

    def _credit(self, token, account, amount):
        if amount:
            self.credits[(token, account)] = self.credits.get((token, account), 0) + amount

    def _move(self, c: Modelled, state: State, deadline: int | None = None):
        assert (c.state, state) in TRANSITIONS, f"model moved {c.state.name} -> {state.name}"
        c.state = state
        if deadline is not None:
            c.deadline = deadline

    def _check_onchain(self, c: Modelled, before: State):
        state, deadline, seal = self.ante.functions.challengeStatus(c.challenge_id).call()
        observed = State(state)
        assert observed == c.state, f"challenge {c.challenge_id}: chain says {observed.name}, model {c.state.name}"
        assert observed == before or (before, observed) in TRANSITIONS, f"{before.name} -> {observed.name} is not allowed"
        assert deadline == c.deadline
        assert seal == c.record.seal()

    def _pick(self, index: int) -> Modelled:
        return self.challenges[index % len(self.challenges)]

    # ------------------------------------------------------------------ rules

    @rule(
        funder=st.integers(0, 1),
        in_token=st.booleans(),
        reward=st.one_of(st.integers(1, 1000), st.integers(1, ETHER)),
        stake_bps=st.one_of(st.sampled_from([0, 1, 1000, 3333, 9999, 10_000]), st.integers(0, 10_000)),
        accept_window=st.sampled_from([0, 1, HOUR, DAY, 3 * DAY]),
        deliver_within=st.sampled_from([1, HOUR, DAY, 2 * DAY]),
        review_within=st.sampled_from([1, HOUR, DAY, 2 * DAY]),
    )
    def create(self, funder, in_token, reward, stake_bps, accept_window, deliver_within, review_within):
        sender = self.env.funders[funder]
        token = self.token.address if in_token else ZERO_ADDRESS
        accept_by = self.now + 1 + accept_window
        terms = Terms(sender, token, reward, stake_bps, self.panel_id, accept_by, deliver_within, review_within,
                      spec_hash=keccak(text=f"spec {len(self.challenges)}"))
        self._expect(True, self.ante.functions.create(terms.as_tuple(), "uri"), sender, 0 if in_token else reward)
        challenge_id = self.ante.functions.challengeCount().call()
        c = Modelled(challenge_id, ChallengeRecord(terms), State.NONE, 0)
        self._move(c, State.OPEN, accept_by)
        self.challenges.append(c)
        self._check_onchain(c, State.NONE)

    @precondition(lambda self: self.challenges)
    @rule(pick=st.integers(0, 10**6), who=st.integers(0, 4), exact=st.booleans() | st.just(True))
    def accept(self, pick, who, exact):
        c = self._pick(pick)
        sender = self.env.actors[who]
        terms = c.record.terms
        stake = terms.stake
        value = stake if exact else stake + 1
        t = self.now + 1
        ok = c.state == State.OPEN and t <= c.deadline and exact and sender != terms.funder
        call = self.ante.functions.accept(c.challenge_id, c.record.as_tuple(), keccak(text="promise"), t, "p")
        if terms.is_ether:
            sent = value
        else:
            sent = 0
            if not exact:  # for a token challenge, "inexact" means sending ether along
                sent = 1
        before = c.state
        if self._expect(ok, call, sender, sent):
            c.record = c.record.accepted_by(sender)
            self._move(c, State.ACCEPTED, t + terms.deliver_within)
        self._check_onchain(c, before)

    @precondition(lambda self: self.challenges)
    @rule(pick=st.integers(0, 10**6), by_contributor=st.booleans() | st.just(True))
    def submit(self, pick, by_contributor):
        c = self._pick(pick)
        contributor = c.record.contributor
        sender = contributor if by_contributor and contributor != ZERO_ADDRESS else self.env.contributors[0]
        t = self.now + 1
        ok = c.state == State.ACCEPTED and t <= c.deadline and sender == contributor
        deliverable = keccak(text=f"deliverable {c.challenge_id} {t}")
        before = c.state
        if self._expect(ok, self.ante.functions.submit(c.challenge_id, c.record.as_tuple(), deliverable, "d"), sender):
            c.record = c.record.submitted(deliverable)
            self._move(c, State.SUBMITTED, t + c.record.terms.review_within)
        self._check_onchain(c, before)

    @precondition(lambda self: self.challenges)
    @rule(
        pick=st.integers(0, 10**6),
        score=st.one_of(st.sampled_from([0, 1, 3333, 5000, 9999, 10_000]), st.integers(0, 10_000)),
        signers=st.sampled_from([(0, 1), (0, 2), (1, 2), (0, 1, 2), (1,)]),
        relayer=st.integers(0, 4),
    )
    def settle(self, pick, score, signers, relayer):
        c = self._pick(pick)
        t = self.now + 1
        ok = c.state == State.SUBMITTED and t <= c.deadline and len(signers) >= 2
        digest = self.ante.functions.verdictDigest(c.challenge_id, c.record.deliverable, score).call()
        chosen = [self.evaluators[i] for i in signers]
        sigs = [bytes(e.unsafe_sign_hash(digest).signature) for e in chosen]
        call = self.ante.functions.settle(c.challenge_id, c.record.as_tuple(), score, [e.address for e in chosen], sigs)
        before = c.state
        if self._expect(ok, call, self.env.actors[relayer]):
            terms = c.record.terms
            to_contributor, to_funder = split_payout(terms.reward, terms.stake_bps, score)
            self._credit(terms.token, c.record.contributor, to_contributor)
            self._credit(terms.token, terms.funder, to_funder)
            self._move(c, State.SETTLED)
        self._check_onchain(c, before)

    @precondition(lambda self: self.challenges)
    @rule(pick=st.integers(0, 10**6), caller=st.integers(0, 4))
    def lapse(self, pick, caller):
        c = self._pick(pick)
        t = self.now + 1
        ok = c.state in (State.OPEN, State.ACCEPTED, State.SUBMITTED) and t > c.deadline
        before = c.state
        if self._expect(ok, self.ante.functions.lapse(c.challenge_id, c.record.as_tuple()), self.env.actors[caller]):
            self._apply_lapse(c)
        self._check_onchain(c, before)

    def _apply_lapse(self, c: Modelled):
        terms = c.record.terms
        if c.state == State.OPEN:
            self._credit(terms.token, terms.funder, terms.reward)
            self._move(c, State.EXPIRED)
        elif c.state == State.ACCEPTED:
            self._credit(terms.token, terms.funder, terms.reward + terms.stake)
            self._move(c, State.DEFAULTED)
        else:
            self._credit(terms.token, c.record.contributor, terms.stake)
            self._credit(terms.token, terms.funder, terms.reward)
            self._move(c, State.UNREVIEWED)

    @precondition(lambda self: self.challenges)
    @rule(pick=st.integers(0, 10**6), by_funder=st.booleans())
    def cancel(self, pick, by_funder):
        c = self._pick(pick)
        terms = c.record.terms
        sender = terms.funder if by_funder else self.env.contributors[1]
        ok = c.state == State.OPEN and by_funder
        before = c.state
        if self._expect(ok, self.ante.functions.cancel(c.challenge_id, c.record.as_tuple()), sender):
            self._credit(terms.token, terms.funder, terms.reward)
            self._move(c, State.CANCELLED)
        self._check_onchain(c, before)

    @precondition(lambda self: self.challenges)
    @rule(pick=st.integers(0, 10**6), by_contributor=st.booleans() | st.just(True))
    def abandon(self, pick, by_contributor):
        c = self._pick(pick)
        terms = c.record.terms
        contributor = c.record.contributor
        sender = contributor if by_contributor and contributor != ZERO_ADDRESS else self.env.contributors[2]
        t = self.now + 1
        ok = c.state == State.ACCEPTED and t <= c.deadline and sender == contributor
        before = c.state
        if self._expect(ok, self.ante.functions.abandon(c.challenge_id, c.record.as_tuple()), sender):
            self._credit(terms.token, terms.funder, terms.stake)
            if t <= terms.accept_by:
                c.record = c.record.reopened()
                self._move(c, State.OPEN, terms.accept_by)
            else:  # expires; the seal still names the contributor who abandoned
                self._credit(terms.token, terms.funder, terms.reward)
                self._move(c, State.EXPIRED)
        self._check_onchain(c, before)

    @rule(who=st.integers(0, 4), in_token=st.booleans())
    def withdraw(self, who, in_token):
        account = self.env.actors[who]
        token = self.tokens[1 if in_token else 0]
        owed = self.credits.get((token, account), 0)
        assert self.ante.functions.credit(token, account).call() == owed
        if self._expect(owed > 0, self.ante.functions.withdraw(token), account):
            self.credits[(token, account)] = 0

    @rule(seconds=st.sampled_from([1, 60, HOUR, DAY, 2 * DAY, 4 * DAY]))
    def wait(self, seconds):
        self.now += seconds
        STEPS["count"] += 1

    # ------------------------------------------------------------------ invariants

    def _held(self, token: str) -> int:
        if token == ZERO_ADDRESS:
            return self.w3.eth.get_balance(self.ante.address)
        return self.token.functions.balanceOf(self.ante.address).call()

    @invariant()
    def books_balance(self):
        for token in self.tokens:
            escrow = sum(c.escrow for c in self.challenges if c.token == token)
            owed = sum(v for (t, _), v in self.credits.items() if t == token)
            assert self._held(token) == escrow + owed, f"books do not balance for {token}"

    def teardown(self):
        # Past every deadline, everything still live lapses; then everyone withdraws; nothing may remain.
        if not hasattr(self, "ante"):
            return
        live = [c for c in self.challenges if not c.state.is_final]
        if live:
            self.now = max(c.deadline for c in live)
        for c in live:
            before = c.state
            assert self._expect(True, self.ante.functions.lapse(c.challenge_id, c.record.as_tuple()), self.env.deployer)
            self._apply_lapse(c)
            self._check_onchain(c, before)
        for (token, account), owed in sorted(self.credits.items()):
            assert self.ante.functions.credit(token, account).call() == owed
            if owed:
                self._expect(True, self.ante.functions.withdraw(token), account)
        for token in self.tokens:
            assert self._held(token) == 0, f"contract still holds {self._held(token)} of {token} after everything settled"


def test_random_lifecycles_keep_the_books_balanced(chain, project, accounts, evaluators):
    AnteMachine.chain_env = Chain(chain.provider.web3, project, accounts, evaluators)
    before = STEPS["count"]
    run_state_machine_as_test(AnteMachine)
    assert STEPS["count"] > before
