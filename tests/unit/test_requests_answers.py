"""The pure parts of the requests flow: reading "yes"/"no", and the series edits iMIP has no builder for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from agent.calendar.imip import Attendee, build_request, cancel_from_request, with_exdate
from agent.domain.model import SeriesPlan
from agent.flows import ical_edit
from agent.flows.by_mail import answer_word

ANSWERS = [
    ("yes", "yes"), ("Yes please!", "yes"), ("ok", "yes"), ("OK, thanks", "yes"), ("confirm", "yes"),
    ("Ja, passt", "yes"), ("oui", "yes"), ("Sí, gracias", "yes"), ("sim", "yes"), ("👍", "yes"),
    ("\n\n  yes\n> quoted", "yes"), ("d'accord", "yes"),
    ("no", "no"), ("No, sorry", "no"), ("nein", "no"), ("non merci", "no"), ("não", "no"), ("cancel it", "no"),
    ("don't", "no"),
    ("yesterday works better", None), ("okra", None), ("Could we do Friday instead?", None), ("", None),
    ("nobody told me", None), ("maybe", None),
]


@pytest.mark.parametrize(("text", "expected"), ANSWERS)
def test_answer_words(text, expected):
    assert answer_word(text) == expected


ZONE = "Europe/Berlin"
FIRST = datetime(2026, 12, 1, 9, tzinfo=UTC)  # 10:00 in Berlin


def series(count=6) -> bytes:
    from zoneinfo import ZoneInfo

    starts = tuple(FIRST + timedelta(weeks=i) for i in range(count))
    plan = SeriesPlan(tzid=ZONE, dtstart=FIRST.astimezone(ZoneInfo(ZONE)), minutes=45, interval_weeks=1,
                      count=count, occurrences=starts)
    return build_request(plan, uid="u@x", sequence=0, dtstamp=FIRST, organizer_email="p@x", organizer_name="P",
                         attendees=[Attendee("a@x", "A"), Attendee("b@x", "B")], summary="S", description="D")


def test_instances_and_truncation_keep_only_meetings_before_the_cut():
    stored = series()
    assert ical_edit.instances(stored, ZONE)[:2] == [FIRST, FIRST + timedelta(weeks=1)]
    cut = ical_edit.truncated(stored, ZONE, FIRST + timedelta(weeks=2), 3)
    master = Calendar.from_ical(cut).walk("VEVENT")[0]
    assert master["RRULE"]["COUNT"] == [2] and master["SEQUENCE"] == 3
    assert ical_edit.truncated(stored, ZONE, FIRST, 3) is None  # nothing before: the series is cancelled


@pytest.mark.parametrize("weeks", [0, 2, 5])
def test_exdate_round_trip(weeks):
    stored = series()
    moment = FIRST + timedelta(weeks=weeks)
    gone = with_exdate(stored, moment, 1)
    assert ical_edit._exdates(Calendar.from_ical(gone).walk("VEVENT")[0])
    back = ical_edit.without_exdate(gone, moment, 2)
    assert ical_edit._exdates(Calendar.from_ical(back).walk("VEVENT")[0]) == []


def test_merge_puts_several_occurrences_of_one_series_in_one_cancel():
    stored = series()
    parts = [cancel_from_request(stored, sequence=1, dtstamp=FIRST, recurrence_id=FIRST + timedelta(weeks=w))
             for w in (1, 2, 3)]
    merged = Calendar.from_ical(ical_edit.merge(parts))
    ids = [e.decoded("RECURRENCE-ID").astimezone(UTC) for e in merged.walk("VEVENT")]
    assert ids == [FIRST + timedelta(weeks=w) for w in (1, 2, 3)] and merged["METHOD"] == "CANCEL"
    assert len(merged.walk("VTIMEZONE")) == 1


def test_as_request_reissues_the_stored_series_with_a_new_sequence():
    out = Calendar.from_ical(ical_edit.as_request(series(), 4, FIRST + timedelta(days=1)))
    [event] = out.walk("VEVENT")
    assert out["METHOD"] == "REQUEST" and event["SEQUENCE"] == 4
