"""The EWS adapters against the local EWS replay server (tests/replay/ews_server.py): the same
behaviour as the IMAP and SMTP tests, plus paging, throttling and the calendar."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.calendar.ews import EwsCalendar
from agent.errors import AdapterError, TransientError
from agent.exchange.ews_session import EwsSession
from agent.mail.ews import EwsMailbox, EwsOutbound
from agent.ports import BusyTime
from replay.ews_server import EwsServer

pytestmark = pytest.mark.integration

BUILD = (15, 1, 2507, 6)
RAW = (b"From: Mentor Program <program@example.org>\r\nTo: mentee@example.org\r\n"
       b"Subject: Your agenda\r\nMessage-ID: <out-1@example.org>\r\n\r\nHello\r\n")
SERIES = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//mentor-agent//EN\r
BEGIN:VEVENT\r
UID:ma-1@example.org\r
DTSTAMP:20261123T090000Z\r
DTSTART;TZID=Europe/Berlin:20261201T170000\r
DTEND;TZID=Europe/Berlin:20261201T174500\r
RRULE:FREQ=WEEKLY;COUNT=3\r
SUMMARY:Katy / Sam\r
END:VEVENT\r
END:VCALENDAR\r
"""


def message(n: int) -> bytes:
    return (f"From: mentee{n}@example.org\r\nTo: program@example.org\r\nSubject: agenda {n}\r\n"
            f"Message-ID: <msg{n}@example.org>\r\n\r\nbody {n}\r\n").encode()


@pytest.fixture
def server():
    ews = EwsServer().start()
    yield ews
    ews.stop()


@pytest.fixture
def waits():
    return []


def session_for(server: EwsServer, waits: list | None = None, **kw) -> EwsSession:
    kw.setdefault("auth_type", "no authentication")
    return EwsSession(server.address, kw.pop("username", "agent"), kw.pop("password", "pw"),
                      service_endpoint=server.endpoint, version=BUILD,
                      sleep=(waits.append if waits is not None else lambda s: None), **kw)


@pytest.fixture
def mailbox(server, waits):
    box = EwsMailbox(session_for(server, waits), batch=2)
    yield box
    box.close()


def test_pending_yields_everything_oldest_first_in_pages_and_batches(server, mailbox):
    mailbox.page_size = 2
    ids = [server.deliver(message(n)) for n in range(5)]
    got = list(mailbox.pending())
    assert [m.raw for m in got] == [message(n) for n in range(5)]
    assert [m.key for m in got] == ids
    assert server.operations.count("FindItem") == 3  # listed in pages of 2
    assert server.operations.count("GetItem") == 3  # MIME read in batches of 2
    assert list(mailbox.pending()) == got  # peeking does not consume


def test_mark_processed_and_quarantine_move_the_mail_and_are_idempotent(server, mailbox):
    for n in range(3):
        server.deliver(message(n))
    first, second, third = mailbox.pending()
    mailbox.mark_processed(first.key)
    mailbox.mark_processed(first.key)  # the moved item has a new id: the old one is not found
    mailbox.quarantine(second.key)
    mailbox.quarantine(second.key)
    assert [m.key for m in mailbox.pending()] == [third.key]
    assert [i.mime for i in server.in_folder("Processed")] == [message(0)]
    assert [i.mime for i in server.in_folder("Quarantine")] == [message(1)]
    assert len(server.in_folder("inbox")) == 1
    assert server.operations.count("CreateFolder") == 2
    assert "FindFolder" in server.operations and server.operations.count("FindFolder") == 2  # shallow, no tree walk


def test_throttling_is_honoured_then_succeeds(server, mailbox, waits):
    server.deliver(message(1))
    server.busy_next("FindItem", back_off_ms=1000)
    assert [m.raw for m in mailbox.pending()] == [message(1)]
    assert waits == [1.0]


def test_endless_throttling_is_transient(server, waits):
    box = EwsMailbox(session_for(server, waits, retries=2))
    server.busy_next("FindItem", back_off_ms=30_000, times=5)
    with pytest.raises(TransientError, match="throttled"):
        list(box.pending())
    assert waits == [30.0, 30.0]


def test_send_delivers_once_with_the_message_id_and_already_sent_finds_it(server):
    out = EwsOutbound(session_for(server))
    assert not out.already_sent("<out-1@example.org>")
    out.send("<out-1@example.org>", RAW, ["mentee@example.org", "mentor@example.org"])
    (sent,) = server.sent
    assert sent.message_id == "<out-1@example.org>"
    assert sent.recipients == ["mentee@example.org", "mentor@example.org"]  # the extra one as Bcc
    assert sent.raw.endswith(RAW)
    assert out.already_sent("<out-1@example.org>") and out.already_sent("out-1@example.org")
    create = next(r.body for r in server.log if b"<m:CreateItem" in r.body)
    assert b'MessageDisposition="SendAndSaveCopy"' in create and b'DistinguishedFolderId Id="sentitems"' in create
    out.close()


def test_send_adds_a_missing_message_id(server):
    out = EwsOutbound(session_for(server))
    out.send("key-42@example.org", RAW.replace(b"Message-ID: <out-1@example.org>\r\n", b""), ["mentee@example.org"])
    assert server.sent[0].message_id == "<key-42@example.org>" and out.already_sent("key-42@example.org")


def test_wrong_password_is_permanent_and_secrets_never_show(caplog):
    server = EwsServer(username="agent", password="ews-pw-123").start()
    try:
        caplog.set_level(logging.DEBUG)
        server.deliver(message(1))
        good = EwsMailbox(session_for(server, auth_type="basic", password="ews-pw-123"))
        assert len(list(good.pending())) == 1
        bad = EwsMailbox(session_for(server, auth_type="basic", password="wrong-pw-456"))
        with pytest.raises(AdapterError, match="refused the credentials") as refused:
            list(bad.pending())
        assert not isinstance(refused.value, TransientError)
        shown = caplog.text + repr(good) + repr(bad) + repr(good.session.account) + str(refused.value)
        for secret in ("ews-pw-123", "wrong-pw-456"):
            assert secret not in shown
            assert base64.b64encode(f"agent:{secret}".encode()).decode() not in shown
        assert "body 1" not in caplog.text  # mail content stays out of the logs too
    finally:
        server.stop()


def test_no_server_is_transient():
    from servers import free_port

    session = EwsSession("program@example.org", "agent", "pw", auth_type="no authentication", version=BUILD,
                         service_endpoint=f"http://127.0.0.1:{free_port()}/EWS/Exchange.asmx")
    with pytest.raises(TransientError):
        list(EwsMailbox(session).pending())


# ---------------------------------------------------------------------- calendar

def test_calendar_put_get_replace_remove(server):
    cal = EwsCalendar(session_for(server))
    assert cal.get("ma-1@example.org") is None
    cal.put("ma-1@example.org", SERIES)
    assert cal.get("ma-1@example.org") == SERIES
    (item,) = server.items.values()
    assert item.text("Start") == "2026-12-01T17:00:00+01:00" and item.props["StartTimeZone"].get("Id") == \
        "W. Europe Standard Time"
    assert "Recurrence" in item.props and "RequiredAttendees" not in item.props
    create = next(r.body for r in server.log if b"<m:CreateItem" in r.body)
    assert b'SendMeetingInvitations="SendToNone"' in create
    single = SERIES.replace(b"RRULE:FREQ=WEEKLY;COUNT=3\r\n", b"").replace(b"Katy / Sam", b"Moved")
    cal.put("ma-1@example.org", single)
    assert cal.get("ma-1@example.org") == single
    (item,) = server.items.values()
    assert item.text("Subject") == "Moved" and "Recurrence" not in item.props
    cal.remove("ma-1@example.org")
    cal.remove("ma-1@example.org")
    assert cal.get("ma-1@example.org") is None and server.items == {}
    cal.close()


def test_calendar_busy_expands_series_and_skips_free(server):
    cal = EwsCalendar(session_for(server))
    cal.put("ma-1@example.org", SERIES)
    free = SERIES.replace(b"20261201T17", b"20261202T12").replace(b"RRULE:FREQ=WEEKLY;COUNT=3\r\n",
                                                                  b"TRANSP:TRANSPARENT\r\n")
    cal.put("ma-2@example.org", free)
    busy = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert [(b.start.isoformat(), b.end.isoformat()) for b in busy] == [
        ("2026-12-01T16:00:00+00:00", "2026-12-01T16:45:00+00:00"),
        ("2026-12-08T16:00:00+00:00", "2026-12-08T16:45:00+00:00"),
        ("2026-12-15T16:00:00+00:00", "2026-12-15T16:45:00+00:00"),
    ]
    view = next(r.body for r in server.log if b"<m:CalendarView" in r.body)
    assert b'StartDate="2026-12-01T00:00:00Z" EndDate="2026-12-31T00:00:00Z"' in view


BERLIN = ZoneInfo("Europe/Berlin")


def spans(busy) -> list[tuple[str, str]]:
    return [(b.start.strftime("%m-%d %H:%M"), b.end.strftime("%H:%M")) for b in busy]


def test_calendar_busy_has_moved_occurrences_at_their_new_time_and_no_deleted_ones(server):
    """A weekly series made in Outlook, Wednesdays 10:00 Berlin (09:00 UTC): the 9 Dec occurrence
    moved to Thursday 10 Dec 14:00, the 16 Dec one deleted, the 23 Dec one moved and marked Free."""
    cal = EwsCalendar(session_for(server))
    sync = server.add_calendar_item("team sync", datetime(2026, 12, 2, 10, tzinfo=BERLIN),
                                    datetime(2026, 12, 2, 11, tzinfo=BERLIN), zone="W. Europe Standard Time",
                                    weekly="Wednesday")
    server.move_occurrence(sync, datetime(2026, 12, 9, 9, tzinfo=UTC), datetime(2026, 12, 10, 14, tzinfo=BERLIN),
                           datetime(2026, 12, 10, 15, tzinfo=BERLIN))
    server.delete_occurrence(sync, datetime(2026, 12, 16, 9, tzinfo=UTC))
    server.move_occurrence(sync, datetime(2026, 12, 23, 9, tzinfo=UTC), datetime(2026, 12, 23, 12, tzinfo=BERLIN),
                           datetime(2026, 12, 23, 13, tzinfo=BERLIN), LegacyFreeBusyStatus="Free")
    view = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert spans(view) == [("12-02 09:00", "10:00"), ("12-10 13:00", "14:00"), ("12-30 09:00", "10:00")]
    assert cal.busy(datetime(2026, 12, 9, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC)) == []
    assert spans(cal.busy(datetime(2026, 12, 10, tzinfo=UTC), datetime(2026, 12, 11, tzinfo=UTC))) == [
        ("12-10 13:00", "14:00")]
    assert cal.busy(datetime(2026, 12, 16, tzinfo=UTC), datetime(2026, 12, 17, tzinfo=UTC)) == []
    # An item ending exactly at the view's start is listed by Exchange but blocks nothing.
    assert cal.busy(datetime(2026, 12, 2, 10, tzinfo=UTC), datetime(2026, 12, 2, 12, tzinfo=UTC)) == []
    view = next(r.body for r in server.log if b"<m:CalendarView" in r.body)
    for field in (b"calendar:LegacyFreeBusyStatus", b"calendar:IsCancelled", b"calendar:CalendarItemType"):
        assert field in view
    cal.close()


def test_calendar_busy_expands_in_the_series_zone_across_dst(server):
    cal = EwsCalendar(session_for(server))
    server.add_calendar_item("sync", datetime(2026, 3, 25, 10, tzinfo=BERLIN), datetime(2026, 3, 25, 11, tzinfo=BERLIN),
                             zone="W. Europe Standard Time", weekly="Wednesday")
    busy = cal.busy(datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 5, tzinfo=UTC))
    assert spans(busy) == [("03-25 09:00", "10:00"), ("04-01 08:00", "09:00")]  # 10:00 Berlin, CET then CEST
    cal.close()


@pytest.mark.parametrize("status, cancelled, blocks", [
    ("Busy", False, True), ("OOF", False, True), ("Tentative", False, True), ("NoData", False, True),
    ("Free", False, False), ("WorkingElsewhere", False, False), ("Busy", True, False),
])
def test_calendar_busy_by_free_busy_status_and_cancellation(server, status, cancelled, blocks):
    cal = EwsCalendar(session_for(server))
    server.add_calendar_item("x", datetime(2026, 12, 3, 15, tzinfo=BERLIN), datetime(2026, 12, 3, 16, tzinfo=BERLIN),
                             zone="W. Europe Standard Time", status=status, cancelled=cancelled)
    busy = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert spans(busy) == ([("12-03 14:00", "15:00")] if blocks else [])
    cal.close()


def test_release_brings_a_quarantined_message_back(server, mailbox):
    server.deliver(message(1))
    (msg,) = mailbox.pending()
    mailbox.quarantine(msg.key)
    assert list(mailbox.pending()) == []
    assert mailbox.release(msg.key)  # found by the key written into it before the move
    (back,) = mailbox.pending()
    assert back.raw == message(1) and back.key != msg.key
    assert not mailbox.release(msg.key)  # not in quarantine any more
    mailbox.quarantine(back.key)
    assert mailbox.release("stale-key", message_id="msg1@example.org")  # by Message-ID


def test_bootstrap_wires_ews_for_mail_and_calendar_and_detects_auth(tmp_path, monkeypatch):
    """No auth type or version configured: exchangelib asks the server (basic auth here)."""
    from pathlib import Path

    from agent.bootstrap import build_calendar, build_mailbox, build_outbound
    from agent.check import check_program

    repo = Path(__file__).resolve().parents[2]
    server = EwsServer(address="mentoring@program.example.org", username="agent", password="ews-pw-789").start()
    try:
        monkeypatch.setenv("EWS_PASSWORD", "ews-pw-789")
        config = tmp_path / "config.toml"
        config.write_text(f"""
[program]
name = "Test Mentoring"
address = "mentoring@program.example.org"
admins = ["coordinator@program.example.org"]
roster = "{repo / 'examples' / 'roster.toml'}"
rules = "{repo / 'rules'}"
templates = "{repo / 'templates'}"

[mailbox]
backend = "ews"
service_endpoint = "{server.endpoint}"
username = "agent"
password_env = "EWS_PASSWORD"

[outbound]
backend = "ews"

[calendar]
backend = "ews"
""")
        program, problems = check_program(config)
        assert program is not None, [str(p) for p in problems]
        mailbox, outbound, calendar = build_mailbox(program), build_outbound(program), build_calendar(program)
        server.deliver(message(1))
        assert [m.raw for m in mailbox.pending()] == [message(1)]
        outbound.send("<out-1@example.org>", RAW, ["mentee@example.org"])
        assert outbound.already_sent("<out-1@example.org>")
        calendar.put("ma-1@example.org", SERIES)
        assert calendar.get("ma-1@example.org") == SERIES
        assert mailbox.identity == "ews:mentoring@program.example.org/inbox"
        assert "ews-pw-789" not in repr(mailbox) + repr(outbound) + repr(calendar)
        for adapter in (mailbox, outbound, calendar):
            adapter.close()
    finally:
        server.stop()


# ---------------------------------------------------------------------- free/busy (GetUserAvailability)


def at(day: int, hour: int, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize("status, blocks", [
    ("busy", True), ("oof", True), ("tentative", True), ("free", False), ("workingElsewhere", False),
    ("unknown", False)])  # shown by EWS as Busy, OOF, Tentative, Free, WorkingElsewhere, NoData
def test_free_busy_blocks_by_busy_type(server, status, blocks):
    server.add_busy("ann@example.org", at(2, 10), at(2, 11), status)
    cal = EwsCalendar(session_for(server))
    answer = cal.free_busy(["ann@example.org"], at(1, 0), at(8, 0))
    assert answer == {"ann@example.org": [BusyTime(at(2, 10), at(2, 11))] if blocks else []}
    cal.close()


def test_free_busy_per_person_in_42_day_windows_and_unknown_people_left_out(server, caplog):
    """Ann is busy every Tuesday 15:00-16:00 UTC, Bob once; nobody@elsewhere has no mailbox here.
    26 weeks are asked in five windows of at most 42 days, for times and busy types only."""
    server.add_busy("ann@example.org", at(1, 15), at(1, 16), subject="Team meeting", weekly=True)
    server.add_busy("bob@example.org", at(3, 9), at(3, 10), subject="Dentist")
    cal = EwsCalendar(session_for(server))
    with caplog.at_level(logging.WARNING, logger="agent.calendar.ews"):
        answer = cal.free_busy(["ann@example.org", "bob@example.org", "nobody@elsewhere.org"], at(1, 0),
                               at(1, 0) + timedelta(weeks=26))
    assert sorted(answer) == ["ann@example.org", "bob@example.org"]
    assert [f"{b.start:%a %H:%M}-{b.end:%H:%M}" for b in answer["ann@example.org"]] == ["Tue 15:00-16:00"] * 26
    assert answer["bob@example.org"] == [BusyTime(at(3, 9), at(3, 10))]
    assert server.operations.count("GetUserAvailabilityRequest") == 5
    requests = [r.body for r in server.log if b"GetUserAvailabilityRequest" in r.body]
    assert all(b"<t:RequestedView>FreeBusy</t:RequestedView>" in body for body in requests)  # no subjects asked
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "nobody@elsewhere.org" in warning and "ErrorMailRecipientNotFound" in warning
    cal.close()


def test_free_busy_throttling_is_honoured_then_transient(server, waits):
    server.add_busy("ann@example.org", at(2, 10), at(2, 11))
    server.busy_next("GetUserAvailabilityRequest", 700)
    cal = EwsCalendar(session_for(server, waits))
    assert cal.free_busy(["ann@example.org"], at(1, 0), at(8, 0)) == {"ann@example.org": [BusyTime(at(2, 10),
                                                                                                 at(2, 11))]}
    assert waits == [0.7]
    assert cal.free_busy([], at(1, 0), at(8, 0)) == {}
    cal.close()
    server.busy_next("GetUserAvailabilityRequest", 700, times=5)  # throttled past the session's 4 retries
    cal = EwsCalendar(session_for(server, waits))
    with pytest.raises(TransientError):
        cal.free_busy(["ann@example.org"], at(1, 0), at(8, 0))
    cal.close()


def test_the_replay_server_refuses_windows_over_42_days(server):
    from exchangelib import EWSDateTime, EWSTimeZone

    session = session_for(server)
    utc = EWSTimeZone("UTC")
    with pytest.raises(AdapterError, match="ErrorTimeIntervalTooBig"):
        session.call("free/busy", lambda account: list(account.protocol.get_free_busy_info(
            accounts=[("ann@example.org", "Required", False)], start=EWSDateTime(2026, 12, 1, tzinfo=utc),
            end=EWSDateTime(2027, 1, 13, tzinfo=utc))))
    session.close()
