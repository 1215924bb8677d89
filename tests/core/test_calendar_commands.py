"""`onestop calendar_load FILE` and `onestop calendar_status`."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from onestop.core import calendar
from onestop.core.models import CalendarDay, CalendarYear

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "calendar-2027-example.json"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_example_file_is_marked_as_an_example() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert data["source"].startswith("EXAMPLE")
    assert "NOT the State Council" in data["_comment"]


def test_load_example_then_again_changes_nothing(db: None) -> None:
    assert calendar.is_working_day(datetime.date(2027, 2, 8)) is True  # fallback
    out = _run("calendar_load", str(EXAMPLE))
    assert out.strip() == (
        "calendar 2027: 10 holidays, 1 adjusted workdays; 12 created, 0 updated, 0 deleted"
    )
    assert CalendarDay.objects.filter(date__year=2027).count() == 11
    assert CalendarYear.objects.get(year=2027).source.startswith("EXAMPLE")
    assert calendar.is_working_day(datetime.date(2027, 2, 8)) is False
    assert calendar.is_working_day(datetime.date(2027, 2, 13)) is True
    stamps = list(CalendarDay.objects.values_list("updated_at", flat=True))
    again = _run("calendar_load", str(EXAMPLE))
    assert again.strip().endswith("0 created, 0 updated, 0 deleted")
    assert list(CalendarDay.objects.values_list("updated_at", flat=True)) == stamps


def test_dry_run_changes_nothing(db: None) -> None:
    out = _run("calendar_load", str(EXAMPLE), "--dry-run")
    assert "valid (nothing changed)" in out
    assert CalendarYear.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON"),
        ("[]", "one JSON object"),
        ('{"year": 2027, "days": []}', "needs a source"),
        ('{"year": "2027", "source": "n", "days": []}', "valid year"),
        (
            '{"year": 2027, "source": "n", "days": [{"date": "2027-13-01", "kind": "holiday"}]}',
            "Day 1 does not have a date",
        ),
        (
            '{"year": 2027, "source": "n", "days": [{"date": "2027-03-03", "kind": "workday"}]}',
            "is a weekday",
        ),
    ],
)
def test_bad_file_is_refused_and_nothing_changes(
    db: None, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "notice.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        _run("calendar_load", str(path))
    assert CalendarYear.objects.count() == 0
    assert CalendarDay.objects.count() == 0


def test_missing_file_is_a_clear_error(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        _run("calendar_load", str(tmp_path / "nope.json"))


def test_status_lists_years_and_warns_about_missing_ones(db: None) -> None:
    _run("calendar_load", str(EXAMPLE))
    out = _run("calendar_status")
    lines = out.splitlines()
    assert lines[0].startswith("2027   10 holidays   1 workdays  source: EXAMPLE")
    this_year = datetime.date.today().year  # noqa: DTZ011
    assert any(line.startswith(f"{this_year}: not entered") for line in lines) == (
        this_year != 2027
    )
