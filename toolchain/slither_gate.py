"""Runs Slither over the production contracts and fails on any high or medium finding not explained.

Slither cannot drive solc-js in its default mode, so this writes a standard-JSON input that lists the
sources by URL and hands it to Slither with the project's compiler front (toolchain/solc-front.js).
Explained findings live in toolchain/slither-explained.json: each names the exact finding it explains
(the detector, the file, the function and the line of the flagged statement, and a text that statement
contains) and the reason it is acceptable. An explanation covers only that statement: the same kind of
finding anywhere else, or after the statement moves, is unexplained until the explanation is updated.

Usage: python toolchain/slither_gate.py   (from the project root; exit 1 on unexplained findings)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = [
    "contracts/Ante.sol", "contracts/AnteBase.sol", "contracts/AnteAppeals.sol", "contracts/interfaces/IAnte.sol",
]
EXPLAINED = ROOT / "toolchain" / "slither-explained.json"
FAILING_IMPACTS = {"High", "Medium"}


def standard_json_input() -> dict:
    return {
        "language": "Solidity",
        "sources": {path: {"urls": [path]} for path in PRODUCTION},
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "optimizer": {"enabled": True, "runs": 200},
            # As the build compiles it (ape-config.yaml): without the IR pipeline the appeal module is too deep
            # for the stack.
            "viaIR": True,
            "evmVersion": "cancun",
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers"], "": ["ast"]}
            },
        },
    }


def run_slither() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "input.json"
        report = Path(tmp) / "slither.json"
        source.write_text(json.dumps(standard_json_input()))
        command = [
            sys.executable, "-m", "slither", str(source),
            "--compile-force-framework", "solc-json",
            "--solc", str(ROOT / "toolchain" / "solc-front.js"),
            "--exclude-dependencies",
            "--filter-paths", "node_modules",
            "--json", str(report),
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if not report.exists():
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"slither did not produce a report (exit {done.returncode})")
        result = json.loads(report.read_text())
    if not result.get("success"):
        raise SystemExit(f"slither failed: {result.get('error')}")
    return result.get("results", {}).get("detectors", [])


def flagged_statements(finding: dict) -> list[tuple[str, str, int, str]]:
    """(file, function, line, statement) of each statement a finding flags. A finding about a state variable
    (uninitialized-state) flags the variable's declaration, named by its contract in place of a function; one about
    a whole contract (locked-ether) flags the contract's first line, named by the contract itself."""
    statements = []
    for element in finding.get("elements", []):
        kind = element.get("type")
        mapping = element.get("source_mapping", {})
        file, lines = mapping.get("filename_relative", ""), mapping.get("lines", [])
        if kind == "node":
            parent = element.get("type_specific_fields", {}).get("parent", {})
            for line in lines:
                statements.append((file, parent.get("name", ""), line, element.get("name", "")))
        elif kind == "variable" and lines:
            parent = element.get("type_specific_fields", {}).get("parent", {})
            statements.append((file, parent.get("name", ""), lines[0], element.get("name", "")))
        elif kind == "contract" and lines:
            statements.append((file, element.get("name", ""), lines[0], element.get("name", "")))
    return statements


def explains(explanation: dict, finding: dict) -> bool:
    """Whether `explanation` names this finding exactly: its detector and one of its flagged statements."""
    if explanation["check"] != finding["check"]:
        return False
    return any(
        file == explanation["file"] and function == explanation["function"] and line == explanation["line"]
        and explanation["contains"] in statement
        for file, function, line, statement in flagged_statements(finding)
    )


def main() -> int:
    explained = json.loads(EXPLAINED.read_text())
    findings = run_slither()
    unexplained = []
    used = set()
    for finding in findings:
        if finding["impact"] not in FAILING_IMPACTS:
            continue
        matches = [i for i, e in enumerate(explained) if explains(e, finding)]
        used.update(matches)
        reason = explained[matches[0]]["reason"] if matches else None
        status = f"explained: {reason}" if reason else "UNEXPLAINED"
        print(f"[{finding['impact']}] {finding['check']}: {finding['description'].strip()}\n    -> {status}")
        if reason is None:
            unexplained.append(finding)
    for i, explanation in enumerate(explained):
        if i not in used:
            print(f"note: no finding matches the explanation of {explanation['check']} in "
                  f"{explanation['function']} at {explanation['file']}#{explanation['line']}: remove or update it")
    counts = {}
    for finding in findings:
        counts[finding["impact"]] = counts.get(finding["impact"], 0) + 1
    summary = ", ".join(f"{n} {impact.lower()}" for impact, n in sorted(counts.items())) or "no findings"
    print(f"slither: {summary}; {len(unexplained)} high/medium unexplained")
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
