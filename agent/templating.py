"""Render the administrator's jinja2 templates into a subject, a text part and an HTML alternative.

Templates are ``<name>.txt.j2`` (first line ``Subject: ...``) with an optional ``<name>.html.j2``;
a locale variant ``<name>.<locale>.txt.j2`` (``de``, or ``de_CH`` before ``de``) is chosen for readers
of that locale. Look-up goes pair -> program -> shipped: ``<program templates>/pairs/<mentee address>/``
when it exists, then the program's templates folder, then the shipped defaults; the first folder that
has the template in the reader's locale (or in general) wins, so an administrator's own kickoff
replaces the shipped one for every reader. The HTML alternative is taken from the same folder and
locale as the text, never mixed (a customised text never goes out beside the shipped HTML); without
one, an HTML part is made from the text.

The environment is sandboxed, undefined variables are errors (StrictUndefined), and HTML output is
autoescaped. Text people wrote (agendas, notes) reaches templates only as data in the context, so
``{{ 7*7 }}`` in an email stays those characters: it is never compiled as template code.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateNotFound, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from agent.errors import MentorAgentError


class TemplateError(MentorAgentError):
    """A template is missing or fails while rendering (names the template and the cause)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Templates:
    def __init__(self, folders: Sequence[Path]):
        self.folders = tuple(Path(f) for f in folders)
        loader = FileSystemLoader([str(f) for f in self.folders])  # for {% extends %} and {% include %}
        # auto_reload off: an extended layout is not stat()ed at every render; a program reloaded after
        # its templates changed builds a new Templates (see ``find``)
        self._text = SandboxedEnvironment(
            loader=loader, undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, auto_reload=False
        )
        self._html = SandboxedEnvironment(loader=loader, undefined=StrictUndefined, autoescape=True, auto_reload=False)
        self._compiled: dict[Path, Template] = {}
        self._found: dict[tuple[str, str, str | None], tuple[Path, Path | None]] = {}
        self._mentions: dict[tuple[str, str], bool] = {}

    def exists(self, name: str) -> bool:
        return any((folder / f"{name}.txt.j2").is_file() for folder in self.folders)

    def mentions(self, name: str, word: str) -> bool:
        """Whether any variant of ``name`` (every locale, every pair folder) may use the variable ``word``.

        Follows extends, include and import (jinja2's ``meta``); conservative where it cannot tell.
        Lets callers skip computing a costly context value no variant reads.
        """
        slot = (name, word)
        if slot not in self._mentions:
            variants = [path for folder in self.folders
                        for pattern in (f"{name}.*j2", f"pairs/*/{name}.*j2") for path in folder.glob(pattern)]
            self._mentions[slot] = any(self._may_use(_source_or_none(path), word, set()) for path in variants)
        return self._mentions[slot]

    def _may_use(self, source: str | None, word: str, seen: set[str]) -> bool:
        """``word`` is a variable of ``source`` or of a template it extends, includes or imports; a
        template named by an expression, or one that cannot be read or parsed, counts as using it."""
        if source is None:
            return True
        try:
            tree = self._text.parse(source)
        except TemplateSyntaxError:
            return True
        if word in meta.find_undeclared_variables(tree):
            return True
        for name in meta.find_referenced_templates(tree):
            if name is None:
                return True
            if name in seen:
                continue
            seen.add(name)
            try:
                referenced, _, _ = self._text.loader.get_source(self._text, name)
            except TemplateNotFound:
                return True
            if self._may_use(referenced, word, seen):
                return True
        return False

    def render(self, name: str, context: Mapping[str, object], locale: str = "en", *,
               pair: str | None = None) -> Rendered:
        """Render ``name`` for a reader of ``locale``; ``pair`` (the mentee's address) enables pair templates."""
        found = self.find(name, locale, pair=pair)
        if found is None:
            raise TemplateError(f"template {name!r} not found in {', '.join(map(str, self.folders))}")
        text_path, html_path = found
        try:
            text = self._load(self._text, text_path).render(context)
            html_body = self._load(self._html, html_path).render(context) if html_path else None
        except Exception as exc:  # jinja2 raises many types; all mean "this template failed"
            raise TemplateError(f"template {name!r} failed: {exc}") from exc
        subject, body = _split_subject(text, name)
        return Rendered(subject, body, html_body if html_body is not None else text_to_html(body))

    def find(self, name: str, locale: str = "en", *, pair: str | None = None) -> tuple[Path, Path | None] | None:
        """The text template a reader gets, and the HTML alternative beside it (same folder, same locale).

        Remembered for the life of this object, like the compiled templates: a program reloaded
        after its templates changed builds a new ``Templates``.
        """
        slot = (name, locale, pair)
        found = self._found.get(slot)
        if found is None:
            found = self._look_up(name, locale, pair)
            if found is not None:  # a missing template is looked for again next time
                self._found[slot] = found
        return found

    def _look_up(self, name: str, locale: str, pair: str | None) -> tuple[Path, Path | None] | None:
        code = locale.replace("-", "_")
        stems = dict.fromkeys((f"{name}.{code}", f"{name}.{code.split('_')[0]}", name))
        folders = ([self.folders[0] / "pairs" / pair] if pair and self.folders else []) + list(self.folders)
        for folder in folders:
            for stem in stems:
                text = folder / f"{stem}.txt.j2"
                if text.is_file():
                    html_path = folder / f"{stem}.html.j2"
                    return text, html_path if html_path.is_file() else None
        return None

    def _load(self, env: SandboxedEnvironment, path: Path) -> Template:
        if path not in self._compiled:
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateError(f"template {path.name} cannot be read: {exc}") from exc
            self._compiled[path] = env.from_string(source)
        return self._compiled[path]


def _source_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _split_subject(text: str, name: str) -> tuple[str, str]:
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateError(f"template {name!r} must start with a line 'Subject: ...'")
    return first.split(":", 1)[1].strip(), rest.lstrip("\n")


def text_to_html(text: str) -> str:
    """A plain HTML alternative for templates that have no ``.html.j2``: escaped paragraphs."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return f'<!doctype html>\n<html><body style="font-family:sans-serif;line-height:1.4">\n{body}\n</body></html>\n'
