"""Reading ahead in a helper process (``agent.readahead``) changes how fast a backlog goes, never what
is done: the same ledger, outbox and rule firings as reading in place; a helper that dies or hangs
costs only the read-ahead, and the batch is read in place.
"""

from __future__ import annotations

import dataclasses
import pickle
from types import MappingProxyType

import pytest

from agent import inbound, readahead
from agent.inbound import handle_all
from agent.outbox import flush
from agent.readahead import ReadAhead, read_message
from harness import BOOKING_DAY, MAIL_DAY, Program, example_mail, write_config
from test_inbound_batch import MAILS as BATCH_MAILS
from test_inbound_batch import outcome  # the same comparison as batching's

AGENDA = example_mail("01-agenda-rania.eml")
# batching's mails, with a message the parser can make nothing of instead of a resent agenda
MAILS = {**{name: raw for name, raw in BATCH_MAILS.items() if name != "g-agenda-resent"},
         "g-broken": b"From: \xff\xfe\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n" * 3}


def booked(folder, *, read_ahead: bool) -> Program:
    folder.mkdir()
    program = Program(folder, write_config(folder))
    if not read_ahead:
        program.app.read_ahead = None
    program.tick(BOOKING_DAY)
    flush(program.app, BOOKING_DAY)
    for name, raw in MAILS.items():
        program.deliver(raw, name)
    return program


@pytest.fixture
def small_batches_read_ahead(monkeypatch):
    """Batches of 2 and 4 are read ahead too (the default waits for 16), so seven messages use the helper."""
    monkeypatch.setattr(inbound, "READ_AHEAD_MIN", 2)
    used = []
    real = ReadAhead.result

    def result(self, future, count):
        reads = real(self, future, count)
        used.append(reads is not None)
        return reads

    monkeypatch.setattr(ReadAhead, "result", result)
    return used


def test_reading_ahead_does_what_reading_in_place_does(tmp_path, small_batches_read_ahead):
    here, ahead = booked(tmp_path / "here", read_ahead=False), booked(tmp_path / "ahead", read_ahead=True)
    try:
        in_place = list(handle_all(here.app, here.app.mailbox.pending(), MAIL_DAY, batch=4))
        read_ahead = list(handle_all(ahead.app, ahead.app.mailbox.pending(), MAIL_DAY, batch=4))
        assert read_ahead == in_place
        assert small_batches_read_ahead == [True, True], "the batches of 2 and 4 were read by the helper"
        assert outcome(ahead) == outcome(here)
        assert not list(ahead.app.mailbox.pending())
    finally:
        here.app.close()
        ahead.app.close()


def test_a_roster_changed_while_acting_is_used_for_the_messages_after(tmp_path, monkeypatch,
                                                                      small_batches_read_ahead):
    """Mia confirms a new time zone (here: the roster in use changes while her notes are acted on):
    every message after hers is read in her new zone, in her batch and in the one read ahead meanwhile."""
    program = booked(tmp_path / "p", read_ahead=True)
    real_act, real_read = inbound._act, inbound.read_message
    zones_read = {}  # raw -> Mia's zone it was last read (in place) with

    def act(app, conn, mail, u, ledger_id, now):
        if mail.sender == "mia@example.org":
            mia = dataclasses.replace(app.roster.participants["mia@example.org"], timezone="Pacific/Auckland")
            people = MappingProxyType({**app.roster.participants, "mia@example.org": mia})
            app.use_roster(dataclasses.replace(app.roster, participants=people), ("mia moved",))
        return real_act(app, conn, mail, u, ledger_id, now)

    def read(raw, now, **context):
        zones_read[raw] = context["zones"]["mia@example.org"]
        return real_read(raw, now, **context)

    monkeypatch.setattr(inbound, "_act", act)
    monkeypatch.setattr(inbound, "read_message", read)
    try:
        list(handle_all(program.app, program.app.mailbox.pending(), MAIL_DAY, batch=4))
        after = [raw for name, raw in sorted(MAILS.items()) if name > "b-notes"]
        assert [zones_read.get(raw) for raw in after] == ["Pacific/Auckland"] * len(after)
    finally:
        program.app.close()


def test_a_helper_that_dies_costs_only_the_read_ahead(tmp_path, small_batches_read_ahead):
    here, ahead = booked(tmp_path / "here", read_ahead=False), booked(tmp_path / "ahead", read_ahead=True)
    try:
        in_place = list(handle_all(here.app, here.app.mailbox.pending(), MAIL_DAY, batch=4))
        ahead.app.read_ahead.start()
        for process in ahead.app.read_ahead._pool._processes.values():
            process.kill()  # as the kernel's OOM killer would
        assert list(handle_all(ahead.app, ahead.app.mailbox.pending(), MAIL_DAY, batch=4)) == in_place
        # the dead helper is noticed at submit or at result, whichever comes first: that batch is read in place
        assert outcome(ahead) == outcome(here)
        helper = ahead.app.read_ahead  # and the next backlog gets a new helper
        assert helper.result(helper.submit([AGENDA], MAIL_DAY, 9, dict(participants={}, names={}, zones={})), 1)
    finally:
        here.app.close()
        ahead.app.close()


def test_a_helper_that_hangs_is_stopped_and_the_batch_read_in_place(tmp_path, monkeypatch):
    monkeypatch.setattr(readahead, "READ_TIMEOUT", 0.5)
    helper = ReadAhead()
    try:
        future = helper.submit([b"Subject: x\r\n\r\nhi"], MAIL_DAY, 1, dict(participants={}, names={}, zones={}))
        monkeypatch.setattr(future, "result", lambda timeout: (_ for _ in ()).throw(readahead.cf.TimeoutError()))
        assert helper.result(future, 1) is None
        assert helper._pool is None, "the stuck helper was stopped; the next batch starts a new one"
        assert helper.submit([], MAIL_DAY, 1, {}) is not None
    finally:
        helper.close()


def test_the_helper_gets_the_roster_again_when_it_changes():
    helper = ReadAhead()
    raw = MAILS["b-notes"]
    try:
        first = helper.result(helper.submit([raw], MAIL_DAY, 1, dict(participants={}, names={}, zones={})), 1)
        assert first[0].understanding.kind == "stranger"
        mia = {"mia@example.org": "mentee"}
        again = helper.result(helper.submit([raw], MAIL_DAY, 2, dict(participants=mia, names={}, zones={})), 1)
        assert again[0].understanding.kind != "stranger"
    finally:
        helper.close()


@pytest.mark.parametrize("name", sorted(MAILS))
def test_what_is_read_survives_the_trip_between_processes(name):
    read = read_message(MAILS[name], MAIL_DAY, participants={"mia@example.org": "mentee"}, names={}, zones={})
    assert pickle.loads(pickle.dumps(read)) == read


def test_read_ahead_can_be_turned_off(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    config = write_config(folder)
    config.write_text(config.read_text() + "\n[service]\nread_ahead = false\n")
    program = Program(folder, config)
    try:
        assert program.app.read_ahead is None
    finally:
        program.app.close()
