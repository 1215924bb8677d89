"""What a walk-in may say they came for at the kiosk: a registry that higher apps fill.

The queue kiosk belongs to the service centre, but what is handled there (items, scenarios)
is the catalogue's, two floors up. So `catalog` registers its source here from
`CatalogConfig.ready()` (`provide_purposes`), and this app never imports `catalog`:

    def ready(self) -> None:
        from onestop.org import purposes
        purposes.provide_purposes(choices=selectors.queue_purposes,
                                  resolve=selectors.queue_purposes_resolve)

A purpose is named by a plain reference, ``<kind>:<key>`` (``item:37112100SP-XK-0001``,
``scenario:newborn``), which is what a ticket stores (`QueueTicket.purpose_ref`). Without a
registered source the kiosk offers "something else" only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import get_language

# The kinds of purpose the kiosk groups its choices by (its two option groups).
SCENARIO = "scenario"
ITEM = "item"


@dataclass(frozen=True)
class Purpose:
    """One thing a walk-in may come for, in both languages (catalogue names are data)."""

    ref: str  # "<kind>:<key>"
    kind: str  # SCENARIO or ITEM
    name_zh: str
    name_en: str = ""
    # The department whose own windows may call the walk-in (None: comprehensive windows only).
    department: str | None = None
    # How often it is asked for (0-100, the catalogue's score): the kiosk shows the most
    # frequent first.
    popularity: int = 0
    # What to bring (the materials handed in at the window), in both languages; filled when
    # the purposes are resolved, empty in the kiosk's list of choices.
    bring_zh: tuple[str, ...] = ()
    bring_en: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        if (get_language() or "zh-hans").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def bring(self) -> tuple[str, ...]:
        if (get_language() or "zh-hans").startswith("en") and any(self.bring_en):
            return tuple(en or zh for zh, en in zip(self.bring_zh, self.bring_en, strict=True))
        return self.bring_zh


Choices = Callable[..., list[Purpose]]  # choices(*, region) -> purposes of the region
Resolve = Callable[..., dict[str, Purpose]]  # resolve(*, region, refs) -> {ref: purpose}

_source: list[tuple[Choices, Resolve]] = []


def provide_purposes(*, choices: Choices, resolve: Resolve) -> None:
    """Register the source of purposes (one; a later one replaces)."""
    _source[:] = [(choices, resolve)]


def purpose_choices(*, region: str) -> list[Purpose]:
    """What a walk-in at a centre of `region` may choose (scenarios, then items)."""
    return _source[0][0](region=region) if _source else []


def purposes_resolve(*, region: str, refs: Iterable[str]) -> dict[str, Purpose]:
    """The purposes named by `refs` in `region`; unknown ones (or another region's) are left out."""
    wanted = sorted({ref for ref in refs if ref})
    if not wanted or not _source:
        return {}
    return _source[0][1](region=region, refs=wanted)
