"""Gas per operation on a warm Ante deployment, read from transaction receipts.

Every figure comes from a challenge that is not the contract's first, so one-time costs (the first
write of the challenge counter, the first credit of an account in a token) are not counted twice.
Prints a table against reference figures and writes bench/gas.json.

Usage: python bench/gas.py [--network ethereum:local:foundry]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from eth_account import Account
from eth_utils import keccak

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ante.terms import ZERO_ADDRESS, ChallengeRecord, Terms  # noqa: E402
from ante.verdict import Verdict  # noqa: E402

ETHER = 10**18
DAY = 86_400

# Measured on this kind of machine, for comparison (see the README).
REFERENCE = {
    "create_eth": ("bare two-slot escrow, create", 51_345),
    "accept_eth": ("bare two-slot escrow, accept", 47_880),
    "submit": ("bare two-slot escrow, submit", 25_698),
    "settle_2of3": ("bare two-slot escrow, settle 2-of-3 with direct payment", 43_893),
    "lifecycle_eth": ("StandardBounties v2 ETH lifecycle, no stake step", 456_076),
}
TARGETS = {"lifecycle_eth": 240_000}
# Every measured acceptance states a confidence (80%): a stated one costs more calldata than 0.
CONFIDENCE_BPS = 8_000


class Bench:
    def __init__(self, ape):
        self.chain = ape.chain
        accts = ape.accounts.test_accounts
        self.deployer, self.funder, self.contributor, self.relayer = accts[0], accts[1], accts[2], accts[3]
        self.backer = accts[4]  # a co-funder
        self.ante = ape.project.Ante.deploy(sender=self.deployer)
        self.token = ape.project.TestToken.deploy("Bench", "BEN", 18, sender=self.deployer)
        for holder in (self.funder, self.contributor):
            self.token.mint(holder, 10**30, sender=self.deployer)
            self.token.approve(self.ante, 2**256 - 1, sender=holder)
        keys = sorted((Account.from_key(keccak(text=f"evaluator {i}")) for i in range(9)), key=lambda a: int(a.address, 16))
        self.evaluators = keys
        receipt = self.ante.createPanel([k.address for k in keys[:3]], 2, sender=self.deployer)
        self.panel_create_3 = receipt.gas_used
        self.panel3 = self.ante.panelCount()
        self.ante.createPanel([k.address for k in keys], 5, sender=self.deployer)
        self.panel9 = self.ante.panelCount()
        # The appeal panel: three other evaluators, two of whom decide an appeal.
        self.appeal_evaluators = keys[3:6]
        self.ante.createPanel([k.address for k in self.appeal_evaluators], 2, sender=self.deployer)
        self.appeal_panel = self.ante.panelCount()
        # A 2-of-3 Safe (Safe's own v1.4.1 contracts) on a 2-of-3 panel beside two keys.
        from ante.safes import deploy_local_safe

        self.safe_owners = sorted((Account.from_key(keccak(text=f"safe owner {i}")) for i in range(3)),
                                  key=lambda a: int(a.address, 16))
        self.safe, _ = deploy_local_safe(self.deployer, [o.address for o in self.safe_owners], 2)
        self.ante.createPanel([keys[0].address, keys[1].address, self.safe], 2, sender=self.deployer)
        self.panel_safe = self.ante.panelCount()

    def terms(self, token=ZERO_ADDRESS, panel=None) -> Terms:
        now = self.chain.blocks.head.timestamp
        return Terms(self.funder.address, token, ETHER, 1_000, panel or self.panel3, now + DAY, 7 * DAY, 3 * DAY,
                     spec_hash=keccak(text="spec"))

    def create(self, terms: Terms):
        value = terms.reward if terms.is_ether else 0
        receipt = self.ante.create(terms.as_tuple(), "ipfs://bafy-spec", sender=self.funder, value=value)
        return self.ante.challengeCount(), ChallengeRecord(terms), receipt.gas_used

    def accept(self, cid, record):
        terms = record.terms
        value = terms.stake if terms.is_ether else 0
        now = self.chain.blocks.head.timestamp
        receipt = self.ante.accept(cid, record.as_tuple(), keccak(text="promise"), now + DAY, "ipfs://bafy-promise",
                                   CONFIDENCE_BPS, sender=self.contributor, value=value)
        return record.accepted_by(self.contributor.address), receipt.gas_used

    def submit(self, cid, record):
        deliverable = keccak(text=f"deliverable {cid}")
        receipt = self.ante.submit(cid, record.as_tuple(), deliverable, "ipfs://bafy-deliverable", sender=self.contributor)
        return record.submitted(deliverable), receipt.gas_used

    def settle(self, cid, record, signers, score=10_000):
        verdict = Verdict(self.chain.chain_id, self.ante.address, cid, record.deliverable, score)
        signers = sorted(signers, key=lambda a: int(a.address, 16))
        receipt = self.ante.settle(cid, record.as_tuple(), score, [s.address for s in signers],
                                   [verdict.sign(s.key) for s in signers], sender=self.relayer)
        return receipt.gas_used

    def settle_with_safe(self, cid, record, score=10_000):
        """Settles with one evaluator's key and the Safe (two of its owners signing its SafeMessage)."""
        from eth_account.messages import encode_typed_data

        from ante.safes import combine, message_typed_data

        verdict = Verdict(self.chain.chain_id, self.ante.address, cid, record.deliverable, score)
        message = encode_typed_data(full_message=message_typed_data(self.chain.chain_id, self.safe, verdict.digest()))
        by_safe = combine({o.address: bytes(o.sign_message(message).signature) for o in self.safe_owners[:2]})
        key = self.evaluators[0]
        pairs = sorted([(key.address, verdict.sign(key.key)), (self.safe, by_safe)], key=lambda p: int(p[0], 16))
        receipt = self.ante.settle(cid, record.as_tuple(), score, [p[0] for p in pairs], [p[1] for p in pairs],
                                   sender=self.relayer)
        return receipt.gas_used

    def settle_appeal(self, cid, record, signers, score):
        """Settles an appealed challenge with the appeal panel's AppealVerdict signatures."""
        from eth_account.messages import encode_typed_data

        typed = Verdict(self.chain.chain_id, self.ante.address, cid, record.deliverable, score).typed_data()
        typed["types"] = {"EIP712Domain": typed["types"]["EIP712Domain"], "AppealVerdict": typed["types"]["Verdict"]}
        typed["primaryType"] = "AppealVerdict"
        signers = sorted(signers, key=lambda a: int(a.address, 16))
        signatures = [bytes(s.sign_message(encode_typed_data(full_message=typed)).signature) for s in signers]
        return self.ante.settle(cid, record.as_tuple(), score, [s.address for s in signers], signatures,
                                sender=self.relayer).gas_used

    def create_with_options(self, terms: Terms, options: tuple):
        fee = options[4]
        receipt = self.ante.createWithOptions(terms.as_tuple(), "ipfs://bafy-spec", options, sender=self.funder,
                                              value=terms.reward + fee)
        return self.ante.challengeCount(), ChallengeRecord(terms), receipt.gas_used

    def appeal_round(self) -> dict[str, int]:
        """The appeal round's operations on ether challenges with a one-day window, a 10% bond and no fee: a
        verdict recorded, appealed by the contributor and decided by the appeal panel; and another recorded
        verdict finalized once its window passed unused."""
        options = (10_000, DAY, self.appeal_panel, 1_000, 0)
        figures = {}
        cid, record, _ = self.create_with_options(self.terms(), options)
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        figures["settle_with_appeal_window"] = self.settle(cid, record, self.evaluators[:2], score=4_000)
        bond = (record.terms.reward * 1_000 + 9_999) // 10_000
        figures["appeal"] = self.ante.appeal(cid, record.as_tuple(), sender=self.contributor, value=bond).gas_used
        figures["settle_appeal"] = self.settle_appeal(cid, record, self.appeal_evaluators[:2], score=8_000)
        cid, record, _ = self.create_with_options(self.terms(), options)
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        self.settle(cid, record, self.evaluators[:2], score=4_000)
        self.chain.mine(deltatime=DAY + 1)
        figures["finalize"] = self.ante.finalize(cid, record.as_tuple(), sender=self.relayer).gas_used
        return figures

    def withdraw(self, account, token=ZERO_ADDRESS):
        return self.ante.withdraw(token, sender=account).gas_used

    def lifecycle(self, panel_signers, panel=None):
        cid, record, create = self.create(self.terms(panel=panel))
        record, accept = self.accept(cid, record)
        record, submit = self.submit(cid, record)
        settle = self.settle(cid, record, panel_signers)
        withdraw = self.withdraw(self.contributor)
        return {"create": create, "accept": accept, "submit": submit, "settle": settle, "withdraw": withdraw}

    def run(self) -> dict[str, int]:
        self.lifecycle(self.evaluators[:2])  # warm-up: the contract's first challenge is not measured
        warm = self.lifecycle(self.evaluators[:2])
        nine = self.lifecycle(self.evaluators[:5], panel=self.panel9)
        figures = {
            "create_eth": warm["create"],
            "accept_eth": warm["accept"],
            "submit": warm["submit"],
            "settle_2of3": warm["settle"],
            "settle_5of9": nine["settle"],
            "withdraw": warm["withdraw"],
            "lifecycle_eth": sum(warm.values()),
        }
        self.create(self.terms(token=self.token.address))  # warm the token's balance slot
        cid, record, figures["create_token"] = self.create(self.terms(token=self.token.address))
        record, figures["accept_token"] = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        self.settle(cid, record, self.evaluators[:2])
        figures["withdraw_token"] = self.withdraw(self.contributor, self.token.address)
        cid, record, _ = self.create(self.terms())  # as "withdraw", but the payment goes to another account
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        self.settle(cid, record, self.evaluators[:2])
        figures["withdraw_to"] = self.ante.withdrawTo(ZERO_ADDRESS, self.relayer, sender=self.contributor).gas_used

        cid, record, _ = self.create(self.terms())
        figures["cancel"] = self.ante.cancel(cid, record.as_tuple(), sender=self.funder).gas_used
        cid, record, _ = self.create(self.terms())
        record, _ = self.accept(cid, record)
        figures["abandon"] = self.ante.abandon(cid, record.as_tuple(), sender=self.contributor).gas_used
        cid, record, _ = self.create(self.terms())
        self.chain.mine(deltatime=DAY + 1)
        figures["lapse"] = self.ante.lapse(cid, record.as_tuple(), sender=self.relayer).gas_used
        # Unreviewed lapses: the default share (the whole reward to the contributor) and a challenge's own share.
        cid, record, _ = self.create(self.terms())
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        self.chain.mine(deltatime=3 * DAY + 1)
        figures["lapse_unreviewed"] = self.ante.lapse(cid, record.as_tuple(), sender=self.relayer).gas_used
        terms = self.terms()
        receipt = self.ante.createWithOptions(terms.as_tuple(), "ipfs://bafy-spec", (5_000, 0, 0, 0, 0),
                                              sender=self.funder, value=terms.reward)
        figures["create_eth_unreviewed_share"] = receipt.gas_used
        cid, record = self.ante.challengeCount(), ChallengeRecord(terms)
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        self.chain.mine(deltatime=3 * DAY + 1)
        figures["lapse_unreviewed_share"] = self.ante.lapse(cid, record.as_tuple(), sender=self.relayer).gas_used
        cid, record, _ = self.create(self.terms(panel=self.panel_safe))
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        figures["settle_2of3_safe"] = self.settle_with_safe(cid, record)
        figures["create_panel_3"] = self.panel_create_3

        # Co-funding: a co-funder adds half an ether to an ether challenge (its first funding of it, so the pool
        # and its contribution are written from zero, as every co-funded challenge's first funding does), then
        # claims its share after a settlement at half the score. The claim is the co-funder's second (its first
        # credit, from zero, is not counted) and its amounts divide evenly (no remainder, the carry unchanged).
        self.co_funded_lifecycle()  # warm-up: the co-funder's first credit
        figures["fund"], figures["claim"] = self.co_funded_lifecycle()

        # A review fee (0.01 ether, paid to the two signers) on a challenge with no appeal window: the settlement
        # runs in the appeal module. Measured after a first fee payment, so the signers' credits are not new.
        for _ in range(2):
            cid, record, _ = self.create_with_options(self.terms(), (10_000, 0, 0, 0, ETHER // 100))
            record, _ = self.accept(cid, record)
            record, _ = self.submit(cid, record)
            figures["settle_2of3_fee"] = self.settle(cid, record, self.evaluators[:2])
        self.appeal_round()  # warm-up: the bond's first credit
        figures.update(self.appeal_round())
        return figures

    def co_funded_lifecycle(self) -> tuple[int, int]:
        cid, record, _ = self.create(self.terms())
        amount = ETHER // 2
        receipt = self.ante.fund(cid, record.as_tuple(), amount, sender=self.backer, value=amount)
        fund = receipt.gas_used
        record = ChallengeRecord(replace(record.terms, reward=record.terms.reward + amount))
        record, _ = self.accept(cid, record)
        record, _ = self.submit(cid, record)
        self.settle(cid, record, self.evaluators[:2], score=5_000)
        claim = self.ante.claim(cid, record.as_tuple(), self.backer, sender=self.backer).gas_used
        return fund, claim


def report(figures: dict[str, int]) -> str:
    width = max(len(name) for name in figures) + 2
    lines = [f"{'operation':<{width}}{'gas':>10}   reference"]
    for name, gas in figures.items():
        note = ""
        if name in REFERENCE:
            label, ref = REFERENCE[name]
            note = f"{label}: {ref:,} ({gas - ref:+,})"
        if name in TARGETS:
            verdict = "within" if gas <= TARGETS[name] else "OVER"
            note += f"; target {TARGETS[name]:,}: {verdict}"
        lines.append(f"{name:<{width}}{gas:>10,}   {note}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="ethereum:local:foundry")
    parser.add_argument("--out", default=str(ROOT / "bench" / "gas.json"))
    args = parser.parse_args()

    import ape

    with ape.networks.parse_network_choice(args.network):
        figures = Bench(ape).run()
    print(report(figures))
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
