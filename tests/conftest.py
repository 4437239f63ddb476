"""Fixtures: a deployed Ante, funded test accounts, evaluator keys and a lifecycle driver.

Ape isolates every test with chain snapshots, so session-scoped deployments are shared cheaply.
"""

import os

import pytest
from eth_account import Account
from hypothesis import HealthCheck, settings

from lifecycle import Bounties

# Hypothesis profiles: "ci" (the default) runs the stateful test for about 11,000 steps (some 21,000 to 25,000
# transactions, a few minutes), which reaches its transition targets several times over and keeps the whole
# `make test` within its budget on a busy 2-core machine; "dev" is a quick look; "deep" runs about ten times
# as long. Choose with HYPOTHESIS_PROFILE=NAME.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("ci", max_examples=270, stateful_step_count=50, **_COMMON)
settings.register_profile("dev", max_examples=20, stateful_step_count=30, **_COMMON)
settings.register_profile("deep", max_examples=2000, stateful_step_count=60, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ETHER = 10**18


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def funder(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def contributor(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def relayer(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def backer(accounts):
    """A co-funder: adds to others' challenges."""
    return accounts[5]


@pytest.fixture(scope="session")
def backer2(accounts):
    """A second co-funder."""
    return accounts[6]


@pytest.fixture(scope="session")
def evaluators():
    """Nine evaluator keys, sorted by address. They only sign; they never need ether."""
    keys = [Account.from_key(bytes.fromhex(f"{i + 1:064x}")) for i in range(100, 109)]
    return sorted(keys, key=lambda a: int(a.address, 16))


@pytest.fixture(scope="session")
def ante(project, deployer):
    return project.Ante.deploy(sender=deployer)


@pytest.fixture(scope="session")
def panel_2of3(ante, deployer, evaluators):
    ante.createPanel([e.address for e in evaluators[:3]], 2, sender=deployer)
    return ante.panelCount()


@pytest.fixture(scope="session")
def panel_5of9(ante, deployer, evaluators):
    ante.createPanel([e.address for e in evaluators], 5, sender=deployer)
    return ante.panelCount()


@pytest.fixture(scope="session")
def token(project, deployer, funder, contributor, ante):
    token = project.TestToken.deploy("Test Token", "TST", 18, sender=deployer)
    for holder in (funder, contributor):
        token.mint(holder, 1_000_000 * ETHER, sender=deployer)
        token.approve(ante, 2**256 - 1, sender=holder)
    return token


@pytest.fixture
def bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3):
    """The lifecycle driver, on a 2-of-3 panel by default."""
    return Bounties(ante, chain, funder, contributor, relayer, evaluators, panel_2of3)


# --- Fixtures for the per-function test files (test_create.py, test_settle.py, ...). ---


@pytest.fixture(scope="session")
def panel_with_stranger(ante, deployer, evaluators, stranger):
    """A 2-of-3 panel whose third member is the Ape test account `stranger` (so it can send transactions)."""
    ante.createPanel([evaluators[0].address, evaluators[1].address, stranger.address], 2, sender=deployer)
    return ante.panelCount()


def _hostile_token(container, deployer, holders, ante):
    token = container.deploy(sender=deployer)
    for holder in holders:
        token.mint(holder, 1_000_000 * ETHER, sender=deployer)
        token.approve(ante, 2**256 - 1, sender=holder)
    return token


@pytest.fixture(scope="session")
def missing_return_token(project, deployer, funder, contributor, ante):
    return _hostile_token(project.MissingReturnToken, deployer, (funder, contributor), ante)


@pytest.fixture(scope="session")
def returns_false_token(project, deployer, funder, contributor, ante):
    return _hostile_token(project.ReturnsFalseToken, deployer, (funder, contributor), ante)


@pytest.fixture(scope="session")
def fee_token(project, deployer, funder, contributor, ante):
    return _hostile_token(project.FeeOnTransferToken, deployer, (funder, contributor), ante)


@pytest.fixture(scope="session")
def revert_zero_token(project, deployer, funder, contributor, ante):
    return _hostile_token(project.RevertZeroToken, deployer, (funder, contributor), ante)


@pytest.fixture
def blocklist_token(project, deployer, funder, contributor, ante):
    """A fresh token that blocklists (function scope: tests blocklist its holders)."""
    return _hostile_token(project.BlocklistToken, deployer, (funder, contributor), ante)


@pytest.fixture(scope="session")
def reentrant_token(project, deployer, funder, contributor, ante):
    return _hostile_token(project.ReentrantToken, deployer, (funder, contributor), ante)


@pytest.fixture
def rejecting_receiver(project, deployer):
    return project.RejectingReceiver.deploy(sender=deployer)


@pytest.fixture
def reentrant_receiver(project, deployer):
    return project.ReentrantReceiver.deploy(sender=deployer)


@pytest.fixture(scope="session")
def other_ante(project, deployer):
    """A second, independent Ante deployment (for cross-deployment replay tests)."""
    return project.Ante.deploy(sender=deployer)


def pytest_terminal_summary(terminalreporter):
    from test_stateful import STEPS, transitions_summary

    if STEPS["examples"]:
        terminalreporter.write_line(
            f"stateful test: {STEPS['count']} steps, {STEPS['transactions']} transactions in {STEPS['examples']} examples "
            f"(profile {os.environ.get('HYPOTHESIS_PROFILE', 'ci')})"
        )
        terminalreporter.write_line(transitions_summary())
