"""The server fixtures themselves: each server starts, answers, and isolates tests."""

from __future__ import annotations

import smtplib

import pytest

pytestmark = pytest.mark.integration

MSG = b"From: a@example.org\r\nTo: program@example.test\r\nSubject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\nbody\r\n"


def test_dovecot_append_deliver_and_doveadm(dovecot):
    folder = dovecot.fresh_folder("fixture")
    dovecot.append(MSG, folder)
    status = dovecot.doveadm("mailbox", "status", "-u", dovecot.user, "messages", folder)
    assert status.split() == [folder, "messages=1"]
    user, password = dovecot.new_account()
    dovecot.deliver(MSG, rcpt=user)
    with dovecot.client(user, password) as c:
        c.select_folder("INBOX")
        assert len(c.search("ALL")) == 1


def test_imap_account_is_fresh_and_empty(imap_account):
    from imapclient import IMAPClient

    with IMAPClient(imap_account.host, imap_account.port, ssl=False) as c:
        c.login(imap_account.user, imap_account.password)
        assert c.select_folder("INBOX")[b"EXISTS"] == 0


def test_smtp_sink_records_and_fails_on_demand(smtp_sink):
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as s:
        s.sendmail("a@example.org", ["b@example.test"], MSG)
        smtp_sink.fail_next(451)
        with pytest.raises(smtplib.SMTPDataError):
            s.sendmail("a@example.org", ["b@example.test"], MSG)
    (msg,) = smtp_sink.wait_for(1)
    assert msg.rcpt_tos == ["b@example.test"] and msg.message_id == "<m1@example.org>"


def test_radicale_makes_calendars(radicale):
    url = radicale.make_calendar("fixture-cal")
    assert url == f"{radicale.url}{radicale.username}/fixture-cal/"
    assert radicale.make_calendar("fixture-cal") == url  # idempotent


def test_postgres_gives_a_fresh_database(postgres_url):
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from pg_tables where schemaname='public'")).scalar() == 0
    engine.dispose()
