"""The printable PDF of an e-licence (reportlab; Chinese with the built-in STSong-Light CID
font, so no font file is needed). The QR code is drawn as vector squares from its matrix."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from onestop.core import dates

FONT = "STSong-Light"


def cjk_font() -> str:
    """The name of the built-in CID font that writes Chinese (registered on first use)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def draw_qr(pdf: canvas.Canvas, code: segno.QRCode, x: float, y: float, size: float) -> None:
    """Draw `code` as vector squares, `size` wide, its lower left corner at (x, y)."""
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    cell = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


# cases/pdf.py still imports these two; delete them once it uses cjk_font and draw_qr.
_font = cjk_font
_draw_qr = draw_qr


def licence_pdf(*, rows: list[tuple[str, Any]], title: str, code: segno.QRCode) -> bytes:
    """One A4 page: the title, the licence's fields as label/value rows and the QR code."""
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    width, height = A4
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 30 * mm, title)
    y = height - 45 * mm
    for label, value in rows:
        pdf.setFont(font, 11)
        pdf.drawString(25 * mm, y, f"{label}:")
        pdf.drawString(70 * mm, y, str(value))
        y -= 8 * mm
    size = 80 * mm
    draw_qr(pdf, code, (width - size) / 2, y - size - 5 * mm, size)
    pdf.setFont(font, 9)
    pdf.drawCentredString(
        width / 2,
        y - size - 12 * mm,
        _("Scan the code or open the verification page to check this e-licence."),
    )
    pdf.drawCentredString(
        width / 2, 15 * mm, _("Printed on %(date)s") % {"date": dates.date_text(timezone.now())}
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
