"""Read administrators' TOML files with line numbers.

``tomllib`` gives values but no positions, so ``locate(text)`` scans the same text once and maps
every key path to the line where it is written::

    [[participant]]            ("participant", 0)            -> the header's line
    timezone = "Europe/Berlin" ("participant", 0, "timezone") -> this line
    hours = [                  ("participant", 0, "hours")    -> this line
      "Mon-Fri 09:00-17:00",   ("participant", 0, "hours", 0) -> this line
    ]

``Locator.line(path)`` falls back to the nearest enclosing key or table, then to line 1, so a
caller can always point somewhere sensible. The scanner only runs on text that ``tomllib`` has
accepted; on anything it does not understand it stops and keeps what it has found.

``load_toml`` wraps both and turns a syntax error into a ``Problem`` with its line, and
``did_you_mean`` builds the hints for misspelt names.
"""

from __future__ import annotations

import bisect
import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import Problem

Key = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_SYNTAX_END = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass
class Locator:
    """Key path -> 1-based line number, for one TOML text."""

    lines: dict[Key, int] = field(default_factory=dict)

    def line(self, path: Iterable[str | int]) -> int:
        """The line of ``path``, else of its nearest enclosing key or table, else 1."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return 1


def locate(text: str) -> Locator:
    """Scan ``text`` (valid TOML) and return where each key, table and array element is written."""
    scanner = _Scanner(text)
    try:
        scanner.run()
    except (IndexError, ValueError):  # not valid TOML after all: keep what was found
        pass
    return Locator(scanner.found)


def display(path: Path | str) -> str:
    """A path as administrators should read it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """``'did you mean "meeting_minutes"?'`` or "" when nothing is close enough."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=cutoff)
    return f'did you mean "{close[0]}"?' if close else ""


def load_toml(path: Path) -> tuple[dict[str, Any] | None, Locator, list[Problem]]:
    """Read and parse one file; a missing file or a syntax error becomes a Problem with its line."""
    shown = display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, Locator(), [Problem.at(shown, 1, "file not found", "create it or fix the path")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, Locator(), [Problem.at(shown, 1, f"cannot read the file: {exc}", "save it as UTF-8 text")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, Locator(), [_syntax_problem(shown, text, str(exc))]
    return data, locate(text), []


def _syntax_problem(shown: str, text: str, message: str) -> Problem:
    line = text.count("\n") + 1
    if match := _SYNTAX_AT.search(message):
        line = int(match[1])
        message = message[: match.start()]
    elif match := _SYNTAX_END.search(message):
        message = message[: match.start()] + " at the end of the file"
    return Problem.at(
        shown,
        line,
        f"TOML syntax error: {message}",
        'check quotes, brackets and "key = value" on this line or the one before',
    )


class _Scanner:
    """A cursor over the text that records key paths; see ``locate``."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.found: dict[Key, int] = {}
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.counts: dict[Key, int] = {}  # array-of-tables path -> index of its latest element

    def lineno(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces, comments and (when ``newlines``) line breaks."""
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def run(self) -> None:
        table: Key = ()
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            start = self.pos
            if self.peek(2) == "[[":
                self.pos += 2
                table = self.header(self.keys(), start, array=True)
                self.expect("]]")
            elif self.peek() == "[":
                self.pos += 1
                table = self.header(self.keys(), start, array=False)
                self.expect("]")
            else:
                self.key_value(table)

    def header(self, names: list[str], start: int, array: bool) -> Key:
        """Resolve a header against the arrays of tables seen so far and record its line."""
        path: Key = ()
        for name in names[:-1]:  # a parent that is an array of tables means its latest element
            path += (name,)
            if path in self.counts:
                path += (self.counts[path],)
        path += (names[-1],)
        if array:
            index = self.counts.get(path, -1) + 1
            self.counts[path] = index
            self.found.setdefault(path, self.lineno(start))
            path += (index,)
        self.found[path] = self.lineno(start)
        return path

    def expect(self, token: str) -> None:
        self.skip_blank(newlines=False)
        if self.peek(len(token)) != token:
            raise ValueError(f"expected {token}")
        self.pos += len(token)

    def keys(self) -> list[str]:
        """A dotted key: bare, "basic" or 'literal' parts separated by dots."""
        parts = []
        while True:
            self.skip_blank(newlines=False)
            c = self.peek()
            if c == '"':
                parts.append(self.basic_string())
            elif c == "'":
                end = self.text.index("'", self.pos + 1)
                parts.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                match = _BARE.match(self.text, self.pos)
                if not match:
                    raise ValueError("expected a key")
                parts.append(match[0])
                self.pos = match.end()
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.pos += 1

    def key_value(self, table: Key) -> None:
        start = self.pos
        path = table + tuple(self.keys())
        self.expect("=")
        self.found[path] = self.lineno(start)
        self.skip_blank(newlines=False)
        self.value(path)

    def value(self, path: Key) -> None:
        c = self.peek()
        if self.peek(3) in ('"""', "'''"):
            quote = self.peek(3)
            end = self.pos + 3
            while True:
                end = self.text.index(quote, end)
                if quote == "'''" or not _escaped(self.text, end):
                    break
                end += 1
            self.pos = end + 3
            while self.peek() == quote[0]:  # up to two quotes may close the content
                self.pos += 1
        elif c == '"':
            self.basic_string()
        elif c == "'":
            self.pos = self.text.index("'", self.pos + 1) + 1
        elif c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        else:
            match = re.compile(r"[^\s,\]}#]+").match(self.text, self.pos)
            if not match:
                raise ValueError("expected a value")
            self.pos = match.end()

    def basic_string(self) -> str:
        end = self.pos + 1
        while self.text[end] != '"' or _escaped(self.text, end):
            if self.text[end] == "\n":
                raise ValueError("unterminated string")
            end += 1
        raw = self.text[self.pos + 1 : end]
        self.pos = end + 1
        return raw.encode("utf-8").decode("unicode_escape", errors="replace") if "\\" in raw else raw

    def array(self, path: Key) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return
            self.found[path + (index,)] = self.lineno(self.pos)
            self.value(path + (index,))
            index += 1
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.pos += 1

    def inline_table(self, path: Key) -> None:
        self.pos += 1
        while True:
            self.skip_blank(newlines=False)
            if self.peek() == "}":
                self.pos += 1
                return
            self.key_value(path)
            self.skip_blank(newlines=False)
            if self.peek() == ",":
                self.pos += 1


def _escaped(text: str, index: int) -> bool:
    """True when the character at ``index`` follows an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1
