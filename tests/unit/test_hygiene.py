"""automatic_reason (RFC 3834) and is_out_of_office, one row per rule."""

from datetime import date
from pathlib import Path

import pytest

from agent.understanding.hygiene import automatic_reason, is_out_of_office
from agent.understanding.mime import parse_mail

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mail"
BASE = "From: Ana <ana@example.org>\r\nTo: program@example.org\r\nSubject: {subject}\r\nDate: Mon, 28 Dec 2026 09:00:00 +0100\r\n"


def mail(extra: str = "", body: str = "Hello", subject: str = "Hi", sender: str | None = None):
    head = BASE.format(subject=subject) + extra.replace("\n", "\r\n")
    if sender:
        head = head.replace("ana@example.org", sender)
    return parse_mail((head + "\r\n" + body).encode("utf-8"))


@pytest.mark.parametrize(
    "extra, sender, reason_part",
    [
        ("", None, None),
        ("Auto-Submitted: no\n", None, None),
        ("Auto-Submitted: auto-replied\n", None, "Auto-Submitted"),
        ("Auto-Submitted: auto-generated\n", None, "Auto-Submitted"),
        ("Precedence: bulk\n", None, "Precedence"),
        ("Precedence: junk\n", None, "Precedence"),
        ("Precedence: list\n", None, "Precedence"),
        ("Precedence: auto_reply\n", None, "Precedence"),
        ("List-Id: <a.lists.example.org>\n", None, "List-Id"),
        ("List-Unsubscribe: <mailto:x@y>\n", None, "List-Unsubscribe"),
        ("X-Auto-Response-Suppress: All\n", None, "X-Auto-Response-Suppress"),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=b\n", None, "multipart/report"),
        ("Return-Path: <>\n", None, "Return-Path"),
        ("Return-Path: <ana@example.org>\n", None, None),
        ("", "MAILER-DAEMON@mx.example.org", "mailer-daemon"),
        ("", "postmaster@example.org", "postmaster"),
        ("", "owner-mentors@lists.example.org", "list address"),
        ("", "mentors-request@lists.example.org", "list address"),
        ("X-Autoreply: yes\n", None, "X-Autoreply"),
        ("X-Autorespond: yes\n", None, "X-Autorespond"),
    ],
)
def test_automatic_reason(extra, sender, reason_part):
    reason = automatic_reason(mail(extra, sender=sender))
    if reason_part is None:
        assert reason is None
    else:
        assert reason is not None and reason_part.lower() in reason.lower()


@pytest.mark.parametrize(
    "subject, extra, body, until",
    [
        ("Automatic reply: Agenda", "", "I am out of the office. I will be back on 12 January.", date(2027, 1, 12)),
        ("Out of Office", "Auto-Submitted: auto-replied\n", "I'm away, returning Monday 4 Jan.", date(2027, 1, 4)),
        ("Re: Notes", "Auto-Submitted: auto-replied\n", "I am on vacation until January 8th, 2027.", date(2027, 1, 8)),
        ("Abwesenheitsnotiz", "", "Ich bin nicht im Büro und ab dem 12.01.2027 wieder erreichbar.", date(2027, 1, 12)),
        ("Automatische Antwort: Agenda", "", "Ich bin bis 11.01. abwesend, zurück am 12.01.2027.", date(2027, 1, 12)),
        ("Réponse automatique : Ordre du jour", "", "Je suis absente, de retour le 12 janvier.", date(2027, 1, 12)),
        ("Respuesta automática: Agenda", "", "Estoy de vacaciones, de vuelta el 12 de enero.", date(2027, 1, 12)),
        ("Resposta automática: Agenda", "", "Estou de férias, volto em 12 de janeiro.", date(2027, 1, 12)),
        ("Afwezig", "", "Ik ben afwezig en terug op 12 januari.", date(2027, 1, 12)),
        ("Risposta automatica: Agenda", "", "Sono in ferie, di ritorno il 12 gennaio.", date(2027, 1, 12)),
        ("Automatic reply: Agenda", "", "I am out of the office with limited access to email.", None),
        ("Re: Agenda", "X-Autoreply: yes\n", "I am currently out of the office.", None),
    ],
)
def test_out_of_office(subject, extra, body, until):
    assert is_out_of_office(mail(extra, body=body, subject=subject)) == (True, until)


@pytest.mark.parametrize(
    "subject, body",
    [
        ("Agenda for Thursday", "I will be back from my trip on 12 January, so let's talk then."),
        ("Re: Notes", "Thanks! Here are my notes."),
        ("Out of office plans", "Hi, I'd like to talk about my out of office plans."),
    ],
)
def test_not_out_of_office(subject, body):
    assert is_out_of_office(mail(body=body, subject=subject))[0] is False


def test_date_without_year_rolls_to_next_occurrence():
    m = mail(body="I am out of the office, back on 3 January.", subject="Automatic reply: x")
    assert is_out_of_office(m) == (True, date(2027, 1, 3))  # mail is dated 28 Dec 2026


@pytest.mark.parametrize("name, until", [("ooo_de.eml", date(2027, 1, 12)), ("ooo_fr.eml", date(2027, 1, 12)),
                                         ("ooo_en_outlook.eml", date(2027, 1, 4))])
def test_out_of_office_fixtures(name, until):
    assert is_out_of_office(parse_mail((FIXTURES / name).read_bytes())) == (True, until)
