"""The three-rates table as CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese
correctly) and as an Excel workbook (openpyxl): the same rows and numbers as the page."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from onestop.insights.selectors import Dashboard, Row, ratio
from onestop.insights.selectors.dashboard import LimitRow, Steering

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
    from openpyxl import Workbook  # loaded when a workbook is made (numpy with it)
    from openpyxl.styles import Font

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


# --- the steering dashboards ---------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of the steering dashboard, as the page, the CSV and the workbook show it:
    the first cell of each row is its row header."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    # Said instead of the header and the rows when the figures are not the reader's to see
    # (never an empty table that reads "nothing happened").
    note: str = ""


def _pct(rate: Decimal | None) -> Decimal | None:
    return percent(rate)


def steering_tables(steering: Steering) -> list[Table]:
    """The dashboard's figures as tables (the charts' text alternative, the exports' content)."""
    limit_header = [
        _("Received"),
        _("Decided"),
        _("Within the limit"),
        _("After the limit"),
        _("Open past the limit"),
        _("Limits kept (%)"),
        _("Average working days"),
        _("Promised working days (average)"),
        _("Supplement requests"),
        _("Supplements per case"),
    ]

    def limit_values(row: LimitRow) -> list[Any]:
        return [
            row.name,
            row.received,
            row.decided,
            row.kept,
            row.late,
            row.overdue_open,
            _pct(row.kept_rate),
            row.average_days,
            row.average_promised,
            row.supplements,
            row.supplements_per_case,
        ]

    total_channels = sum(steering.channels.values())
    channel_names = {"online": _("Online"), "window": _("At the window")}
    tables = [
        Table(
            "days",
            _("Item cases received and decided per day"),
            [_("Day"), _("Received"), _("Decided")],
            [[f"{d.day:%Y-%m-%d}", d.received, d.decided] for d in steering.days],
        ),
        Table(
            "channels",
            _("Item cases received by channel"),
            [_("Channel"), _("Received"), _("Share (%)")],
            [
                [channel_names.get(k, k), n, _pct(ratio(n, total_channels))]
                for k, n in steering.channels.items()
            ],
        ),
        Table(
            "departments",
            _("Time limits, working days and supplements per department"),
            [_("Department"), *limit_header],
            [limit_values(r) for r in steering.departments]
            + ([limit_values(steering.totals)] if len(steering.departments) > 1 else []),
        ),
        Table(
            "items",
            _("Time limits, working days and supplements per item"),
            [_("Item"), *limit_header],
            [limit_values(r) for r in steering.items],
        ),
        Table(
            "queue",
            _("Window queue: waiting and service times per service centre"),
            [
                _("Service centre"),
                _("Numbers taken"),
                _("Served"),
                _("Average wait (minutes)"),
                _("Average service (minutes)"),
            ],
            [
                [q.name, q.tickets, q.served, q.wait_minutes, q.service_minutes]
                for q in steering.queue
            ],
        ),
        Table(
            "hotline",
            _("12345 hotline: the three rates of the orders dispatched in the period"),
            [
                _("Department"),
                _("Rank"),
                _("Dispatched"),
                _("Response rate (%)"),
                _("Resolution rate (%)"),
                _("Satisfaction rate (%)"),
                _("Composite score (%)"),
                _("Overdue"),
            ],
            [
                [
                    r.department_name,
                    r.rank,
                    r.dispatched,
                    _pct(r.response_rate),
                    _pct(r.resolution_rate),
                    _pct(r.satisfaction_rate),
                    _pct(r.composite),
                    r.overdue,
                ]
                for r in steering.hotline
            ],
        ),
        Table(
            "reviews",
            _("Reviews (good and bad ratings) and rectification on time"),
            [
                _("Department"),
                _("Reviews"),
                _("Satisfaction (%)"),
                _("Bad reviews"),
                _("Rectified on time (%)"),
            ],
            [
                [r.name, r.reviews, _pct(r.satisfaction), r.bad, _pct(r.rectified_on_time)]
                for r in steering.reviews or []
            ],
        ),
        Table(
            "burden",
            _("Time saved by bundles and shared data (completed bundles in the period)"),
            [
                _("Scenario"),
                _("Completed bundles"),
                _("Visits saved"),
                _("Materials not handed in"),
                _("Forms saved"),
                _("Working days saved"),
            ],
            [
                [b.name, b.cases, b.visits_saved, b.materials_saved, b.forms_saved, b.days_saved]
                for b in steering.burden
            ],
        ),
        Table(
            "benefits",
            _("Benefits without applying: offers, uptake, payments and days to the payment"),
            [
                _("Benefit"),
                _("Offers"),
                _("Taken up"),
                _("Paid"),
                _("Waiting"),
                _("Declined"),
                _("Uptake (%)"),
                _("Median days from eligibility to uptake"),
                _("Median days from eligibility to payment"),
            ],
            [
                [
                    b.name,
                    b.offers,
                    b.taken_up,
                    b.paid,
                    b.waiting,
                    b.declined,
                    _pct(b.uptake),
                    b.median_days_to_uptake,
                    b.median_days,
                ]
                for b in steering.benefits or []
            ],
            note="" if steering.benefits_in_scope else benefits_out_of_scope(),
        ),
    ]
    return tables


def benefits_out_of_scope() -> str:
    """What the dashboard and its exports say to a reader the benefits policy gives no benefit
    figures (an administrator who is not a supervisor, an officer of a department that grants
    no benefit)."""
    return _(
        "The benefit figures are not in your scope: they are shown to supervisors and to the "
        "officers of the departments that grant benefits."
    )


def steering_filename(steering: Steering, extension: str) -> str:
    f = steering.filters
    return f"insights-{steering.region}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.{extension}"


def steering_csv(steering: Steering) -> bytes:
    """Every table of the dashboard, one after the other: a title line, the header, the rows,
    then an empty line (UTF-8 with BOM, CRLF)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    f = steering.filters
    writer.writerow([_("Period"), f"{f.start:%Y-%m-%d}", f"{f.end:%Y-%m-%d}"])
    writer.writerow([])
    for table in steering_tables(steering):
        writer.writerow([table.title])
        if table.note:
            writer.writerows([[table.note], []])
            continue
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow(["" if v is None else v for v in row])
        writer.writerow([])
    return out.getvalue().encode("utf-8-sig")


def steering_xlsx(steering: Steering) -> bytes:
    """One sheet per table (numbers as numbers), its title in the first row."""
    from openpyxl import Workbook  # loaded when a workbook is made (numpy with it)
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None  # noqa: S101 - a new workbook has one sheet
    book.remove(first)
    for table in steering_tables(steering):
        sheet = book.create_sheet(table.key)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        if table.note:
            sheet.append([table.note])
            continue
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        sheet.freeze_panes = "B3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
