"""Limited Markdown for knowledge articles, rendered safely.

Supported: paragraphs (separated by a blank line), lists (lines starting with "- "), line
breaks and **bold**. Everything else is text: the input is HTML-escaped before any markup is
added, so an article can never carry raw HTML or script into a page.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def _block(block: str) -> str:
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    html: list[str] = []
    text: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if text:
            html.append("<p>" + "<br>".join(text) + "</p>")
            text.clear()
        if items:
            html.append('<ul class="usa-list">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in lines:
        if line.startswith(("- ", "* ")):
            if text:
                flush()
            items.append(_inline(line[2:].strip()))
        else:
            if items:
                flush()
            text.append(_inline(line))
    flush()
    return "".join(html)


def render(text: str) -> SafeString:
    """HTML for an article body; safe because every piece of input text is escaped."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))
    return mark_safe("".join(_block(b) for b in blocks if b.strip()))  # noqa: S308 - escaped above


def plain(text: str) -> str:
    """The text without markup (for an answer read out or shown as plain text)."""
    return _BOLD.sub(r"\1", text or "")
