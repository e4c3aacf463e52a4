"""Render the administrator's jinja2 templates into a subject, a text part and an HTML alternative.

Templates are ``<name>.txt.j2`` (first line ``Subject: ...``) with an optional ``<name>.html.j2``;
a locale variant ``<name>.<locale>.txt.j2`` wins for readers of that locale. Look-up goes through the
folders in order: the program's templates, then the shipped defaults.

The environment is sandboxed, undefined variables are errors (StrictUndefined), and HTML output is
autoescaped. Text people wrote (agendas, notes) reaches templates only as data in the context, so
``{{ 7*7 }}`` in an email stays those characters: it is never compiled as template code.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
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
        loader = FileSystemLoader([str(f) for f in self.folders])
        self._text = SandboxedEnvironment(
            loader=loader, undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        self._html = SandboxedEnvironment(loader=loader, undefined=StrictUndefined, autoescape=True)

    def exists(self, name: str) -> bool:
        return any((folder / f"{name}.txt.j2").is_file() for folder in self.folders)

    def render(self, name: str, context: Mapping[str, object], locale: str = "en") -> Rendered:
        text_source = self._pick(self._text, name, locale, "txt")
        if text_source is None:
            raise TemplateError(f"template {name!r} not found in {', '.join(map(str, self.folders))}")
        try:
            text = text_source.render(context)
            html_source = self._pick(self._html, name, locale, "html")
            html_body = html_source.render(context) if html_source else None
        except Exception as exc:  # jinja2 raises many types; all mean "this template failed"
            raise TemplateError(f"template {name!r} failed: {exc}") from exc
        subject, body = _split_subject(text, name)
        return Rendered(subject, body, html_body if html_body is not None else text_to_html(body))

    @staticmethod
    def _pick(env: SandboxedEnvironment, name: str, locale: str, ext: str):
        language = locale.replace("-", "_").split("_")[0]
        for candidate in (f"{name}.{locale}.{ext}.j2", f"{name}.{language}.{ext}.j2", f"{name}.{ext}.j2"):
            try:
                return env.get_template(candidate)
            except TemplateNotFound:
                continue
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
