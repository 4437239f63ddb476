"""Runs Slither over the production contracts and fails on any high or medium finding not explained.

Slither cannot drive solc-js in its default mode, so this writes a standard-JSON input that lists the
sources by URL and hands it to Slither with the project's compiler front (toolchain/solc-front.js).
Explained findings live in toolchain/slither-explained.json: each names a detector, a text that the
finding's description contains, and the reason it is acceptable.

Usage: python toolchain/slither_gate.py   (from the project root; exit 1 on unexplained findings)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ["contracts/Ante.sol", "contracts/interfaces/IAnte.sol"]
EXPLAINED = ROOT / "toolchain" / "slither-explained.json"
FAILING_IMPACTS = {"High", "Medium"}


def standard_json_input() -> dict:
    return {
        "language": "Solidity",
        "sources": {path: {"urls": [path]} for path in PRODUCTION},
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "optimizer": {"enabled": True, "runs": 200},
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


def main() -> int:
    explained = json.loads(EXPLAINED.read_text())
    findings = run_slither()
    unexplained = []
    for finding in findings:
        if finding["impact"] not in FAILING_IMPACTS:
            continue
        reason = next(
            (e["reason"] for e in explained
             if e["check"] == finding["check"] and e["contains"] in finding["description"]),
            None,
        )
        status = f"explained: {reason}" if reason else "UNEXPLAINED"
        print(f"[{finding['impact']}] {finding['check']}: {finding['description'].strip()}\n    -> {status}")
        if reason is None:
            unexplained.append(finding)
    counts = {}
    for finding in findings:
        counts[finding["impact"]] = counts.get(finding["impact"], 0) + 1
    summary = ", ".join(f"{n} {impact.lower()}" for impact, n in sorted(counts.items())) or "no findings"
    print(f"slither: {summary}; {len(unexplained)} high/medium unexplained")
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
