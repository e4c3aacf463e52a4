"""Automatic mail: what must never be answered (RFC 3834 §2, §3.1.8) and out-of-office detection.

``automatic_reason`` returns a short readable reason (for ``explain`` and the quarantine) or None.
``is_out_of_office`` recognises auto-replies in en/de/fr/es/pt/nl/it and the return date they state.
"""

from __future__ import annotations

import re
from datetime import date

from agent.understanding.dates import find_return_date
from agent.understanding.mime import ParsedMail

_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "noreply-dmarc-support")


def automatic_reason(mail: ParsedMail) -> str | None:
    """The reason this message must never be answered automatically, or None."""
    h = mail.headers
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto[:40]}"
    if "precedence" in h:
        return f"Precedence: {h['precedence'].strip().lower()[:40]}"
    lists = sorted(k for k in h if k.startswith("list-"))
    if lists:
        return f"mailing-list header {lists[0].title()}"
    if "x-auto-response-suppress" in h:
        return "X-Auto-Response-Suppress present"
    if mail.is_report:
        return "delivery report (multipart/report)"
    if "return-path" in h and h["return-path"].strip().strip("<>").strip() == "":
        return "empty Return-Path (<>)"
    local = mail.sender.split("@")[0]
    if local in _DAEMONS:
        return f"sender is {local}"
    if local.startswith("owner-") or local.endswith("-request") or local.endswith("-owner"):
        return f"sender {local} is a list address"
    for key in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"):
        if key in h:
            return f"{key.title()} present"
    return None


_OOO_SUBJECT = re.compile(
    r"(automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (the )?office|ooo\b|away from (the )?office|"
    r"on (vacation|holiday|leave)|abwesenheit|automatische antwort|nicht im b[üu]ro|au[ßs]er haus|"
    r"r[ée]ponse automatique|absence|absent\b|respuesta autom[áa]tica|fuera de la oficina|ausente|"
    r"resposta autom[áa]tica|fora do escrit[óo]rio|automatisch antwoord|afwezig|niet op kantoor|"
    r"risposta automatica|fuori sede|fuori ufficio|assente)",
    re.IGNORECASE,
)
_OOO_BODY = re.compile(
    r"(\b(am|i'm|be|currently|will be) out of (the )?office\b|\bout of (the )?office (until|from|and|with|till)\b|\bi am (currently )?(away|out|on (vacation|holiday|leave|parental leave))\b|"
    r"\bi'?m (currently )?(away|out of|on (vacation|holiday|leave))\b|\blimited access to (my )?e-?mail\b|"
    r"\bwill (be )?(back|return)\b.{0,40}\b(on|by|after)\b|\bi will respond .{0,40}\bwhen i return\b|"
    r"\bbin (derzeit |zurzeit |bis .{0,30})?(nicht im b[üu]ro|abwesend|im urlaub|au[ßs]er haus)|\bab(wesend|wesenheit)\b|"
    r"\bje suis (actuellement )?(absente?|en cong[ée]s?|en vacances)|\bde retour le\b|"
    r"\bestoy (actualmente )?(fuera|de vacaciones|ausente)|\bestar[ée] de vuelta\b|"
    r"\bestou (atualmente )?(fora|de f[ée]rias|ausente)|\bestarei de volta\b|"
    r"\bik ben (momenteel |tot .{0,30})?(afwezig|niet aanwezig|op vakantie|met vakantie)|"
    r"\bsono (attualmente )?(assente|fuori ufficio|in ferie)|\bsar[òo] di ritorno\b)",
    re.IGNORECASE,
)


def is_out_of_office(mail: ParsedMail) -> tuple[bool, date | None]:
    """Whether ``mail`` is an out-of-office auto-reply, and the return date when it states one."""
    h = mail.headers
    auto = h.get("auto-submitted", "").strip().lower()
    header_hint = auto.startswith("auto-replied") or any(
        k in h for k in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply")
    ) or "oof" in h.get("x-ms-exchange-generated-message-source", "").lower()
    subject_hint = bool(_OOO_SUBJECT.search(mail.subject[:300]))
    if not (header_hint or subject_hint):
        # Without header or subject hints only a short message that opens with an absence notice counts
        # (cheap auto-responders); people also write "I'm away next week" in real replies.
        short = mail.text.strip()
        if len(short) < 600 and _OOO_BODY.search(short[:160]) and re.search(
                r"\b(auto|automatic|automatisch|automatique|autom[áa]tica)", short, re.I):
            return True, find_return_date(short, mail.date)
        return False, None
    body = mail.text[:5000]
    body_hint = bool(_OOO_BODY.search(body))
    is_ooo = (subject_hint and (body_hint or header_hint)) or (header_hint and body_hint) or (
        subject_hint and re.match(r"^\s*(automatic reply|automatische antwort|r[ée]ponse automatique|"
                                  r"respuesta autom[áa]tica|resposta autom[áa]tica|risposta automatica|"
                                  r"automatisch antwoord|out of (the )?office|abwesenheitsnotiz|afwezig)\s*([:：(\-–]|$)",
                                  mail.subject, re.I)
    )
    if not is_ooo:
        return False, None
    return True, find_return_date(body, mail.date)
