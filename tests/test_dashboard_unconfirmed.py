"""The dashboard's challenge timeline marks events in blocks after the snapshot's final block."""

import re
import warnings

import pytest

with warnings.catch_warnings():  # Starlette suggests httpx2; the pinned httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from oracle_support import store, store_path  # noqa: F401

from ante.client import AnteClient
from ante.deployment import Deployment
from ante.oracle.app import create_app
from ante.oracle.service import OracleService


@pytest.fixture
def oracle_two_blocks_deep(ante, chain, tmp_path, relayer, store):  # noqa: F811
    """An oracle whose client holds the last two blocks as not final yet."""
    client = AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "index.sqlite",
                        finality_depth=2)
    service = OracleService(client, relayer, store, poll=0.2, sync_wait=5)
    yield service
    service.stop()


def timeline_rows(html: str) -> list[tuple[str, bool]]:
    """(event name, marked unconfirmed) for each row of the timeline."""
    table = html.split('<table class="timeline">')[1].split("</table>")[0]
    rows = []
    for row in table.split("<tr>")[2:]:
        name = re.search(r'<span class="event">(\w+)</span>', row).group(1)
        rows.append((name, '<span class="muted unconfirmed">unconfirmed</span>' in row))
    return rows


def test_events_after_the_final_block_are_marked_unconfirmed(bounties, oracle_two_blocks_deep, chain):
    challenge_id, record, _ = bounties.create()
    chain.mine(3)
    record, _ = bounties.accept(challenge_id, record)  # the head block: not final two blocks deep
    oracle_two_blocks_deep.run_once()
    snapshot = oracle_two_blocks_deep.snapshot
    if getattr(snapshot, "final_block", None) is None:
        pytest.skip("this oracle's snapshot does not say where finality ends")
    assert snapshot.final_block == chain.blocks.head.number - 2

    with TestClient(create_app(oracle_two_blocks_deep)) as web:
        html = web.get(f"/ui/challenges/{challenge_id}").text

    assert timeline_rows(html) == [("ChallengeCreated", False), ("ChallengeAccepted", True)]
    assert f"1 event is in blocks after block {snapshot.final_block}, the last final one" in html


def test_on_a_local_chain_every_event_is_confirmed(bounties, ante, chain, tmp_path, relayer, store,  # noqa: F811
                                                   monkeypatch):
    monkeypatch.delenv("ANTE_FINALITY_DEPTH", raising=False)
    client = AnteClient(Deployment(chain.chain_id, ante.address, 0), index_path=tmp_path / "local.sqlite")
    service = OracleService(client, relayer, store, poll=0.2, sync_wait=5)
    try:
        challenge_id, record, _ = bounties.create()
        bounties.accept(challenge_id, record)
        service.run_once()
        with TestClient(create_app(service)) as web:
            html = web.get(f"/ui/challenges/{challenge_id}").text
    finally:
        service.stop()

    assert timeline_rows(html) == [("ChallengeCreated", False), ("ChallengeAccepted", False)]
    assert "unconfirmed" not in html
