"""Colloquial synonyms (data/synonyms.json): what citizens say -> what the catalogue says.

Applied at query time (expansion) and at index time (aliases on documents whose titles use a
standard term). The file is data; edit it without touching code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from onestop.core.text import normalise

SYNONYMS_PATH = Path(__file__).resolve().parent / "data" / "synonyms.json"


@dataclass(frozen=True)
class Entry:
    lang: str
    colloquial: tuple[str, ...]
    standard: tuple[str, ...]
    life_event: bool
    # English: the colloquial phrases as one whole-word pattern, compiled once per process.
    pattern: re.Pattern[str] | None = None

    def found_in(self, text: str) -> bool:
        if self.pattern is not None:
            return self.pattern.search(text) is not None
        return any(c in text for c in self.colloquial)


def _whole_words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


@dataclass(frozen=True)
class Expansion:
    terms: tuple[str, ...]
    life_event: bool


@dataclass(frozen=True)
class Thesaurus:
    entries: tuple[Entry, ...]
    cues_zh: tuple[str, ...]
    cues_en: tuple[str, ...]


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    data = json.loads(SYNONYMS_PATH.read_text(encoding="utf-8"))
    entries = []
    for e in data["entries"]:
        colloquial = tuple(normalise(c).strip() for c in e["colloquial"])
        entries.append(
            Entry(
                lang=e["lang"],
                colloquial=colloquial,
                standard=tuple(e["standard"]),
                life_event=bool(e.get("life_event", False)),
                pattern=_whole_words(colloquial) if e["lang"] != "zh" and colloquial else None,
            )
        )
    cues = data.get("life_event_cues", {})
    return Thesaurus(
        entries=tuple(entries),
        cues_zh=tuple(cues.get("zh", [])),
        cues_en=tuple(normalise(c) for c in cues.get("en", [])),
    )


def _contains(text: str, phrase: str, lang: str) -> bool:
    if lang == "zh":
        return phrase in text
    # English: whole words, so "born" does not match "stubborn".
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


def expand(query: str) -> Expansion:
    """The standard terms for every colloquial phrase found in the query."""
    text = normalise(query)
    terms: list[str] = []
    life_event = False
    book = thesaurus()
    for entry in book.entries:
        if entry.found_in(text):
            terms.extend(t for t in entry.standard if t not in terms)
            life_event = life_event or entry.life_event
    if not life_event:
        life_event = any(c in text for c in book.cues_zh) or any(
            _contains(text, c, "en") for c in book.cues_en
        )
    return Expansion(terms=tuple(terms), life_event=life_event)


def aliases(title_text: str) -> list[str]:
    """Colloquial phrases to index with a document whose titles contain a standard term."""
    text = normalise(title_text)
    out: list[str] = []
    for entry in thesaurus().entries:
        if any(_contains(text, normalise(s), entry.lang) for s in entry.standard):
            out.extend(c for c in entry.colloquial if c not in out)
    return out
