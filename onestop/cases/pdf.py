"""The papers of a case as PDF: the acceptance receipt (with the QR code of the tracking page)
and the one-time notice listing everything missing.

Each paper is rendered from the data stored in its `CaseDocument` when it was issued, so it
prints the same every time. reportlab with the built-in STSong-Light CID font (the one the
e-licence PDF uses), so Chinese renders without a font file.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from onestop.cases import tracking
from onestop.cases.models import CaseDocument, CaseMaterial
from onestop.core import dates, urls
from onestop.credentials.pdf import cjk_font as font
from onestop.credentials.pdf import draw_qr

WIDTH, HEIGHT = A4
LEFT = 20 * mm
RIGHT = WIDTH - 20 * mm
BOTTOM = 20 * mm


def _zh() -> bool:
    return not (get_language() or "zh").startswith("en")


def _name(row: Any) -> str:
    """A material / item name in the active language (Chinese when there is no English)."""
    if isinstance(row, str):
        return row
    if not isinstance(row, dict):
        return str(row)
    zh = str(row.get("name_zh") or row.get("name") or row.get("key") or "")
    en = str(row.get("name_en") or "")
    return zh if _zh() or not en else en


def _mode_label(mode: str) -> str:
    try:
        return str(CaseMaterial.Mode(mode).label)
    except ValueError:
        return mode


class _Page:
    """A canvas with a cursor: lines wrap at the right margin and flow onto new pages."""

    def __init__(self, title: str) -> None:
        self.font = font()
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, invariant=1)
        self.pdf.setTitle(title)
        self.y = HEIGHT - 25 * mm

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.pdf.showPage()
            self.y = HEIGHT - 25 * mm

    def title(self, text: str) -> None:
        self.pdf.setFont(self.font, 18)
        self.pdf.drawCentredString(WIDTH / 2, self.y, text)
        self.y -= 14 * mm

    def heading(self, text: str) -> None:
        self.need(12 * mm)
        self.y -= 2 * mm
        self.pdf.setFont(self.font, 13)
        self.pdf.drawString(LEFT, self.y, text)
        self.y -= 8 * mm

    def _wrap(self, text: str, size: float, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in str(text).splitlines() or [""]:
            line = ""
            for char in paragraph:
                if pdfmetrics.stringWidth(line + char, self.font, size) > width and line:
                    lines.append(line)
                    line = char
                else:
                    line += char
            lines.append(line)
        return lines

    def text(self, text: str, *, size: float = 11, indent: float = 0) -> None:
        for line in self._wrap(text, size, RIGHT - LEFT - indent):
            self.need(size * 0.5 * mm + 4 * mm)
            self.pdf.setFont(self.font, size)
            self.pdf.drawString(LEFT + indent, self.y, line)
            self.y -= size * 0.35 * mm + 3 * mm

    def row(self, label: str, value: Any) -> None:
        self.need(8 * mm)
        self.pdf.setFont(self.font, 11)
        # The colon belongs to the language (Chinese: a full-width one, via the translation).
        self.pdf.drawString(LEFT, self.y, _("%(label)s:") % {"label": label})
        lines = self._wrap(str(value), 11, RIGHT - LEFT - 45 * mm)
        for i, line in enumerate(lines):
            if i:
                self.need(7 * mm)
            self.pdf.drawString(LEFT + 45 * mm, self.y, line)
            self.y -= 7 * mm

    def qr(self, code: segno.QRCode, caption: str) -> None:
        size = 45 * mm
        self.need(size + 12 * mm)
        draw_qr(self.pdf, code, RIGHT - size, self.y - size, size)
        self.pdf.setFont(self.font, 9)
        for i, line in enumerate(self._wrap(caption, 9, RIGHT - LEFT - size - 5 * mm)):
            self.pdf.drawString(LEFT, self.y - 10 * mm - i * 5 * mm, line)
        self.y -= size + 6 * mm

    def done(self, footer: str) -> bytes:
        self.pdf.setFont(self.font, 9)
        self.pdf.drawCentredString(WIDTH / 2, 12 * mm, footer)
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _base_url(base_url: str) -> str:
    return (base_url or urls.public_url()).rstrip("/")


def tracking_link(number: str, base_url: str = "") -> str:
    return _base_url(base_url) + tracking.track_path(number)


def receipt_link(document: CaseDocument, *, base_url: str = "") -> str:
    """The tracking link the receipt's QR code holds ('' before the case has a number)."""
    number = str((document.data or {}).get("number") or document.case.number or "")
    return tracking_link(number, base_url) if number else ""


def _common_rows(
    page: _Page, data: dict[str, Any], document: CaseDocument, *, public: bool = False
) -> None:
    case = document.case
    number = str(data.get("number") or case.number or "")
    if number:
        page.row(_("Case number"), number)
    else:
        page.row(_("Reference"), str(case.pk))
    title_data = data.get("title")
    if isinstance(title_data, dict):
        title = _name({"name_zh": title_data.get("zh"), "name_en": title_data.get("en")})
    else:
        title = _name({"name_zh": data.get("title_zh"), "name_en": data.get("title_en")})
    if not title:
        subject = case.scenario or case.item
        title = _name({"name_zh": subject.name_zh, "name_en": subject.name_en}) if subject else ""
    if title:
        page.row(_("Application"), title)
    if public:
        return  # the copy behind the public tracking link: no personal data
    name = data.get("applicant_name") or case.applicant_name
    if name:
        page.row(_("Applicant"), name)
    masked = data.get("applicant_id_masked") or case.applicant_id_masked
    if masked:
        page.row(_("ID number"), masked)


def _item_line(item: dict[str, Any]) -> str:
    """An item of the receipt: its name, and its case number, limit and due date."""
    line = _name(item)
    extra = []
    if item.get("number"):
        extra.append(str(item["number"]))
    if item.get("promised_days") is not None:
        days = int(item["promised_days"])
        extra.append(
            ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days}
        )
    if item.get("due_date"):
        extra.append(_("due %(date)s") % {"date": dates.date_text(item["due_date"])})
    if not extra:
        return line
    return _("%(item)s (%(details)s)") % {"item": line, "details": "; ".join(extra)}


def _receipt(document: CaseDocument, base_url: str, *, public: bool = False) -> bytes:
    data = dict(document.data or {})
    case = document.case
    page = _Page(_("Acceptance receipt"))
    page.title(_("Acceptance receipt"))
    _common_rows(page, data, document, public=public)
    accepted = dates.date_text(data.get("accepted_at") or case.accepted_at)
    if accepted:
        page.row(_("Accepted on"), accepted)
    if data.get("window"):
        page.row(_("Window"), data["window"])
    items = data.get("items") or []
    if items:
        page.heading(_("Items and promised time limits"))
        for item in items:
            page.text(f"• {_item_line(item)}", indent=3 * mm)
    materials = data.get("materials") or []
    if materials:
        page.heading(_("Materials"))
        for m in materials:
            state = _("%(material)s: %(state)s") % {
                "material": _name(m),
                "state": _mode_label(str(m.get("mode", ""))),
            }
            page.text(f"• {state}", indent=3 * mm)
    pledged = data.get("pledged") or []
    if pledged:
        page.heading(_("Pledged materials (accepted against a pledge)"))
        due = dates.date_text(data.get("pledge_due") or case.pledge_due)
        page.text(
            _("Supply these materials by %(date)s, or the application may be rejected.")
            % {"date": due}
        )
        for m in pledged:
            page.text(f"• {_name(m)}", indent=3 * mm)
    link = receipt_link(document, base_url=base_url)
    if link:
        page.heading(_("Follow your application"))
        page.qr(
            segno.make(link, error="m", micro=False),
            _("Scan the code to see the status of this application: %(link)s") % {"link": link},
        )
    return page.done(_("Keep this receipt until the result is delivered."))


def _notice(document: CaseDocument) -> bytes:
    data = dict(document.data or {})
    case = document.case
    page = _Page(_("One-time notice"))
    page.title(_("One-time notice of missing materials"))
    _common_rows(page, data, document)
    page.row(_("Issued on"), dates.date_text(document.created_at))
    page.text(
        _(
            "The application could not be accepted yet. This notice lists everything that is "
            "missing, once and for all: bring it and the application will be accepted."
        )
    )
    materials = data.get("materials") or data.get("missing") or []
    page.heading(_("Missing materials"))
    if materials:
        for m in materials:
            page.text(f"• {_name(m)}", indent=3 * mm)
    else:
        page.text(_("No material is missing."), indent=3 * mm)
    fields = data.get("fields") or []
    questions = data.get("questions") or []
    if fields or questions:
        page.heading(_("Missing information"))
        for f in fields:
            if isinstance(f, dict):
                label = _name(
                    {"name_zh": f.get("title_zh") or f.get("key"), "name_en": f.get("title_en")}
                )
            else:
                label = str(f)
            page.text(f"• {label}", indent=3 * mm)
        variants = {
            q.get("key"): q for q in (case.scenario.variants if case.scenario else []) or []
        }
        for key in questions:
            q = variants.get(key) or {}
            label = _name({"name_zh": q.get("question_zh") or key, "name_en": q.get("question_en")})
            page.text(f"• {label}", indent=3 * mm)
    return page.done(_("Bring this notice on your next visit."))


def document_pdf(document: CaseDocument, *, base_url: str = "", public: bool = False) -> bytes:
    """The PDF of a receipt or a one-time notice. `base_url` (scheme and host) makes the QR
    link absolute; without it, the node's `PUBLIC_URL`. `public`: the copy for
    whoever holds the tracking link, without the applicant's name and ID."""
    if document.kind == CaseDocument.Kind.NOTICE:
        return _notice(document)
    return _receipt(document, base_url, public=public)
