"""The Simplified Chinese catalogue is complete, compiled and served by default."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def _parse(path: Path) -> list[Entry]:
    """A minimal .po reader: enough for the files makemessages writes."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] = ("", 0)
    started = False
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line or (line.startswith("#") and started):
            if started:
                entries.append(entry)
                entry, started = Entry(), False
            if not line:
                continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, target, ast.literal_eval(line))
        else:
            keyword, value = line.split(" ", 1)
            started = True
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            else:
                target = (keyword, 0)
            _append(entry, target, ast.literal_eval(value), start=True)
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str, *, start: bool = False) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = ("" if start else entry.msgstr[index]) + text
    else:
        current = "" if start else (getattr(entry, name) or "")
        setattr(entry, name, current + text)


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    parsed = _parse(LC_MESSAGES / "django.po")
    assert parsed[0].msgid == ""
    return parsed


def test_header_declares_chinese_plural_forms(entries: list[Entry]) -> None:
    header = entries[0].msgstr[0]
    assert "Language: zh_Hans\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    assert "fuzzy" not in entries[0].flags


def test_every_entry_is_translated_and_none_is_fuzzy(entries: list[Entry]) -> None:
    messages = entries[1:]
    assert len(messages) > 400
    empty = [e.msgid for e in messages if not e.msgstr or any(not s for s in e.msgstr.values())]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert empty == []
    assert fuzzy == []


def test_plural_entries_have_the_single_chinese_form(entries: list[Entry]) -> None:
    plurals = [e for e in entries[1:] if e.msgid_plural is not None]
    assert plurals
    assert [e.msgid for e in plurals if sorted(e.msgstr) != [0]] == []


def test_translations_keep_every_placeholder(entries: list[Entry]) -> None:
    broken = [
        e.msgid
        for e in entries[1:]
        for text in e.msgstr.values()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e.msgid))
    ]
    assert broken == []


def test_committed_mo_matches_the_po(entries: list[Entry]) -> None:
    with (LC_MESSAGES / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in entries[1:]:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if compiled.gettext(key) != e.msgstr[0]:
                stale.append(e.msgid)
        elif compiled.ngettext(key, e.msgid_plural, 2) != e.msgstr[0]:
            stale.append(e.msgid)
    assert stale == []


@pytest.mark.django_db
def test_home_page_speaks_chinese_by_default() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert '<span class="usa-search__submit-text">搜索</span>' in body
    assert 'placeholder="如：新生儿出生、营业执照、社保卡"' in body
    assert ">跳到主要内容<" in body
    assert "Skip to main content" not in body


@pytest.mark.django_db
def test_home_page_in_english_keeps_the_english_text() -> None:
    body = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert '<span class="usa-search__submit-text">Search</span>' in body
    assert "搜索</span>" not in body


@pytest.mark.django_db
def test_not_found_page_is_chinese() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "<h1>页面没有找到</h1>" in body
    assert "Page not found" not in body
