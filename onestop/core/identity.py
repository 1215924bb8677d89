"""Identity numbers: the resident ID (居民身份证号码, GB 11643) and the unified social credit
code (统一社会信用代码, GB 32100), validated with python-stdnum, and masking for display.

The first six digits of a resident ID are the GB/T 2260 code of the county where the number
was first assigned, and they never change: not when the person moves, and not when the county
is recoded. Wulian (五莲县) was 372229 until 1983, 370729 from 1983 to 1992 (Weifang) and is
371121 since (Rizhao); numbers were first assigned in 1984-1985, so a resident born in 1950
carries 370729, a code stdnum's own check refuses (it requires the code in use in the year of
birth). `validate_resident_id` accepts a code in use in any year from the birth on, and
`region_successor` names today's code of the county an old code denoted (python-stdnum's
table of codes, cn/loc.dat).
"""

from __future__ import annotations

import functools
from importlib import resources

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from onestop.core.errors import ValidationFailed


def validate_resident_id(s: str) -> str:
    """Return the resident ID in its compact form (18 characters, upper-case X).

    Raises `ValidationFailed` (code ``invalid_resident_id``) with a message that says what is
    wrong: the length, the characters, the check digit, or the birth date or place.
    """
    value = "".join((s or "").split()).upper()
    try:
        if len(value) == 18 and not (
            value.isascii() and value[:17].isdigit() and value[17] in "0123456789X"
        ):
            raise stdnum_errors.InvalidFormat()
        try:
            return str(ric.validate(value))
        except stdnum_errors.InvalidComponent:
            # stdnum wants the code in use in the year of birth; the number was assigned at
            # the first registration, at birth or later (1984-85 for anyone born before)
            born = ric.get_birth_date(value)
            if not region_code_used_since(value[:6], born.year):
                raise
            return value
    except stdnum_errors.InvalidLength:
        message = _("A resident ID has 18 characters.")
    except stdnum_errors.InvalidFormat:
        message = _("A resident ID has 17 digits followed by a digit or the letter X.")
    except stdnum_errors.InvalidChecksum:
        message = _("The last character of this resident ID does not match: please check it.")
    except stdnum_errors.ValidationError:
        message = _("The birth date or the region code of this resident ID is not valid.")
    raise ValidationFailed(message, code="invalid_resident_id")


def validate_uscc(s: str) -> str:
    """Return the unified social credit code in its compact form (18 characters)."""
    value = "".join((s or "").split()).upper()
    try:
        return str(uscc.validate(value))
    except stdnum_errors.InvalidLength:
        message = _("A unified social credit code has 18 characters.")
    except stdnum_errors.InvalidChecksum:
        message = _(
            "The last character of this unified social credit code does not match: please check it."
        )
    except stdnum_errors.ValidationError:
        message = _("This is not a valid unified social credit code.")
    raise ValidationFailed(message, code="invalid_uscc")


def mask_resident_id(s: str) -> str:
    """Keep the first 4 and the last 4 characters: ``3711**********123X``."""
    value = (s or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(s: str) -> str:
    """Keep the first and the last character of a name of three or more: ``张*明``,
    ``欧**华``; a name of two keeps its first: ``王*``; one character is ``*``."""
    value = (s or "").strip()
    if len(value) <= 1:
        return "*" * len(value)
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def birth_year(resident_id: str) -> int | None:
    """The year of birth a resident ID holds (characters 7 to 10), None if it holds none."""
    value = (resident_id or "").strip()
    return int(value[6:10]) if len(value) == 18 and value[6:10].isdigit() else None


def mask_phone(s: str) -> str:
    """Keep the first 3 and the last 4 digits of a mobile number: ``138****5678``."""
    value = (s or "").strip()
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1) if value else ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# --- the history of region codes (GB/T 2260), from python-stdnum's cn/loc.dat ----------------

# Names that are no county's own: a district of "市区" or "郊区" is no one place.
_GENERIC = frozenset({"市辖区", "市区", "郊区", "城区", "矿区", "县", "区", "市"})


@functools.cache
def _region_codes() -> dict[str, list[tuple[str, int | None, int | None]]]:
    """code → [(county name, first year, last year)] (None: open), as cn/loc.dat has them."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    table: dict[str, list[tuple[str, int | None, int | None]]] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _sep, rest = line.strip().partition(" ")
        if not line.startswith(" "):
            province = code
            continue
        value = rest.split("=", 1)[1].strip().strip('"')
        spans = []
        for part in value.split(","):
            first = last = None
            name = part
            if part.startswith("["):
                years, name = part[1:].split("]", 1)
                start, end = years.split("-")
                first, last = (int(start) if start else None), (int(end) if end else None)
            spans.append((name, first, last))
        table[province + code] = spans
    return table


def _stem(name: str) -> str:
    for suffix in ("自治县", "县", "区", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def region_code_used_since(code: str, year: int) -> bool:
    """Whether the 6-digit region `code` denoted a county in some year from `year` on."""
    return any(last is None or last >= year for _n, _f, last in _region_codes().get(code, []))


def region_successor(code: str) -> str | None:
    """Today's code of the county the region `code` denoted (itself while it is in use), or
    None for a code nobody uses now and no county of the same name in the same province took
    over (a generic name such as 市区 names no one county)."""
    table = _region_codes()
    spans = table.get(code, [])
    if any(last is None for _n, _f, last in spans):
        return code
    names = {_stem(n) for n, _f, _l in spans if n not in _GENERIC}
    found = [
        other
        for other, other_spans in table.items()
        if other[:2] == code[:2]
        and other[2:] != "0000"
        and any(last is None and _stem(n) in names for n, first, last in other_spans)
    ]
    return found[0] if len(found) == 1 else None


def region_code_in(region: str, year: int) -> str:
    """The code under which the county now coded `region` was known in `year` (the county of
    the same name in the same province in use that year); `region` itself when none is."""
    table = _region_codes()
    spans = table.get(region, [])
    names = {_stem(n) for n, _f, last in spans if last is None and n not in _GENERIC}
    for other, spans in table.items():
        if other[:2] != region[:2] or other[2:] == "0000":
            continue
        for n, first, last in spans:
            if (
                _stem(n) in names
                and (first is None or first <= year)
                and (last is None or last >= year)
            ):
                return other
    return region
