"""The three-rates table as CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese
correctly) and as an Excel workbook (openpyxl): the same rows and numbers as the page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from onestop.insights.selectors import Dashboard, Row

HUNDRED = Decimal(100)


def percent(rate: Decimal | None) -> Decimal | None:
    """A ratio as a percentage with two decimals (0.6667 → 66.67); `None` stays `None`."""
    return None if rate is None else (rate * HUNDRED).quantize(Decimal("0.01"))


def header() -> list[str]:
    return [
        _("Rank"),
        _("Department code"),
        _("Department"),
        _("Dispatched"),
        _("Signed for on time"),
        _("Response rate (%)"),
        _("Callbacks"),
        _("Resolved"),
        _("Resolution rate (%)"),
        _("Satisfied"),
        _("Satisfaction rate (%)"),
        _("Composite score (%)"),
        _("Overdue"),
        _("Returned"),
        _("Reopened"),
    ]


def values(row: Row) -> list[Any]:
    return [
        row.rank,
        row.department,
        row.department_name,
        row.dispatched,
        row.signed_on_time,
        percent(row.response_rate),
        row.callbacks,
        row.resolved,
        percent(row.resolution_rate),
        row.satisfied,
        percent(row.satisfaction_rate),
        percent(row.composite),
        row.overdue,
        row.returned,
        row.reopened,
    ]


def filename(dashboard: Dashboard, extension: str) -> str:
    return f"hotline-three-rates-{dashboard.region}-{dashboard.month:%Y-%m}.{extension}"


def to_csv(dashboard: Dashboard) -> bytes:
    """One header line, one line per handling unit; a missing rate is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header())
    for row in dashboard.rows:
        writer.writerow(["" if v is None else v for v in values(row)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(dashboard: Dashboard) -> bytes:
    """Sheet "three rates" (the CSV's rows, numbers as numbers) and sheet "volumes"
    (dimension, key, label, count)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = _("Three rates")[:31]
    sheet.append(header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dashboard.rows:
        sheet.append(values(row))
    sheet.freeze_panes = "A2"
    volumes = book.create_sheet(_("Volumes")[:31])
    volumes.append([_("Dimension"), _("Key"), _("Label"), _("Requests")])
    for cell in volumes[1]:
        cell.font = Font(bold=True)
    v = dashboard.volumes
    for dimension, items in (
        (_("Category (level 1)"), v.category_level1),
        (_("Category (level 2)"), v.category_level2),
        (_("Channel"), v.channel),
        (_("Request type"), v.request_type),
    ):
        for item in items:
            volumes.append([dimension, item.key, item.label, item.count])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
