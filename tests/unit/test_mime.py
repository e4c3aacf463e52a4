"""parse_mail: headers, charsets, bodies, calendars, limits."""

from pathlib import Path

import pytest

from agent.errors import MessageRejected
from agent.understanding.mime import parse_mail

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mail"


def _mail(headers: str, body: bytes = b"Hello\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("utf-8") + b"\r\n" + body


@pytest.mark.parametrize(
    "raw, field, expected",
    [
        (_mail("From: =?utf-8?Q?J=C3=BCrgen?= <J@Example.DE>\n"), "sender", "j@example.de"),
        (_mail("From: =?utf-8?Q?J=C3=BCrgen?= <J@Example.DE>\n"), "sender_name", "Jürgen"),
        (_mail("From: \"Broken =?x-unknown?Q?abc?=\" <a@b.c>\n"), "sender", "a@b.c"),
        (_mail("From: nobody\n"), "sender", ""),
        (_mail("Subject: =?iso-8859-1?q?Gr=FC=DFe?=\n"), "subject", "Grüße"),
        (_mail("Subject: =?utf-8?B?w4lsb2RpZQ==?=\n"), "subject", "Élodie"),
        (_mail("Subject: =?bogus-charset?Q?hi?=\n"), "subject", "hi"),
        ("Subject: Orden del día\r\n\r\nx".encode("utf-8"), "subject", "Orden del día"),
        ("Subject: Caf\xe9\r\n\r\nx".encode("latin-1"), "subject", "Café"),
        (_mail("Subject: a\n  folded\n"), "subject", "a folded"),
        (_mail("Message-ID: <abc@x>\n"), "message_id", "abc@x"),
        (_mail("In-Reply-To: <p@x>\nReferences: <a@x> <b@x>\n"), "references", ("a@x", "b@x")),
        (_mail("In-Reply-To: <p@x>\n"), "in_reply_to", "p@x"),
        (_mail("To: A <a@x.org>, b@y.org\nCc: <C@Z.org>\n"), "to", ("a@x.org", "b@y.org")),
        (_mail("To: A <a@x.org>\nCc: <C@Z.org>\n"), "cc", ("c@z.org",)),
        (_mail("Date: not a date\n"), "date", None),
    ],
)
def test_headers(raw, field, expected):
    assert getattr(parse_mail(raw), field) == expected


def test_missing_message_id_is_synthesised_from_bytes():
    a, b = parse_mail(b"Subject: x\r\n\r\nbody"), parse_mail(b"Subject: y\r\n\r\nbody")
    assert a.message_id.startswith("sha256:") and a.message_id != b.message_id


def test_date_is_aware():
    mail = parse_mail(_mail("Date: Tue, 12 Jan 2027 09:14:02 -0000\n"))
    assert mail.date is not None and mail.date.tzinfo is not None


@pytest.mark.parametrize(
    "ctype, body, expected",
    [
        ("text/plain; charset=utf-8", "Grüße".encode("utf-8"), "Grüße"),
        ("text/plain; charset=utf-8", "Grüße".encode("latin-1"), "Grüße"),  # wrong charset label
        ("text/plain; charset=x-nonsense", b"plain", "plain"),
        ("text/plain", "naïve".encode("utf-8"), "naïve"),
        ("text/html; charset=utf-8", b"<p>Hi <b>there</b></p><script>alert(1)</script>", "Hi there"),
    ],
)
def test_body_decoding(ctype, body, expected):
    mail = parse_mail(_mail(f"Content-Type: {ctype}\n", body))
    assert mail.text.strip() == expected


def test_plain_preferred_over_html_and_calendar_collected():
    mail = parse_mail((FIXTURES / "calendar_reply.eml").read_bytes())
    assert mail.text.startswith("Sara Lindqvist has accepted")
    assert len(mail.calendars) == 1 and b"METHOD:REPLY" in mail.calendars[0]


def test_outlook_fixture_quoted_printable_latin1():
    mail = parse_mail((FIXTURES / "outlook_de_topposted.eml").read_bytes())
    assert "Themen für Donnerstag" in mail.text and "<html>" not in mail.text
    assert mail.sender_name == "Jürgen Müller"


def test_html_only_is_sanitised():
    mail = parse_mail((FIXTURES / "html_only_es.eml").read_bytes())
    assert "alert" not in mail.text and "color:red" not in mail.text
    assert "Acuerdos" in mail.text


def test_report_and_hygiene_headers():
    mail = parse_mail((FIXTURES / "dsn_bounce.eml").read_bytes())
    assert mail.is_report and mail.headers["auto-submitted"] == "auto-replied"
    lst = parse_mail((FIXTURES / "mailing_list.eml").read_bytes())
    assert "list-id" in lst.headers and "list-unsubscribe" in lst.headers


def test_attachments_named():
    raw = _mail(
        'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Lebenslauf%20J%C3%BCrgen.pdf\r\n\r\nJVBERi0=\r\n--b--\r\n",
    )
    mail = parse_mail(raw)
    assert mail.attachments == ("Lebenslauf Jürgen.pdf",) and mail.text.strip() == "see attached"


def test_ics_attachment_counts_as_calendar():
    raw = _mail(
        'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: application/octet-stream; name=invite.ics\r\n"
        b"Content-Disposition: attachment; filename=invite.ics\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--b--\r\n",
    )
    assert parse_mail(raw).calendars == (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR",)


def test_over_size_rejected_with_readable_reason():
    with pytest.raises(MessageRejected, match="message is 31 MB; the limit is 25 MB"):
        parse_mail(b"x" * 31_000_000)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nno end",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64",
        b"Content-Type: text/plain; charset=\"\r\n\r\nx",
        b"From: " + b"a" * 100_000 + b"\r\n\r\n",
        b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(300)),
    ],
)
def test_total_on_broken_input(raw):
    mail = parse_mail(raw)
    assert isinstance(mail.text, str) and mail.size == len(raw)
