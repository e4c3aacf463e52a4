"""Several messages in one transaction (``handle_inbound_batch``) do exactly what one by one does.

Same ledger, same outbox; a Message-ID or content twice in one batch is a duplicate; a calendar
answer refused while acting is quarantined inside the batch; any other failure sends the batch back
to one by one, where the failing message alone is quarantined; a crash inside a batch leaves
nothing of it, and the next pass handles every message once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from agent import inbound
from agent.inbound import handle_all, handle_inbound, handle_inbound_batch
from agent.outbox import flush
from agent.store import repo
from agent.store import tables as t
from harness import BOOKING_DAY, MAIL_DAY, Program, example_mail, write_config

AGENDA = example_mail("01-agenda-rania.eml")
MAILS = {
    "a-agenda": AGENDA,
    "b-notes": example_mail("02-notes-mia.eml"),
    "c-accept": example_mail("03-accept-katy.eml"),
    "d-away": example_mail("04-out-of-office-tom.eml"),
    "e-stranger": example_mail("05-stranger.eml"),
    "f-agenda-again": AGENDA,  # the same bytes under another key: a duplicate
    "g-agenda-resent": AGENDA.replace(b"Subject:", b"X-Resent: 1\r\nSubject:", 1),  # same Message-ID
}


class Crash(BaseException):
    """The process dying: no handler in the agent catches it."""


def booked(folder) -> Program:
    folder.mkdir()
    program = Program(folder, write_config(folder))
    program.tick(BOOKING_DAY)
    flush(program.app, BOOKING_DAY)
    for name, raw in MAILS.items():
        program.deliver(raw, name)
    return program


def outcome(program: Program):
    with program.app.engine.connect() as conn:
        ledger = [tuple(row) for row in conn.execute(
            select(t.ledger.c.mailbox_key, t.ledger.c.status, t.ledger.c.kind, t.ledger.c.pair_key,
                   t.ledger.c.detail).order_by(t.ledger.c.mailbox_key))]
        outbox = sorted(conn.execute(select(t.outbox.c.idem_key)).scalars())
        firings = sorted(tuple(r) for r in conn.execute(
            select(t.rule_firings.c.rule, t.rule_firings.c.pair_key, t.rule_firings.c.occasion, t.rule_firings.c.fired)))
    return ledger, outbox, firings


def test_a_batch_does_what_one_by_one_does(tmp_path):
    one, many = booked(tmp_path / "one"), booked(tmp_path / "many")
    try:
        singles = [handle_inbound(one.app, item, MAIL_DAY) for item in one.app.mailbox.pending()]
        batched = list(handle_all(many.app, many.app.mailbox.pending(), MAIL_DAY, batch=50))
        assert batched == singles
        # the example acceptance names a series of another booking: refused while acting, quarantined
        assert sorted(batched) == ["duplicate", "duplicate", "processed", "processed", "processed", "quarantined",
                                   "quarantined"]
        assert outcome(many) == outcome(one)
        assert not list(many.app.mailbox.pending()), "every message was moved after the commit"
        flush(many.app, MAIL_DAY)
        forwards = [m for m in many.sent() if m["Subject"].startswith("Agenda from")]
        assert len(forwards) == 1, "the agenda is forwarded once, whatever came twice"
    finally:
        one.app.close()
        many.app.close()


def test_a_failing_message_is_quarantined_alone(tmp_path, monkeypatch):
    program = booked(tmp_path / "p")
    real = inbound._act

    def failing(app, conn, mail, u, ledger_id, now):
        if mail.sender == "mia@example.org":
            raise RuntimeError("a bug")
        return real(app, conn, mail, u, ledger_id, now)

    monkeypatch.setattr(inbound, "_act", failing)
    try:
        statuses = handle_inbound_batch(program.app, list(program.app.mailbox.pending()), MAIL_DAY)
        # the stranger, the acceptance of an unknown series, and the notes that failed
        assert statuses.count("quarantined") == 3
        assert statuses.count("processed") == 2
        monkeypatch.setattr(inbound, "_act", real)
        ledger, outbox, _ = outcome(program)
        assert [row for row in ledger if row[1] == "quarantined" and "a bug" in row[4]]
        assert len(outbox) == len(set(outbox))
        assert not list(program.app.mailbox.pending())
    finally:
        program.app.close()


def test_a_crash_inside_a_batch_leaves_nothing_and_loses_nothing(tmp_path, monkeypatch):
    program = booked(tmp_path / "p")
    real, calls = inbound._act, {"n": 0}

    def dying(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash()
        return real(*args)

    monkeypatch.setattr(inbound, "_act", dying)
    before = outcome(program)
    with pytest.raises(Crash):  # the third message of one batch of seven
        handle_inbound_batch(program.app, list(program.app.mailbox.pending()), MAIL_DAY)
    assert outcome(program) == before
    assert len(list(program.app.mailbox.pending())) == len(MAILS), "nothing was moved"
    monkeypatch.setattr(inbound, "_act", real)
    program.reload()
    statuses = list(handle_all(program.app, program.app.mailbox.pending(), MAIL_DAY))
    assert statuses.count("processed") == 3
    flush(program.app, MAIL_DAY)
    assert len([m for m in program.sent() if m["Subject"].startswith("Agenda from")]) == 1
    program.app.close()


def test_batches_grow_from_one(tmp_path, monkeypatch):
    program = booked(tmp_path / "p")
    sizes = []
    real = inbound.handle_inbound_batch
    monkeypatch.setattr(inbound, "handle_inbound_batch", lambda app, items, now, *read: sizes.append(len(items))
                        or real(app, items, now, *read))
    try:
        assert len(list(handle_all(program.app, program.app.mailbox.pending(), MAIL_DAY, batch=2))) == len(MAILS)
        assert sizes == [1, 2, 2, 2]
    finally:
        program.app.close()


def test_messages_handled_before_a_crash_are_only_moved(tmp_path):
    program = booked(tmp_path / "p")
    try:
        first = [item for item in program.app.mailbox.pending() if item.key in ("a-agenda", "b-notes")]
        assert handle_inbound_batch(program.app, first, MAIL_DAY) == ["processed", "processed"]
        for name in ("a-agenda", "b-notes"):  # put back, as if the move had been lost in a crash
            program.deliver(MAILS[name], name)
        items = list(program.app.mailbox.pending())
        statuses = dict(zip([item.key for item in items], handle_inbound_batch(program.app, items, MAIL_DAY)))
        assert statuses["a-agenda"] == statuses["b-notes"] == "already handled"
        assert statuses["f-agenda-again"] == statuses["g-agenda-resent"] == "duplicate"
    finally:
        program.app.close()


def test_pairs_read_ahead_are_what_each_pair_reads_alone(tmp_path):
    program = booked(tmp_path / "p")
    try:
        keys = [pair.key for pair in program.app.roster.pairs] + ["no-such-pair"]
        with program.app.engine.begin() as conn:
            alone = {key: (repo.series_of(conn, key), repo.occurrences_of(conn, key)) for key in keys}
        with program.app.engine.begin() as conn:
            repo.read_pairs_ahead(conn, keys)
            statements = []
            event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
            ahead = {key: (repo.series_of(conn, key), repo.occurrences_of(conn, key)) for key in keys}
        assert ahead == alone and any(occurrences for _, occurrences in alone.values())
        assert statements == []  # every pair's reads came from the two queries ahead
    finally:
        program.app.close()
