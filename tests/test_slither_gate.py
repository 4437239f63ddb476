"""The Slither gate explains a finding only where its explanation points: detector, file, function, line."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("slither_gate", ROOT / "toolchain" / "slither_gate.py")
gate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate)

CALL = "(recovered,err,None) = ECDSA.tryRecoverCalldata(digest,signature)"


def finding(check="unused-return", function="_isValidSignature", line=424, statement=CALL, file="contracts/AnteBase.sol"):
    """A Slither finding in the JSON shape Slither reports: the function, then the flagged statement."""
    return {
        "check": check,
        "impact": "Medium",
        "description": f"Ante.{function}(...) ignores return value by {statement} ({file}#{line})",
        "elements": [
            {"type": "function", "name": function, "source_mapping": {"filename_relative": file, "lines": [line - 2, line, line + 1]}},
            {"type": "node", "name": statement, "source_mapping": {"filename_relative": file, "lines": [line]},
             "type_specific_fields": {"parent": {"type": "function", "name": function}}},
        ],
    }


def explained():
    """The explanation of the unused return of ECDSA.tryRecoverCalldata."""
    [entry] = [e for e in json.loads((ROOT / "toolchain" / "slither-explained.json").read_text())
               if e["check"] == "unused-return"]
    return entry


def test_explanation_matches_its_exact_finding():
    entry = explained()
    assert gate.explains(entry, finding(line=entry["line"]))


def test_explanation_refuses_the_same_call_elsewhere():
    entry = explained()
    line = entry["line"]
    assert not gate.explains(entry, finding(line=line + 7))
    assert not gate.explains(entry, finding(line=line, function="_checkSomethingElse"))
    assert not gate.explains(entry, finding(line=line, file="contracts/Other.sol"))
    assert not gate.explains(entry, finding(line=line, check="unchecked-lowlevel"))


def test_explanation_refuses_another_statement_on_its_line():
    entry = explained()
    assert not gate.explains(entry, finding(line=entry["line"], statement="token.transfer(to,amount)"))


def test_explanation_points_at_the_call_in_the_contract():
    # The line named in the explanation still holds the explained call, so the explanation is not stale.
    entry = explained()
    line = (ROOT / entry["file"]).read_text().splitlines()[entry["line"] - 1]
    assert "ECDSA.tryRecoverCalldata(digest, signature)" in line
