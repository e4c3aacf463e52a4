"""The mail simulated people write, as raw RFC 5322 bytes (pure: values in, bytes out).

Agendas and notes are written the way people write them (numbered topics, goal progress, asks;
agreements and next steps), so the real understanding pipeline has to recognise them. Calendar
answers are iMIP REPLYs (RFC 5546 §3.2.3) naming the series UID the agent gave the invitation, with
a RECURRENCE-ID when one meeting is declined. Out-of-office replies carry ``Auto-Submitted:
auto-replied`` (RFC 3834), so the agent must file them and never answer.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from agent.domain.model import Participant

TOPICS = ("Career plan: apply for the senior role now or in six months?", "Preparing for system design interviews",
          "Feedback on my conference talk draft", "How to say no to extra projects", "Negotiating a raise",
          "Building a portfolio of case studies", "Finding a sponsor in my company", "Time management with a team",
          "Switching from backend to data engineering", "Getting better at code reviews")
GOALS = ("Portfolio website", "AWS certification", "Public speaking", "Leadership course", "Open-source contribution")
STEPS = ("send my draft slides by Friday", "ask my manager about the promotion criteria",
         "read chapter 3 of 'Storytelling with Data'", "book the certification exam",
         "write one blog post", "introduce me to a colleague in the platform team")


def _message(sender: Participant, to: str, subject: str, at: datetime, message_id: str, text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{sender.name} <{sender.email}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = message_id
    msg.set_content(text)
    return msg


def agenda(mentee: Participant, mentor: Participant, program: str, at: datetime, message_id: str,
           rng: random.Random) -> bytes:
    topics = rng.sample(TOPICS, 2)
    goals = rng.sample(GOALS, 2)
    text = (f"Hi {mentor.first_name},\n\nAgenda for our next meeting:\n\n1. {topics[0]}\n2. {topics[1]}\n\n"
            f"Progress on goals:\n- {goals[0]}: {rng.choice((20, 40, 60, 80))}%, going well\n"
            f"- {goals[1]}: blocked, waiting on my manager\n\n"
            f"Could you share how you handled this early in your career?\n\nThanks,\n{mentee.first_name}\n")
    return _message(mentee, program, "Agenda for our next meeting", at, message_id, text).as_bytes()


def notes(mentee: Participant, mentor: Participant, program: str, at: datetime, message_id: str,
          rng: random.Random) -> bytes:
    mine, theirs = rng.sample(STEPS, 2)
    text = (f"Meeting notes with {mentor.first_name}.\n\nAgreements:\n- We keep our meetings at the same time.\n"
            f"- I focus on {rng.choice(GOALS).lower()} first.\n\nNext steps:\n- I will {mine}.\n"
            f"- {mentor.first_name} will {theirs}.\n\n{mentee.first_name}\n")
    return _message(mentee, program, "Notes from our meeting", at, message_id, text).as_bytes()


def calendar_reply(attendee: Participant, program: str, uid: str, partstat: str, at: datetime, message_id: str,
                   recurrence_at: datetime | None = None) -> bytes:
    """An iMIP REPLY for the series ``uid``, or for one meeting of it when ``recurrence_at`` is given."""
    stamp = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mentor-agent simulate//EN", "METHOD:REPLY",
             "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{at.strftime(stamp)}", "SEQUENCE:0",
             f"ORGANIZER:mailto:{program}",
             f"ATTENDEE;PARTSTAT={partstat};CN={attendee.name}:mailto:{attendee.email}"]
    if recurrence_at is not None:
        lines.append(f"RECURRENCE-ID:{recurrence_at.strftime(stamp)}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    word = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
    msg = _message(attendee, program, f"{word}: Mentoring", at, message_id,
                   f"{attendee.name} has {word.lower()} this meeting.\n")
    msg.add_alternative("\r\n".join(lines).encode(), maintype="text", subtype="calendar",
                        params={"method": "REPLY"})
    return msg.as_bytes()


def out_of_office(person: Participant, program: str, at: datetime, message_id: str, until: date) -> bytes:
    msg = _message(person, program, "Automatic reply: your mentoring program", at, message_id,
                   f"Thank you for your message. I am out of the office until {until:%A %d %B %Y} with limited "
                   f"access to email.\n\n{person.first_name}\n")
    msg["Auto-Submitted"] = "auto-replied"
    return msg.as_bytes()
