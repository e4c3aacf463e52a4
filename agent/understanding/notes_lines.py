"""The lines of a notes message made regular before they are split into headed lists.

Notes come in many layouts; three are turned into the common one (a heading, then bullets):

* a short title, a blank line, then a list (HTML mail puts a blank line after every block):
  the blank line goes, so "Tareas de Lucía" + "" + "1. ..." reads as a headed list;
* a numbered point that is itself a heading ("3. Für dich:" over indented bullets) loses its number;
* owner lines without a bullet -- arrows ("Me → CV to Tom by Sat", "Tom -> ask ..."), a person word and a
  colon ("you: send me ...", "On me: ask ...") and table rows
  ("Lena | Lernplan erstellen | bis 22.3.") -- become bullets; a table row's cells are joined with
  commas and empty cells ("–") dropped.
"""

from __future__ import annotations

import re

from agent.understanding.sections import is_bullet

_GREETING = re.compile(r"^(?:hi|hello|hey|dear|hallo|liebe|bonjour|salut|hola|ol[áa]|oi|querid[oa])\b", re.I)
_NUMBERED_HEAD = re.compile(r"^(\s*)\d{1,2}[.)]\s+([^.!?]{2,40}[:：])\s*$")
_ARROW = re.compile(r"^\s*[A-Za-zÀ-ÿ][\w-]{0,30}(?:\s+(?:[&+/]\s+)?[A-Za-zÀ-ÿ][\w-]{0,30}){0,2}\s*(?:→|->|=>)\s+\S")
# "you: send me the link ...", "me: book the room", "On me: ask Carla ...", "tú: terminar ...": a line led by
# a person word and a colon is an item of that person's, bulleted or not
_PERSON_LINE = re.compile(
    r"^\s*(?:(?i:on|for|für|pour|para|pra)\s+)?(?i:me|you|i|both|us|ich|du|mir|dir|wir|beide|moi|toi|nous|yo|t[úu]|"
    r"m[íi]|ti|eu|voc[êe]|n[óo]s|mentor|mentee|mentorin|mentora)\s*[:：]\s+\S")
_ROW = re.compile(r"^\s*[^|]{1,40}\|[^|]+\|")
_EMPTY_CELL = re.compile(r"^[\s–—\-/.]*$")
# "Agreed actions", "Agreed next steps": an agreement word before an action noun is still an action heading
_ACTION_TAIL = re.compile(r"\b(?:actions?|action items?|next steps?|to-?dos?|tasks?|aufgaben|a[çc][õo]es|tareas|"
                          r"t[âa]ches|tarefas)\s*$", re.I)


def normalise_lines(lines: list[str]) -> list[str]:
    """``lines`` with the layouts of the module docstring made regular."""
    out: list[str] = []
    for i, ln in enumerate(lines):
        if not ln.strip() and out and out[-1].strip() and _title_before_list(out[-1].strip(), lines[i + 1:i + 4]):
            continue
        if m := _NUMBERED_HEAD.match(ln):
            ln = m.group(1) + m.group(2)
        elif (_ARROW.match(ln) or _PERSON_LINE.match(ln)) and not is_bullet(ln):
            ln = "- " + ln.strip()
        elif "|" in ln and _ROW.match(ln) and not re.match(r"^\s*[|:\- ]+$", ln):
            cells = [c.strip() for c in ln.strip().strip("|").split("|")]
            if len(cells) >= 2:
                ln = "- " + cells[0] + " | " + ", ".join(c for c in cells[1:] if not _EMPTY_CELL.match(c))
        out.append(ln)
    return out


def _title_before_list(title: str, following: list[str]) -> bool:
    nxt = next((x for x in following if x.strip()), "")
    return (is_bullet(nxt) and not is_bullet(title) and len(title.split()) <= 4 and len(title) < 40
            and not title.endswith((".", "!", "?", ",")) and not _GREETING.search(title))
