"""Mutation testing of the contract: every mutant in mutants/mutants.json must make a test fail.

The contract is three files: contracts/Ante.sol, contracts/AnteBase.sol (the storage and the rules Ante and its
appeal module share) and contracts/AnteAppeals.sol (the module). Each mutant is one small patch (replace `find`,
which must occur exactly once in the three together, by `replace`) and the behaviour it breaks. The patch is applied to a scratch copy of the project in a
temporary folder, never to the working tree: contracts, tests and configuration are copied, the
installed Python environment, compiler front and npm packages are shared. For each mutant the copy
compiles the mutated contract, then runs the mutant's own tests (`tests`, the ones that should catch
it) and, if they all pass, the rest of the contract suite, stopping at the first failure. A mutant is
killed when some test fails, survives when every test passes; one that does not compile is
stillborn (its patch is wrong, not the suite). Mutants marked `equivalent` (with the reason) cannot
change behaviour; they are listed, not run, unless --check-equivalent asks to confirm they survive.

The score is killed / (mutants run - stillborn). Every survivor is printed with what it breaks.

Every outcome is also written to .cache/mutants/results.json (not tracked), with the contract's hash
and the patch, so that a long run can be done in batches: --pending runs only the mutants with no
outcome for the current contract and patch, and --report prints the score over the whole catalogue
from the recorded outcomes without running anything. A recorded kill stays true while tests are only
added; after removing or weakening a test, run everything again.

Usage: python mutants/run.py [--only ID,ID | --pending] [--timeout SECONDS] [--check-equivalent]
[--no-baseline] [--report] (from the project root, after `make install`; `make mutants` runs it).
Exit 1 if any mutant survives.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "mutants" / "mutants.json"
#: The contract's sources, whose text the mutants patch.
CONTRACTS = (Path("contracts") / "Ante.sol", Path("contracts") / "AnteBase.sol", Path("contracts") / "AnteAppeals.sol")
RESULTS = ROOT / ".cache" / "mutants" / "results.json"
NETWORK = "ethereum:local:foundry"

#: The tests of the contract's behaviour, run (after a mutant's own tests) against every mutant.
CONTRACT_SUITE = [
    "tests/test_panels.py",
    "tests/test_create.py",
    "tests/test_accept.py",
    "tests/test_submit.py",
    "tests/test_settle.py",
    "tests/test_quorum_hostile.py",
    "tests/test_wallet_signatures.py",
    "tests/test_lapse.py",
    "tests/test_cancel.py",
    "tests/test_abandon.py",
    "tests/test_fund.py",
    "tests/test_claim.py",
    "tests/test_unreviewed_share.py",
    "tests/test_options.py",
    "tests/test_review_fee.py",
    "tests/test_appeal.py",
    "tests/test_withdraw.py",
    "tests/test_withdraw_to.py",
    "tests/test_tokens.py",
    "tests/test_revert_zero_token.py",
    "tests/test_verdict.py",
    "tests/test_events.py",
    "tests/test_stateful.py",
]


def load_catalogue() -> list[dict]:
    """The mutants, each checked to apply exactly once to the current contract."""
    mutants = json.loads(CATALOGUE.read_text())
    ids = [m["id"] for m in mutants]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SystemExit(f"mutants.json lists these ids twice: {', '.join(duplicates)}")
    stale = [f"{m['id']} (found {occurrences(m['find'])} times)" for m in mutants if occurrences(m["find"]) != 1]
    if stale:
        raise SystemExit("these mutants no longer apply to the contract's sources exactly once: " + ", ".join(stale))
    return mutants


def occurrences(find: str) -> int:
    """How many times `find` occurs in the contract's sources, all together."""
    return sum(text.count(find) for text in pristine().values())


def target(find: str) -> Path:
    """The source that holds `find` (which occurs once in all of them)."""
    return next(path for path, text in pristine().items() if find in text)


#: The contract as it was when the run began: every mutant is applied to this text and its outcome
#: recorded under its hash, so that editing the sources during a long run changes nothing in it.
_PRISTINE: dict[Path, str] = {}


def pristine() -> dict[Path, str]:
    if not _PRISTINE:
        _PRISTINE.update({path: (ROOT / path).read_text() for path in CONTRACTS})
    return _PRISTINE


def contract_hash() -> str:
    return hashlib.sha256("".join(pristine().values()).encode()).hexdigest()[:16]


def recorded() -> dict[str, dict]:
    """The outcomes recorded for the current contract, by mutant id."""
    try:
        results = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in results.items() if v.get("contract") == contract_hash()}


def record(mutant: dict, outcome: str, detail: str, seconds: float) -> None:
    results = recorded()
    results[mutant["id"]] = {"outcome": outcome, "detail": detail, "seconds": round(seconds),
                             "contract": contract_hash(), "find": mutant["find"], "replace": mutant["replace"]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def make_scratch(folder: Path) -> None:
    """A copy of the project that compiles and tests on its own, sharing only installed tools."""
    for name in ("ape-config.yaml", "pyproject.toml"):
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(ROOT / "contracts", folder / "contracts", symlinks=True, ignore=shutil.ignore_patterns(".cache"))
    shutil.copytree(ROOT / "tests", folder / "tests", ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    (folder / "node_modules").symlink_to(ROOT / "node_modules")
    # The same layout as `make install`'s dependency-cache: Ape's file listing must not reach the copy.
    (folder / ".cache" / "solidity-dependencies").mkdir(parents=True)
    (folder / "contracts" / ".cache").symlink_to(Path("..") / ".cache" / "solidity-dependencies")
    packages = ROOT / ".ape" / "packages"
    if packages.is_dir():
        shutil.copytree(packages, folder / ".ape" / "packages", symlinks=True)


def environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(ROOT / ".venv" / "bin"), str(ROOT / "toolchain" / "bin"), env.get("PATH", "")])
    env["SOLCX_BINARY_PATH"] = str(ROOT / ".solc")
    env["APE_DATA_FOLDER"] = str(folder / ".ape")
    env["APE_FOUNDRY_HOST"] = "auto"
    env["HYPOTHESIS_PROFILE"] = "dev"
    return env


def run(command: list[str], folder: Path, timeout: float) -> tuple[int | None, str]:
    """(exit code or None on timeout, combined output)."""
    try:
        done = subprocess.run(
            command, cwd=folder, env=environment(folder), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout or b""
        return None, out.decode(errors="replace") if isinstance(out, bytes) else out
    return done.returncode, done.stdout + done.stderr


def first_failure(output: str) -> str:
    match = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    return match.group(1) if match else "a test"


def test(folder: Path, files: list[str], timeout: float) -> tuple[str, str]:
    """Runs `files` until the first failure: ("passed" | "failed" | "timeout" | "error", detail)."""
    command = ["ape", "test", *files, "--network", NETWORK, "-x", "-q", "-rfE", "-p", "no:cacheprovider"]
    code, output = run(command, folder, timeout)
    if code is None:
        return "timeout", f"no result within {timeout:.0f} s"
    if code == 0:
        return "passed", ""
    if code == 1:
        return "failed", first_failure(output)
    return "error", output.strip().splitlines()[-1] if output.strip() else f"exit {code}"


def judge(folder: Path, mutant: dict, timeout: float) -> tuple[str, str]:
    """Applies one mutant in the scratch copy and says what became of it."""
    mutated = target(mutant["find"])
    for path, text in pristine().items():
        (folder / path).write_text(text.replace(mutant["find"], mutant["replace"], 1) if path == mutated else text)
    started = time.monotonic()
    # --force: Ape's own check of what changed since the last compile missed a source patched twice in a row
    # (the second mutant ran against the first's code), so every mutant compiles the whole contract afresh.
    code, output = run(["ape", "compile", "--force"], folder, timeout)
    if code != 0:
        return "stillborn", "does not compile" if code is not None else "compiling timed out"
    own = list(mutant.get("tests", []))
    rest = [f for f in CONTRACT_SUITE if f not in own]
    for files in (own, rest):
        if not files:
            continue
        left = max(timeout - (time.monotonic() - started), 1)
        outcome, detail = test(folder, files, left)
        if outcome == "failed":
            return "killed", f"by {detail}"
        if outcome == "timeout":
            return "killed", f"timed out ({detail})"
        if outcome == "error":
            return "error", detail
    return "survived", "every contract test passed"


def main() -> int:
    parser = argparse.ArgumentParser(description="Mutation testing of the contract.")
    parser.add_argument("--only", help="comma-separated mutant ids to run (default: all)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutant, compile and tests (default 600)")
    parser.add_argument("--check-equivalent", action="store_true", help="run the equivalent mutants too")
    parser.add_argument("--no-baseline", action="store_true", help="skip checking that the unmutated suite passes")
    parser.add_argument("--pending", action="store_true",
                        help="run only the mutants with no outcome recorded for the current contract")
    parser.add_argument("--report", action="store_true", help="print the score from the recorded outcomes; run nothing")
    args = parser.parse_args()

    mutants = load_catalogue()
    if args.report:
        return report(mutants)
    if args.pending:
        done = recorded()
        mutants = [m for m in mutants if m["id"] not in done or done[m["id"]]["replace"] != m["replace"]
                   or done[m["id"]]["find"] != m["find"]]
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutants}
        if unknown:
            raise SystemExit(f"no such mutants: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["id"] in wanted]
    equivalent = [m for m in mutants if m.get("equivalent")]
    to_run = [m for m in mutants if args.check_equivalent or not m.get("equivalent")]

    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="ante-mutants-") as tmp:
        folder = Path(tmp)
        make_scratch(folder)
        if not args.no_baseline:
            code, output = run(["ape", "compile"], folder, args.timeout)
            outcome, detail = test(folder, CONTRACT_SUITE, max(args.timeout, 1800)) if code == 0 else ("error", "")
            if outcome != "passed":
                sys.stderr.write(output[-2000:])
                raise SystemExit(f"the unmutated contract does not pass its own suite ({outcome} {detail}): fix that first")
            print("baseline: the unmutated contract passes the contract suite", flush=True)
        for number, mutant in enumerate(to_run, 1):
            started = time.monotonic()
            outcome, detail = judge(folder, mutant, args.timeout)
            if mutant.get("equivalent") and outcome == "killed":
                outcome, detail = "not-equivalent", f"listed as equivalent but killed {detail}"
            results.setdefault(outcome, []).append(mutant)
            record(mutant, outcome, detail, time.monotonic() - started)
            print(f"[{number}/{len(to_run)}] {outcome:<9} {mutant['id']}: {detail} ({time.monotonic() - started:.0f} s)",
                  flush=True)

    killed = len(results.get("killed", []))
    judged = sum(len(v) for k, v in results.items() if k not in ("stillborn", "error"))
    judged -= sum(1 for m in results.get("survived", []) if m.get("equivalent"))
    print()
    for mutant in equivalent:
        print(f"equivalent {mutant['id']}: {mutant['equivalent']}")
    for outcome in ("survived", "not-equivalent", "stillborn", "error"):
        for mutant in results.get(outcome, []):
            if outcome == "survived" and mutant.get("equivalent"):
                continue
            print(f"{outcome.upper()} {mutant['id']}: breaks {mutant['breaks']}")
    score = f"{killed}/{judged} ({100 * killed / judged:.1f}%)" if judged else "n/a"
    print(f"mutation score: {score} killed; {len(equivalent)} equivalent listed; "
          f"{len(results.get('stillborn', []))} stillborn; {len(results.get('error', []))} errors")
    bad = [m for k in ("survived", "not-equivalent", "error") for m in results.get(k, []) if not (
        k == "survived" and m.get("equivalent"))]
    return 1 if bad else 0


def report(mutants: list[dict]) -> int:
    """The score over the whole catalogue from the recorded outcomes (those of the current contract and
    of each mutant's current patch)."""
    done = recorded()
    counts: dict[str, list[str]] = {}
    for mutant in mutants:
        result = done.get(mutant["id"])
        if mutant.get("equivalent") and not result:
            outcome = "equivalent"
        elif not result or result["find"] != mutant["find"] or result["replace"] != mutant["replace"]:
            outcome = "not run"
        elif mutant.get("equivalent"):
            outcome = "equivalent" if result["outcome"] == "survived" else "not-equivalent"
        else:
            outcome = result["outcome"]
        counts.setdefault(outcome, []).append(mutant["id"])
    for outcome in ("survived", "not-equivalent", "error", "not run", "stillborn"):
        for mid in counts.get(outcome, []):
            print(f"{outcome.upper()} {mid}")
    for mutant in mutants:
        if mutant["id"] in counts.get("equivalent", []):
            print(f"equivalent {mutant['id']}: {mutant['equivalent']}")
    killed, stillborn = len(counts.get("killed", [])), len(counts.get("stillborn", []))
    judged = len(mutants) - len(counts.get("equivalent", [])) - len(counts.get("not run", [])) - stillborn
    print(f"{len(mutants)} mutants: {judged + stillborn + len(counts.get('equivalent', []))} run or listed, "
          f"{killed} killed, {len(counts.get('survived', []))} survived, {stillborn} stillborn, "
          f"{len(counts.get('equivalent', []))} equivalent, {len(counts.get('not run', []))} not run; "
          f"mutation score {killed}/{judged}" + (f" ({100 * killed / judged:.1f}%)" if judged else ""))
    return 0 if killed == judged and not counts.get("not run") else 1


if __name__ == "__main__":
    raise SystemExit(main())
