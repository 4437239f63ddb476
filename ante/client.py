"""Ante on one chain, for the command line and the oracle: the contract, its deployment and its events.

Reads go through an :class:`ante.rpc.Node`: raw JSON-RPC over HTTP (no Ape needed) or Ape's connected
provider. Writes need a connected Ape provider (``ape.networks.parse_network_choice(...)``) and go
through `AnteClient.send`, which turns the contract's custom errors into `ContractRefused` with one
plain sentence, amounts in the challenge's token.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ante.primitives import keccak

from ante import artifacts
from ante.abi import ERC20_VIEWS
from ante.chain import ChainReader
from ante.rpc import ApeNode, Node, NodeRefused, quantity
from ante.events import Event
from ante.deployment import Deployment, Registry, data_dir
from ante.errors import AnteError, BadInput, ContractRefused, refused
from ante.feedback import EasDomain, Feedback
from ante.finality import Finality
from ante.history import Chronicle, ChallengeHistory, fold, seal_hex
from ante.index import EventIndex, Notice
from ante.state import State
from ante.terms import BPS, DEFAULT_OPTIONS, ZERO_ADDRESS, Options, Terms, to_checksum_address
from ante.transactions import TransactionPolicy
from ante.units import format_amount
from ante.verdict import AppealVerdict, SignedVerdict, Verdict, quorum

#: The ERC-20 functions the client calls through Ape: the views of ``ante.abi`` and ``approve``.
ERC20_ABI = [
    *ERC20_VIEWS,
    {"type": "function", "name": "approve", "stateMutability": "nonpayable",
     "inputs": [{"name": "s", "type": "address"}, {"name": "v", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
]


def contract_type():
    """The packaged Ante contract type (ABI and bytecode)."""
    return artifacts.contract_type("Ante")


def content_hash(data: bytes) -> bytes:
    """The hash Ante records for a document (spec, promise, deliverable): keccak-256 of its bytes."""
    return keccak(data)


def _symbol(answer: str) -> str:
    """An ERC-20 symbol from ``symbol()``'s answer: an ABI string, or the 32 bytes some old tokens return."""
    from ante.abi import erc20_views

    if answer in (None, "0x"):
        raise ValueError("no symbol")
    try:
        return erc20_views().decode("symbol", answer)[0]
    except Exception:
        raw = bytes.fromhex(answer[2:])
        if len(raw) != 32:
            raise ValueError("not a symbol") from None
        return raw.rstrip(b"\0").decode("utf-8", "replace")


def _same(a: str, b: str) -> bool:
    """Whether two addresses are the same, whatever their case."""
    return int(a, 16) == int(b, 16)


def _check_unreviewed_bps(unreviewed_bps: int | None) -> None:
    """Refuses, in the contract's words, an Unreviewed share outside 0..10000 basis points (None: the default)."""
    if unreviewed_bps is not None and not 0 <= unreviewed_bps <= BPS:
        raise refused("AnteUnreviewedBpsInvalid", {"unreviewedBps": unreviewed_bps})


def post_options(unreviewed_bps: int | None = None, options: Options | None = None) -> Options | None:
    """The options a post sends with ``createWithOptions``: `options` (default: the contract's defaults) with
    `unreviewed_bps` as its Unreviewed share when given; None when neither is given (a plain ``create``)."""
    if unreviewed_bps is None and options is None:
        return None
    options = options or DEFAULT_OPTIONS
    if unreviewed_bps is not None:
        options = Options(unreviewed_bps, options.appeal_window, options.appeal_panel_id, options.appeal_bond_bps,
                          options.review_fee)
    return options


def _check_appeal_terms(terms: Terms, options: Options, panel_count: int) -> None:
    """Refuses, in the contract's words, an appeal round ``createWithOptions`` would refuse: a panel or a bond
    without a window; with one, no such appeal panel, the challenge's own panel, or a bond outside 1..10000
    basis points; then deadlines past what 40 bits hold."""
    window, panel_id, bond_bps = options.appeal_window, options.appeal_panel_id, options.appeal_bond_bps
    invalid = {"appealWindow": window, "appealPanelId": panel_id, "appealBondBps": bond_bps}
    if window == 0:
        if panel_id or bond_bps:
            raise refused("AnteAppealTermsInvalid", invalid)
        return
    if not 0 < panel_id <= panel_count or panel_id == terms.panel_id or not 0 < bond_bps <= BPS:
        raise refused("AnteAppealTermsInvalid", invalid)
    latest = terms.accept_by + terms.deliver_within + 2 * terms.review_within + window
    if latest >= 2**40:
        raise refused("AnteDeadlinesOutOfRange", {"latestDeadline": latest})


def _check_is_ante(deployment: Deployment, node: Node) -> None:
    """Refuses an address whose contract is not Ante: it must compute Ante's EIP-712 verdict digest for its own
    address and chain (one ``eth_call``), which no other contract does by accident."""
    from ante.abi import ante_views

    probe = Verdict(deployment.chain_id, deployment.address, 1, bytes(32), 0)
    views = ante_views()
    try:
        answer = node.request("eth_call", [{"to": deployment.address,
                                            "data": views.encode("verdictDigest", 1, bytes(32), 0)}, "latest"])
        digest = views.decode("verdictDigest", answer)[0] if len(answer or "") == 66 else None
    except NodeRefused:  # reverted, or no such function: not Ante
        digest = None
    if digest != probe.digest():
        raise BadInput(f"the contract at {deployment.address} on chain {deployment.chain_id} is not an Ante "
                       "deployment (it does not compute Ante's verdict digest); check --contract.")


class AnteClient:
    """One deployment of Ante. Reads go through `node` (an :class:`ante.rpc.Node`; default: Ape's connected
    provider), so a reader over HTTP needs no Ape; writes (and `contract`, `chain`) need Ape connected."""

    #: How writes are simulated, sent and confirmed (fees, confirmations, progress); a front end sets its own.
    transactions: TransactionPolicy = TransactionPolicy()

    def __init__(self, deployment: Deployment, index_path: Path | None = None, *,
                 finality_depth: int | None = None, notice: Notice | None = None, node: Node | None = None):
        """`finality_depth`: blocks behind the head that count as final (default: ``ante.finality``'s
        rule for the chain); `notice`: told once, in a sentence, when the index rewinds or rebuilds
        (default: a warning on the ``ante`` logger); `node`: where reads go (default: Ape's provider)."""
        self.deployment = deployment
        self.node = node if node is not None else ApeNode()
        self._contract = None
        self.index_path = index_path or data_dir() / "index.sqlite"
        self.finality = Finality(deployment.chain_id, finality_depth)
        self.notice = notice
        self.reader = ChainReader(deployment.address, self.node)
        #: The last final block of the latest read (None before one): later events are unconfirmed.
        self.final_block: int | None = None
        self._tokens: dict[str, tuple[str, int]] = {ZERO_ADDRESS: ("ETH", 18)}
        self._panels: dict[int, tuple[list[str], int]] = {}  # panels are immutable: read each once
        # The events read from the index so far, the index's generation and the last block they cover: a
        # later call reads only the rows after it, unless the index dropped rows since (a new generation).
        self._read: tuple[str | None, int, list[Event]] = (None, -1, [])

    # ------------------------------------------------------------------ finding and deploying

    @classmethod
    def connect(cls, override: str | None = None, registry: Registry | None = None, *,
                finality_depth: int | None = None, node: Node | None = None, chain_id: int | None = None,
                **kwargs) -> AnteClient:
        """The deployment recorded for the chain `node` reaches (default: Ape's connected provider), or the
        one at `override` (`finality_depth` and the other keywords as for the constructor). `chain_id`, when
        the caller already checked it, saves asking the node."""
        node = node if node is not None else ApeNode()
        if chain_id is None:
            chain_id = quantity(node.request("eth_chainId"))
        deployment = (registry or Registry()).find(chain_id, override)
        code = node.request("eth_getCode", [deployment.address, "latest"])
        if not code or code == "0x":
            raise BadInput(
                f"there is no contract at {deployment.address} on chain {chain_id}; "
                "is this the right network? (`ante deploy` records a new deployment)"
            )
        if override:
            _check_is_ante(deployment, node)
        return cls(deployment, finality_depth=finality_depth, node=node, **kwargs)

    @classmethod
    def deploy(cls, sender, network: str = "", registry: Registry | None = None,
               policy: TransactionPolicy | None = None, **kwargs) -> AnteClient:
        """Deploys a new Ante and records it as this chain's deployment."""
        from ape import chain
        from ape.contracts import ContractContainer

        from ante.transactions import deploy

        registry = registry or Registry()
        registry.check_writable()  # before 3.4M gas is spent on a deployment nobody could find again
        eas, eas_note = cls._setup_eas(sender, registry, policy or cls.transactions)
        instance, receipt = deploy(ContractContainer(contract_type()), sender, policy or cls.transactions)
        recorded = {"eas": eas.eas, "eas_version": eas.version, "feedback_schema": eas.schema} if eas else {}
        deployment = Deployment(chain.chain_id, instance.address, receipt.block_number, network, **recorded)
        registry.record(deployment)
        client = cls(deployment, **kwargs)
        if policy is not None:
            client.transactions = policy
        client.receipt = receipt
        client.eas_setup, client.eas_note = eas, eas_note
        return client

    @staticmethod
    def _setup_eas(sender, registry: Registry, policy: TransactionPolicy):
        """(the chain's EAS with Ante's schema in it, None) for a new deployment: on a local chain the one
        recorded before if it is still there, else a new one; elsewhere EAS's published deployment. On a
        chain without EAS: (None, the sentence saying so), and Ante is deployed all the same."""
        from ape import chain

        from ante.deployment import DeploymentNotFound
        from ante.eas import EasUnavailable, setup

        try:
            known = registry.find(chain.chain_id).eas
        except DeploymentNotFound:
            known = ""
        try:
            return setup(sender, policy, known=known), ""
        except EasUnavailable as error:
            return None, str(error)

    @property
    def contract(self):
        """The deployment as an Ape contract instance, for sending (needs Ape connected)."""
        if self._contract is None:
            from ape import Contract

            self._contract = Contract(self.deployment.address, contract_type=contract_type())
        return self._contract

    @property
    def chain(self):
        """Ape's chain manager (needs Ape connected)."""
        from ape import chain

        return chain

    @property
    def address(self) -> str:
        return self.deployment.address

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    def now(self) -> int:
        """The latest block's timestamp: the chain's idea of now."""
        return quantity(self.reader.head()["timestamp"])

    def head(self) -> int:
        """The latest block's number."""
        return quantity(self.node.request("eth_blockNumber"))

    def _view(self, name: str, *args, to: str | None = None, views=None):
        """Calls a view function of Ante (or, with `to` and `views`, of another contract) at the head."""
        from ante.abi import ante_views

        views = views or ante_views()
        answer = self.node.request("eth_call", [{"to": to or self.address, "data": views.encode(name, *args)},
                                                "latest"])
        return views.decode(name, answer)

    # ------------------------------------------------------------------ reading

    def events(self, progress: Callable[[int, int], None] | None = None, head: int | None = None) -> list[Event]:
        """Every event up to `head` (default: the chain's head), in order: those of final blocks from the
        event index (brought up to date first), the later ones read fresh from the node. Sets
        `final_block`."""
        if head is None:
            head = self.head()
        final = min(head, self.finality.final_block(head, self.reader.tagged))
        with EventIndex(self.index_path, self.chain_id, self.address, self.deployment.block,
                        notice=self.notice) as index:
            index.sync(final, self.reader, progress=progress, block_hash=self.reader.block_hash)
            generation, last = index.generation, index.last_block
            known_generation, known, events = self._read
            if generation != known_generation:
                events = index.events()
            elif last != known:
                events = events + index.events(after_block=known)
            self._read = (generation, last, events)
        cached = [e for e in events if e.block_number <= head]
        # The index may stop short of `final` (a chain rolled back under the read): read the rest fresh.
        fresh = list(self.reader(last + 1, head)) if head > last else []
        self.final_block = min(final, last)
        return cached + fresh

    def sync(self, progress: Callable[[int, int], None] | None = None) -> Chronicle:
        """Brings the event index up to date and folds every event (final or not) into challenge histories."""
        return fold(self.events(progress))

    def challenge(self, challenge_id: int, chronicle: Chronicle | None = None) -> ChallengeHistory:
        """One challenge's history; a plain error if there is no such challenge."""
        chronicle = chronicle or self.sync()
        if challenge_id not in chronicle.challenges:
            count = len(chronicle.challenges)
            raise BadInput(
                f"there is no challenge {challenge_id} on this deployment"
                + (f" (ids run from 1 to {count})." if count else " (none has been posted yet).")
            )
        return chronicle.challenges[challenge_id]

    def token(self, address: str):
        from ape import Contract

        return Contract(address, abi=ERC20_ABI)

    def token_info(self, token: str) -> tuple[str, int]:
        """(symbol, decimals) of the reward token; ("ETH", 18) for ether."""
        from ante.abi import erc20_views

        token = to_checksum_address(token)
        if token not in self._tokens:
            views = erc20_views()
            calls = [("eth_call", [{"to": token, "data": views.encode(name)}, "latest"]) for name in ("symbol", "decimals")]
            try:
                symbol, decimals = self.node.batch(calls)
                self._tokens[token] = (_symbol(symbol), int(views.decode("decimals", decimals)[0]))
            except (NodeRefused, ValueError, TypeError) as error:
                reason = error.node_message if isinstance(error, NodeRefused) else "its answers do not decode"
                raise AnteError(f"{token} does not answer like an ERC-20 token ({reason or 'it reverted'}).") from None
        return self._tokens[token]

    def formatter(self, token: str) -> Callable[[int], str]:
        """A function that writes amounts of `token` for people ("1.5 ETH", "250 TST")."""
        symbol, decimals = self.token_info(token)
        return lambda amount: format_amount(int(amount), decimals, symbol)

    # ------------------------------------------------------------------ writing

    def send(self, method: str, *args, sender, value: int = 0, token: str = ZERO_ADDRESS):
        """Simulates, sends and confirms one transaction to Ante (``ante.transactions``, under the client's
        `transactions` policy); contract errors become `ContractRefused` sentences."""
        from ape.exceptions import ContractLogicError

        from ante.transactions import send

        if value and value > (balance := int(sender.balance)):
            fmt = self.formatter(ZERO_ADDRESS)
            raise AnteError(f"{sender.address} holds {fmt(balance)}, less than the {fmt(value)} to send (plus gas).")
        try:
            return send(getattr(self.contract, method), *args, sender=sender, value=value, policy=self.transactions)
        except ContractLogicError as error:
            inputs = getattr(error, "inputs", None)
            if inputs is not None:
                raise refused(type(error).__name__, inputs, self.formatter(token)) from error
            message = getattr(error, "revert_message", None) or str(error)
            raise AnteError(f"the contract refused: {message}") from error

    def create_panel(self, members: list[str], threshold: int, sender) -> tuple[int, object]:
        """Creates a panel; returns (panel id, receipt)."""
        receipt = self.send("createPanel", [to_checksum_address(m) for m in members], threshold, sender=sender)
        panel_id = receipt.events.filter(self.contract.PanelCreated)[0].panelId
        return int(panel_id), receipt

    def panel(self, panel_id: int) -> tuple[list[str], int]:
        """A panel's members and threshold, from the contract."""
        if panel_id not in self._panels:
            members, threshold = self._view("panel", panel_id)
            if not members:
                raise BadInput(f"there is no panel {panel_id}; create one with `ante panel create`.")
            self._panels[panel_id] = ([to_checksum_address(m) for m in members], int(threshold))
        members, threshold = self._panels[panel_id]
        return list(members), threshold

    # ------------------------------------------------------------------ refusals a read can predict

    def balance(self, token: str, address: str) -> int:
        """What `address` holds of `token` (ether for the zero address), at the chain's head."""
        from ante.abi import erc20_views

        if int(token, 16) == 0:
            return quantity(self.node.request("eth_getBalance", [to_checksum_address(address), "latest"]))
        return int(self._view("balanceOf", to_checksum_address(address), to=token, views=erc20_views())[0])

    def check_balance(self, token: str, address: str, amount: int) -> None:
        """Raises one sentence if `address` holds less than `amount` of `token` (the sentences of `send`
        and `ensure_allowance`, which would refuse it later)."""
        if amount <= 0 or (held := self.balance(token, address)) >= amount:
            return
        fmt = self.formatter(token)
        if int(token, 16) == 0:
            raise AnteError(f"{to_checksum_address(address)} holds {fmt(held)}, less than the {fmt(amount)} "
                            f"to send (plus gas).")
        raise AnteError(f"{to_checksum_address(address)} holds {fmt(held)}, less than the {fmt(amount)} needed.")

    def check_post(self, terms: Terms, address: str, unreviewed_bps: int | None = None, *,
                   options: Options | None = None) -> None:
        """Refuses, in the contract's words and in its order, what ``create`` (or, with `unreviewed_bps` or
        `options`, ``createWithOptions``) would refuse that a read can tell now: an Unreviewed share above
        10000 basis points, an appeal round's terms (see ``IAnte.Options``), a funder or a designated
        contributor on the appeal panel, a funder on the panel, a designated contributor who is the funder or
        on the panel, and a funder short of the reward and the review fee."""
        chosen = post_options(unreviewed_bps, options)
        fee = 0
        if chosen is not None:
            chosen.check_fits()
            _check_unreviewed_bps(chosen.unreviewed_bps)
            _check_appeal_terms(terms, chosen, int(self._view("panelCount")[0]) if chosen.appeal_window else 0)
            if chosen.appeal_window:
                appeal_members, _ = self.panel(chosen.appeal_panel_id)
                if any(_same(terms.funder, m) for m in appeal_members):
                    raise refused("AnteFunderOnPanel", {"panelId": chosen.appeal_panel_id,
                                                        "funder": to_checksum_address(terms.funder)})
                if int(terms.designated, 16) != 0 and any(_same(terms.designated, m) for m in appeal_members):
                    raise refused("AnteSelfDealing", {"account": to_checksum_address(terms.designated)})
            fee = chosen.review_fee
        members, _ = self.panel(terms.panel_id)
        if any(_same(terms.funder, m) for m in members):
            raise refused("AnteFunderOnPanel", {"panelId": terms.panel_id, "funder": to_checksum_address(terms.funder)})
        if int(terms.designated, 16) != 0:
            if _same(terms.designated, terms.funder) or any(_same(terms.designated, m) for m in members):
                raise refused("AnteSelfDealing", {"account": to_checksum_address(terms.designated)})
        self.check_balance(terms.token, address, terms.reward + fee)

    def check_accept(self, challenge: ChallengeHistory, address: str, now: int, confidence_bps: int = 0) -> None:
        """Refuses, in the contract's words and in its order, what ``accept`` by `address` would refuse
        that a read at chain time `now` can tell: a challenge not open, accept-by passed, reserved for
        someone else, self-dealing (the funder or a panel member), a stated confidence above 10000 basis
        points, and a stake `address` does not hold."""
        terms, cid = challenge.terms, challenge.challenge_id
        if challenge.state != State.OPEN:
            raise AnteError(f"challenge {cid} is {challenge.state.label}; only open challenges can be accepted.")
        if now > terms.accept_by:
            raise refused("AnteDeadlinePassed", {"challengeId": cid, "deadline": terms.accept_by, "timestamp": now})
        if int(terms.designated, 16) != 0 and not _same(terms.designated, address):
            raise refused("AnteNotDesignated", {"challengeId": cid, "designated": to_checksum_address(terms.designated),
                                                "caller": to_checksum_address(address)})
        members, _ = self.panel(terms.panel_id)
        if _same(address, terms.funder) or any(_same(address, m) for m in members):
            raise refused("AnteSelfDealing", {"account": to_checksum_address(address)})
        if any(_same(address, f) for f in challenge.contributions):
            raise ContractRefused("AnteSelfDealing", {"account": to_checksum_address(address)},
                                  f"{to_checksum_address(address)} co-funded challenge {cid} and cannot accept it.")
        if not 0 <= confidence_bps <= BPS:
            raise refused("AnteConfidenceInvalid", {"confidenceBps": confidence_bps})
        self.check_balance(terms.token, address, terms.stake)

    def check_fund(self, challenge: ChallengeHistory, address: str, amount: int, now: int) -> None:
        """Refuses, in the contract's words and in its order, what ``fund`` of `amount` by `address` would
        refuse that a read at chain time `now` can tell: a challenge not open, accept-by passed, accepted
        once already (its reward is fixed), nothing to add, a funder on the panel or who is the designated
        contributor, a reward past 2^128 - 1, and an amount `address` does not hold."""
        terms, cid = challenge.terms, challenge.challenge_id
        if challenge.state != State.OPEN:
            raise AnteError(f"challenge {cid} is {challenge.state.label}; only an open challenge can be funded.")
        if now > terms.accept_by:
            raise refused("AnteDeadlinePassed", {"challengeId": cid, "deadline": terms.accept_by, "timestamp": now})
        if challenge.acceptances:
            raise refused("AnteFundingClosed", {"challengeId": cid})
        if amount <= 0:
            raise refused("AnteAmountZero", {})
        members, _ = self.panel(terms.panel_id)
        if any(_same(address, m) for m in members):
            raise refused("AnteFunderOnPanel", {"panelId": terms.panel_id, "funder": to_checksum_address(address)})
        if int(terms.designated, 16) != 0 and _same(address, terms.designated):
            raise ContractRefused("AnteSelfDealing", {"account": to_checksum_address(address)},
                                  f"{to_checksum_address(address)} is the contributor challenge {cid} is reserved "
                                  "for and cannot fund it.")
        if terms.reward + amount >= 2**128:
            raise refused("AnteRewardOutOfRange", {"reward": terms.reward + amount}, self.formatter(terms.token))
        self.check_balance(terms.token, address, amount)

    def check_claim(self, challenge: ChallengeHistory, funder: str) -> None:
        """Refuses what ``claim`` for `funder` would refuse: a challenge not closed yet, or an account with no
        share waiting (it co-funded nothing there, or its share was claimed)."""
        cid = challenge.challenge_id
        if not challenge.is_final:
            raise AnteError(f"challenge {cid} is {challenge.state.label}; a co-funder's share can be claimed once "
                            "it has closed (settled, cancelled, expired, defaulted or unreviewed).")
        known = next((f for f in challenge.contributions if _same(f, funder)), None)
        if known is None or known in challenge.claims:
            raise refused("AnteNothingToClaim", {"challengeId": cid, "funder": to_checksum_address(funder)})

    def post(self, terms: Terms, spec_uri: str, sender, unreviewed_bps: int | None = None, *,
             options: Options | None = None) -> tuple[int, object]:
        """Posts a challenge, approving the token first when the allowance is short; returns (id, receipt).

        With `unreviewed_bps` (0..10000) or `options` it is posted with ``createWithOptions`` (`options`, the
        defaults where not given, with `unreviewed_bps` as the Unreviewed share when given): the contributor is
        paid that share of the reward beside the stake if it lapses Unreviewed, and the review fee is escrowed
        beside the reward. Without either, with ``create``: the contract's defaults
        (``ante.terms.DEFAULT_OPTIONS``)."""
        terms.check_fits()
        chosen = post_options(unreviewed_bps, options)
        if chosen is not None:
            chosen.check_fits()
            _check_unreviewed_bps(chosen.unreviewed_bps)
        total = terms.reward + (chosen.review_fee if chosen is not None else 0)
        if not terms.is_ether:
            self.ensure_allowance(terms.token, sender, total)
        value = total if terms.is_ether else 0
        if chosen is None:
            receipt = self.send("create", terms.as_tuple(), spec_uri, sender=sender, value=value, token=terms.token)
        else:
            receipt = self.send("createWithOptions", terms.as_tuple(), spec_uri, chosen.as_tuple(), sender=sender,
                                value=value, token=terms.token)
        challenge_id = receipt.events.filter(self.contract.ChallengeCreated)[0].challengeId
        return int(challenge_id), receipt

    def ensure_allowance(self, token: str, owner, amount: int):
        """Approves Ante for `amount` of `token` if the current allowance is lower; returns the receipt or None."""
        erc20 = self.token(token)
        if erc20.allowance(owner.address, self.address) >= amount:
            return None
        balance = erc20.balanceOf(owner.address)
        if balance < amount:
            fmt = self.formatter(token)
            raise AnteError(f"{owner.address} holds {fmt(balance)}, less than the {fmt(amount)} needed.")
        from ante.transactions import send

        return send(erc20.approve, self.address, amount, sender=owner, policy=self.transactions)

    def accept(self, challenge: ChallengeHistory, promise_hash: bytes, promised_by: int, promise_uri: str, sender,
               confidence_bps: int = 0):
        """Accepts `challenge` with a promise; `confidence_bps` is the stated chance of success (0 = not stated)."""
        terms = challenge.terms
        if not terms.is_ether and terms.stake:
            self.ensure_allowance(terms.token, sender, terms.stake)
        return self._act("accept", challenge, promise_hash, promised_by, promise_uri, confidence_bps, sender=sender,
                         value=terms.stake if terms.is_ether else 0)

    def submit(self, challenge: ChallengeHistory, deliverable: bytes, uri: str, sender):
        return self._act("submit", challenge, deliverable, uri, sender=sender)

    def verdict(self, challenge: ChallengeHistory, score: int) -> Verdict:
        """The verdict an evaluator signs: a ``Verdict`` for a submitted challenge, an ``AppealVerdict`` (the
        appeal panel's) for an appealed one."""
        if challenge.state not in (State.SUBMITTED, State.APPEALED) or challenge.deliverable is None:
            waits = " (its verdict is recorded; it can be appealed, or finalized once the window closes)" \
                if challenge.state == State.RULED else ""
            raise AnteError(
                f"challenge {challenge.challenge_id} is {challenge.state.label}{waits}; verdicts are for submitted "
                "or appealed work."
            )
        kind = AppealVerdict if challenge.state == State.APPEALED else Verdict
        return kind(self.chain_id, self.address, challenge.challenge_id, challenge.deliverable, score)

    @staticmethod
    def judging_panel(challenge: ChallengeHistory) -> int:
        """The panel whose quorum settles `challenge` now: its appeal panel once appealed, else its own."""
        return challenge.appeal_panel_id if challenge.state == State.APPEALED else challenge.terms.panel_id

    def check_verdicts(self, challenge: ChallengeHistory, verdicts: list[SignedVerdict]) -> None:
        """Checks that signed verdicts belong to this deployment, challenge, deliverable and panel (the appeal
        panel, signing ``AppealVerdict``, for an appealed challenge)."""
        panel_id = self.judging_panel(challenge)
        members, _ = self.panel(panel_id)
        expected = self.verdict(challenge, 0)
        for signed in verdicts:
            v = signed.verdict
            if type(v) is not type(expected):
                if isinstance(expected, AppealVerdict):
                    raise BadInput(f"the verdict from {signed.signer} is a first-round Verdict, but challenge "
                                   f"{challenge.challenge_id} is appealed: its appeal panel signs an AppealVerdict "
                                   "(`ante verdict sign` writes one for an appealed challenge).")
                raise BadInput(f"the verdict from {signed.signer} is an AppealVerdict, but challenge "
                               f"{challenge.challenge_id} is {challenge.state.label}: its panel signs a Verdict.")
            if (v.chain_id, v.contract) != (self.chain_id, self.address):
                raise BadInput(
                    f"the verdict from {signed.signer} is for contract {v.contract} on chain {v.chain_id}, "
                    f"not this deployment ({self.address} on chain {self.chain_id})."
                )
            if v.challenge_id != challenge.challenge_id:
                raise BadInput(f"the verdict from {signed.signer} is for challenge {v.challenge_id}, not {challenge.challenge_id}.")
            if v.deliverable != expected.deliverable:
                raise BadInput(f"the verdict from {signed.signer} judges another deliverable than the one submitted.")
            if signed.signer not in members:
                what = "appeal panel" if isinstance(expected, AppealVerdict) else "panel"
                raise BadInput(f"{signed.signer} is not an evaluator on {what} {panel_id}.")

    def settle(self, challenge: ChallengeHistory, verdicts: list[SignedVerdict], sender):
        """Settles with a quorum of agreeing signed verdicts, signers in ascending order."""
        self.check_verdicts(challenge, verdicts)
        verdict, signers, signatures = quorum(verdicts)
        return self._act("settle", challenge, verdict.score, signers, signatures, sender=sender)

    def cancel(self, challenge: ChallengeHistory, sender):
        return self._act("cancel", challenge, sender=sender)

    def check_appeal(self, challenge: ChallengeHistory, address: str, now: int) -> None:
        """Refuses, in the contract's words and in its order, what ``appeal`` by `address` would refuse that a
        read at chain time `now` can tell: a challenge not ruled (no recorded verdict in its appeal window),
        the window closed, an appellant neither its creator nor its contributor, and a bond `address` does
        not hold."""
        cid, terms = challenge.challenge_id, challenge.terms
        if challenge.state != State.RULED:
            why = {State.APPEALED: "its verdict is already appealed"}.get(
                challenge.state, "only a verdict recorded with an appeal window can be appealed")
            raise AnteError(f"challenge {cid} is {challenge.state.label}; {why}.")
        if now > challenge.deadline:
            raise refused("AnteDeadlinePassed", {"challengeId": cid, "deadline": challenge.deadline, "timestamp": now})
        if not (_same(address, terms.funder) or (challenge.contributor and _same(address, challenge.contributor))):
            raise refused("AnteNotParty", {"challengeId": cid, "caller": to_checksum_address(address)})
        self.check_balance(terms.token, address, challenge.options.bond(terms.reward))

    def appeal(self, challenge: ChallengeHistory, sender):
        """Appeals `challenge`'s recorded verdict from `sender` (its creator or its contributor), posting the bond
        (approving the token first when the allowance is short). What the contract would refuse is refused
        first (:meth:`check_appeal`)."""
        terms = challenge.terms
        self.check_appeal(challenge, sender.address, self.now())
        bond = challenge.options.bond(terms.reward)
        if not terms.is_ether:
            self.ensure_allowance(terms.token, sender, bond)
        return self._act("appeal", challenge, sender=sender, value=bond if terms.is_ether else 0)

    def check_finalize(self, challenge: ChallengeHistory, now: int) -> None:
        """Refuses what ``finalize`` at chain time `now` would refuse: a challenge neither ruled nor appealed,
        and a deadline (appeal-by, or the appeal panel's rule-by) not passed yet."""
        cid = challenge.challenge_id
        if challenge.state not in (State.RULED, State.APPEALED):
            raise AnteError(f"challenge {cid} is {challenge.state.label}; only a recorded verdict (ruled, or "
                            "appealed and not decided in time) can be finalized.")
        if now <= challenge.deadline:
            raise refused("AnteDeadlineNotPassed", {"challengeId": cid, "deadline": challenge.deadline,
                                                    "timestamp": now})

    def finalize(self, challenge: ChallengeHistory, sender):
        """Pays `challenge`'s recorded verdict once it can no longer change (anyone may send it). What the
        contract would refuse is refused first (:meth:`check_finalize`)."""
        self.check_finalize(challenge, self.now())
        return self._act("finalize", challenge, sender=sender)

    def fund(self, challenge: ChallengeHistory, amount: int, sender):
        """Adds `amount` (in the token's smallest unit) to an open challenge's reward, from `sender`, approving
        the token first when the allowance is short. What the contract would refuse is refused first
        (:meth:`check_fund`)."""
        terms = challenge.terms
        self.check_fund(challenge, sender.address, amount, self.now())
        if not terms.is_ether:
            self.ensure_allowance(terms.token, sender, amount)
        return self._act("fund", challenge, amount, sender=sender, value=amount if terms.is_ether else 0)

    def claim(self, challenge: ChallengeHistory, funder: str, sender):
        """Credits co-funder `funder`'s share of a closed co-funded challenge (anyone may send it; the credit
        is the co-funder's). What the contract would refuse is refused first (:meth:`check_claim`)."""
        self.check_claim(challenge, funder)
        return self._act("claim", challenge, to_checksum_address(funder), sender=sender)

    def abandon(self, challenge: ChallengeHistory, sender):
        return self._act("abandon", challenge, sender=sender)

    def lapse(self, challenge: ChallengeHistory, sender):
        return self._act("lapse", challenge, sender=sender)

    def _act(self, method: str, challenge: ChallengeHistory, *args, sender, value: int = 0):
        """Calls a lifecycle function, which takes the challenge's id and record first.

        The record must match the contract's seal and state (``challengeStatus``), or the contract would
        refuse it. On a mismatch the challenge is read again (new blocks, and a rewind if the chain
        reorganised); if it still disagrees, the index is rebuilt from the deployment block and it is read
        once more. A record that disagrees even then is never sent, nor a challenge whose terms are no
        longer those the caller saw."""
        cid = challenge.challenge_id
        state, _, seal = self._view("challengeStatus", cid)
        state, seal = State(int(state)), int(seal)

        def agrees(history: ChallengeHistory | None) -> bool:
            return history is not None and (history.record().seal(), history.state) == (seal, state)

        if not agrees(challenge):
            fresh = self.sync().challenges.get(cid)
            if not agrees(fresh):
                with EventIndex(self.index_path, self.chain_id, self.address, self.deployment.block,
                                notice=self.notice) as index:
                    index.rebuild()
                fresh = self.sync().challenges.get(cid)
            if fresh is not None and fresh.terms != challenge.terms and challenge.events and fresh.events and (
                    fresh.events[0] == challenge.events[0]):  # the same creation: only fundings since
                fmt = self.formatter(fresh.terms.token)
                raise AnteError(f"challenge {cid}'s reward is now {fmt(fresh.terms.reward)}, not the "
                                f"{fmt(challenge.terms.reward)} read before: someone funded it since. Nothing was "
                                f"sent; look at it again with `ante show {cid}`.")
            if fresh is not None and fresh.terms != challenge.terms:
                raise AnteError(f"challenge {cid} on chain is no longer the one read before (its terms changed, "
                                f"after a reorganisation?); look at it again with `ante show {cid}`.")
            if not agrees(fresh):
                ours = "no such challenge" if fresh is None else (
                    f"{fresh.state.label} with seal {seal_hex(fresh.record().seal())}")
                raise AnteError(f"challenge {cid} is {state.label} with seal {seal_hex(seal)} on the contract, but "
                                f"its events read from the node give {ours}; nothing was sent: try again once the "
                                "node has caught up.")
            challenge = fresh
        return self.send(method, cid, challenge.record().as_tuple(), *args, sender=sender, value=value,
                         token=challenge.terms.token)

    # ------------------------------------------------------------------ feedback on EAS

    def eas_domain(self) -> EasDomain | None:
        """The domain of off-chain feedback on this deployment (its chain's EAS and that EAS's version), or
        None when the deployment has no EAS."""
        d = self.deployment
        if not d.eas:
            return None
        return EasDomain(d.chain_id, d.eas, d.eas_version or self.eas_reader().version())

    def eas_reader(self):
        """An :class:`ante.eas.EasReader` of this deployment's EAS, reading through the client's node."""
        from ante.eas import EasReader, EasUnavailable

        if not self.deployment.eas:
            raise EasUnavailable(f"the Ante deployment at {self.address} on chain {self.chain_id} has no EAS "
                                 "recorded, so feedback on chain is unavailable (`ante deploy` records one where "
                                 "the chain has EAS).")
        return EasReader(self.deployment.eas, self.node)

    def feedback_attestations(self) -> list:
        """Every on-chain attestation of feedback about this deployment, since it was deployed
        (:class:`ante.eas.OnchainAttestation`, revocations included as each one's `revocation_time`)."""
        return self.eas_reader().attestations(self.deployment.block, ante=self.address)

    def offchain_revocations(self, revokers: list[str] | None = None) -> list:
        """Every off-chain revocation on this deployment's EAS since Ante was deployed (optionally only
        `revokers`'): :class:`ante.eas.OffchainRevocation`."""
        return self.eas_reader().offchain_revocations(self.deployment.block, revokers=revokers)

    def attest_feedback(self, feedback: Feedback, recipient: str, sender) -> str:
        """Attests `feedback` about this deployment's challenge on chain through its EAS, from `sender`
        (about `recipient`, the contributor); returns the new attestation's UID (the receipt is
        `last_receipt`)."""
        from ante.eas import attest

        if int(feedback.ante, 16) != int(self.address, 16):
            raise BadInput(f"the feedback is about the Ante at {feedback.ante}, not this deployment ({self.address}).")
        reader = self.eas_reader()
        uid, self.last_receipt = attest(reader.eas, feedback, recipient, sender, self.transactions)
        return uid

    def revoke_feedback(self, uid: str, sender):
        """Revokes `sender`'s on-chain feedback attestation `uid` on this deployment's EAS (``EAS.revoke``);
        returns the receipt (also `last_receipt`)."""
        from ante.eas import revoke

        self.last_receipt = revoke(self.eas_reader().eas, uid, sender, self.transactions)
        return self.last_receipt

    def revoke_offchain(self, uid: str, sender):
        """Revokes `sender`'s off-chain attestation `uid` on this deployment's EAS (``revokeOffchain``);
        returns the receipt (also `last_receipt`)."""
        from ante.eas import revoke_offchain

        self.last_receipt = revoke_offchain(self.eas_reader().eas, uid, sender, self.transactions)
        return self.last_receipt

    def credit(self, token: str, account: str) -> int:
        return int(self._view("credit", to_checksum_address(token), to_checksum_address(account))[0])

    def withdraw(self, token: str, sender, to: str | None = None):
        """Withdraws the sender's whole credit in `token`, to the sender or, with `to`, to that address."""
        if to is None:
            return self.send("withdraw", to_checksum_address(token), sender=sender, token=token)
        to = to_checksum_address(to)
        if to in (ZERO_ADDRESS, to_checksum_address(self.address)):
            raise BadInput(f"{to} cannot receive a withdrawal: name an account other than zero or Ante.")
        return self.send("withdrawTo", to_checksum_address(token), to, sender=sender, token=token)
