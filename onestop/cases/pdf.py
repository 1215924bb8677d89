"""The papers of a case as PDF: the acceptance receipt (with the QR code of the tracking page)
and the one-time notice (一次性告知书) listing everything missing.

Each paper is rendered from the data stored in its `CaseDocument` when it was issued, so it
prints the same every time (its PDF creation date is the moment it was issued). reportlab, in
the CJK font every OneStop PDF embeds (`credentials.pdf.cjk_font`). Headings are kept with what
follows them: a heading never ends a page whose content starts on the next one.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from onestop.cases import tracking
from onestop.cases.models import CaseDocument
from onestop.cases.sources import material_state
from onestop.core import dates, urls
from onestop.credentials.pdf import cjk_font as font
from onestop.credentials.pdf import draw_qr, pdf_metadata, wrap
from onestop.org import selectors as org_selectors

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


class _Page:
    """A canvas with a cursor: lines wrap at the right margin and flow onto new pages."""

    LINE = 7 * mm

    def __init__(self, title: str, *, author: str = "", moment: Any = None) -> None:
        self.font = font()
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, invariant=1, initialFontName=self.font)
        pdf_metadata(self.pdf, title=title, author=author, moment=moment)
        self.y = HEIGHT - 25 * mm

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.pdf.showPage()
            self.y = HEIGHT - 25 * mm

    def title(self, text: str) -> None:
        self.pdf.setFont(self.font, 18)
        self.pdf.drawCentredString(WIDTH / 2, self.y, text)
        self.y -= 14 * mm

    def heading(self, text: str, *, keep: float = LINE) -> None:
        """A heading, on the same page as the first `keep` of what follows (keep-with-next)."""
        self.need(10 * mm + keep)
        self.y -= 2 * mm
        self.pdf.setFont(self.font, 13)
        self.pdf.drawString(LEFT, self.y, text)
        self.y -= 8 * mm

    def _wrap(self, text: str, size: float, width: float) -> list[str]:
        return wrap(text, self.font, size, width)

    def text(self, text: str, *, size: float = 11, indent: float = 0, bullet: bool = False) -> None:
        lead = "• " if bullet else ""
        hang = self.pdf.stringWidth(lead, self.font, size) if bullet else 0
        for i, line in enumerate(self._wrap(text, size, RIGHT - LEFT - indent - hang)):
            self.need(size * 0.5 * mm + 4 * mm)
            self.pdf.setFont(self.font, size)
            if bullet and not i:
                self.pdf.drawString(LEFT + indent, self.y, lead)
            self.pdf.drawString(LEFT + indent + hang, self.y, line)
            self.y -= size * 0.35 * mm + 3 * mm

    def bullet(self, text: str) -> None:
        self.text(text, indent=3 * mm, bullet=True)

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

    QR_SIZE = 45 * mm

    def qr(self, code: segno.QRCode, caption: str) -> None:
        size = self.QR_SIZE
        self.need(size + 12 * mm)
        draw_qr(self.pdf, code, RIGHT - size, self.y - size, size)
        self.pdf.setFont(self.font, 9)
        for i, line in enumerate(self._wrap(caption, 9, RIGHT - LEFT - size - 5 * mm)):
            self.pdf.drawString(LEFT, self.y - 10 * mm - i * 5 * mm, line)
        self.y -= size + 6 * mm

    SEAL = 36 * mm

    def seal(self, issuer: str, day: str, image: str = "") -> None:
        """The issuing centre, the date and the slot its seal is stamped in (the seal image,
        when the node has one, is printed there)."""
        block = self.SEAL + 8 * mm
        self.need(block)
        cx, cy = RIGHT - self.SEAL / 2 - 5 * mm, self.y - self.SEAL / 2
        if image:
            self.pdf.drawImage(
                image,
                cx - self.SEAL / 2,
                cy - self.SEAL / 2,
                self.SEAL,
                self.SEAL,
                mask="auto",
                preserveAspectRatio=True,
            )
        else:
            self.pdf.setDash(3, 2)
            self.pdf.setStrokeColorRGB(0.5, 0.5, 0.5)
            self.pdf.circle(cx, cy, self.SEAL / 2, stroke=1, fill=0)
            self.pdf.setDash()
            self.pdf.setFont(self.font, 9)
            self.pdf.setFillColorRGB(0.4, 0.4, 0.4)
            self.pdf.drawCentredString(cx, cy - 1.5 * mm, _("(seal)"))
            self.pdf.setFillColorRGB(0, 0, 0)
        self.pdf.setFont(self.font, 11)
        right = cx - self.SEAL / 2 - 4 * mm
        self.pdf.drawRightString(right, cy + 2 * mm, issuer)
        self.pdf.drawRightString(right, cy - 5 * mm, day)
        self.y -= block

    def done(self, footer: str) -> bytes:
        self.pdf.setFont(self.font, 9)
        self.pdf.drawCentredString(WIDTH / 2, 12 * mm, footer)
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _in_language(value: Any) -> str:
    """A {"zh", "en"} pair (or a plain text) in the active language."""
    if isinstance(value, dict):
        return _name({"name_zh": value.get("zh"), "name_en": value.get("en")})
    return str(value or "")


def _issuer(data: dict[str, Any], document: CaseDocument) -> str:
    """Who issues the paper: the centre stored with it, else the case's region's first
    centre (papers stored before the centre was), else the node's name."""
    centre = data.get("centre")
    if centre:
        return _in_language(centre)
    first = org_selectors.centre_list(region=str(document.case.region_id)).first()
    if first is not None:
        return _name({"name_zh": first.name_zh, "name_en": first.name_en})
    return str(getattr(settings, "NODE_NAME", "") or "OneStop")


def seal_image(data: dict[str, Any]) -> str:
    """The issuing centre's seal image, if the node keeps one (`DATA_DIR/seals/<slug>.png`)."""
    slug = str(data.get("centre_slug") or "")
    if not slug:
        return ""
    path = Path(settings.DATA_DIR) / "seals" / f"{Path(slug).name}.png"
    return str(path) if path.is_file() else ""


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


def limit_text(days: int) -> str:
    """A promised time limit: "on the spot" for 0 working days."""
    if days <= 0:
        return _("on the spot")
    return ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days}


def _item_line(item: dict[str, Any]) -> str:
    """An item of the receipt: its name, and its case number, limit and due date (none for an
    item done on the spot: it is done the day it is accepted)."""
    line = _name(item)
    extra = []
    if item.get("number"):
        extra.append(str(item["number"]))
    if item.get("handling_region"):
        extra.append(_("handled by region %(region)s") % {"region": item["handling_region"]})
    days = None if item.get("promised_days") is None else int(item["promised_days"])
    if days is not None:
        extra.append(limit_text(days))
    if item.get("due_date") and days != 0:
        extra.append(_("due %(date)s") % {"date": dates.date_text(item["due_date"])})
    if not extra:
        return line
    # the separator belongs to the language (Chinese: a full-width semicolon)
    return _("%(item)s (%(details)s)") % {"item": line, "details": _("; ").join(extra)}


def _material_state(m: dict[str, Any]) -> str:
    return material_state(
        str(m.get("mode", "")), str(m.get("source") or ""), required=m.get("required") is not False
    )


def _receipt(document: CaseDocument, base_url: str, *, public: bool = False) -> bytes:
    data = dict(document.data or {})
    case = document.case
    issuer = _issuer(data, document)
    accepted_at = data.get("accepted_at") or case.accepted_at
    page = _Page(_("Acceptance receipt"), author=issuer, moment=dates.moment(accepted_at))
    page.title(_("Acceptance receipt"))
    _common_rows(page, data, document, public=public)
    accepted = dates.date_text(accepted_at)
    if accepted:
        page.row(_("Accepted on"), accepted)
    _handling_row(page, data)
    if data.get("window"):
        page.row(_("Window"), _window_text(data["window"], issuer))
    items = data.get("items") or []
    if items:
        page.heading(_("Items and promised time limits"))
        for item in items:
            page.bullet(_item_line(item))
    materials = data.get("materials") or []
    if materials:
        page.heading(_("Materials"))
        for m in materials:
            page.bullet(
                _("%(material)s: %(state)s") % {"material": _name(m), "state": _material_state(m)}
            )
    pledged = data.get("pledged") or []
    if pledged:
        page.heading(_("Pledged materials (accepted against a pledge)"), keep=14 * mm)
        due = dates.date_text(data.get("pledge_due") or case.pledge_due)
        page.text(
            _("Supply these materials by %(date)s, or the application may be rejected.")
            % {"date": due}
        )
        for m in pledged:
            page.bullet(_name(m))
    link = receipt_link(document, base_url=base_url)
    if link:
        page.heading(_("Follow your application"), keep=page.QR_SIZE + 12 * mm)
        page.qr(
            segno.make(link, error="m", micro=False),
            _("Scan the code to see the status of this application: %(link)s") % {"link": link},
        )
    rating = str(data.get("rating_link") or "")
    if rating and not public:
        page.heading(_("Rate this visit"), keep=page.QR_SIZE + 12 * mm)
        page.qr(
            segno.make(rating, error="m", micro=False),
            _("Scan the code to rate the service you received at the window: %(link)s")
            % {"link": rating},
        )
    if not public:
        page.seal(issuer, accepted, seal_image(data))
    return page.done(_("Keep this receipt until the result is delivered."))


def _handling_row(page: _Page, data: dict[str, Any]) -> None:
    """Received here for another region's node (异地代收): the paper names the region that
    handles the application and decides."""
    if data.get("handling_region"):
        page.row(
            _("Handling region"),
            _("Region %(region)s (received here, decided there)")
            % {"region": data["handling_region"]},
        )


def _window_text(window: Any, issuer: str) -> str:
    if isinstance(window, dict):
        number = str(window.get("number") or "")
        centre = _in_language(window.get("centre")) or issuer
    else:
        number, centre = str(window), issuer
    return _("Window %(number)s, %(centre)s") % {"number": number, "centre": centre}


def _requirement(m: dict[str, Any]) -> str:
    """What to bring of a missing material: its form and number of copies."""
    form = str(m.get("form") or "")
    copies = int(m.get("copies") or 1)
    if form == "original":
        return ngettext("original, %(n)s copy", "original, %(n)s copies", copies) % {"n": copies}
    if form == "copy":
        return ngettext("photocopy, %(n)s copy", "photocopy, %(n)s copies", copies) % {"n": copies}
    if form == "electronic":
        return _("electronic file")
    return ""


def _missing(page: _Page, data: dict[str, Any], document: CaseDocument) -> None:
    """The notice's lists: every missing material (with its form and copies), field and
    unanswered question."""
    case = document.case
    materials = data.get("materials") or data.get("missing") or []
    page.heading(_("Missing materials"))
    if materials:
        for m in materials:
            need = _requirement(m) if isinstance(m, dict) else ""
            text = _name(m)
            if need:
                text = _("%(item)s (%(details)s)") % {"item": text, "details": need}
            page.bullet(text)
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
            page.bullet(label)
        variants = {
            q.get("key"): q for q in (case.scenario.variants if case.scenario else []) or []
        }
        for key in questions:
            q = variants.get(key) or {}
            label = _name({"name_zh": q.get("question_zh") or key, "name_en": q.get("question_en")})
            page.bullet(label)


def _notice(document: CaseDocument) -> bytes:
    data = dict(document.data or {})
    issuer = _issuer(data, document)
    issued_at = data.get("issued_at") or document.created_at
    page = _Page(_("One-time notice"), author=issuer, moment=dates.moment(issued_at))
    page.title(_("One-time notice of missing materials"))
    page.row(_("Notice number"), str(data.get("reference") or "") or _("(not numbered)"))
    _common_rows(page, data, document)
    page.row(_("Issued on"), dates.date_text(issued_at))
    _handling_row(page, data)
    if data.get("window"):
        page.row(_("Window"), _window_text(data["window"], issuer))
    if data.get("issued_by"):
        page.row(_("Clerk"), data["issued_by"])
    if data.get("phone"):
        page.row(_("Enquiries"), data["phone"])
    page.text(
        _(
            "The application could not be accepted yet. This notice lists everything that is "
            "missing, once and for all: bring it and the application will be accepted."
        )
    )
    _missing(page, data, document)
    page.heading(_("How to supply them"), keep=20 * mm)
    supply_by = dates.date_text(data.get("supply_by"))
    if supply_by:
        page.text(
            _(
                "Bring or upload everything listed above by %(date)s. Once it is complete the "
                "application is accepted at once; nothing else will be asked for."
            )
            % {"date": supply_by}
        )
    else:
        page.text(
            _(
                "Bring or upload everything listed above. Once it is complete the application "
                "is accepted at once; nothing else will be asked for."
            )
        )
    page.text(
        _(
            "Legal basis: Administrative Licensing Law of the People's Republic of China, "
            "article 32 (everything to be corrected is notified at once)."
        )
    )
    page.text(
        _(
            "If you disagree with this notice, you may apply for administrative review or "
            "bring an administrative lawsuit according to law."
        )
    )
    page.seal(issuer, dates.date_text(issued_at), seal_image(data))
    page.text(_("Received by the applicant (signature and date):"))
    return page.done(_("Bring this notice on your next visit."))


def document_pdf(document: CaseDocument, *, base_url: str = "", public: bool = False) -> bytes:
    """The PDF of a receipt or a one-time notice. `base_url` (scheme and host) makes the QR
    link absolute; without it, the node's `PUBLIC_URL`. `public`: the copy for
    whoever holds the tracking link, without the applicant's name and ID."""
    if document.kind == CaseDocument.Kind.NOTICE:
        return _notice(document)
    return _receipt(document, base_url, public=public)
