"""The shapes of the GeoReport v2 query parameters, in one place: the views check each value
against the very pattern the OpenAPI document publishes (`onestop.open311.openapi`), so what the
document calls valid is answered and what it calls invalid is refused (400), and a client
generated from the document is right.

An empty value is an absent one (GeoReport's optional-argument rule): every pattern matches
the empty string. Patterns use ``[0-9]``, never ``\\d`` (which in Python also matches other
scripts' digits).
"""

from __future__ import annotations

import re

from onestop.open311 import catalogue

MAX_IDS = 100  # service_request_id values in one query
MAX_CODES = 20  # service_code values in one query

# A work-order number (``371121-20261126-000042``) and a service (category) code
# (``urban-management.street-vending``), as stored.
ID = "[A-Za-z0-9_-]{1,40}"
CODE = "[a-z0-9][a-z0-9.-]{0,119}"


def _list(item: str, most: int) -> str:
    """Comma-separated `item`s (spaces allowed around them), at most `most`, or nothing."""
    return f"^ *({item} *(, *{item} *){{0,{most - 1}}})?$"


ID_LIST_PATTERN = _list(ID, MAX_IDS)
CODE_LIST_PATTERN = _list(CODE, MAX_CODES)
STATUS_PATTERN = _list("(open|closed)", 2)

# A W3C date-time of the years the node's requests can have (2000-2099), as Python's
# `datetime.fromisoformat` reads it: a date, optionally a time (minutes, seconds, fraction) and
# an offset (``Z`` or ``+08:00``; none: China Standard Time). Only real days match (29 February
# in leap years only), so every match is a date the server reads.
FIRST_YEAR, LAST_YEAR = 2000, 2099
_YEAR = "20[0-9][0-9]"
_LEAP_YEAR = "20(0[048]|[2468][048]|[13579][26])"
_MONTH_DAY = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_DAY = f"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = (
    "T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?"
    "(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?"
)
DATE_PATTERN = f"^({_DAY}({_TIME})?)?$"

WINDOW_DAYS = catalogue.WINDOW_DAYS


def matches(pattern: str, value: str) -> bool:
    """Whether `value` is valid by `pattern` as a JSON Schema validator in Python reads it
    (``re.search``: a ``$`` also matches before one final newline, which the readers drop)."""
    return re.search(pattern, value) is not None
