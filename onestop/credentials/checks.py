"""Deployment check of the printed papers: every PDF embeds its CJK font (else readers draw
"�" for glyphs their substitute font lacks)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from onestop.core import secrets
from onestop.core.checks import register
from onestop.credentials import pdf


@register
def pdf_font(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not secrets.production() or pdf.font_embedded():
        return []
    return [
        checks.Warning(
            "No TrueType CJK font to embed in the PDFs: receipts, notices and e-licences fall "
            "back to the built-in STSong-Light font, which readers replace with their own.",
            hint="Install Debian's fonts-wqy-microhei or set PDF_FONT_FILE to a .ttf/.ttc "
            "CJK font (docs/operations.md).",
            id="onestop.W130",
        )
    ]
