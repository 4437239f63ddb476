"""How long the dashboard's board takes with 1,000 challenges.

The oracle renders pages from its snapshot of the chain (the folded event log), which its worker
rebuilds after each new block; a page request never waits for the chain. So this benchmark builds the
snapshot the worker would build, from a synthetic but rule-abiding event log of 1,000 challenges in
every state (a tenth each open, accepted and submitted; the rest settled at various scores,
defaulted, unreviewed, expired or cancelled; 5 funders, 40 contributors, one 2-of-3 panel), through
the real OracleService (`run_once`, as its worker does), and then times:

- ``render_ms``: the board's first page (50 challenges of the 1,000) built in-process (filtering the
  snapshot, counting every state and rendering the template: the work of one request without HTTP);
- ``http_get_ms``: a complete ``GET /`` (page 1) over a real socket to uvicorn serving ``create_app``
  (request, render, and reading the whole response), cold (the first request, which also compiles the
  templates) and warm; and its size in bytes;
- ``GET /?page=20``, the last page, and every page in turn (what reading the whole board takes now);
- the same for a filtered board (``?state=settled``, page 1) and for a person's page (which lists
  all of a person's challenges, unpaged).

Each figure is the median of several runs, in milliseconds of wall time. Writes bench/dashboard.json.

Usage: python bench/dashboard.py [--challenges 1000] [--runs 7] [--port 8731]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = 86_400
ETHER = 10**18
START = 1_780_000_000  # 2026-05-28


def synthetic_events(count: int) -> tuple[list, int]:
    """A rule-abiding event log of `count` challenges in a mix of states; returns (events, chain time)."""
    from eth_utils import keccak, to_checksum_address

    from ante.events import (
        ChallengeAccepted, ChallengeCancelled, ChallengeCreated, ChallengeLapsed, ChallengeSettled,
        ChallengeSubmitted, PanelCreated,
    )
    from ante.state import State
    from ante.terms import DEFAULT_UNREVIEWED_BPS, ZERO_ADDRESS, Terms, split_payout, unreviewed_payout

    def address(n: int) -> str:
        return to_checksum_address(f"0x{n:040x}")

    evaluators = sorted((address(0xE0 + i) for i in range(3)), key=lambda a: int(a, 16))
    funders = [address(0xF000 + i) for i in range(5)]
    contributors = [address(0xC000 + i) for i in range(40)]
    now = START + count * 3_600 + 10 * DAY
    plan = [(START - DAY, 0, "panel", None)]  # (timestamp, order, what, data)
    for i in range(1, count + 1):
        created = START + i * 3_600
        kind = i % 10
        live = kind in (7, 8, 9)
        terms = Terms(funder=funders[i % len(funders)], token=ZERO_ADDRESS, reward=(1 + i % 7) * ETHER // 4,
                      stake_bps=1_000, panel_id=1, accept_by=(now + 30 * DAY) if live else created + 2 * DAY,
                      deliver_within=(60 * DAY) if live else 5 * DAY, review_within=3 * DAY,
                      spec_hash=keccak(text=f"spec {i}"))
        who = contributors[(i * 7) % len(contributors)]
        plan.append((created, i, "create", (i, terms)))
        if kind == 7:
            continue
        if kind == 6:  # nobody accepts: expired, or cancelled
            if i % 20 == 16:
                plan.append((created + DAY, i, "cancel", (i, terms.reward)))
            else:
                plan.append((created + 2 * DAY + 60, i, "lapse", (i, State.EXPIRED, 0, terms.reward)))
            continue
        accepted = created + 3_600 if not live else now - 5 * DAY
        deliver_by = accepted + terms.deliver_within
        promised_by = accepted + (2 * DAY if not live else 20 * DAY)
        plan.append((accepted, i, "accept", (i, who, terms.stake, deliver_by, promised_by)))
        if kind == 8:
            continue
        if kind == 5:
            plan.append((deliver_by + 60, i, "lapse", (i, State.DEFAULTED, 0, terms.reward + terms.stake)))
            continue
        submitted = accepted + (DAY if i % 3 else 3 * DAY) if not live else now - DAY
        review_by = submitted + terms.review_within
        plan.append((submitted, i, "submit", (i, who, review_by)))
        if kind == 9:
            continue
        if kind == 4 and i % 20 == 4:
            paid = unreviewed_payout(terms.reward, terms.stake, DEFAULT_UNREVIEWED_BPS)
            plan.append((review_by + 60, i, "lapse", (i, State.UNREVIEWED, *paid)))
            continue
        score = (0, 10_000, 9_000, 6_000, 3_000)[i % 5]
        paid = split_payout(terms.reward, terms.stake_bps, score)
        plan.append((submitted + DAY, i, "settle", (i, score, *paid, tuple(evaluators[:2]))))
    plan.sort(key=lambda step: (step[0], step[1]))
    events = []
    for block, (timestamp, _, what, data) in enumerate(plan, start=1):
        at = dict(block_number=block, log_index=0, transaction_hash="0x" + f"{block:064x}", timestamp=timestamp)
        if what == "panel":
            events.append(PanelCreated(**at, panel_id=1, creator=funders[0], members=tuple(evaluators), threshold=2))
        elif what == "create":
            cid, terms = data
            events.append(ChallengeCreated(**at, challenge_id=cid, funder=terms.funder, panel_id=1, terms=terms,
                                           spec_uri=f"https://example.org/specs/{cid}"))
        elif what == "accept":
            cid, who, stake, deliver_by, promised_by = data
            events.append(ChallengeAccepted(**at, challenge_id=cid, contributor=who, stake=stake, deliver_by=deliver_by,
                                            promise_hash=keccak(text=f"promise {cid}"), promised_by=promised_by,
                                            promise_uri=f"https://example.org/promises/{cid}",
                                            confidence_bps=(0, 9_000, 8_000, 6_000, 5_000)[cid % 5]))
        elif what == "submit":
            cid, who, review_by = data
            events.append(ChallengeSubmitted(**at, challenge_id=cid, contributor=who,
                                             deliverable=keccak(text=f"deliverable {cid}"), review_by=review_by,
                                             deliverable_uri=f"https://example.org/deliveries/{cid}"))
        elif what == "settle":
            cid, score, to_contributor, to_funder, signers = data
            events.append(ChallengeSettled(**at, challenge_id=cid, score=score, to_contributor=to_contributor,
                                           to_funder=to_funder, signers=signers))
        elif what == "lapse":
            cid, state, to_contributor, to_funder = data
            events.append(ChallengeLapsed(**at, challenge_id=cid, state=state, to_contributor=to_contributor,
                                          to_funder=to_funder))
        else:
            cid, refund = data
            events.append(ChallengeCancelled(**at, challenge_id=cid, refund=refund))
    return events, now


class SnapshotSource:
    """Stands in for the oracle's AnteClient: a chain whose head holds `events` (nothing else is read)."""

    def __init__(self, events: list, now: int):
        self._events = events
        self.chain_id = 31337
        self.address = "0x" + "a1" * 20
        head = SimpleNamespace(number=events[-1].block_number + 1, timestamp=now, hash="0x" + "ab" * 32)
        self.chain = SimpleNamespace(blocks=SimpleNamespace(head=head))

    def events(self, progress=None, head=None):
        return list(self._events)


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200, response.status
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "dashboard.json")
    args = parser.parse_args()

    import uvicorn

    from ante.oracle.app import create_app
    from ante.oracle.dashboard.views import Pages
    from ante.oracle.service import OracleService
    from ante.oracle.store import VerdictStore

    events, now = synthetic_events(args.challenges)
    with tempfile.TemporaryDirectory() as folder, VerdictStore(Path(folder) / "oracle.sqlite") as store:
        service = OracleService(SnapshotSource(events, now), SimpleNamespace(address="0x" + "b2" * 20), store,
                                keeper=False)
        started = time.perf_counter()
        service.run_once()  # what the worker does after a new block: fold the log into a snapshot
        snapshot_ms = round((time.perf_counter() - started) * 1000, 1)
        snapshot = service.current()
        assert len(snapshot.chronicle.challenges) == args.challenges
        person = next(iter(snapshot.records().contributors))

        pages = Pages(service, refresh=15)
        pages.board(None, None, None, None)  # compile the templates once
        render_ms = median_ms(lambda: pages.board(None, None, None, None), args.runs)
        render_filtered_ms = median_ms(lambda: pages.board("settled", None, None, None), args.runs)
        last_page = -(-args.challenges // pages.page_size)

        server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=args.port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while not server.started:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise SystemExit(f"the server did not start on port {args.port}")
                time.sleep(0.05)
            base = f"http://127.0.0.1:{args.port}"
            started = time.perf_counter()
            page = get(base + "/")
            cold_ms = round((time.perf_counter() - started) * 1000, 1)
            rows = page.count(b'href="/ui/challenges/')
            assert rows == min(pages.page_size, args.challenges), f"page 1 links {rows} challenges"
            assert f"page 1 of {last_page}".encode() in page or last_page == 1
            warm_ms = median_ms(lambda: get(base + "/"), args.runs)
            last_ms = median_ms(lambda: get(f"{base}/?page={last_page}"), args.runs)
            every = [get(f"{base}/?page={n}") for n in range(1, last_page + 1)]
            listed = sum(p.count(b'href="/ui/challenges/') for p in every)
            assert listed == args.challenges, f"the pages list {listed} challenges, expected {args.challenges}"
            every_ms = median_ms(lambda: [get(f"{base}/?page={n}") for n in range(1, last_page + 1)],
                                 max(1, args.runs // 2))
            filtered_ms = median_ms(lambda: get(base + "/?state=settled"), args.runs)
            person_page = get(f"{base}/ui/people/{person}")
            person_ms = median_ms(lambda: get(f"{base}/ui/people/{person}"), args.runs)
        finally:
            server.should_exit = True
            thread.join(10)

    result = {
        "challenges": args.challenges,
        "events": len(events),
        "runs": args.runs,
        "page_size": pages.page_size,
        "board_pages": last_page,
        "board_bytes": len(page),
        "snapshot_build_ms": snapshot_ms,
        "board_render_ms": render_ms,
        "board_http_get_cold_ms": cold_ms,
        "board_http_get_ms": warm_ms,
        "board_last_page_http_get_ms": last_ms,
        "board_every_page_http_get_ms": every_ms,
        "board_every_page_bytes": sum(len(p) for p in every),
        "board_settled_only_render_ms": render_filtered_ms,
        "board_settled_only_http_get_ms": filtered_ms,
        "person_http_get_ms": person_ms,
        "person_bytes": len(person_page),
        "measured": "median wall time; board = its first page (page_size challenges); render = that page built "
                    "in-process from the snapshot; http_get = GET over a socket to uvicorn, whole response read; "
                    "every_page = pages 1 to board_pages read in turn (median of half the runs); snapshot_build = "
                    "folding the event log (done by the oracle's worker after each block, not per request)",
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
