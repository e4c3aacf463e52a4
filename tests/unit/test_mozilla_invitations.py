"""Invitations, updates, exceptions and cancellations written by Outlook, Teams, Google and Thunderbird
(the mozilla-invitations corpus in ../shared) are read correctly, Windows time zone names included."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.calendar.imip import read_itip
from agent.understanding.mime import parse_mail

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpora/calendars/mozilla-invitations/test/browser/invitations/data"
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpora are not beside this checkout")


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


EXPECTED = [
    # file, method, sequence, start (UTC), recurrence-id, recurring, status
    ("single-event.eml", "REQUEST", 0, at(2022, 3, 16, 11), None, False, "CONFIRMED"),
    ("update-minor.eml", "REQUEST", 0, at(2022, 3, 16, 11), None, False, "CONFIRMED"),
    ("update-major.eml", "REQUEST", 2, at(2022, 3, 16, 5), None, False, "CONFIRMED"),
    ("repeat-event.eml", "REQUEST", 0, at(2022, 3, 16, 11), None, True, "CONFIRMED"),
    ("repeat-update-major.eml", "REQUEST", 2, at(2022, 3, 16, 5), None, True, "CONFIRMED"),
    ("exception-major.eml", "REQUEST", 2, at(2022, 3, 17, 5), at(2022, 3, 17, 11), False, "CONFIRMED"),
    ("exception-minor.eml", "REQUEST", 0, at(2022, 3, 17, 11), at(2022, 3, 17, 11), False, "CONFIRMED"),
    ("cancel-single-event.eml", "CANCEL", 1, at(2022, 3, 16, 11), None, False, "CANCELLED"),
    ("cancel-repeat-event.eml", "CANCEL", 1, None, None, True, "CANCELLED"),
    # Outlook and Teams write Windows zone names: "FLE Standard Time" is Europe/Kyiv (UTC+2 in winter)
    ("outlook-test-invite.eml", "REQUEST", 0, at(2021, 11, 27, 7), None, False, "CONFIRMED"),
    ("teams-meeting-invite.eml", "REQUEST", 0, at(2020, 12, 2, 17), None, False, "CONFIRMED"),
    ("meet-meeting-invite.eml", "REQUEST", 0, at(2021, 3, 22, 9, 30), None, False, "CONFIRMED"),
]


@pytest.mark.parametrize(("name", "method", "sequence", "start", "recurrence_id", "recurring", "status"), EXPECTED)
def test_invitations_from_the_major_clients_are_read(name, method, sequence, start, recurrence_id, recurring, status):
    mail = parse_mail((CORPUS / name).read_bytes())
    assert mail.calendars, "the text/calendar part is found"
    item = read_itip(mail.calendars[0])
    assert (item.method, item.sequence, item.start, item.recurrence_id, item.status) == (
        method, sequence, start, recurrence_id, status)
    assert bool(item.rrule) is recurring
    assert item.uid and item.organizer


