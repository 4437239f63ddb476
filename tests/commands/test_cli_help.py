"""`ante --help`, every command's --help and --version: instant, offline, and each shows an example."""

import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from ante.cli.main import COMMANDS, cli

#: The commands the brief names; the CLI may have more (they are found below and tested the same way).
BRIEF_COMMAND_PATHS = [
    ("deploy",), ("panel",), ("panel", "create"), ("panel", "show"), ("post",), ("list",), ("show",),
    ("accept",), ("submit",), ("abandon",), ("verdict",), ("verdict", "sign"), ("verdict", "typed-data"),
    ("settle",), ("cancel",), ("lapse",), ("withdraw",), ("audit",), ("records",), ("kelly",),
    ("appeal",), ("finalize",),
]


def _walk(group, prefix=()):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _walk(command, (*prefix, name))


#: Every command path the CLI offers, groups and their subcommands included.
COMMAND_PATHS = list(_walk(cli))


def help_text(*path) -> str:
    result = CliRunner(mix_stderr=False).invoke(cli, [*path, "--help"], prog_name="ante")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def test_every_command_the_brief_names_exists():
    assert set(BRIEF_COMMAND_PATHS) <= set(COMMAND_PATHS)
    assert {path[0] for path in COMMAND_PATHS} == set(COMMANDS)


def test_ante_help_lists_every_command_with_its_summary_and_a_whole_story():
    text = help_text()
    assert text.startswith("Usage: ante [OPTIONS] COMMAND [ARGS]...")
    for name, (_, _, summary) in COMMANDS.items():
        assert re.search(rf"^\s+{re.escape(name)}\s+{re.escape(summary)}$", text, re.MULTILINE), name
    # The example: a whole story, one command per line.
    for line in ("ante deploy --account TEST::0", "ante accept 1 --promise promise.md --by +10d --account TEST::2",
                 "ante settle 1 v5.json v6.json", "ante withdraw --account TEST::2"):
        assert line in text


def test_short_help_option_works_too():
    result = CliRunner(mix_stderr=False).invoke(cli, ["-h"], prog_name="ante")
    assert result.exit_code == 0
    assert result.stdout == help_text()


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_help_exits_0_and_shows_an_example(path):
    text = help_text(*path)
    assert text.startswith(f"Usage: ante {' '.join(path)} ")
    # An example is a line that runs this very command: `ante <path> ...`.
    example = re.compile(rf"^\s+ante {re.escape(' '.join(path))}\b", re.MULTILINE)
    assert example.search(text), f"`ante {' '.join(path)} --help` shows no example:\n{text}"


@pytest.mark.parametrize("path", [p for p in BRIEF_COMMAND_PATHS if p not in {("panel",), ("verdict",), ("kelly",)}],
                         ids=" ".join)
def test_every_chain_command_has_the_shared_options(path):
    text = help_text(*path)
    for option in ("--network", "--account", "--contract", "--json", "--yes", "--verbose"):
        assert option in text, f"{option} missing from `ante {' '.join(path)} --help`"
    assert "ethereum:local:foundry" in text  # the default network is shown


def test_kelly_help_states_the_formula_and_needs_no_chain():
    text = help_text("kelly")
    assert "f* = p - (1 - p) / b" in " ".join(text.split())  # help text is re-wrapped to the terminal
    assert "--network" not in text and "--account" not in text
    assert 'ante kelly --p 0.7 --reward "1 ether" --stake 10% --bankroll "5 ether"' in text


def test_version():
    result = CliRunner(mix_stderr=False).invoke(cli, ["--version"], prog_name="ante")
    assert result.exit_code == 0
    assert result.stdout.strip() == "ante, version 0.1.0"


def test_unknown_command_is_a_usage_error():
    result = CliRunner(mix_stderr=False).invoke(cli, ["dance"], prog_name="ante")
    assert result.exit_code == 2
    assert "No such command 'dance'" in result.stderr


# --------------------------------------------------------------------------- help never imports Ape

PROBE = """
import sys
from ante.cli.main import main
sys.argv = ["ante", *{args!r}]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if m == "ape" or m.startswith(("ape.", "ape_")))
print("EXIT", code, file=sys.stderr)
print("APE", ",".join(loaded[:5]) or "-", file=sys.stderr)
"""


def run_help_in_a_fresh_python(args):
    process = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True,
                             timeout=60)
    lines = dict(line.split(" ", 1) for line in process.stderr.splitlines() if line.startswith(("EXIT ", "APE ")))
    assert process.returncode == 0, process.stderr
    return process.stdout, lines


def test_ante_help_does_not_import_ape():
    out, probe = run_help_in_a_fresh_python(["--help"])
    assert probe["EXIT"] == "0"
    assert "Usage: ante" in out
    assert probe["APE"] == "-", f"`ante --help` imported {probe['APE']}"


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_command_help_does_not_import_ape(path):
    out, probe = run_help_in_a_fresh_python([*path, "--help"])
    assert probe["EXIT"] == "0"
    assert f"Usage: ante {' '.join(path)}" in out
    assert probe["APE"] == "-", f"`ante {' '.join(path)} --help` imported {probe['APE']}"


def test_the_installed_console_script_prints_help_quickly():
    """The real `ante` executable (the console script the venv installs) answers --help."""
    from pathlib import Path

    script = Path(sys.executable).parent / "ante"
    process = subprocess.run([str(script), "post", "--help"], capture_output=True, text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    assert "Usage: ante post [OPTIONS]" in process.stdout
    assert "ante post --reward" in process.stdout
