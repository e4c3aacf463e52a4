"""The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external resources).

``render`` takes values (``PairView`` per pair, gathered from the store by ``agent.commands.report``)
and returns the page. Every text that comes from a file or a person is escaped with ``html.escape``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape

from agent.domain.model import Participant
from agent.report.svg import meetings_chart, overlap_chart
from agent.timefmt import local_time

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:24px 32px;color:#222;
background:#fff;max-width:1320px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 4px}
.muted{color:#666;font-size:13px}
table.health{border-collapse:collapse;width:100%;font-size:13px;margin-top:12px}
table.health th,table.health td{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
table.health th{background:#f0f3f6}
td.num{text-align:right}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:12px;white-space:nowrap}
.on-track{background:#dcefdc;color:#1b5e20}.needs-check-in{background:#fdf0d5;color:#8a5300}
.stalled{background:#f8d7d7;color:#8e1b1b}
section.pair{border-top:1px solid #ddd;margin-top:18px}
.charts{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
svg text{font-size:10px;fill:#333}svg text.cap{font-size:11px;font-weight:600}
svg line.grid{stroke:#ccc;stroke-width:1}
"""


@dataclass(frozen=True)
class PairView:
    """What the report shows about one pair."""

    mentor: Participant
    mentee: Participant
    status: str
    reason: str
    next_meeting: datetime | None
    last_activity: datetime | None
    health: str
    pending: int
    held: int
    week: date  # Monday of the charted week, in the mentee's zone
    slot: tuple[datetime, datetime] | None  # the meeting outlined on the chart
    held_weeks: list[tuple[date, int]] = field(default_factory=list)
    rhythm: str = ""


def render(program: str, now: datetime, pairs: list[PairView], notes: list[str] = ()) -> str:
    e = escape
    head = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(program)}: program health</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>')
    intro = (f"<h1>{e(program)}: program health</h1><p class=\"muted\">{len(pairs)} pair(s); report written "
             f"{now:%Y-%m-%d %H:%M} UTC. " + " ".join(e(n) for n in notes) + "</p>")
    body = [head, intro, _table(pairs)]
    if not pairs:
        body.append("<p>The roster has no pairs yet.</p>")
    for index, view in enumerate(pairs):
        body.append(_section(index, view))
    body.append("</body></html>\n")
    return "".join(body)


def _when(instant: datetime | None, person: Participant) -> str:
    return escape(local_time(instant, person)) if instant else "&#8212;"


def _table(pairs: list[PairView]) -> str:
    columns = ("Mentee", "Mentor", "Status", "Next meeting (mentee / mentor local time)", "Last activity", "Health",
               "Pending actions", "Meetings held")
    rows = ["<table class=\"health\"><thead><tr>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr></thead><tbody>"]
    for index, v in enumerate(pairs):
        status = escape(v.status) + (f'<br><span class="muted">{escape(v.reason)}</span>' if v.reason else "")
        when = (f"{_when(v.next_meeting, v.mentee)}<br>{_when(v.next_meeting, v.mentor)}" if v.next_meeting
                else "&#8212;")
        last = f"{v.last_activity:%Y-%m-%d %H:%M} UTC" if v.last_activity else "&#8212;"
        badge = f'<span class="badge {v.health.replace(" ", "-")}">{escape(v.health)}</span>'
        rows.append(f'<tr><td><a href="#pair-{index}">{escape(v.mentee.name)}</a><br>'
                    f'<span class="muted">{escape(v.mentee.email)}</span></td>'
                    f'<td>{escape(v.mentor.name)}<br><span class="muted">{escape(v.mentor.email)}</span></td>'
                    f"<td>{status}</td><td>{when}</td><td>{last}</td><td>{badge}</td>"
                    f'<td class="num">{v.pending}</td><td class="num">{v.held}</td></tr>')
    rows.append("</tbody></table>")
    return "".join(rows)


def _section(index: int, v: PairView) -> str:
    e = escape
    people = (f"{e(v.mentor.name)} (mentor, {e(v.mentor.timezone)}: {e(v.mentor.hours.describe())}"
              + (f"; stretch {e(v.mentor.stretch.describe())}" if v.mentor.stretch else "") + ") and "
              f"{e(v.mentee.name)} (mentee, {e(v.mentee.timezone)}: {e(v.mentee.hours.describe())}"
              + (f"; stretch {e(v.mentee.stretch.describe())}" if v.mentee.stretch else "") + ")")
    if v.slot is not None:
        booked = (f"Outlined: the meeting of {_when(v.slot[0], v.mentee)} &#8212; for {e(v.mentor.first_name)}: "
                  f"{_when(v.slot[0], v.mentor)}.")
    else:
        booked = "Not booked yet: the chart shows both people's hours only."
    rhythm = f" Rhythm: {e(v.rhythm)}." if v.rhythm else ""
    return (f'<section class="pair" id="pair-{index}"><h2>{e(v.mentee.first_name)} &amp; '
            f'{e(v.mentor.first_name)}</h2><p class="muted">{people}</p><p>{booked}{rhythm}</p>'
            f'<div class="charts"><div>{overlap_chart(v.mentor, v.mentee, v.week, v.slot)}</div>'
            f'<div><p class="muted">Meetings held per week</p>{meetings_chart(v.held_weeks)}</div></div></section>')
