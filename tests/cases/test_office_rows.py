"""The queue and board rows written in Python (`cases/templatetags/office_rows.py`): the
markup the template loop wrote, escaped, dates in the current time zone."""

from __future__ import annotations

import datetime

from django.utils import timezone, translation

from onestop.cases.models import Case, Supplement
from onestop.cases.selectors.office import BoardRow, QueueRow
from onestop.cases.templatetags.office_rows import board_rows, queue_rows


def _case(**fields: object) -> Case:
    return Case(**{"number": "371121-20261201-0000007", "status": Case.Status.ACCEPTED, **fields})


def test_queue_row_links_the_case_and_escapes_what_people_typed() -> None:
    case = _case(due_date=datetime.date(2026, 12, 9))
    row = QueueRow(case=case, applicant_name="<b>张三</b>", task="审查", due="warn")

    with translation.override("en"):
        html = str(queue_rows([row]))

    assert html.startswith('<tr class="os-due-row--soon" data-due="warn">')
    assert '<a href="/office/cases/371121-20261201-0000007/">371121-20261201-0000007</a>' in html
    assert "<td>&lt;b&gt;张三&lt;/b&gt;</td>" in html
    assert '<span class="os-due os-due--soon">Time limit nearly used up</span>' in html
    assert '<time datetime="2026-12-09">2026-12-09</time>' in html
    assert f"<td>{Case.Status.ACCEPTED.label}</td>" in html


def test_board_row_marks_escalation_and_the_supplement_since_in_local_time() -> None:
    # 17:30 UTC is 01:30 the next day in Shanghai: the date shown is the local one.
    since = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=datetime.UTC)
    case = _case(
        due_date=None, escalated_at=since, paused_since=since, status=Case.Status.SUPPLEMENT
    )
    supplement = Supplement(reason="请补交<出生医学证明>" + "。" * 100)
    row = BoardRow(case=case, due="overdue", holder="", lane="申请人", supplement=supplement)

    with translation.override("en"), timezone.override("Asia/Shanghai"):
        html = str(board_rows([row], True))

    assert '<span class="os-due os-due--overdue">Overdue</span>' in html
    assert '<span class="os-due os-due--overdue">Escalated</span>' in html
    assert '<time datetime="2026-12-02T01:30:00+08:00">2026-12-02</time>' in html
    assert "请补交&lt;出生医学证明&gt;" in html
    assert "…" in html  # the reason cut at 80 characters
    assert "<td>申请人</td>" in html
    assert str(board_rows([row], False)).count("<td>") == 4
