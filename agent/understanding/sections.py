"""Splitting plain-text mail into headed sections and bullet items (shared by agenda and notes)."""

from __future__ import annotations

import re

_BULLET = re.compile(r"^\s*(?:[-*•·–—+▪◦]|\d{1,3}[.)]|[a-zA-Z][.)]|\[[ xX]?\])\s+")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?([^:*#\n]{2,60}?)(?:\*\*|__)?\s*[:：]?\s*(?:\*\*|__)?\s*$")


_GREETING = re.compile(
    r"^(hi|hello|hey|dear|hallo|hi|liebe[rs]?|sehr geehrte[rs]?|guten (tag|morgen)|bonjour|salut|cher|ch[èe]re|coucou|"
    r"hola|querid[oa]|estimad[oa]|buenas|ol[áa]|oi|car[oa]|prezad[oa]|ciao|gentile|hoi|beste|goedemorgen)\b", re.I)


def is_bullet(line: str) -> bool:
    """A bulleted or numbered list line ("- x", "* x", "1. x", "a) x", "[ ] x")."""
    return _BULLET.match(line) is not None


def bullet_text(line: str) -> str:
    return _BULLET.sub("", line, count=1).strip()


def heading_of(line: str, next_line: str = "") -> str | None:
    """The heading text when ``line`` is a section heading: a short line ending in ':' (or
    markdown '#', bold, or underlined by '---'/'==='), else None."""
    s = line.strip()
    if not s or len(s) > 64 or is_bullet(s) or _GREETING.match(s):
        return None
    underlined = re.match(r"^\s*[-=]{3,}\s*$", next_line or "") is not None
    marked = s.endswith((":", "：")) or s.startswith("#") or (s.startswith(("**", "__")) and s.endswith(("**", "__")))
    listed = is_bullet(next_line or "") and len(s.split()) <= 4 and not s.endswith((".", "!", "?", ","))
    if not (marked or underlined or listed):
        return None
    m = _HEADING.match(s)
    if not m:
        return None
    return m.group(1).strip()


def sections(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """[(heading or None, body lines)], in order; text before the first heading has heading None.
    A blank line followed by unbulleted prose ends a headed section's list."""
    out: list[tuple[str | None, list[str]]] = [(None, [])]
    in_list = False
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if re.match(r"^\s*[-=]{3,}\s*$", line):
            continue
        head = heading_of(line, nxt)
        if head is not None:
            out.append((head, []))
            in_list = False
            continue
        current = out[-1]
        if current[0] is not None and not line.strip():
            in_list = in_list or bool(current[1])
            current[1].append(line)
            continue
        if current[0] is not None and in_list and line.strip() and not is_bullet(line) and _ends_list(current[1]):
            out.append((None, [line]))
            in_list = False
            continue
        current[1].append(line)
    return [(h, b) for h, b in out if h is not None or any(x.strip() for x in b)]


def _ends_list(body: list[str]) -> bool:
    """True when the section so far is a list that ended with a blank line."""
    return bool(body) and not body[-1].strip() and any(is_bullet(x) for x in body)
