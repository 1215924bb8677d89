"""What every input goes through before a view or a service sees it: control characters out.

NUL, the C0 controls other than tab, newline and carriage return, DEL, the C1 controls and ANSI
escape sequences (``ESC [ 31 m`` and the like) are stripped from every string a request carries:
query strings and form bodies (`core.middleware.HardeningMiddleware`) and JSON bodies of the API
(`CleanParser`, the parser of `onestop.api`, which puts U+FFFD in their place instead: a
string keeps its length, so the length bounds of the OpenAPI document hold for what was sent).
They never reach the database, a log line or a terminal that shows one."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, QueryDict
from ninja.parser import Parser

# An ANSI escape sequence: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \) or ESC + one.
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` without ANSI escape sequences and control characters (tab, newline and carriage
    return stay)."""
    if not CONTROLS.search(text):
        return text
    return CONTROLS.sub("", ANSI.sub("", text))


def mark_text(text: str) -> str:
    """`text` with U+FFFD in place of each control character (ESC of an escape sequence
    included: what follows it is plain text then)."""
    return CONTROLS.sub("\ufffd", text) if CONTROLS.search(text) else text


def clean_data(value: Any, clean: Any = clean_text) -> Any:
    """`value` (parsed JSON: dicts, lists, strings, numbers) with `clean` applied to every
    string, keys included."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean_data(v, clean) for v in value]
    if isinstance(value, dict):
        return {clean_data(k, clean): clean_data(v, clean) for k, v in value.items()}
    return value


def clean_querydict(data: QueryDict, clean: Any = clean_text) -> QueryDict:
    """`data` itself when nothing needs cleaning, else an immutable copy with `clean` applied
    to every key and string value."""
    if not any(
        CONTROLS.search(key) or any(CONTROLS.search(v) for v in values if isinstance(v, str))
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(clean(key), [clean(v) if isinstance(v, str) else v for v in values])
    cleaned._mutable = False
    return cleaned


class CleanParser(Parser):
    """django-ninja's parser, with U+FFFD in place of every control character (`mark_text`)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return clean_data(super().parse_body(request), mark_text)

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        return clean_data(super().parse_querydict(data, list_fields, request), mark_text)
