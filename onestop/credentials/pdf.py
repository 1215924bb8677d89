"""The printable PDF of an e-licence, and the font every OneStop PDF writes with.

The font is a TrueType CJK font embedded (subset) in each PDF, so every reader draws the same
glyphs, bullets and full-width punctuation included: `settings.PDF_FONT_FILE`, else the first
of `FONT_FILES` present (Debian's fonts-wqy-microhei, which `make browser` installs). Without
one, the built-in STSong-Light CID font, which is not embedded (readers substitute a font of
their own and draw "�" where it lacks a glyph); the deployment check warns about it. The QR
code is drawn as vector squares from its matrix."""

from __future__ import annotations

import datetime
import functools
import io
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from onestop.core import dates

FONT = "OneStopCJK"
FALLBACK_FONT = "STSong-Light"
# TrueType (glyf) CJK fonts reportlab can embed, in order of preference (OpenType/CFF fonts
# such as Noto Sans CJK cannot be embedded by reportlab).
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def font_file() -> str:
    """The CJK font file the PDFs embed ('' when there is none: the fallback CID font)."""
    configured = str(getattr(settings, "PDF_FONT_FILE", "") or "")
    if configured:
        return configured if Path(configured).is_file() else ""
    return next((f for f in FONT_FILES if Path(f).is_file()), "")


@functools.cache
def _registered(path: str) -> str:
    if path:
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
        return FONT
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def cjk_font() -> str:
    """The name of the font that writes every PDF (registered on first use): the embedded
    TrueType CJK font, or the built-in CID font when the node has no font file."""
    return _registered(font_file())


def font_embedded() -> bool:
    """Whether the PDFs embed their font (the deployment check warns when they do not)."""
    return bool(font_file())


def pdf_metadata(pdf: canvas.Canvas, *, title: str, author: str, moment: Any = None) -> None:
    """The document information every OneStop PDF carries: its title, its author (the issuing
    centre or department, never "anonymous"), OneStop as creator and the moment it was made
    (the paper's own time, so a stored paper prints byte for byte the same; now otherwise)."""
    pdf.setTitle(title)
    pdf.setAuthor(author or "OneStop")
    pdf.setCreator("OneStop")
    pdf.setSubject(title)
    when = moment if isinstance(moment, datetime.datetime) else timezone.now()
    local = timezone.localtime(when) if timezone.is_aware(when) else when
    offset = local.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    stamp = f"D:{local:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
    pdf.setDateFormatter(lambda *_parts: stamp)


def draw_qr(pdf: canvas.Canvas, code: segno.QRCode, x: float, y: float, size: float) -> None:
    """Draw `code` as vector squares, `size` wide, its lower left corner at (x, y)."""
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    cell = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def wrap(text: Any, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` (character by character: Chinese has no
    spaces; an English word is not split when it fits on a line of its own)."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, font, size) > width and line:
                cut = line.rfind(" ")
                if char.isascii() and char != " " and line[-1].isascii() and cut > 0:
                    lines.append(line[:cut])
                    line = line[cut + 1 :] + char
                else:
                    lines.append(line)
                    line = char.lstrip()
            else:
                line += char
        lines.append(line)
    return lines


def licence_pdf(
    *,
    rows: list[tuple[str, Any]],
    title: str,
    code: segno.QRCode,
    author: str = "",
    moment: Any = None,
) -> bytes:
    """One A4 page: the title, the licence's fields as label/value rows and the QR code.
    `author`: the issuing department (the PDF's metadata); `moment`: when it was issued."""
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, initialFontName=font)
    pdf_metadata(pdf, title=title, author=author, moment=moment)
    width, height = A4
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 30 * mm, title)
    y = height - 45 * mm
    pdf.setFont(font, 11)
    for label, value in rows:
        # the label wraps in its own column, never into the value's
        labels = wrap(_("%(label)s:") % {"label": label}, font, 11, 42 * mm)
        values = wrap(value, font, 11, width - 95 * mm)
        for i, line in enumerate(labels):
            pdf.drawString(25 * mm, y - i * 6 * mm, line)
        for i, line in enumerate(values):
            pdf.drawString(70 * mm, y - i * 6 * mm, line)
        y -= (max(len(labels), len(values)) - 1) * 6 * mm + 8 * mm
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
