"""Inline SVG charts for the HTML report (pure: values in, SVG text out; every text escaped).

``overlap_chart`` draws one week, 7 days by 24 hours, in one zone (the mentee's): for each day a
lane for the mentor and a lane for the mentee, core hours solid, stretch hours lighter, and the
booked meeting outlined across both lanes. Working hours are converted week by week with the real
zone rules, so a daylight-saving week shows the shift. ``meetings_chart`` draws meetings held per
week as small bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from agent.domain.model import WEEKDAYS, Participant, WeeklyHours

DAY = 24 * 60
LEFT, TOP, HOUR_W, LANE_H, GAP = 46, 34, 22, 11, 6
COLOURS = {"mentor": ("#1f6fb2", "#a9cbe8"), "mentee": ("#d9822b", "#f3cfa6")}


@dataclass(frozen=True)
class Segment:
    """A span of one person's hours inside one day of the chart's week (minutes since midnight)."""

    day: int
    start: int
    end: int


def segments(hours: WeeklyHours, zone: ZoneInfo, view: ZoneInfo, week: date) -> list[Segment]:
    """``hours`` (local to ``zone``) as spans of the week starting Monday ``week`` in ``view``."""
    first = datetime.combine(week, time(), view)
    last = first + timedelta(days=7)
    found: list[Segment] = []
    for offset in range(-1, 9):  # the person's local days that can reach into the viewed week
        local_day = week + timedelta(days=offset)
        for window in hours.on(local_day.weekday()):
            start = datetime.combine(local_day, time(), zone) + timedelta(minutes=window.start)
            end = datetime.combine(local_day, time(), zone) + timedelta(minutes=window.end)
            start, end = max(start.astimezone(view), first), min(end.astimezone(view), last)
            found += _split(start, end, first)
    return found


def _split(start: datetime, end: datetime, first: datetime) -> list[Segment]:
    """Cut [start, end) at the view's midnights into per-day segments."""
    out = []
    while start < end:
        day = (start.date() - first.date()).days
        midnight = datetime.combine(start.date() + timedelta(days=1), time(), start.tzinfo)
        stop = min(end, midnight)
        minutes = start.hour * 60 + start.minute
        out.append(Segment(day, minutes, minutes + int((stop - start).total_seconds() // 60)))
        start = stop
    return out


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{extra}/>'


def overlap_chart(mentor: Participant, mentee: Participant, week: date,
                  slot: tuple[datetime, datetime] | None) -> str:
    """One week of both people's hours in the mentee's zone, with the booked meeting outlined."""
    view = mentee.zone
    width, row_h = LEFT + 24 * HOUR_W + 10, 2 * LANE_H + GAP
    height = TOP + 7 * row_h + 44
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="overlap" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(_caption(mentor, mentee, week))}">',
             f'<title>{escape(_caption(mentor, mentee, week))}</title>',
             f'<text x="{LEFT}" y="14" class="cap">Week of {week:%Y-%m-%d}, times in {escape(mentee.timezone)} '
             f'(the mentee&#8217;s zone)</text>']
    for hour in range(0, 25, 3):
        x = LEFT + hour * HOUR_W
        parts.append(f'<line x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{TOP + 7 * row_h - GAP}" class="grid"/>')
        parts.append(f'<text x="{x}" y="{TOP - 8}" class="tick" text-anchor="middle">{hour:02d}</text>')
    for day in range(7):
        y = TOP + day * row_h
        label = f"{WEEKDAYS[(week + timedelta(days=day)).weekday()]} {(week + timedelta(days=day)).day}"
        parts.append(f'<text x="{LEFT - 6}" y="{y + LANE_H + 3}" class="tick" text-anchor="end">{label}</text>')
        parts.append(_rect(LEFT, y, 24 * HOUR_W, 2 * LANE_H, "#f4f4f4"))
    for lane, (person, role) in enumerate(((mentor, "mentor"), (mentee, "mentee"))):
        solid, light = COLOURS[role]
        layers = ((person.stretch, light, "stretch"), (person.hours, solid, "core"))
        for hours, colour, kind in layers:
            if hours is None:
                continue
            for s in segments(hours, person.zone, view, week):
                x, y = LEFT + s.start / 60 * HOUR_W, TOP + s.day * row_h + lane * LANE_H
                parts.append(_rect(x, y, (s.end - s.start) / 60 * HOUR_W, LANE_H - 1, colour,
                                   f' class="{role} {kind}"'))
    if slot is not None:
        for s in _split(max(slot[0].astimezone(view), datetime.combine(week, time(), view)),
                        min(slot[1].astimezone(view), datetime.combine(week + timedelta(days=7), time(), view)),
                        datetime.combine(week, time(), view)):
            x, y = LEFT + s.start / 60 * HOUR_W, TOP + s.day * row_h - 2
            parts.append(_rect(x, y, max((s.end - s.start) / 60 * HOUR_W, 3), 2 * LANE_H + 3, "#2e7d32",
                               ' class="slot" fill-opacity="0.35" stroke="#1b5e20" stroke-width="2"'))
    parts.append(_legend(mentor, mentee, height - 26))
    parts.append("</svg>")
    return "".join(parts)


def _caption(mentor: Participant, mentee: Participant, week: date) -> str:
    return (f"Working hours of {mentor.name} ({mentor.timezone}) and {mentee.name} ({mentee.timezone}) "
            f"in the week of {week:%Y-%m-%d}, shown in {mentee.timezone}")


def _legend(mentor: Participant, mentee: Participant, y: int) -> str:
    items, x = [], LEFT
    for text, colour, extra in (
        (f"{mentor.first_name} (mentor) core", COLOURS["mentor"][0], ""),
        ("stretch", COLOURS["mentor"][1], ""),
        (f"{mentee.first_name} (mentee) core", COLOURS["mentee"][0], ""),
        ("stretch", COLOURS["mentee"][1], ""),
        ("booked meeting", "#2e7d32", ' fill-opacity="0.35" stroke="#1b5e20" stroke-width="2"'),
    ):
        items.append(_rect(x, y, 12, 10, colour, extra))
        items.append(f'<text x="{x + 16}" y="{y + 9}" class="tick">{escape(text)}</text>')
        x += 24 + 6.2 * len(text)
    return "".join(items)


def meetings_chart(weeks: list[tuple[date, int]]) -> str:
    """Meetings held per week (Monday dates), as bars; an empty list draws a short note instead."""
    if not weeks:
        return '<p class="muted">No meetings held yet.</p>'
    bar, height, top = 14, 60, 8
    peak = max(max(count for _, count in weeks), 1)
    width = 30 + len(weeks) * (bar + 4)
    title = f"Meetings held per week, {weeks[0][0]:%Y-%m-%d} to {weeks[-1][0]:%Y-%m-%d}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="held" width="{width}" height="{height + 34}" '
             f'viewBox="0 0 {width} {height + 34}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="24" y1="{top + height}" x2="{width}" y2="{top + height}" class="grid"/>',
             f'<text x="20" y="{top + 8}" class="tick" text-anchor="end">{peak}</text>',
             f'<text x="20" y="{top + height}" class="tick" text-anchor="end">0</text>']
    for index, (monday, count) in enumerate(weeks):
        x = 28 + index * (bar + 4)
        h = count / peak * height
        parts.append(f'<rect x="{x}" y="{top + height - h:.1f}" width="{bar}" height="{h:.1f}" fill="#2e7d32" '
                     f'class="week"><title>week of {monday:%Y-%m-%d}: {count}</title></rect>')
        if index % 4 == 0:
            parts.append(f'<text x="{x}" y="{top + height + 14}" class="tick">{monday:%d %b}</text>')
    parts.append("</svg>")
    return "".join(parts)
