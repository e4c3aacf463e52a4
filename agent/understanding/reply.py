"""Only the new text of a reply: quoted history, signatures and disclaimers removed.

The rules run line by line with simple, bounded regular expressions (no nested quantifiers), so
the time is linear in the text. Order: find the first line where quoted history starts (a quote
header such as "On ... wrote:" in many languages, an Outlook "From:/Sent:" block, an
"-----Original Message-----" line, or a '>' block after which no new text follows); cut there;
drop '>' lines that remain only when they are not interleaved with answers; then apply the
signature policy below.

Signature policy. The new text is what the person wrote *to us*; what their software or employer
appends is removed. Two kinds of evidence are told apart:

*Explicit marks* are removed wherever the new text ends (at the end of the mail or right above a
quote header): a legal disclaimer ("This e-mail is confidential ...", "Diese E-Mail enthält
vertrauliche ..." and its fr/es/pt/it/nl forms) and everything after it; everything after a
"-- " signature delimiter (RFC 3676 §4.3) or a short rule of underscores; a contact block (three
or more short lines of which at least two are contact data: phone, e-mail address, URL,
"T:"/"M:" labels; list items and prose lines are never part of it).

*Weak signs* are removed only when the new text is the end of the whole message (nothing quoted
below it): a mobile or client footer ("Sent from my iPhone", "Von meinem iPhone gesendet", "Get
Outlook for Android" and translations) with the name line right above it, and a closing
("Thank you," / "Viele Grüße" / "Cordialement" ... followed by one or two name lines). Above a
quote header, the block the person typed before the quote is kept as written (greeting,
"Thanks,\nAlex", "Sent from my iPhone"): a top-posted answer is often only two or three lines,
and there a heuristic cut costs more than a stray footer line; the classifiers downstream read
past such lines.

The public corpora disagree on signatures (their manifest records "keep-signature" for talon's
quotation sets, "strip-signature" for talon's signature set, github and zapier); this policy
satisfies each set's own convention except where two sets contradict each other on the same
shape: talon's sparrow.eml keeps a "-- " block above the quote (we remove it: an explicit mark),
discourse's norwegian mail removes "Sendt fra min iPad" above the quote (we keep it: a weak sign).
"""

from __future__ import annotations

import re

from agent.understanding.reply_patterns import (
    MAX_CHARS,
    MAX_LINE,
    MAX_LINES,
    _HEADER_WORD,
    _QUOTE_HEADER_RE,
    _ORIGINAL,
    _BEGIN_FWD,
    _FROM_LINE,
    _FIELD_LINE,
    _SEPARATOR,
    _SIG_DASH,
    _MOBILE,
    _NOT_MOBILE,
    _DISCLAIMER,
)


def extract_reply(text: str) -> str:
    """Return only the new text of a reply (see the module docstring for the rules)."""
    if not text:
        return ""
    text = str(text)[:MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\u200b", "").replace("\u1427", "").replace("\ufeff", "")
    lines = [ln[:MAX_LINE].rstrip() for ln in text.split("\n", MAX_LINES)[:MAX_LINES]]
    lines = _cut_footer(lines)
    total = len(lines)
    lines = _remove_history(lines)
    kept = _drop_trailing_quotes(lines)
    if not _has_text(kept) and any(_is_quote(ln) for ln in lines):
        # Nothing but quotes: the quote is the message (someone quoting a text to us), minus
        # attribution lines; a chain of bare attributions (a reply loop) has no text at all.
        content = [ln for ln in lines if ln.lstrip("> ").strip() and not _is_quote_header(ln)]
        return "\n".join(lines).strip() if content else ""
    # Nothing cut below (no history, no trailing quote): the new text ends the message.
    tail = len(lines) == total and not any(_is_quote(ln) for ln in lines[len(kept):])
    lines = _drop_signature(lines, tail)
    kept = _drop_trailing_quotes(lines)
    if _has_text(kept):
        lines = _drop_signature(kept, tail)
    return "\n".join(lines).strip("\n").strip()


_SUPERCITE = re.compile(r"^\s*[A-Za-z]{1,3}>(\s|$)")


def _is_quote(line: str) -> bool:
    s = line.lstrip()
    return s.startswith(">") or (s[1:4].find(">") >= 0 and _SUPERCITE.match(s) is not None)


_OPENER = re.compile(
    r"^(-{2,}\s*)?(on|am|le|el|em|no dia|op|il|w dniu|dnia|den|p[åa]|\d|mon|tue|wed|thu|fri|sat|sun|"
    r"lun|mar|mer|jeu|ven|sam|dim|mo|di|mi|do|fr|sa|so)\b",
    re.IGNORECASE,
)
_DATE_START = re.compile(
    r"^(\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}\s+\S{2,12}\.?\s+\d{4})\b"
)
_EMAIL_COLON = re.compile(r"[^\s<>@]{1,100}@[^\s<>@]{1,200}.{0,80}[:：]\s*$")
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{1,200}")
_TIME = re.compile(r"\d{1,2}:\d{2}")


def _attribution_span(lines: list[str], i: int) -> int | None:
    """End index (exclusive) of an attribution line ("On ... wrote:") starting at line i, which
    may be wrapped over up to four non-empty lines; None when line i starts none."""
    first = lines[i].strip()
    if not first or _is_quote(first) or len(first) > 400:
        return None
    if _is_quote_header(first):
        return i + 1
    if _DATE_START.match(first) and (_TIME.search(first) or "@" in first):
        return i + 1
    if not _OPENER.match(first) and not _EMAIL.search(first):
        return None
    if re.search(r"([a-z]{2}\.|[!?])$", first):
        return None  # a sentence, not the start of a wrapped attribution
    joined, j, used = first, i + 1, 1
    while j < len(lines) and j <= i + 6 and used < 5 and len(joined) < 500:
        nxt = lines[j].strip()
        j += 1
        if not nxt:
            continue
        if _is_quote(nxt) and not (len(nxt) < 40 and _is_quote_header(joined + " " + nxt.lstrip("> "))):
            return None  # quoted text continues an attribution only as its wrapped tail ("> wrote:")
        if (_OPENER.match(nxt) and _is_quote_header(nxt)) or nxt.endswith((".", "!", "?")):
            return None  # the real attribution (if any) starts later
        joined += " " + nxt
        used += 1
        if _is_quote_header(joined) or (
            _EMAIL_COLON.search(joined) and (_TIME.search(joined) or _DATE_START.match(first))
        ):
            return j
        if nxt.endswith((":", "：")):
            return None
    return None


def _block_span(lines: list[str], i: int) -> int | None:
    """End index of an Outlook/forward header block ('-----Original Message-----', a separator
    followed by From:, or From:/Sent:/To:/Subject: fields) starting at line i; None if none starts."""
    s = lines[i].strip()
    if not s:
        return None
    bare = s.lstrip("> ").strip()
    start_block = False
    if _ORIGINAL.match(bare) or _BEGIN_FWD.match(bare):
        start_block = True
    elif _SEPARATOR.match(bare) or re.match(r"^([-=]{10,}|\* \* \*)$", bare):
        nxt = [x for x in lines[i + 1: i + 5] if x.strip()][:2]
        start_block = any(_FROM_LINE.match(x.lstrip("> *")) or _FIELD_LINE.match(x.lstrip("> *")) for x in nxt)
    elif s[:1] in "*>" or s[:1].isalpha() or not s[:1].isascii():
        start_block = _outlook_block(lines, i) or _field_block(lines, i)
    if not start_block:
        return None
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1  # blank lines right after a separator
    while j < len(lines) and lines[j].strip() and j < i + 20:
        j += 1
    return j


def _quotes_then_text(lines: list[str], j: int) -> bool:
    """True when lines[j:] is a quote block followed by new text (bottom-posting or inline answers)."""
    n = len(lines)
    while j < n and not lines[j].strip():
        j += 1
    if j >= n or not _is_quote(lines[j]):
        return False
    while j < n and (_is_quote(lines[j]) or not lines[j].strip()):
        j += 1
    rest = _drop_signature(lines[j:])
    return _has_text(rest) and _block_span(lines, j) is None


def _remove_history(lines: list[str]) -> list[str]:
    out: list[str] = []
    i, n, checks = 0, len(lines), 0
    while i < n:
        if checks > 200:  # hostile input: stop looking for more history markers
            out.extend(lines[i:])
            break
        end = _block_span(lines, i)
        kind = "block"
        if end is None:
            end = _attribution_span(lines, i)
            kind = "attribution"
        if end is None:
            out.append(lines[i])
            i += 1
            continue
        checks += 1
        if not _has_new_text(out):
            # History at the very top: the new text (if any) follows below it.
            i = end
            while i < n and (not lines[i].strip() or _is_quote(lines[i])):
                i += 1
            if kind == "block" and i >= n:
                return out
            continue
        if kind == "attribution" and _quotes_then_text(lines, end):
            i = end  # inline answers: keep the quotes as context, drop the attribution
            continue
        return out
    return out


def _has_new_text(lines: list[str]) -> bool:
    return any(ln.strip() and not _is_quote(ln) for ln in lines)


def _drop_trailing_quotes(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip() or _is_quote(lines[end - 1])):
        end -= 1
    return lines[:end]


_FOOTER = re.compile(r"(mailing list|unsubscribe|listinfo|abbestellen|se d[ée]sabonner|darse de baja)", re.I)


def _cut_footer(lines: list[str]) -> list[str]:
    """Mailing-list footers: a rule of underscores or dashes followed by list boilerplate."""
    start = max(0, len(lines) - 15)
    for i in range(start, len(lines)):
        if re.match(r"^\s*[_-]{10,}\s*$", lines[i]) and any(_FOOTER.search(x) for x in lines[i + 1: i + 5]):
            return lines[:i]
    return lines


def _is_quote_header(line: str) -> bool:
    s = line.strip().lstrip(">").strip()
    if len(s) < 6 or len(s) > 600 or not _HEADER_WORD.search(s):
        return False
    return any(r.match(s) for r in _QUOTE_HEADER_RE)


def _outlook_block(lines: list[str], i: int) -> bool:
    """A 'From:' line followed within a few lines by at least one more header field (Sent/To/Subject)."""
    if not _FROM_LINE.match(lines[i].lstrip("> *")):
        return False
    fields = 0
    for ln in lines[i + 1: i + 7]:
        stripped = ln.lstrip("> ")
        if _FIELD_LINE.match(stripped):
            fields += 1
    return fields >= 2 or (fields == 1 and i + 1 < len(lines) and _FIELD_LINE.match(lines[i + 1].lstrip("> ")) is not None)


def _field_block(lines: list[str], i: int) -> bool:
    """Hotmail-style blocks that start with Date:/Subject: and contain From: within a few lines."""
    if not _FIELD_LINE.match(lines[i].lstrip("> *")):
        return False
    window = lines[i: i + 6]
    has_from = any(_FROM_LINE.match(ln.lstrip("> *")) for ln in window)
    fields = sum(1 for ln in window if _FIELD_LINE.match(ln.lstrip("> *")))
    return has_from and fields >= 2


def _drop_signature(lines: list[str], tail: bool = True) -> list[str]:
    """Apply the signature policy; ``tail`` says the lines end the whole message (weak signs count)."""
    n = len(lines)
    # A '-- ' delimiter (or a rule of underscores close to the end): everything after it is signature.
    first = next((k for k, ln in enumerate(lines) if ln.strip()), n)
    for i in range(first + 1, n):
        s = lines[i]
        if (
            (_SIG_DASH.match(s) and (n - i) <= 25 and (not s.strip().startswith("-- ") or n - i <= 3))
            or (_UNDERSCORES.match(s) and n - i <= 6)
        ):
            lines = lines[:i]
            break
    # Legal disclaimers: cut from the first disclaimer line in the final part.
    for i in range(max(0, len(lines) - 40), len(lines)):
        if _DISCLAIMER.match(lines[i]) and _has_text(lines[:i]):
            lines = lines[:i]
            break
    lines = _drop_contact_block(lines)
    if not tail:
        return lines
    # Mobile signature lines near the end: cut from the first one.
    for i in range(max(0, len(lines) - 40), len(lines)):
        if _MOBILE.match(lines[i]) and not _NOT_MOBILE.match(lines[i]) and len(lines[i]) < 120 and _has_text(lines[:i]):
            if i >= 2 and _NAME.match(lines[i - 1]) and not lines[i - 2].strip():
                i -= 1  # "Jane Doe" right above "Sent from my iPhone"
            lines = lines[:i]
            break
    return _drop_closing(lines)


def _drop_closing(lines: list[str]) -> list[str]:
    """A closing line ("Thank you,", "Viele Grüße") followed by at most two name lines, at the end."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    for k in range(end - 1, max(-1, end - 4), -1):
        if _CLOSING.match(lines[k]):
            names = [ln for ln in lines[k + 1: end] if ln.strip()]
            if 1 <= len(names) <= 2 and all(_SHORT_NAME.match(x) for x in names) and k and not lines[k - 1].strip():
                if _has_text(lines[:k]):
                    return lines[:k]
            return lines
    return lines


_CLOSING = re.compile(
    r"^\s*(thanks?( you| again| a lot)?|many thanks|thx|cheers|best|all the best|(best|kind|warm)( regards| wishes)?|"
    r"regards|sincerely|yours|greetings|br|(viele|liebe|beste|herzliche|freundliche) gr[üu](ß|ss)e|gr[üu](ß|ss)e|"
    r"mit freundlichen gr[üu](ß|ss)en|lg|vg|mfg|danke( schön| dir| ihnen)?|merci( beaucoup)?|cordialement|"
    r"bien (à vous|cordialement)|amicalement|bonne journée|gracias|saludos|un saludo|atentamente|obrigad[oa]|"
    r"abraços?|atenciosamente|groeten|met vriendelijke groet(en)?|grazie|saluti|cordiali saluti|"
    r"(vänliga |med vänlig )?hälsningar?|mvh|pozdrawiam|dziękuję)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_SHORT_NAME = re.compile(r"^\s*-?\s*[\w.'-]{1,30}( [\w.'-]{1,30}){0,2}\s*$")
_NAME = re.compile(r"^\s*[A-Z][\w'-]{0,30}( [A-Z][\w.'-]{0,30}){1,2}\s*$")
_UNDERSCORES = re.compile(r"^\s*_{5,}\s*$")
_DASH_NAME = re.compile(r"^\s*-{1,2}\s?[A-Z][\w.'-]{0,30}( [A-Z][\w.'-]{0,30}){0,2}\s*$")
_CONTACT = re.compile(
    r"(^\s*(t|f|m|p|tel|fax|phone|mobile|mob|cell|skype|e|email|web|www)\s*[.:]|\+?\(?\d{2,4}\)?[ .-]\d{2,4}[ .-]\d{3,5}|"
    r"[\w.+-]+@[\w-]+\.\w|https?://|www\.)",
    re.IGNORECASE,
)


def _drop_contact_block(lines: list[str]) -> list[str]:
    """A trailing block of short lines (name, title, phone, email, web) without a '-- ' delimiter."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if end and _DASH_NAME.match(lines[end - 1]) and _has_text(lines[: end - 1]):
        return lines[: end - 1]
    i, contacts, short, gapped = end, 0, 0, False
    while i > 0 and end - i < 24:
        s = lines[i - 1].strip()
        if s and (len(s) > 60 or _ends_sentence(s) and not _CONTACT.search(s)):
            break
        if s and not _CONTACT.search(s) and (_LIST_ITEM.match(s) or len(s.split()) > 6):
            break  # list items and prose are what the person wrote, not a signature
        if not s and short:
            if contacts >= 2 and short >= 3 and not gapped:
                break  # a blank line right above a contiguous contact block ends it
            gapped = True  # a sparse block (blank lines between its lines) goes on upwards
        if s:
            short += 1
            contacts += 1 if _CONTACT.search(s) else 0
        i -= 1
    if contacts >= 2 and short >= 3 and _has_text(lines[:i]):
        return lines[:i]
    return lines


_LIST_ITEM = re.compile(r"^([-*•+]|\d{1,2}[.)]|\[.?\])\s")
_ABBREVIATION = re.compile(r"(\b[A-Z][a-z]{0,3}\.|\b(\w\.){2,})$")  # "Jr.", "Inc.", "Ph.D."


def _ends_sentence(line: str) -> bool:
    """A line that ends like prose (punctuation), not like a name with an abbreviation ("Ph.D.")."""
    if line.endswith((".",)) and _ABBREVIATION.search(line):
        return False
    return line.endswith((".", "?", "!", ":", ","))


def _has_text(lines: list[str]) -> bool:
    return any(ln.strip() for ln in lines)


def extract_reply_from_bytes(raw: bytes) -> str:
    """Scorer adapter for ``score_replies.py --impl agent.understanding.reply:extract_reply_from_bytes``:
    a complete RFC 5322 message in, the new text of its readable body out."""
    from agent.understanding.mime import parse_mail

    return extract_reply(parse_mail(raw).text)
