"""The dashboard's pages: server-rendered HTML over the oracle's snapshot of the chain.

Every page reads the same :class:`ante.oracle.service.OracleService` the JSON API reads: the folded event
log (:mod:`ante.history`), the records (:mod:`ante.records`), the stored verdicts and feedback and, for the audit
page, :mod:`ante.audit` against the contract. Nothing here touches the chain or the store directly.

Routes
------
- ``/``: the board, challenges by state, 50 a page (``?page=``, from 1, with links to the first,
  previous, next and last pages); ``?state=`` (open, accepted, submitted, ruled, appealed, settled, lapsed,
  cancelled),
  ``funder=``, ``contributor=``, ``panel=`` filter it. The tally of each state counts every challenge.
- ``/ui/challenges/{id}``: a challenge's terms (and options: review fee, appeal round), promise,
  deliverable, verdicts (the recorded verdict, the appeal and the appeal panel's verdicts, who was paid the
  review fee), feedback and timeline;
  events in blocks after the snapshot's final block (``ante.finality``) are marked unconfirmed.
- ``/ui/people/{address}``: an address's records in every role, its challenges and its promise chart, with
  each delivery's lateness and score and their promise closeness (``ante.records``), and the feedback
  its work received, counted by distinct signers.
- ``/ui/rankings``: contributors by reliability and by earnings, evaluators by reviews.
- ``/ui/audit``: ``ante audit``'s reconciliation, with its verdict first.

Each page reloads itself every ``refresh`` seconds (a ``<meta http-equiv="refresh">``, so it works
without JavaScript), and shows the chain head and time it was drawn from.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ante.oracle.dashboard import present
from ante.oracle.dashboard.svg import (
    Promise,
    calibration_chart,
    describe,
    describe_forecast,
    promise_chart,
    score_colour,
)
from ante.oracle.readmodel import UNAVAILABLE, AuditUnavailable, await_audit
from ante.oracle.service import NotReady, OracleService, Snapshot
from ante.records import calibration_words, closeness_words, lateness_words
from ante.state import State
from ante.units import format_address, format_amount, format_duration

log = logging.getLogger("ante.oracle")

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(short=format_address, pct=present.pct, share=present.share, when=present.when,
                       hex32=present.hex32, duration=format_duration, lateness=lateness_words)
    env.globals.update(closeness=closeness_words, calibration=calibration_words, relative=present.relative,
                       link=present.link, short_uri=present.short_uri, URI_MAX=present.URI_MAX, MOST_OPTIONS=present.MOST_OPTIONS,
                       colour=score_colour, GROUPS=present.GROUPS, GROUP_NOTES=present.GROUP_NOTES,
                       DEADLINE_NAMES=present.DEADLINE_NAMES, OVERDUE_ACTIONS=present.OVERDUE_ACTIONS,
                       party=present.party, State=State)
    return env


class Pages:
    """Renders each page from the service's current snapshot."""

    def __init__(self, service: OracleService, refresh: int, page_size: int = present.PAGE_SIZE):
        self.service = service
        self.refresh = refresh
        self.page_size = page_size
        self.env = _environment()

    # ------------------------------------------------------------------ helpers

    def formatter(self, token: str):
        """Writes amounts of `token`: "1.5 ETH", or in the token's own symbol and decimals."""
        try:
            symbol, decimals = self.service.token_info(token)
        except Exception:  # a token that does not answer: base units, named by its address
            symbol, decimals = f"units of {format_address(token)}", 0
        return lambda amount: format_amount(int(amount), decimals, symbol)

    def render(self, template: str, snapshot: Snapshot | None, *, status: int = 200, refresh: int | None = None,
               **context) -> HTMLResponse:
        started = time.perf_counter()
        page = self.env.get_template(template).render(
            snapshot=snapshot,
            now=snapshot.chain_time if snapshot else int(time.time()),
            synced=None if snapshot is None else max(0, int(time.time() - snapshot.wall)),
            refresh=self.refresh if refresh is None else refresh,
            chain_id=self.service.chain_id,
            contract=self.service.contract,
            fmt=self.formatter,
            **context,
        )
        response = HTMLResponse(page, status_code=status)
        response.headers["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers["Cache-Control"] = "no-store"
        return response

    def problem(self, status: int, title: str, message: str, snapshot: Snapshot | None = None,
                links: list[tuple[str, str]] = ()) -> HTMLResponse:
        """A page that says what is wrong in one sentence, with the right status (and `links`, (href, text)
        pairs, to where to go instead, before the way back to the board)."""
        return self.render("problem.html", snapshot, status=status, title=title, message=message, links=links,
                           refresh=self.refresh if status == 503 else 0)

    def snapshot(self) -> Snapshot:
        return self.service.current()

    # ------------------------------------------------------------------ the board

    def board(self, state: str | None, funder: str | None, contributor: str | None, panel: str | None,
              page: str | None = None):
        snapshot = self.snapshot()
        chronicle = snapshot.chronicle
        errors = []
        chosen = {"state": state or "", "funder": funder or "", "contributor": contributor or "", "panel": panel or ""}
        states = None
        if state:
            if state in present.GROUPS:
                states = present.GROUPS[state]
            else:
                errors.append(f"There is no state “{state}”; choose one of {', '.join(present.GROUPS)}.")
        addresses = {}
        for role, value in (("funder", funder), ("contributor", contributor)):
            if value:
                if is_address(value):
                    addresses[role] = to_checksum_address(value)
                    chosen[role] = addresses[role]
                else:
                    errors.append(f"The {role} “{value}” is not an address (0x and 40 hex digits).")
        panel_id = None
        if panel:
            if panel.isdigit() and int(panel) in chronicle.panels:
                panel_id = int(panel)
            else:
                errors.append(f"There is no panel “{panel}”; panels run from 1 to {len(chronicle.panels)}.")
        if errors:
            return self.render("board.html", snapshot, status=422, errors=errors, chosen=chosen, sections=[],
                               options=self._options(snapshot), counts=self._counts(snapshot), shown=0, filtered=True,
                               paging=None)
        number = _page_number(page)
        if number is None:
            return self.problem(422, "No such page",
                                f"“{_clip(page)}” is not a page number: pages are whole numbers from 1.", snapshot)
        challenges = self.service.select_challenges(snapshot, states=states, funder=addresses.get("funder"),
                                                    contributor=addresses.get("contributor"), panel=panel_id)
        # The listing is by state, in the order a challenge moves through them, and by id within a state.
        buckets = {name: [] for name in present.GROUPS}
        for c in challenges:
            buckets[present.group_of(c.state)].append(c)
        paging = present.Paging(number, self.page_size, len(challenges))
        if number > paging.count:
            these = "challenges that match the filters" if any(chosen.values()) else "challenges"
            total = len(challenges)
            there = f"there {'is' if total == 1 else 'are'} {total} of them, {paging.size} a page, so "
            there += "page 1 is the only page" if paging.count == 1 else f"the pages run from 1 to {paging.count}"
            return self.problem(404, "No such page",
                                f"There is no page {_clip(page.lstrip('0'))} of the {these}: {there}.", snapshot,
                                links=[(present.page_href(chosen, paging.count), "Go to the last page")])
        counts = self.service.verdict_counts()
        sections = []
        offset = 0
        for name, rows in buckets.items():
            first, last = offset, offset + len(rows)  # this state's place in the listing
            offset = last
            here = rows[max(first, paging.start) - first:max(first, min(last, paging.end)) - first]
            if not rows and (states is not None or name in present.QUIET_GROUPS):
                continue
            section = {"name": name, "rows": here, "total": len(rows), "spread": None}
            if rows and len(here) < len(rows):  # some or all of them are on other pages
                pages = paging.page_of(first), paging.page_of(last - 1)
                section["spread"] = {"from": max(first, paging.start) - first + 1,
                                     "pages": [(n, present.page_href(chosen, n)) for n in dict.fromkeys(pages)]}
            sections.append(section)
        return self.render("board.html", snapshot, errors=[], chosen=chosen, sections=sections,
                           options=self._options(snapshot), counts=self._counts(snapshot), verdicts=counts,
                           shown=len(challenges), filtered=any(chosen.values()), paging=paging,
                           pages=self._page_links(chosen, paging))

    @staticmethod
    def _page_links(chosen: dict[str, str], paging: present.Paging) -> dict[str, str | None]:
        """The board's first, previous, next and last pages under the same filters (None where there is none)."""
        n, last = paging.number, paging.count
        return {"first": present.page_href(chosen, 1) if n > 1 else None,
                "previous": present.page_href(chosen, n - 1) if n > 1 else None,
                "next": present.page_href(chosen, n + 1) if n < last else None,
                "last": present.page_href(chosen, last) if n < last else None}

    def _counts(self, snapshot: Snapshot) -> dict[str, int]:
        counts = dict.fromkeys(present.GROUPS, 0)
        for c in snapshot.chronicle.challenges.values():
            counts[present.group_of(c.state)] += 1
        return counts

    def _options(self, snapshot: Snapshot) -> dict[str, list]:
        """The choices of the filter form: every funder, contributor and panel the events name."""
        funders, contributors = set(), set()
        for c in snapshot.chronicle.challenges.values():
            funders.add(c.terms.funder)
            funders.update(c.contributions)
            if c.contributor:
                contributors.add(c.contributor)
            contributors.update(c.abandoned_by)
        by_number = lambda a: int(a, 16)  # noqa: E731
        return {"funders": sorted(funders, key=by_number), "contributors": sorted(contributors, key=by_number),
                "panels": sorted(snapshot.chronicle.panels)}

    # ------------------------------------------------------------------ a challenge

    def challenge(self, challenge_id: int):
        view = self.service.challenge(challenge_id)
        snapshot = self.snapshot()
        c = snapshot.chronicle.challenges.get(challenge_id) if view is not None else None
        if c is None:
            count = len(snapshot.chronicle.challenges)
            known = f"ids run from 1 to {count}" if count else "none has been posted yet"
            return self.problem(404, "No such challenge",
                                f"There is no challenge {challenge_id} on this deployment ({known}).", snapshot)
        panel = snapshot.chronicle.panels.get(c.terms.panel_id)
        stored = {v["signer"]: v for v in view["verdicts"]}
        quorum = view["quorum"]
        evaluators = []
        for member in (panel.members if panel else ()):
            verdict = stored.get(member)
            evaluators.append({
                "address": member,
                "score": None if verdict is None else verdict["score"],
                "judges_submission": verdict is not None and verdict["deliverable"] == present.hex32(c.deliverable),
                "signed_settlement": member in c.signers or member in c.first_signers,
            })
        appeal_panel = snapshot.chronicle.panels.get(c.appeal_panel_id) if c.appeal_window else None
        appeal_stored = {v["signer"]: v for v in view["appeal_verdicts"]}
        appeal_evaluators = [{
            "address": member,
            "score": appeal_stored[member]["score"] if member in appeal_stored else None,
            "signed_settlement": member in c.appeal_signers,
        } for member in (appeal_panel.members if appeal_panel and c.appellant else ())]
        fmt = self.formatter(c.terms.token)
        # A snapshot that does not say where finality ends marks nothing (every event shows as before).
        final_block = getattr(snapshot, "final_block", None)
        timeline = present.timeline(c, fmt)
        for line in timeline:
            line["confirmed"] = final_block is None or line["block"] <= final_block
        feedback = self.service.feedback.listing(challenge=challenge_id) or []
        reasons = {f["signer"]: f for f in feedback if f.get("role") == "panel"}  # an evaluator's word on it
        records = snapshot.records()
        feedback = [{**f, "standing": present.standing(records, f["signer"])} for f in feedback]
        for e in evaluators:
            e["reasons"] = reasons.get(e["address"])
        return self.render("challenge.html", snapshot, c=c, panel=panel, evaluators=evaluators, quorum=quorum,
                           appeal_panel=appeal_panel, appeal_evaluators=appeal_evaluators,
                           appeal_quorum=view["appeal_quorum"], bond=c.options.bond(c.terms.reward),
                           attempts=view["attempts"], timeline=timeline, fmt_c=fmt, feedback=feedback,
                           funders=c.to_json(full=False)["funders"],
                           group=present.group_of(c.state), final_block=final_block,
                           unconfirmed=sum(not line["confirmed"] for line in timeline))

    # ------------------------------------------------------------------ a person

    def person(self, address: str):
        snapshot = self.snapshot()
        if not is_address(address):
            return self.problem(404, "No such person",
                                f"“{address}” is not an address: an address is 0x and 40 hex digits.", snapshot)
        address = to_checksum_address(address)
        records = snapshot.records().for_address(address)
        chronicle = snapshot.chronicle
        co_funder = any(address in c.contributions for c in chronicle.challenges.values())
        if records.contributor is None and records.evaluator is None and records.funder is None and not co_funder:
            return self.problem(404, "No such person",
                                f"{address} has no records on this deployment: it has never posted, co-funded, "
                                "accepted or sat on a panel.", snapshot)
        panels = set(records.evaluator.panels) if records.evaluator else set()
        roles = {
            "funder": [c for _, c in sorted(chronicle.challenges.items())
                       if c.terms.funder == address or address in c.contributions],
            "contributor": [c for _, c in sorted(chronicle.challenges.items())
                            if c.contributor == address or address in c.abandoned_by],
            "evaluator": [c for _, c in sorted(chronicle.challenges.items()) if c.terms.panel_id in panels],
        }
        promises = promises_of(address, snapshot)
        chart = None
        if promises:
            chart = Markup(promise_chart(promises, f"Promises of {format_address(address)} against deliveries"))
        forecasts = records.contributor.forecasts if records.contributor else []
        calibration = None
        if forecasts:
            calibration = Markup(calibration_chart(
                forecasts, f"Stated confidence of {format_address(address)} against the verdicts"))
        return self.render("person.html", snapshot, address=address, records=records, roles=roles,
                           promises=[(p, describe(p)) for p in promises], chart=chart,
                           forecasts=[(f, describe_forecast(f)) for f in forecasts], calibration_chart=calibration,
                           received=self.service.feedback.received(address),
                           panels=[chronicle.panels[p] for p in sorted(panels) if p in chronicle.panels])

    # ------------------------------------------------------------------ rankings

    def rankings(self):
        snapshot = self.snapshot()
        records = snapshot.records()
        by_reliability = records.leaderboard()
        tokens = sorted({t for r in records.contributors.values() for t in r.amounts}, key=lambda t: int(t, 16))
        by_earnings = []
        for token in tokens:
            holders = [r for r in records.contributors.values() if token in r.amounts]
            holders.sort(key=lambda r: (-r.amounts[token].earned, r.amounts[token].forfeited, int(r.address, 16)))
            by_earnings.append({"token": token, "fmt": self.formatter(token), "rows": holders})
        evaluators = sorted(records.evaluators.values(),
                            key=lambda r: (-r.verdicts_signed, r.reviews_missed, int(r.address, 16)))
        from ante.feedback import tally

        received: dict[str, list[dict]] = {}
        for item in self.service.feedback.listing() or []:
            received.setdefault(item["recipient"], []).append(item)
        endorsed = {address: tally(items) for address, items in received.items()}
        return self.render("rankings.html", snapshot, by_reliability=by_reliability, by_earnings=by_earnings,
                           evaluators=evaluators, endorsed=endorsed)

    # ------------------------------------------------------------------ the audit

    def audit(self, report):
        """The audit page of `report`, or the page that says it is not available right now (None)."""
        snapshot = self.snapshot()
        if report is None:
            return self.problem(503, "The audit is not available right now", _sentence(UNAVAILABLE), snapshot)
        return self.render("audit.html", snapshot, report=report, refresh=max(self.refresh, 60))


def _page_number(text: str | None) -> int | None:
    """The board's ``?page=``: 1 when not given, else a whole number from 1; None when it is not one."""
    if not text:
        return 1
    digits = text.lstrip("0")
    if not text.isascii() or not text.isdigit() or not digits:
        return None
    return 10**10 if len(digits) > 10 else int(digits)  # past any last page, without reading a huge number


def _clip(text: str, most: int = 24) -> str:
    """What a visitor typed, quoted back in a sentence: whole if short, else its start and an ellipsis."""
    return text if len(text) <= most else text[:most] + "…"


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def promises_of(address: str, snapshot: Snapshot) -> list[Promise]:
    """Every acceptance by `address` (from the history fold's acceptances), as points of the promise chart;
    a delivery's lateness is the records' (submitted at less promised by)."""
    return [
        Promise(challenge_id=cid, promised_by=a.promised_by, delivered_at=a.submitted_at, score=a.score,
                outcome=a.outcome, href=f"/ui/challenges/{cid}",
                lateness=None if a.submitted_at is None else a.submitted_at - a.promised_by)
        for cid, c in sorted(snapshot.chronicle.challenges.items())
        for a in c.acceptances
        if a.contributor == address
    ]


def router(service: OracleService, refresh: int) -> APIRouter:
    """The dashboard's routes over `service` (left out of the OpenAPI description: they are pages)."""
    pages = Pages(service, refresh)
    routes = APIRouter(include_in_schema=False)

    async def guarded(render, *args):
        try:
            return await run_in_threadpool(render, *args)
        except NotReady as error:
            return pages.problem(503, "Reading the chain", str(error)[0].upper() + str(error)[1:])

    @routes.get("/", response_class=HTMLResponse)
    async def board(request: Request, state: str | None = None, funder: str | None = None,
                    contributor: str | None = None, panel: str | None = None, page: str | None = None):
        return await guarded(pages.board, state, funder, contributor, panel, page)

    @routes.get("/ui/challenges/{challenge_id}", response_class=HTMLResponse)
    async def challenge(challenge_id: str):
        if not challenge_id.isdigit():
            return await guarded(lambda: pages.problem(
                404, "No such challenge", f"“{challenge_id}” is not a challenge id: ids are whole numbers from 1.",
                pages.snapshot()))
        return await guarded(pages.challenge, int(challenge_id))

    @routes.get("/ui/people/{address}", response_class=HTMLResponse)
    async def person(address: str):
        return await guarded(pages.person, address)

    @routes.get("/ui/rankings", response_class=HTMLResponse)
    async def rankings():
        return await guarded(pages.rankings)

    @routes.get("/ui/audit", response_class=HTMLResponse)
    async def audit():
        # Waited for here, in the event loop, so that a chain that does not answer holds no worker thread.
        try:
            report = await await_audit(service)
        except NotReady as error:
            return await guarded(lambda: pages.problem(503, "Reading the chain", _sentence(str(error))))
        except AuditUnavailable as error:
            log.warning("the dashboard's audit is not available: %s", error.__cause__ or error)
            report = None
        return await guarded(pages.audit, report)

    # Last, so that it only answers what nothing above (or the stylesheet's mount) does.
    @routes.get("/ui/{rest:path}", response_class=HTMLResponse)
    async def unknown(rest: str):
        def page():
            try:
                snapshot = pages.snapshot()
            except NotReady:
                snapshot = None
            return pages.problem(404, "No such page", f"There is no page /ui/{rest}: start from the board.", snapshot)

        return await guarded(page)

    return routes
