"""The Graph adapters against the local Graph replay server (tests/replay/graph_server.py): the same
behaviour as the IMAP and SMTP tests, plus delta, paging, throttling and the calendar."""

from __future__ import annotations

import base64
import email
import json
import logging
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from agent.calendar.graph import GraphCalendar
from agent.errors import AdapterError, TransientError
from agent.exchange.graph_client import GraphClient
from agent.mail.graph import GraphMailbox, GraphOutbound
from agent.ports import BusyTime
from replay.graph_server import GraphServer
from tests.e2e import harness
from tests.e2e.harness import BOOKING_DAY, MAIL_DAY

pytestmark = pytest.mark.integration


def message(n: int) -> bytes:
    return (f"From: mentee{n}@example.org\r\nTo: program@example.org\r\nSubject: agenda {n}\r\n"
            f"Message-ID: <msg{n}@example.org>\r\n\r\nbody {n}\r\n").encode()


RAW = (b"From: Mentor Program <program@example.org>\r\nTo: mentee@example.org\r\n"
       b"Subject: Your agenda\r\nMessage-ID: <out-1@example.org>\r\n\r\nHello\r\n")


@pytest.fixture
def server():
    graph = GraphServer().start()
    yield graph
    graph.stop()


@pytest.fixture
def waits():
    return []


def client_for(server: GraphServer, waits: list | None = None, secret: str | None = None, **kw) -> GraphClient:
    return GraphClient(server.tenant, server.client_id, secret or server.client_secret, server.user,
                       authority_host=server.authority_host, api=server.api, verify=server.ca_file,
                       sleep=(waits.append if waits is not None else lambda s: None), **kw)


@pytest.fixture
def mailbox(server, waits):
    box = GraphMailbox(client_for(server, waits))
    yield box
    box.close()


def test_pending_yields_everything_oldest_first_across_pages(server, mailbox):
    ids = [server.deliver(message(n)) for n in range(7)]  # page size 3: three pages
    got = list(mailbox.pending())
    assert [m.raw for m in got] == [message(n) for n in range(7)]
    assert [m.key for m in got] == ids
    assert [len(page) for page in server.delta_pages] == [3, 3, 1]
    assert list(mailbox.pending()) == got  # peeking does not consume
    assert server.tokens_issued == 1  # msal caches the app token


def test_delta_returns_only_new_mail_after_the_first_sync(server, mailbox):
    server.deliver(message(1))
    first = list(mailbox.pending())
    mailbox.mark_processed(first[0].key)
    server.delta_pages.clear()
    new = server.deliver(message(2))
    assert [m.raw for m in mailbox.pending()] == [message(2)]
    assert server.delta_pages == [[f"-{first[0].key}", new]]  # a removal and the new one, nothing else
    server.messages[new].folder = server.well_known["drafts"]  # moved away by a person
    server.messages[new].inbox_seq = 999
    assert list(mailbox.pending()) == [] and server.delta_pages[-1] == [f"-{new}"]


def test_an_expired_delta_token_starts_a_full_sync(server, mailbox):
    server.deliver(message(1))
    assert len(list(mailbox.pending())) == 1
    server.deliver(message(2))
    server.fail_next(410, "/delta")  # Graph: SyncStateNotFound, the token is too old
    assert [m.raw for m in mailbox.pending()] == [message(1), message(2)]


def test_mark_processed_and_quarantine_move_the_mail_and_are_idempotent(server, mailbox):
    for n in range(3):
        server.deliver(message(n))
    first, second, third = mailbox.pending()
    mailbox.mark_processed(first.key)
    mailbox.mark_processed(first.key)  # already there: no error, no second move
    mailbox.quarantine(second.key)
    mailbox.quarantine(second.key)
    assert [m.key for m in mailbox.pending()] == [third.key]
    assert [m.raw for m in server.in_folder("Processed")] == [message(0)]
    assert [m.raw for m in server.in_folder("Quarantine")] == [message(1)]
    assert len(server.in_folder("inbox")) == 1
    assert sum(1 for r in server.log if r.path.endswith("/move")) == 2
    assert sum(1 for r in server.log if r.method == "POST" and r.path.endswith("/mailFolders")) == 2
    mailbox.mark_processed("AAMk-no-such-message")  # gone: nothing to do


def test_throttling_is_honoured_then_succeeds(server, mailbox, waits):
    server.deliver(message(1))
    server.fail_next(429, "/delta", retry_after="1")
    assert [m.raw for m in mailbox.pending()] == [message(1)]
    assert waits == [1.0]


def test_throttling_without_end_and_5xx_are_transient_4xx_is_not(server, waits):
    client = client_for(server, waits, retries=2)
    box = GraphMailbox(client)
    server.fail_next(429, "/delta", retry_after="30", times=5)
    with pytest.raises(TransientError, match="429"):
        list(box.pending())
    assert waits == [30.0, 30.0]
    server._failures.clear()
    server.fail_next(500, "/delta")
    with pytest.raises(TransientError, match="500"):
        list(box.pending())
    server.fail_next(403, "/delta")
    with pytest.raises(AdapterError, match="403") as refused:
        list(box.pending())
    assert not isinstance(refused.value, TransientError)
    box.close()


def test_send_delivers_once_with_the_message_id_and_already_sent_finds_it(server):
    out = GraphOutbound(client_for(server))
    assert not out.already_sent("<out-1@example.org>")
    out.send("<out-1@example.org>", RAW, ["mentee@example.org", "mentor@example.org"])
    (sent,) = server.sent
    assert sent.message_id == "<out-1@example.org>"
    assert sent.recipients == ["mentee@example.org", "mentor@example.org"]  # the extra one as Bcc
    assert b"Bcc" not in sent.raw and sent.raw.endswith(RAW)
    assert out.already_sent("<out-1@example.org>") and out.already_sent("out-1@example.org")
    post = next(r for r in server.log if r.path.endswith("/sendMail"))
    assert post.headers["content-type"] == "text/plain" and base64.b64decode(post.body).endswith(RAW)
    out.close()


def test_send_adds_a_missing_message_id(server):
    out = GraphOutbound(client_for(server))
    out.send("key-42@example.org", RAW.replace(b"Message-ID: <out-1@example.org>\r\n", b""), ["mentee@example.org"])
    assert server.sent[0].message_id == "<key-42@example.org>" and out.already_sent("key-42@example.org")
    out.close()


def test_wrong_secret_is_permanent_and_secrets_never_show(server, caplog):
    caplog.set_level(logging.DEBUG)
    good = GraphMailbox(client_for(server))
    server.deliver(message(1))
    list(good.pending())
    good.close()
    token = server._token
    bad = GraphOutbound(client_for(server, secret="wrong-secret-123"))
    with pytest.raises(AdapterError, match="invalid_client") as refused:
        bad.send("<a@b>", RAW, ["x@example.org"])
    assert not isinstance(refused.value, TransientError)
    shown = caplog.text + repr(good) + repr(bad) + str(refused.value)
    for secret in (server.client_secret, "wrong-secret-123", token):
        assert secret not in shown


def test_no_server_is_transient():
    from servers import free_port

    client = GraphClient("t", "c", "s", "u@example.org", authority_host=f"https://127.0.0.1:{free_port()}",
                         api=f"https://127.0.0.1:{free_port()}/v1.0", timeout=5)
    with pytest.raises(TransientError):
        list(GraphMailbox(client).pending())


# ---------------------------------------------------------------------- calendar

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


def test_calendar_put_get_replace_remove(server):
    cal = GraphCalendar(client_for(server))
    assert cal.get("ma-1@example.org") is None
    cal.put("ma-1@example.org", SERIES)
    assert cal.get("ma-1@example.org") == SERIES
    (event,) = server.events.values()
    assert event["start"] == {"dateTime": "2026-12-01T17:00:00", "timeZone": "Europe/Berlin"}
    assert event["recurrence"]["pattern"] == {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"],
                                              "firstDayOfWeek": "monday"}
    assert event["recurrence"]["range"] == {"type": "numbered", "startDate": "2026-12-01", "numberOfOccurrences": 3}
    assert "attendees" not in event  # Exchange must not send invitations of its own
    single = SERIES.replace(b"RRULE:FREQ=WEEKLY;COUNT=3\r\n", b"").replace(b"Katy / Sam", b"Moved")
    cal.put("ma-1@example.org", single)
    assert cal.get("ma-1@example.org") == single
    (event,) = server.events.values()
    assert event["subject"] == "Moved" and "recurrence" not in event
    cal.remove("ma-1@example.org")
    cal.remove("ma-1@example.org")
    assert cal.get("ma-1@example.org") is None and server.events == {}
    cal.close()


def test_calendar_busy_expands_series_skips_free_and_pages(server):
    cal = GraphCalendar(client_for(server))
    cal.put("ma-1@example.org", SERIES)
    server.add_event({"subject": "lunch", "showAs": "free",
                      "start": {"dateTime": "2026-12-02T12:00:00", "timeZone": "UTC"},
                      "end": {"dateTime": "2026-12-02T13:00:00", "timeZone": "UTC"}})
    server.add_event({"subject": "dentist", "showAs": "oof",
                      "start": {"dateTime": "2026-12-09T08:00:00.0000000", "timeZone": "UTC"},
                      "end": {"dateTime": "2026-12-09T09:30:00.0000000", "timeZone": "UTC"}})
    busy = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert [(b.start.isoformat(), b.end.isoformat()) for b in busy] == [
        ("2026-12-01T16:00:00+00:00", "2026-12-01T16:45:00+00:00"),
        ("2026-12-08T16:00:00+00:00", "2026-12-08T16:45:00+00:00"),
        ("2026-12-09T08:00:00+00:00", "2026-12-09T09:30:00+00:00"),
        ("2026-12-15T16:00:00+00:00", "2026-12-15T16:45:00+00:00"),
    ]
    cal.close()


def berlin(day: int, hour: int, month: int = 12) -> dict:
    return {"dateTime": f"2026-{month:02d}-{day:02d}T{hour:02d}:00:00.0000000", "timeZone": "W. Europe Standard Time"}


def weekly(days: list[str], first: str, **range_) -> dict:
    return {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": days, "firstDayOfWeek": "sunday"},
            "range": {"type": "noEnd", "startDate": first, **range_}}


def spans(busy) -> list[tuple[str, str]]:
    return [(b.start.strftime("%m-%d %H:%M"), b.end.strftime("%H:%M")) for b in busy]


def test_calendar_busy_has_moved_instances_at_their_new_time_and_no_deleted_ones(server):
    """A weekly series made in Outlook (Windows zone name, Wednesdays 10:00 Berlin = 09:00 UTC):
    the 9 Dec instance moved to Thursday 10 Dec 14:00, the 16 Dec one deleted."""
    cal = GraphCalendar(client_for(server))
    sync = server.add_event({"subject": "team sync", "showAs": "busy", "start": berlin(2, 10), "end": berlin(2, 11),
                             "recurrence": weekly(["wednesday"], "2026-12-02")})
    server.move_occurrence(sync, datetime(2026, 12, 9, 9, tzinfo=UTC), berlin(10, 14), berlin(10, 15))
    server.delete_occurrence(sync, datetime(2026, 12, 16, 9, tzinfo=UTC))
    view = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert spans(view) == [("12-02 09:00", "10:00"), ("12-10 13:00", "14:00"), ("12-23 09:00", "10:00"),
                           ("12-30 09:00", "10:00")]
    old_time = cal.busy(datetime(2026, 12, 9, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC))
    new_time = cal.busy(datetime(2026, 12, 10, tzinfo=UTC), datetime(2026, 12, 11, tzinfo=UTC))
    assert old_time == [] and spans(new_time) == [("12-10 13:00", "14:00")]
    assert cal.busy(datetime(2026, 12, 16, tzinfo=UTC), datetime(2026, 12, 17, tzinfo=UTC)) == []
    request = next(r for r in server.log if "/calendarView" in r.path)
    assert "startDateTime=2026-12-01T00%3A00%3A00Z" in request.path and "isCancelled" in request.path
    assert request.headers["prefer"] == 'outlook.timezone="UTC"'
    cal.close()


@pytest.mark.parametrize("show_as, cancelled, blocks", [
    ("busy", False, True), ("oof", False, True), ("tentative", False, True), ("unknown", False, True),
    ("free", False, False), ("workingElsewhere", False, False), ("busy", True, False),
])
def test_calendar_busy_by_show_as_and_cancellation(server, show_as, cancelled, blocks):
    cal = GraphCalendar(client_for(server))
    server.add_event({"subject": "x", "showAs": show_as, "isCancelled": cancelled,
                      "start": berlin(3, 15), "end": berlin(3, 16)})
    busy = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert spans(busy) == ([("12-03 14:00", "15:00")] if blocks else [])
    cal.close()


def test_calendar_busy_follows_server_driven_paging(server):
    server.view_page_cap = 2
    cal = GraphCalendar(client_for(server))
    sync = server.add_event({"subject": "daily", "showAs": "busy", "start": berlin(1, 8), "end": berlin(1, 9),
                             "recurrence": weekly(["monday", "tuesday", "wednesday", "thursday", "friday"],
                                                  "2026-12-01")})
    server.delete_occurrence(sync, datetime(2026, 12, 3, 7, tzinfo=UTC))
    busy = cal.busy(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    assert [b.start.day for b in busy] == [1, 2, 4, 7]
    assert server.view_pages == [2, 2]  # the second page came from @odata.nextLink
    links = [r.path for r in server.log if "/calendarView" in r.path]
    assert len(links) == 2 and "%24skip=2" in links[1] and "%24select=" in links[1]
    cal.close()


def test_the_engine_avoids_busy_instances_from_the_graph_calendar(server):
    """Both people free only 10:00-11:00 Berlin on weekdays; the mentor's calendar blocks Mon, Tue,
    Wed and Fri every week. On Thursdays: the 10 Dec instance of a series was deleted, 24 Dec is
    shown as free, 31 Dec is a cancelled meeting, and 9 Dec's Wednesday meeting was moved to Thursday
    17 Dec. The plan is Thursdays at 10:00 with only 17 Dec skipped."""
    from agent.domain.model import Participant, Role, SeriesPlan
    from agent.scheduling.hours import parse_hours
    from agent.scheduling.overlap import plan_series

    cal = GraphCalendar(client_for(server))
    week = server.add_event({"subject": "standup", "showAs": "busy", "start": berlin(7, 10), "end": berlin(7, 11),
                             "recurrence": weekly(["monday", "tuesday", "wednesday", "friday"], "2026-12-07")})
    server.move_occurrence(week, datetime(2026, 12, 9, 9, tzinfo=UTC), berlin(17, 10), berlin(17, 11))
    once = server.add_event({"subject": "1:1", "showAs": "busy", "start": berlin(10, 10), "end": berlin(10, 11),
                             "recurrence": weekly(["thursday"], "2026-12-10", type="numbered",
                                                  numberOfOccurrences=1)})
    server.delete_occurrence(once, datetime(2026, 12, 10, 9, tzinfo=UTC))
    server.add_event({"subject": "lunch", "showAs": "free", "start": berlin(24, 10), "end": berlin(24, 11)})
    server.add_event({"subject": "call", "showAs": "busy", "isCancelled": True,
                      "start": berlin(31, 10), "end": berlin(31, 11)})
    busy = cal.busy(datetime(2026, 12, 6, 23, tzinfo=UTC), datetime(2027, 1, 3, 23, tzinfo=UTC))
    hours = parse_hours(["Mon-Fri 10:00-11:00"])
    mentee = Participant("ann@example.org", "Ann", Role.MENTEE, "Europe/Berlin", hours, None, None, None)
    mentor = Participant("bob@example.org", "Bob", Role.MENTOR, "Europe/Berlin", hours, None, None, None)
    plan = plan_series(mentee, mentor, minutes=60, first_day=datetime(2026, 12, 7).date(), weeks=4, busy=busy)
    assert isinstance(plan, SeriesPlan)
    assert plan.dtstart.strftime("%a %H:%M") == "Thu 10:00" and plan.tzid == "Europe/Berlin"
    assert [e.strftime("%Y-%m-%d %H:%M") for e in plan.exdates] == ["2026-12-17 10:00"]
    assert [o.astimezone(UTC).day for o in plan.occurrences] == [10, 24, 31]
    cal.close()


# ---------------------------------------------------------------------- end to end



def test_the_example_program_runs_on_graph(tmp_path, monkeypatch):
    """Mailbox, outbound and calendar all on Graph: an agenda in the inbox reaches the mentor."""
    from agent.bootstrap import build_app
    from agent.check import check_program
    from agent.runner import tick

    server = GraphServer(user="mentoring@program.example.org").start()
    try:
        for name, value in {"GRAPH_SECRET": server.client_secret, "SSL_CERT_FILE": server.ca_file,
                            "REQUESTS_CA_BUNDLE": server.ca_file}.items():
            monkeypatch.setenv(name, value)
        mailbox = (f'backend = "graph"\ntenant_id = "{server.tenant}"\nclient_id = "{server.client_id}"\n'
                   f'client_secret_env = "GRAPH_SECRET"\nuser = "mentoring@program.example.org"\n'
                   f'authority_host = "{server.authority_host}"\ngraph_url = "{server.api}"')
        config = harness.write_config(tmp_path, mailbox=mailbox, outbound='backend = "graph"',
                                      calendar='backend = "graph"')
        program, problems = check_program(config)
        assert program is not None, [str(p) for p in problems]
        app = build_app(program)
        try:
            tick(app, BOOKING_DAY)
            invitations = len(server.sent)
            assert invitations > 0 and len(server.events) > 0  # series booked into the Graph calendar
            uid_prop = next(p for p in next(iter(server.events.values()))["singleValueExtendedProperties"]
                            if "Uid" in p["id"])
            assert app.calendar.get(uid_prop["value"]).startswith(b"BEGIN:VCALENDAR")
            server.deliver(harness.example_mail("01-agenda-rania.eml"))
            tick(app, MAIL_DAY)
            forwards = [s for s in server.sent[invitations:] if "katy@example.org" in s.recipients]
            (forward,) = [s for s in forwards if b"Subject: Agenda from Rania" in s.raw]
            parsed = email.message_from_bytes(forward.raw, policy=policy.default)
            assert parsed["In-Reply-To"] == "<CAF3x9v1agenda.rania@mail.example.org>"
            assert parsed["Message-ID"] == forward.message_id  # the outbox's key survived sendMail
            assert server.in_folder("inbox") == [] and len(server.in_folder("Processed")) == 1
            sent_before = len(server.sent)
            tick(app, MAIL_DAY)  # nothing new: the outbox and the ledger hold
            assert len(server.sent) == sent_before
        finally:
            app.close()
    finally:
        server.stop()


def test_release_brings_a_quarantined_message_back(server, mailbox):
    server.deliver(message(1))
    (msg,) = mailbox.pending()
    mailbox.quarantine(msg.key)
    assert list(mailbox.pending()) == []
    assert mailbox.release(msg.key)
    assert [m.raw for m in mailbox.pending()] == [message(1)]
    assert not mailbox.release(msg.key)  # in the inbox, not in quarantine
    mailbox.quarantine(msg.key)
    assert mailbox.release("AAMk-stale", message_id="msg1@example.org")  # by Message-ID
    assert not mailbox.release("AAMk-stale", message_id="nobody@example.org")


@pytest.mark.parametrize("rrule, pattern, range_", [
    ("FREQ=WEEKLY;COUNT=3", {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"], "firstDayOfWeek": "monday"},
     {"type": "numbered", "numberOfOccurrences": 3}),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20270301T160000Z",
     {"type": "weekly", "interval": 2, "daysOfWeek": ["tuesday", "thursday"], "firstDayOfWeek": "monday"},
     {"type": "endDate", "endDate": "2027-03-01"}),
    ("FREQ=DAILY", {"type": "daily", "interval": 1}, {"type": "noEnd"}),
    ("FREQ=MONTHLY;BYDAY=1TU;COUNT=6", {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"],
                                        "index": "first"}, {"type": "numbered", "numberOfOccurrences": 6}),
    ("FREQ=MONTHLY", {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 1}, {"type": "noEnd"}),
    ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1", None, None),  # no Exchange pattern: the document keeps it
    ("FREQ=YEARLY", None, None),
])
def test_rrule_to_graph_recurrence(rrule, pattern, range_):
    from agent.calendar.graph import event_json
    from agent.exchange.event_shape import shape_of

    body = event_json(shape_of(SERIES.replace(b"FREQ=WEEKLY;COUNT=3", rrule.encode())))
    if pattern is None:
        assert "recurrence" not in body
        return
    assert body["recurrence"]["pattern"] == pattern
    assert body["recurrence"]["range"] == {"startDate": "2026-12-01", **range_}


# ---------------------------------------------------------------------- free/busy (getSchedule)


def at(day: int, hour: int, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize("status, blocks", [
    ("busy", True), ("oof", True), ("tentative", True), ("free", False), ("workingElsewhere", False),
    ("unknown", False)])
def test_free_busy_blocks_by_status(server, status, blocks):
    server.add_busy("ann@example.org", at(2, 10), at(2, 11), status)
    cal = GraphCalendar(client_for(server))
    answer = cal.free_busy(["ann@example.org"], at(1, 0), at(8, 0))
    assert answer == {"ann@example.org": [BusyTime(at(2, 10), at(2, 11))] if blocks else []}
    cal.close()


def test_free_busy_per_person_in_62_day_windows_and_unknown_people_left_out(server, caplog):
    """Ann is busy every Tuesday 15:00-16:00 UTC; Bob has one meeting; nobody@elsewhere has no
    mailbox here. 26 weeks are asked in three windows of at most 62 days, all in UTC."""
    server.add_busy("ann@example.org", at(1, 15), at(1, 16), subject="Team meeting", weekly=True)
    server.add_busy("Bob@Example.org", at(3, 9), at(3, 10), subject="Dentist")
    cal = GraphCalendar(client_for(server))
    with caplog.at_level(logging.WARNING, logger="agent.calendar.graph"):
        answer = cal.free_busy(["ann@example.org", "bob@example.org", "nobody@elsewhere.org"], at(1, 0),
                               at(1, 0) + timedelta(weeks=26))
    assert sorted(answer) == ["ann@example.org", "bob@example.org"]  # keyed as asked
    assert [f"{b.start:%a %H:%M}-{b.end:%H:%M}" for b in answer["ann@example.org"]] == ["Tue 15:00-16:00"] * 26
    assert answer["bob@example.org"] == [BusyTime(at(3, 9), at(3, 10))]
    requests = [json.loads(r.body) for r in server.log if r.path.endswith("/calendar/getSchedule")]
    assert len(requests) == 3
    for body in requests:
        assert body["startTime"]["timeZone"] == body["endTime"]["timeZone"] == "UTC"
        start, end = (datetime.fromisoformat(body[k]["dateTime"]) for k in ("startTime", "endTime"))
        assert end - start <= timedelta(days=62)
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "nobody@elsewhere.org" in warning and "ErrorMailRecipientNotFound" in warning
    cal.close()


def test_free_busy_of_nobody_asks_nothing_and_errors_reach_the_caller(server):
    cal = GraphCalendar(client_for(server))
    assert cal.free_busy([], at(1, 0), at(8, 0)) == {}
    assert not [r for r in server.log if "getSchedule" in r.path]
    server.fail_next(503, "getSchedule")
    with pytest.raises(TransientError):
        cal.free_busy(["ann@example.org"], at(1, 0), at(8, 0))
    server.fail_next(403, "getSchedule")
    with pytest.raises(AdapterError):
        cal.free_busy(["ann@example.org"], at(1, 0), at(8, 0))
    cal.close()


def test_the_replay_server_keeps_graphs_limits(server):
    client = client_for(server)
    window = {"startTime": {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"},
              "endTime": {"dateTime": "2027-02-02T00:00:00", "timeZone": "UTC"}}
    with pytest.raises(AdapterError, match="ErrorTimeIntervalTooBig"):
        client.json("POST", "calendar/getSchedule", json={"schedules": ["a@example.org"], **window})
    with pytest.raises(AdapterError, match="ErrorMailboxDataArrayTooBig"):
        client.json("POST", "calendar/getSchedule", json={"schedules": [f"p{n}@example.org" for n in range(101)],
                                                          **window})
    client.close()
