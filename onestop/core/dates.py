"""Dates as people read them: in the node's time zone (`settings.TIME_ZONE`), written for the
reader's language — "2026年12月7日" in Chinese, "2026-12-07" in English.

Moments are stored in UTC; a date printed from one without converting it first is a day off
for the eight hours after local midnight. Everything that shows or prints a date from a moment
(PDFs, the verify page, notifications) goes through `local_date`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language


def local_date(value: Any) -> datetime.date | None:
    """The calendar day of `value` in the node's time zone: an aware datetime, an ISO 8601 /
    RFC 3339 text (a date alone is taken as it is), or a date. None for anything else."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if len(text) == 10:  # a date alone, not a moment
            return value.date()
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            return value.date()
        return timezone.localtime(value).date()
    if isinstance(value, datetime.date):
        return value
    return None


def _english(language: str | None) -> bool:
    return (language or get_language() or "").startswith("en")


def date_text(value: Any, language: str | None = None) -> str:
    """The local date of `value` for the reader (the active language unless `language`);
    "" when there is none."""
    day = local_date(value)
    if day is None:
        return ""
    if _english(language):
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


def datetime_text(value: Any, language: str | None = None) -> str:
    """The local date and time (to the minute) of an aware moment for the reader."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return ""
    if not isinstance(value, datetime.datetime):
        return date_text(value, language)
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_text(moment.date(), language)} {moment:%H:%M}"


def moment(value: Any) -> datetime.datetime | None:
    """An aware moment from a datetime or an ISO 8601 text (None for anything else, and for a
    date alone)."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return None
