"""Carry out a confirmed change: the program's calendar, the store, and iMIP plus a note to both people.

Every applied instant is read from the confirmed payload, never recomputed, so what happens is
exactly what was confirmed. ``stale`` re-checks the payload first (the meeting still there, the new
time still free for both); a stale change is not applied. Calendar objects (RFC 5546):

- reschedule: a REQUEST for the one occurrence (RECURRENCE-ID), the stored copy gets the override;
- skip / pause: a CANCEL per series with one RECURRENCE-ID per meeting, EXDATEs in the stored copy;
- resume: a REQUEST per series re-adding the meetings, their EXDATEs removed;
- cadence: the running series cut short (REQUEST, SEQUENCE + 1) or cancelled, and a new series;
- end: every series cut short or cancelled from the first meeting that will not take place.

The first calendar object travels with ``change_applied``; any further one with ``calendar_update``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from agent.calendar.imip import Attendee, build_request, cancel_from_request, occurrence_request, series_uid, \
    with_override
from agent.domain.model import SeriesPlan
from agent.flows import ical_edit
from agent.flows.context import Ctx, at, both
from agent.mail.compose import CalendarPart
from agent.messenger import Thread, role_of, send_template
from agent.rules.freshness import mark_changed
from agent.scheduling.fit import meeting_fits
from agent.store import repo, series_repo


def stale(ctx: Ctx, kind: str, p: dict) -> str | None:
    """Why the confirmed change can no longer be applied as confirmed, or None."""
    def scheduled(start: str) -> bool:
        return any(m.starts_at == at(start) for m in ctx.upcoming())

    if kind == "reschedule":
        occ = series_repo.occurrence_by_id(ctx.conn, p["occurrence_id"])
        if occ is None or occ.status != "scheduled" or occ.starts_at != at(p["old"]) or occ.starts_at <= ctx.now:
            return "the meeting has changed or passed since"
        new = at(p["new"])
        if new <= ctx.now:
            return "the new time has passed"
        fit = meeting_fits(new, p["minutes"], ctx.people, busy=ctx.busy(exclude=occ.starts_at))
        return None if fit.ok else "; ".join(fit.reasons)
    if kind == "skip":
        return None if scheduled(p["start"]) else "the meeting has changed or passed since"
    if kind == "pause":
        return None if any(scheduled(s) for s in p["starts"]) else "the meetings have changed or passed since"
    if kind == "resume":
        back = {m.starts_at for m in series_repo.cancelled_after(ctx.conn, ctx.pair.key, ctx.now)}
        return None if any(at(s) in back for s in p["starts"]) else "those meetings are no longer cancelled"
    if kind in ("cadence", "end") and p.get("start"):
        return None if scheduled(p["start"]) else "the meetings have changed since"
    return None


def apply_change(ctx: Ctx, kind: str, p: dict, *, by: str | None, occasion: str, thread: Thread | None = None) -> str:
    """Apply and tell both people; returns what was done (ledger detail, audit, CLI output)."""
    parts, done, info = _APPLY[kind](ctx, p)
    mark_changed(ctx.app, ctx.pair.key)  # timed rules re-derive the pair's reminders
    requester = ctx.person(by).first_name if by else None
    _tell_both(ctx, "change_applied", f"{occasion}:applied", parts[:1], thread, by,
               lambda reader, partner: dict(change=_view(kind, p, info, reader, partner, requester)))
    for index, part in enumerate(parts[1:], start=2):
        _tell_both(ctx, "calendar_update", f"{occasion}:calendar:{index}", [part], None, None,
                   lambda _r, _p, index=index: dict(update=dict(kind=kind, part=index, parts=len(parts))))
    repo.audit(ctx.conn, at=ctx.now, action=f"meeting {kind}", reason=f"{done} (asked by {by or 'an administrator'})",
               pair_key=ctx.pair.key)
    return done


def _view(kind: str, p: dict, info: dict, reader, partner, requester: str | None) -> dict:
    """What the templates show, each instant for the reader and the partner with both dates."""
    view = dict(kind=kind, by=requester, notes=list(info.get("notes", ())))
    for key in ("old", "new", "start"):
        if p.get(key):
            view[key] = both(p[key], reader, partner)
    view["starts"] = [both(s, reader, partner) for s in p.get("starts", [])]
    view["until"] = p.get("until")
    view["cadence"] = p.get("cadence")
    view["interval"] = p.get("interval")
    return view


def _tell_both(ctx: Ctx, template: str, occasion: str, parts: list[CalendarPart], thread: Thread | None,
               writer: str | None, extra: Callable) -> None:
    """Each person in their own zone and language; only the writer's copy answers their mail (the
    partner never saw it)."""
    for reader in ctx.people:
        partner = ctx.person(ctx.pair.partner_of(reader.email))
        send_template(ctx.app, ctx.conn, template=template, audience=role_of(ctx.pair, reader), pair=ctx.pair,
                      occasion=occasion, now=ctx.now, reason=f"meeting change for {ctx.pair.key}",
                      extra=extra(reader, partner), thread=thread if reader.email == writer else None,
                      calendar=(lambda _r, part=parts[0]: part) if parts else None)


def _series(ctx: Ctx, uid: str):
    return series_repo.series_row(ctx.conn, uid)


def _reschedule(ctx: Ctx, p: dict):
    occ = series_repo.occurrence_by_id(ctx.conn, p["occurrence_id"])
    series = _series(ctx, occ.series_uid)
    old, new, sequence = at(p["old"]), at(p["new"]), series.sequence + 1
    rid = ical_edit.recurrence_of(series.ics.encode(), old)
    update = occurrence_request(series.ics.encode(), sequence=sequence, dtstamp=ctx.now, recurrence_id=rid,
                                new_start=new)
    stored = with_override(series.ics.encode(), update, sequence)
    series_repo.save_series_object(ctx.conn, series.uid, ics=stored, sequence=sequence, now=ctx.now)
    series_repo.move_occurrence(ctx.conn, occ.id, new, p["minutes"])
    ctx.app.calendar.put(series.uid, stored)
    return [CalendarPart("REQUEST", update)], f"moved the meeting of {old:%Y-%m-%d %H:%M}Z to {new:%Y-%m-%d %H:%M}Z", {}


def _cancel(ctx: Ctx, starts: list[str]) -> list[CalendarPart]:
    """One CANCEL per series naming each meeting; EXDATEs in the stored copies; occurrences cancelled."""
    parts, occurrences = [], _occurrences(ctx, starts)
    for uid in dict.fromkeys(o.series_uid for o in occurrences):
        series, mine = _series(ctx, uid), [o for o in occurrences if o.series_uid == uid]
        sequence = series.sequence + 1
        stored, cancel = ical_edit.cancelled(series.ics.encode(), [o.starts_at for o in mine], sequence=sequence,
                                             dtstamp=ctx.now)  # one parse of the series, however many meetings
        for occ in mine:
            series_repo.set_occurrence_status(ctx.conn, occ.id, "cancelled")
        series_repo.save_series_object(ctx.conn, uid, ics=stored, sequence=sequence, now=ctx.now)
        ctx.app.calendar.put(uid, stored)
        parts.append(CalendarPart("CANCEL", cancel))
    return parts


def _occurrences(ctx: Ctx, starts: list[str]) -> list:
    wanted = {at(s) for s in starts}
    return [m for m in ctx.upcoming() if m.starts_at in wanted]


def _skip(ctx: Ctx, p: dict):
    return _cancel(ctx, [p["start"]]), f"skipped the meeting of {at(p['start']):%Y-%m-%d %H:%M}Z", {}


def _pause(ctx: Ctx, p: dict):
    parts = _cancel(ctx, p["starts"])
    return parts, f"paused until {p['until']}: {len(p['starts'])} meeting(s) cancelled", {}


def _resume(ctx: Ctx, p: dict):
    wanted = {at(s) for s in p["starts"]}
    back = [m for m in series_repo.cancelled_after(ctx.conn, ctx.pair.key, ctx.now) if m.starts_at in wanted]
    parts = []
    for uid in dict.fromkeys(m.series_uid for m in back):
        series, mine = _series(ctx, uid), [m for m in back if m.series_uid == uid]
        sequence = series.sequence + 1
        stored, request = ical_edit.resumed(series.ics.encode(), [m.starts_at for m in mine], sequence=sequence,
                                            dtstamp=ctx.now)
        for occ in mine:
            series_repo.set_occurrence_status(ctx.conn, occ.id, "scheduled")
        series_repo.save_series_object(ctx.conn, uid, ics=stored, sequence=sequence, now=ctx.now)
        ctx.app.calendar.put(uid, stored)
        parts.append(CalendarPart("REQUEST", request))
    return parts, f"resumed {len(back)} meeting(s)", {}


def _cut_all(ctx: Ctx, start: datetime) -> list[CalendarPart]:
    """Every active series ends before ``start``: cut short (REQUEST) or cancelled whole (CANCEL)."""
    parts = []
    for series in series_repo.active_series(ctx.conn, ctx.pair.key):
        stored, sequence = series.ics.encode(), series.sequence + 1
        if all(moment < start for moment in ical_edit.instances(stored, series.tzid)):
            continue
        cut = ical_edit.truncated(stored, series.tzid, start, sequence)
        series_repo.cancel_from(ctx.conn, series.uid, start)
        if cut is None:
            parts.append(CalendarPart("CANCEL", cancel_from_request(stored, sequence=sequence, dtstamp=ctx.now)))
            series_repo.save_series_object(ctx.conn, series.uid, ics=stored, sequence=sequence, now=ctx.now)
            series_repo.set_series_status(ctx.conn, series.uid, "cancelled", ctx.now)
            ctx.app.calendar.remove(series.uid)
        else:
            parts.append(CalendarPart("REQUEST", ical_edit.as_request(cut, sequence, ctx.now)))
            series_repo.save_series_object(ctx.conn, series.uid, ics=cut, sequence=sequence, now=ctx.now)
            ctx.app.calendar.put(series.uid, cut)
    return parts


def _cadence(ctx: Ctx, p: dict):
    from zoneinfo import ZoneInfo

    first = at(p["start"])
    template = _series(ctx, ctx.upcoming()[0].series_uid).ics.encode()
    cut = _cut_all(ctx, first)
    zone = ZoneInfo(p["tzid"])
    starts, skipped = [at(s) for s in p["starts"]], [at(s) for s in p["skipped"]]
    plan = SeriesPlan(tzid=p["tzid"], dtstart=first.astimezone(zone), minutes=p["minutes"],
                      interval_weeks=p["interval"], count=len(starts) + len(skipped), occurrences=tuple(starts),
                      exdates=tuple(s.astimezone(zone) for s in skipped))
    phase = series_repo.max_phase(ctx.conn, ctx.pair.key) + 1
    uid = series_uid(ctx.pair.key, phase, ctx.app.domain)
    program = ctx.app.config.program
    ics = build_request(plan, uid=uid, sequence=0, dtstamp=ctx.now, organizer_email=program.address,
                        organizer_name=program.name,
                        attendees=[Attendee(ctx.mentee.email, ctx.mentee.name), Attendee(ctx.mentor.email,
                                                                                          ctx.mentor.name)],
                        summary=ical_edit.text_of(template, "SUMMARY") or f"Mentoring: {ctx.mentor.first_name} & "
                                                                          f"{ctx.mentee.first_name}",
                        description=ical_edit.text_of(template, "DESCRIPTION") or program.name,
                        location=ical_edit.text_of(template, "LOCATION"))
    repo.save_series(ctx.conn, uid=uid, pair_key=ctx.pair.key, phase=phase, plan=plan, ics=ics, sequence=0,
                     now=ctx.now)
    ctx.app.calendar.put(uid, ics)
    done = f"cadence {p['cadence']} from {first:%Y-%m-%d %H:%M}Z: {len(starts)} meeting(s) in series {uid}"
    return [CalendarPart("REQUEST", ics), *cut], done, {}


def _end(ctx: Ctx, p: dict):
    parts = _cut_all(ctx, at(p["start"])) if p.get("start") else []
    repo.set_pair_status(ctx.conn, ctx.pair.key, "ended", f"ended {ctx.now:%Y-%m-%d}")
    when = f"{at(p['start']):%Y-%m-%d %H:%M}Z" if p.get("start") else "now"
    return parts, f"mentorship ended: no meetings from {when}", {}


_APPLY = {"reschedule": _reschedule, "skip": _skip, "pause": _pause, "resume": _resume, "cadence": _cadence,
          "end": _end}
