"""The promise chart, drawn on the server as SVG: each promise's promised-by time against its delivery.

One point per acceptance: x is the promised-by time, y the time the deliverable was submitted. A point
on or below the diagonal was delivered on time; above it, late. Its colour is the score the panel gave
(red for 0%, through amber, to green for 100%); grey while nothing is judged yet or when it went
unreviewed. An acceptance that never delivered is a hollow mark on the "not delivered" line above the
plot, at its promised-by time: red when abandoned or defaulted, grey while still in progress.

Each delivery's lateness (``ante.records``: submitted-at less promised-by) is the point's height above
the diagonal: a stem joins the point to the diagonal at its promised-by time, red when late and green
when on time, labelled with the lateness in words ("2 days early").

:func:`calibration_chart` draws a contributor's stated confidences against the verdicts' scores.

No JavaScript: each point is a link to its challenge, with a ``<title>`` for a tooltip and for screen
readers; the page also lists the same points as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ante.records import Forecast, lateness_words
from ante.units import format_time

#: The drawing's own coordinates; the SVG scales to its container.
WIDTH, HEIGHT = 640, 420
LEFT, RIGHT, TOP, BOTTOM = 112, 48, 52, 48
#: Where undelivered promises sit, above the plot area.
MISSING_Y = 22


@dataclass(frozen=True)
class Promise:
    """One acceptance as the chart shows it."""

    challenge_id: int
    promised_by: int
    delivered_at: int | None  # None: never delivered (abandoned, defaulted, or still in progress)
    score: int | None  # basis points; None when not judged
    outcome: str  # "settled", "unreviewed", "submitted", "abandoned", "defaulted", "in progress"
    href: str
    lateness: int | None = None  # seconds, from the records' delivery; None when not delivered

    @property
    def on_time(self) -> bool | None:
        return None if self.delivered_at is None else self.delivered_at <= self.promised_by


def score_colour(score: int | None) -> str:
    """Red at 0%, amber at 50%, green at 100% (hue 0 to 130); grey without a score."""
    if score is None:
        return "#8a8f98"
    hue = round(130 * max(0, min(score, 10_000)) / 10_000)
    return f"hsl({hue}, 68%, 38%)"


def _ticks(low: int, high: int, count: int = 4) -> list[int]:
    if high <= low:
        return [low]
    step = (high - low) / count
    return [round(low + i * step) for i in range(count + 1)]


def _tick_label(timestamp: int, span: int) -> str:
    text = format_time(timestamp)  # "2026-12-01 12:00 UTC"
    return text[:10] if span > 4 * 86_400 else text[5:16]


def describe(p: Promise) -> str:
    """The sentence a point's tooltip and the table both say."""
    parts = [f"Challenge {p.challenge_id}: promised by {format_time(p.promised_by)}"]
    if p.delivered_at is None:
        parts.append(f"not delivered ({p.outcome})")
    else:
        # "2 days early" says on time, "1 day late" late; without the records' lateness, just which.
        when = ("on time" if p.on_time else "late") if p.lateness is None else lateness_words(p.lateness)
        parts.append(f"delivered {format_time(p.delivered_at)} ({when})")
    if p.score is not None:
        parts.append(f"scored {p.score / 100:g}%")
    elif p.delivered_at is not None:
        parts.append("not judged" if p.outcome == "unreviewed" else "awaiting a verdict")
    return ", ".join(parts)


def promise_chart(promises: list[Promise], title: str) -> str:
    """The chart as an inline ``<svg>`` element (a string, already escaped)."""
    times = [p.promised_by for p in promises] + [p.delivered_at for p in promises if p.delivered_at is not None]
    low, high = min(times), max(times)
    pad = max(3_600, (high - low) // 12)
    low, high = low - pad, high + pad
    span = high - low
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: int) -> float:
        return round(LEFT + (t - low) / span * plot_w, 1)

    def y(t: int) -> float:
        return round(TOP + plot_h - (t - low) / span * plot_h, 1)

    delivered = sum(p.delivered_at is not None for p in promises)
    out = [
        f'<svg class="promise-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{len(promises)} promises, {delivered} delivered. Horizontal: the promised-by '
        'time; vertical: when the deliverable was submitted. On or below the diagonal is on time; a '
        "delivery's stem from the diagonal is its lateness. "
        'Colour is the score, red for 0% to green for 100%; grey is not judged.</desc>',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
        # The "late" half above the diagonal, lightly shaded.
        f'<polygon class="late-zone" points="{LEFT},{TOP + plot_h} {LEFT},{TOP} {LEFT + plot_w},{TOP}"/>',
        f'<line class="diagonal" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP}"/>',
        f'<text class="zone-label" x="{LEFT + 8}" y="{TOP + 16}">late</text>',
        f'<text class="zone-label" x="{LEFT + plot_w - 8}" y="{TOP + plot_h - 8}" text-anchor="end">on time</text>',
        f'<line class="missing-line" x1="{LEFT}" y1="{MISSING_Y}" x2="{LEFT + plot_w}" y2="{MISSING_Y}"/>',
        f'<text class="axis-label" x="{LEFT - 6}" y="{MISSING_Y + 4}" text-anchor="end">not delivered</text>',
    ]
    for t in _ticks(low, high):
        label = escape(_tick_label(t, span))
        out.append(f'<line class="tick" x1="{x(t)}" y1="{TOP + plot_h}" x2="{x(t)}" y2="{TOP + plot_h + 5}"/>')
        out.append(f'<text class="tick-label" x="{x(t)}" y="{TOP + plot_h + 18}" text-anchor="middle">{label}</text>')
        out.append(f'<line class="tick" x1="{LEFT - 5}" y1="{y(t)}" x2="{LEFT}" y2="{y(t)}"/>')
        out.append(f'<text class="tick-label" x="{LEFT - 8}" y="{y(t) + 4}" text-anchor="end">{label}</text>')
    out.append(f'<text class="axis-label" x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
               'promised by (UTC)</text>')
    out.append(f'<text class="axis-label" x="16" y="{TOP + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {TOP + plot_h / 2})">delivered at (UTC)</text>')
    # The stems and their labels first, so that the points are drawn over them and take the clicks.
    for p in promises:
        if p.delivered_at is None or p.lateness is None:
            continue
        side = "late" if p.lateness > 0 else "on-time"
        px, py, dy = x(p.promised_by), y(p.delivered_at), y(p.promised_by)
        out.append(f'<line class="lateness {side}" data-challenge="{p.challenge_id}" data-lateness="{p.lateness}" '
                   f'x1="{px}" y1="{dy}" x2="{px}" y2="{py}"/>')
        # Beside the point, on the side with room: right of it in the plot's left half, left of it in the right.
        left = px > LEFT + plot_w / 2
        out.append(f'<text class="lateness-label {side}" x="{round(px - 11 if left else px + 11, 1)}" '
                   f'y="{round(py + 4, 1)}" text-anchor="{"end" if left else "start"}">'
                   f'{escape(lateness_words(p.lateness))}</text>')
    for p in promises:
        broken = p.delivered_at is None and p.outcome in ("abandoned", "defaulted")
        colour = score_colour(0 if broken else p.score)
        tip = escape(describe(p))
        if p.delivered_at is None:
            shape = (f'<circle class="point undelivered" data-challenge="{p.challenge_id}" cx="{x(p.promised_by)}" '
                     f'cy="{MISSING_Y}" r="7" fill="#fff" stroke="{colour}" stroke-width="3"><title>{tip}</title></circle>')
        else:
            shape = (f'<circle class="point delivered" data-challenge="{p.challenge_id}" cx="{x(p.promised_by)}" '
                     f'cy="{y(p.delivered_at)}" r="8" fill="{colour}" stroke="#fff" stroke-width="1.5">'
                     f'<title>{tip}</title></circle>')
        out.append(f'<a href="{escape(p.href)}" aria-label="{tip}">{shape}</a>')
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------- calibration

#: The calibration chart's own coordinates: a square plot.
CAL_SIZE, CAL_LEFT, CAL_TOP, CAL_PLOT = 392, 64, 28, 320


def describe_forecast(f: Forecast) -> str:
    """The sentence a calibration point's tooltip and the table both say."""
    return (f"Challenge {f.challenge_id}: stated chance of success {f.confidence_bps / 100:g}%, "
            f"scored {f.score / 100:g}% (Kelly break-even {float(f.break_even) * 100:.3g}%)")


def calibration_chart(forecasts: list[Forecast], title: str) -> str:
    """Stated confidence (across) against the verdict's score (up), one point per forecast of
    ``ante.records``, as an inline ``<svg>`` element (a string, already escaped). On the dashed diagonal
    the statement matched the score exactly; a point's vertical distance from it is ``p - o``, whose
    mean square is the contributor's Brier score. Each point is a link to its challenge."""
    def x(bps: int) -> float:
        return round(CAL_LEFT + bps / 10_000 * CAL_PLOT, 1)

    def y(bps: int) -> float:
        return round(CAL_TOP + CAL_PLOT - bps / 10_000 * CAL_PLOT, 1)

    bottom, right = CAL_TOP + CAL_PLOT, CAL_LEFT + CAL_PLOT
    out = [
        f'<svg class="calibration-chart" viewBox="0 0 {CAL_SIZE + 24} {CAL_SIZE}" role="img" '
        f'aria-labelledby="calibration-title calibration-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="calibration-title">{escape(title)}</title>',
        f'<desc id="calibration-desc">{len(forecasts)} stated confidences against their verdicts. Horizontal: '
        'the chance of success stated at acceptance; vertical: the score. On the diagonal the statement '
        'matched the score; above it the work scored better than stated, below it worse.</desc>',
        f'<rect class="plot" x="{CAL_LEFT}" y="{CAL_TOP}" width="{CAL_PLOT}" height="{CAL_PLOT}"/>',
        f'<line class="diagonal" x1="{CAL_LEFT}" y1="{bottom}" x2="{right}" y2="{CAL_TOP}"/>',
    ]
    for bps in range(0, 10_001, 2_500):
        label = f"{bps // 100}%"
        out.append(f'<line class="tick" x1="{x(bps)}" y1="{bottom}" x2="{x(bps)}" y2="{bottom + 5}"/>')
        out.append(f'<text class="tick-label" x="{x(bps)}" y="{bottom + 18}" text-anchor="middle">{label}</text>')
        out.append(f'<line class="tick" x1="{CAL_LEFT - 5}" y1="{y(bps)}" x2="{CAL_LEFT}" y2="{y(bps)}"/>')
        out.append(f'<text class="tick-label" x="{CAL_LEFT - 8}" y="{y(bps) + 4}" text-anchor="end">{label}</text>')
    out.append(f'<text class="axis-label" x="{CAL_LEFT + CAL_PLOT / 2}" y="{CAL_SIZE - 6}" text-anchor="middle">'
               'stated chance of success</text>')
    out.append(f'<text class="axis-label" x="16" y="{CAL_TOP + CAL_PLOT / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {CAL_TOP + CAL_PLOT / 2})">score</text>')
    for f in forecasts:
        tip = escape(describe_forecast(f))
        out.append(f'<a href="/ui/challenges/{int(f.challenge_id)}" aria-label="{tip}">'
                   f'<circle class="point forecast" data-challenge="{int(f.challenge_id)}" '
                   f'data-confidence="{int(f.confidence_bps)}" data-score="{int(f.score)}" cx="{x(f.confidence_bps)}" '
                   f'cy="{y(f.score)}" r="7" fill="{score_colour(f.score)}" stroke="#fff" stroke-width="1.5">'
                   f'<title>{tip}</title></circle></a>')
    out.append("</svg>")
    return "\n".join(out)
