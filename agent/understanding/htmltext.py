"""HTML-only mail -> readable text: sanitised with nh3, converted with html2text, bounded.

Deeply nested or tag-heavy markup (the HTML parsers are quadratic in nesting depth) takes a linear
tag-stripping path instead, so no message can cost more than a fraction of a second here.
"""

from __future__ import annotations

import re

MAX_TEXT = 200_000  # characters of readable body kept (the same bound as mime.py)


_MD_ESCAPE = re.compile(r"(?m)^(\s*(?:>\s*)*\d*)\\([-+*.#)])")  # html2text's markdown escapes: "\- x", "1\. x"
MAX_TAGS = 20_000
MAX_NESTING = 200
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,20})\b[^<>]{0,2000}?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_BLOCK = re.compile(r"<(?:/?(?:p|div|br|tr|li|h[1-6]|table|blockquote|pre|hr))\b[^<>]{0,2000}>", re.I)


def _too_deep(markup: str) -> bool:
    """More tags than MAX_TAGS or elements nested deeper than MAX_NESTING (one linear pass)."""
    if markup.count("<") > MAX_TAGS:
        return True
    depth = 0
    for m in _TAG.finditer(markup):
        name = m.group(2).lower()
        if name in _VOID or m.group(3):
            continue
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        if depth > MAX_NESTING:
            return True
    return False


def _strip_tags(markup: str) -> str:
    import html

    text = _BLOCK.sub("\n", markup)
    text = re.sub(r"<[^<>]{0,2000}>", "", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", html.unescape(text)).strip()


def html_to_text(markup: str) -> str:
    """Sanitise with nh3, then convert with html2text (no link targets, no emphasis marks)."""
    import html2text
    import nh3

    markup = markup[: MAX_TEXT * 4]
    if _too_deep(markup):
        return _strip_tags(markup)  # the HTML parsers are quadratic in nesting depth: bounded fallback
    try:
        clean = nh3.clean(markup)
    except Exception:
        clean = re.sub(r"<[^>]{0,2000}>", " ", markup)
    try:
        conv = html2text.HTML2Text()
        conv.body_width = 0
        conv.ignore_links = True
        conv.ignore_images = True
        conv.ignore_emphasis = True
        conv.ignore_tables = True
        conv.unicode_snob = True
        return _MD_ESCAPE.sub(r"\1\2", conv.handle(clean)).strip()
    except Exception:
        return re.sub(r"<[^>]{0,2000}>", " ", clean)
