"""The demo: six bounty stories told through the real `ante` command on a local anvil chain.

An oracle service (`ante oracle run`) runs beside the chain: the evaluators send their signed verdicts
to it over HTTP, and it settles each challenge as soon as a quorum agrees and lapses overdue ones. Its
document store publishes the specs and promises (local files, given with `--publish`), so the URLs on
chain open for anyone.

1. A challenge is posted, accepted with a promise, delivered, judged 2-of-3 and paid.
2. A challenge is judged a fail: the contributor's stake goes to the funder.
3. A challenge posted with its own Unreviewed share (half the reward, were nobody to review a delivery)
   is never delivered: the oracle's keeper lapses it and the funder gets reward and stake back.
4. The organisation's Safe (a 2-of-3 multisig, deployed from Safe's own contracts) funds a challenge.
5. A colleague adds to a challenge's reward; a partial verdict's funders' side is shared by contribution.
6. A challenge with an appeal round and a review fee: the panel's verdict is recorded, the contributor
   appeals it, and a second, appeal panel overturns it upwards; her bond comes back, and the review fee
   went to the first panel's signers.
Then `ante audit` checks every wei against the contract and `ante records` shows everyone's record.
At the end the oracle keeps serving its dashboard until Ctrl-C (with DEMO_EXIT=1 the demo ends by itself).

A node already answering on the port is reused; otherwise anvil is started and stopped at the end, mining
each transaction at once, or every N seconds with DEMO_BLOCK_TIME=N (`--block-time N`), as a public
network would: every write then waits for its block.
Run with `make demo` (or `python scripts/demo.py --port 8545 --oracle-port 8700 [--block-time 2]`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "toolchain" / "bin" / "anvil"  # the npm anvil, keeping no history on disk
ANTE = Path(sys.executable).parent / "ante"
MNEMONIC = "test test test test test test test test test test test junk"
DAY = 86_400

# Who is who: Ape's test accounts (the same mnemonic anvil funds).
CAST = {
    "deployer": 0, "Fiona (funder)": 1, "Carl (contributor)": 2, "Dana (contributor)": 3, "Remy (relayer)": 4,
    "Eve (evaluator)": 5, "Evan (evaluator)": 6, "Ezra (evaluator)": 7, "Olga (colleague)": 8,
    "Cleo (contributor)": 9,
}


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"━━ {text} " + "━" * max(0, 76 - len(text)))


class Demo:
    def __init__(self, port: int, workdir: Path, oracle_port: int = 8700, block_time: int = 0):
        self.block_time = block_time
        self.uri = f"http://127.0.0.1:{port}"
        self.port = port
        self.workdir = workdir
        # Ape's data folder is the demo's own too: the Safe it registers must not outlive the demo's chain.
        self.env = dict(os.environ, APE_FOUNDRY_HOST=self.uri, ANTE_DATA_DIR=str(workdir / "data"),
                        APE_DATA_FOLDER=str(workdir / "ape"), ANTE_NETWORK="ethereum:local:foundry")
        self.node = None
        self.oracle_port = oracle_port
        self.oracle_url = f"http://127.0.0.1:{oracle_port}"
        self.oracle = None

    # ------------------------------------------------------------------ the node

    def rpc(self, method: str, params: list | None = None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.uri, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())["result"]

    def start_node(self) -> None:
        try:
            chain_id = int(self.rpc("eth_chainId"), 16)
            say(f"Reusing the node already running at {self.uri} (chain {chain_id}).")
            if self.block_time:
                say("  (DEMO_BLOCK_TIME applies only to a node the demo starts; this one mines as it was told.)")
            return
        except OSError:
            pass
        mining = ["--block-time", str(self.block_time)] if self.block_time else []
        say(f"Starting a local anvil node at {self.uri}"
            + (f", mining a block every {self.block_time} s…" if self.block_time else "…"))
        self.node = subprocess.Popen([str(ANVIL), "--port", str(self.port), "--silent", *mining],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.rpc("eth_chainId")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"anvil did not start on port {self.port}")

    def stop_node(self) -> None:
        if self.node is not None:
            self.node.terminate()
            self.node.wait(timeout=10)
            say("Stopped the local node.")

    # ------------------------------------------------------------------ the oracle

    def start_oracle(self, role: str) -> None:
        """Starts `ante oracle run` as its own process and waits until it answers (its log: oracle.log)."""
        args = ["oracle", "run", "--port", str(self.oracle_port), "--poll", "0.5", "--account", f"TEST::{CAST[role]}"]
        say(f"  $ ante {' '.join(args)} &")
        self.oracle_log = open(self.workdir / "oracle.log", "ab")
        self.oracle = subprocess.Popen([str(ANTE), *args], env=self.env, cwd=self.workdir,
                                       stdout=self.oracle_log, stderr=self.oracle_log, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.oracle.poll() is not None:
                raise SystemExit(f"the oracle exited with code {self.oracle.returncode}; see {self.workdir / 'oracle.log'}")
            try:
                if self.oracle_get("/health").get("ok"):
                    say(f"    The oracle listens on {self.oracle_url}.")
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the oracle did not answer within 90 s; see {self.workdir / 'oracle.log'}")

    def stop_oracle(self) -> None:
        if self.oracle is not None and self.oracle.poll() is None:
            self.oracle.send_signal(signal.SIGTERM)
            try:
                self.oracle.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.oracle.kill()
                self.oracle.wait(timeout=10)
            say("Stopped the oracle.")
        if self.oracle is not None:
            self.oracle_log.close()
        self.oracle = None

    def oracle_get(self, path: str) -> dict:
        with urllib.request.urlopen(self.oracle_url + path, timeout=5) as response:
            return json.loads(response.read())

    def await_state(self, challenge_id: int, state: str, timeout: float = 60) -> None:
        """Waits until the oracle's view of the challenge reaches `state` (it settles or lapses on its own)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            try:
                seen = self.oracle_get(f"/challenges/{challenge_id}")["challenge"]["state"]
            except OSError:
                seen = None
            if seen == state:
                return
            time.sleep(0.2)
        raise SystemExit(f"challenge {challenge_id} is {seen}, not {state}, after {timeout:.0f} s; "
                         f"see {self.workdir / 'oracle.log'}")

    def wait(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [seconds])
        self.rpc("evm_mine")
        say(f"   … {seconds // DAY} days pass on the chain.")

    # ------------------------------------------------------------------ the command

    def ante(self, *args: str, quiet: bool = False, expect: int = 0) -> str:
        """Runs the real `ante` executable, shows the command and its output, returns stdout."""
        shown = " ".join(a if " " not in a else f'"{a}"' for a in args)
        say(f"  $ ante {shown}")
        done = subprocess.run([str(ANTE), *args], env=self.env, cwd=self.workdir, capture_output=True, text=True)
        if not quiet:
            for line in done.stdout.rstrip().splitlines():
                say(f"    {line}")
        if done.returncode != expect:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"`ante {shown}` exited {done.returncode}, expected {expect}")
        return done.stdout

    def write(self, name: str, text: str) -> str:
        path = self.workdir / name
        path.write_text(text)
        return name


def addresses() -> dict[str, str]:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return {role: Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").address
            for role, index in CAST.items()}


def published(demo: Demo) -> list[str]:
    """Local documents are published to the oracle's document store; its URL for them goes on chain."""
    return ["--publish", demo.oracle_url]


def account(role: str) -> list[str]:
    return ["--account", f"TEST::{CAST[role]}", "--yes"]


def run(demo: Demo) -> None:
    who = addresses()
    heading("Setting up")
    for role, address in who.items():
        say(f"  {role:<20} {address}  (--account TEST::{CAST[role]})")
    say("The organisation deploys Ante and names a standing review panel: any 2 of Eve, Evan and Ezra.")
    demo.ante("deploy", *account("deployer"))
    demo.ante("panel", "create", "--evaluator", who["Eve (evaluator)"], "--evaluator", who["Evan (evaluator)"],
              "--evaluator", who["Ezra (evaluator)"], "--threshold", "2", *account("deployer"))
    say("Remy runs the oracle: it collects verdicts over HTTP and settles from his account once a quorum agrees.")
    say("It also keeps a document store: the specs and promises below are files, published there (--publish).")
    demo.start_oracle("Remy (relayer)")

    heading("Story 1: promised, delivered, judged and paid")
    say("Fiona funds a challenge: 1 ETH for an onboarding guide. Whoever takes it stakes 10% (0.1 ETH).")
    spec = demo.write("guide-spec.md", "Write an onboarding guide for new contributors: setup, first issue, review.\n")
    demo.ante("post", "--reward", "1 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
              "--deliver-within", "14d", "--review-within", "3d", "--spec", spec, *published(demo),
              *account("Fiona (funder)"))
    say("Carl believes he will deliver (80%), checks that staking makes sense, and promises it within 5 days;")
    say("his 80% goes on the chain with the acceptance, so his record can score how well he judges himself.")
    promise = demo.write("guide-promise.md", "I will write the guide in 5 days, with a review from two newcomers.\n")
    demo.ante("accept", "1", "--promise", promise, *published(demo), "--by", "+5d", "--p", "80%",
              "--bankroll", "2 ether", *account("Carl (contributor)"))
    demo.ante("submit", "1", "--deliverable", "https://example.org/docs/onboarding", *account("Carl (contributor)"))
    say("Eve and Evan read the guide and each send the oracle a signed verdict of 90%; Ezra does not need to.")
    say("Eve says why: her reasons are a feedback attestation (EAS) signed with the verdict.")
    why = demo.write("guide-eve.md", "Clear and complete; the review section could link the style guide. 90%.\n")
    demo.ante("verdict", "sign", "1", "--score", "90%", "--comment", why, *published(demo), "--post", demo.oracle_url,
              *account("Eve (evaluator)"))
    demo.ante("verdict", "sign", "1", "--score", "90%", "--post", demo.oracle_url, *account("Evan (evaluator)"))
    say("Two of three agree, a quorum: the oracle relays both signatures and the contract checks them and pays out.")
    demo.await_state(1, "settled")
    demo.ante("verdict", "status", "1", "--oracle", demo.oracle_url)
    say("A 90% verdict pays Carl 90% of reward plus stake (0.99 ETH); the other 0.11 ETH is credited to Fiona.")
    demo.ante("withdraw", *account("Carl (contributor)"))
    say("Olga, who is on no panel, followed the guide on her first day. Anyone may give feedback: she endorses it.")
    praise = demo.write("guide-olga.md", "I was set up and on my first issue in an hour. Thank you, Carl.\n")
    demo.ante("feedback", "give", "1", "--stance", "endorse", "--comment", praise, *published(demo),
              "--post", demo.oracle_url, *account("Olga (colleague)"))
    demo.ante("feedback", "list", "1", "--oracle", demo.oracle_url)

    heading("Story 2: judged a fail, the stake is forfeited")
    say("Fiona posts 0.5 ETH to fix the flaky test suite, with a 20% stake.")
    spec = demo.write("flaky-spec.md", "Make the test suite pass 100 runs in a row.\n")
    demo.ante("post", "--reward", "0.5 ether", "--stake", "20%", "--panel", "1", "--accept-by", "+7d",
              "--deliver-within", "7d", "--review-within", "3d", "--spec", spec, *published(demo),
              *account("Fiona (funder)"))
    promise = demo.write("flaky-promise.md", "Fixed in 3 days.\n")
    say("Dana is sure of herself: she states a 90% chance of success.")
    demo.ante("accept", "2", "--promise", promise, *published(demo), "--by", "+3d", "--p", "90%",
              *account("Dana (contributor)"))
    demo.ante("submit", "2", "--deliverable", "https://example.org/pull/77", *account("Dana (contributor)"))
    say("The suite still fails; the panel judges it a fail (0%). Evan signs and sends his verdict first, with why.")
    why = demo.write("flaky-evan.md", "Ran the suite 100 times: 7 failures, all in the network tests. 0%.\n")
    demo.ante("verdict", "sign", "2", "--score", "fail", "--comment", why, *published(demo),
              "--post", demo.oracle_url, *account("Evan (evaluator)"))
    say("The oracle holds one verdict and waits for a second:")
    demo.ante("verdict", "status", "2", "--oracle", demo.oracle_url)
    demo.ante("verdict", "sign", "2", "--score", "fail", "--post", demo.oracle_url, *account("Ezra (evaluator)"))
    demo.await_state(2, "settled")
    demo.ante("verdict", "status", "2", "--oracle", demo.oracle_url)
    say("Dana's 0.1 ETH stake and the 0.5 ETH reward are credited to Fiona.")

    heading("Story 3: never delivered, the challenge lapses")
    say("Fiona posts 0.3 ETH for a translation. If a delivery went unreviewed (no verdict by the review deadline),")
    say("Ante would by default pay the contributor the whole reward, since silence must not pay the funder; for")
    say("this one she sets half (--unreviewed-share 50%), a term every contributor sees before staking.")
    spec = demo.write("translate-spec.md", "Translate the guide into Spanish.\n")
    demo.ante("post", "--reward", "0.3 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+2d",
              "--deliver-within", "3d", "--review-within", "2d", "--spec", spec, *published(demo),
              "--unreviewed-share", "50%", *account("Fiona (funder)"))
    demo.ante("show", "3")
    promise = demo.write("translate-promise.md", "Done in 2 days.\n")
    say("Carl takes it too; this time he keeps his 60% to himself (--keep-p-private): the chain records none.")
    demo.ante("accept", "3", "--promise", promise, *published(demo), "--by", "+2d", "--p", "60%", "--keep-p-private",
              *account("Carl (contributor)"))
    say("Carl goes quiet. Four days later the delivery deadline has passed, and the oracle's keeper lapses it.")
    demo.wait(4 * DAY)
    demo.await_state(3, "defaulted")
    demo.ante("verdict", "status", "3", "--oracle", demo.oracle_url)
    say("Fiona gets reward and stake back (0.33 ETH); she withdraws all Ante owes her: 0.11 + 0.6 + 0.33 ETH.")
    demo.ante("withdraw", *account("Fiona (funder)"))

    heading("Story 4: the organisation's Safe funds a challenge")
    say("The organisation keeps its budget in a Safe, a multisig account: any 2 of Fiona, Olga and the deployer")
    say("sign for it. On this local chain `ante dev safe` deploys Safe's own contracts and registers the Safe;")
    say("elsewhere it would be the organisation's own, added with `ape safe add`.")
    demo.ante("dev", "safe", "--owner", who["Fiona (funder)"], "--owner", who["Olga (colleague)"],
              "--owner", who["deployer"], "--threshold", "2", "--alias", "org-safe", "--fund", "1 ether",
              *account("deployer"))
    say("Fiona posts from the Safe: two owners sign, one of them submits, and the Safe pays the reward.")
    spec = demo.write("a11y-spec.md", "Audit the dashboard for accessibility (WCAG 2.2 AA) and fix what fails.\n")
    demo.ante("post", "--reward", "0.4 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+14d",
              "--deliver-within", "14d", "--review-within", "5d", "--spec", spec, *published(demo),
              "--account", "org-safe", "--yes")
    say("On chain the funder is the Safe, not Fiona: its refunds and shares will be credited to the Safe.")

    heading("Story 5: two funders, one reward")
    say("Fiona posts 0.4 ETH for a reference of the oracle's HTTP routes. Olga needs it too and adds 0.2 ETH:")
    say("the reward is now 0.6 ETH, and whatever goes back to the funders will be shared 2 to 1.")
    spec = demo.write("routes-spec.md", "Document every HTTP route of the oracle, with one example each.\n")
    demo.ante("post", "--reward", "0.4 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
              "--deliver-within", "7d", "--review-within", "3d", "--spec", spec, *published(demo),
              *account("Fiona (funder)"))
    demo.ante("fund", "5", "0.2 ether", *account("Olga (colleague)"))
    say("Olga cannot take her 0.2 ETH back: Cleo accepts on the strength of the whole 0.6 ETH, staking 10% of it.")
    promise = demo.write("routes-promise.md", "Every route documented, with an example, in 4 days.\n")
    demo.ante("accept", "5", "--promise", promise, *published(demo), "--by", "+4d", "--p", "70%",
              *account("Cleo (contributor)"))
    demo.ante("submit", "5", "--deliverable", "https://example.org/docs/routes", *account("Cleo (contributor)"))
    say("Half the routes are documented; Eve and Ezra judge it 50%, and Eve says why.")
    why = demo.write("routes-eve.md", "The read routes are complete with examples; the write routes are missing. 50%.\n")
    demo.ante("verdict", "sign", "5", "--score", "50%", "--comment", why, *published(demo),
              "--post", demo.oracle_url, *account("Eve (evaluator)"))
    demo.ante("verdict", "sign", "5", "--score", "50%", "--post", demo.oracle_url, *account("Ezra (evaluator)"))
    demo.await_state(5, "settled")
    say("Cleo gets half of reward and stake (0.33 ETH). The funders' 0.33 ETH is shared by contribution:")
    say("Fiona's two thirds (0.22 ETH) are credited at once; Olga claims her third (0.11 ETH) and withdraws it.")
    demo.ante("claim", "5", *account("Olga (colleague)"))
    demo.ante("withdraw", *account("Olga (colleague)"))
    demo.ante("show", "5")

    heading("Story 6: a verdict appealed and overturned")
    say("For larger work the organisation names a second panel to hear appeals: any 2 of Olga, Cleo and the")
    say("deployer (panel 2).")
    demo.ante("panel", "create", "--evaluator", who["Olga (colleague)"], "--evaluator", who["Cleo (contributor)"],
              "--evaluator", who["deployer"], "--threshold", "2", *account("deployer"))
    say("Fiona posts 0.5 ETH for a migration guide with an appeal round: the panel's verdict is recorded, not")
    say("paid, and for 2 days either side may appeal it to panel 2 by posting a bond of 20% of the reward")
    say("(0.1 ETH). She also pays the reviewers: a review fee of 0.01 ETH for whoever signs the panel's verdict.")
    spec = demo.write("migration-spec.md", "Write the guide for migrating from the old oracle to the new one.\n")
    demo.ante("post", "--reward", "0.5 ether", "--stake", "10%", "--panel", "1", "--accept-by", "+7d",
              "--deliver-within", "7d", "--review-within", "3d", "--spec", spec, *published(demo),
              "--appeal-window", "2d", "--appeal-panel", "2", "--appeal-bond", "20%", "--review-fee", "0.01 ether",
              *account("Fiona (funder)"))
    promise = demo.write("migration-promise.md", "Every step of the migration, tried on a copy, in 5 days.\n")
    demo.ante("accept", "6", "--promise", promise, *published(demo), "--by", "+5d", "--p", "75%",
              *account("Dana (contributor)"))
    demo.ante("submit", "6", "--deliverable", "https://example.org/docs/migration", *account("Dana (contributor)"))
    say("Eve and Evan judge it 40%. The oracle relays their quorum as before, but this time the contract records")
    say("the verdict (the challenge is ruled) and pays only the review fee: 0.005 ETH to each of them.")
    demo.ante("verdict", "sign", "6", "--score", "40%", "--post", demo.oracle_url, *account("Eve (evaluator)"))
    demo.ante("verdict", "sign", "6", "--score", "40%", "--post", demo.oracle_url, *account("Evan (evaluator)"))
    demo.await_state(6, "ruled")
    demo.ante("show", "6")
    say("Dana thinks the guide is worth more: she appeals, posting the 0.1 ETH bond. The appeal panel now has")
    say("the review window (3 days) to decide; if it stayed silent, the 40% would stand and her bond come back.")
    demo.ante("appeal", "6", *account("Dana (contributor)"))
    demo.await_state(6, "appealed")
    say("Olga and Cleo try every step and judge it 80%. What they sign is an AppealVerdict, another EIP-712 type,")
    say("so that no first-round signature could decide an appeal; the oracle takes them at the same address and")
    say("settles the appeal once its quorum agrees.")
    demo.ante("verdict", "sign", "6", "--score", "80%", "--post", demo.oracle_url, *account("Olga (colleague)"))
    demo.ante("verdict", "sign", "6", "--score", "80%", "--post", demo.oracle_url, *account("Cleo (contributor)"))
    demo.await_state(6, "settled")
    demo.ante("show", "6")
    say("The score moved her way, so Dana won: her bond comes back, beside 80% of reward and stake (0.44 ETH);")
    say("Fiona is credited the other 0.11 ETH. Dana withdraws 0.54 ETH; Eve withdraws her 0.005 ETH fee.")
    demo.ante("withdraw", *account("Dana (contributor)"))
    demo.ante("withdraw", *account("Eve (evaluator)"))

    heading("Anyone can check")
    demo.ante("list")
    say("The audit replays every event since deployment and checks each challenge and every wei against the contract.")
    demo.ante("audit")
    demo.ante("records")
    say("Dana's record scores her stated chances against the verdicts: 90% against 0%, then 75% against the 80%")
    say("of the appeal: a Brier score of 0.406, the mean of 0.81 and 0.0025 (0 is perfect).")
    demo.ante("records", who["Dana (contributor)"])
    say()
    say("Every step above is an event on the chain; the records are recomputed from them by anyone.")


def linger(demo: Demo) -> None:
    """Leaves the oracle and its dashboard running until Ctrl-C."""
    heading("The dashboard")
    say(f"The oracle serves a dashboard of everything above at {demo.oracle_url}/ (Ctrl-C ends the demo).")
    try:
        while demo.oracle.poll() is None:
            time.sleep(0.5)
        say(f"The oracle stopped (exit code {demo.oracle.returncode}).")
    except KeyboardInterrupt:
        say()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8545")))
    parser.add_argument("--oracle-port", type=int, default=int(os.environ.get("DEMO_ORACLE_PORT", "8700")))
    parser.add_argument("--workdir", type=Path, default=ROOT / ".demo")
    parser.add_argument("--block-time", type=int, default=int(os.environ.get("DEMO_BLOCK_TIME", "0") or 0),
                        help="Start anvil mining a block every N seconds instead of at each transaction "
                             "(env DEMO_BLOCK_TIME).")
    parser.add_argument("--exit", action="store_true", default=os.environ.get("DEMO_EXIT", "") not in ("", "0"),
                        help="End after the stories instead of serving the dashboard until Ctrl-C (env DEMO_EXIT=1).")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    demo = Demo(args.port, args.workdir, args.oracle_port, args.block_time)
    demo.start_node()
    try:
        run(demo)
        if not args.exit:
            linger(demo)
    finally:
        demo.stop_oracle()
        demo.stop_node()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
