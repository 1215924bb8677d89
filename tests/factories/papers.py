"""PDFs looked at as a reader's viewer shows them (poppler: `pdffonts`, `pdftotext`,
`pdftoppm`), not as the bytes reportlab wrote.

`read_pdf(body, tmp_path)` checks that every font is embedded, that the extracted text has no
U+FFFD, that the embedded font has a glyph for every character drawn (none prints as an empty
box, "tofu") and that every page, rendered, carries ink (text is drawn, the page is not blank);
it returns the text and each page's text (whitespace removed) and the document information.
Tests skip when poppler-utils is not installed (`make browser` installs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

TOOLS = ("pdffonts", "pdftotext", "pdftoppm", "pdfinfo")


def require_poppler() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"poppler-utils missing ({', '.join(missing)}): run `make browser` as root")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _ink(pgm: Path) -> float:
    """The fraction of dark pixels of a binary PGM (P5, 8 bits) page image."""
    data = pgm.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields is not None, "pdftoppm did not write a PGM"
    width, height = int(fields.group(1)), int(fields.group(2))
    pixels = data[fields.end() : fields.end() + width * height]
    return sum(1 for value in pixels if value < 128) / max(1, len(pixels))


class Paper(NamedTuple):
    text: str  # extracted text without whitespace (lines wrap anywhere in Chinese)
    pages: list[str]  # each page's text, without whitespace
    info: str  # pdfinfo: title, author, creation date


def read_pdf(body: bytes, tmp_path: Path, name: str = "paper") -> Paper:
    from reportlab.pdfbase import pdfmetrics

    from onestop.credentials.pdf import cjk_font

    require_poppler()
    assert body.startswith(b"%PDF")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(body)
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts, "no font in the PDF"
    for row in fonts:
        # name type [type] encoding emb sub uni object ID: "emb" is the 4th column from the end
        assert row.split()[-5] == "yes", f"font not embedded: {row}"
    text = _run("pdftotext", "-enc", "UTF-8", str(path), "-")
    assert "\ufffd" not in text, text
    face = pdfmetrics.getFont(cjk_font()).face
    missing = {c for c in text if not c.isspace() and ord(c) not in face.charToGlyph}
    assert not missing, f"characters without a glyph (printed as boxes): {sorted(missing)}"
    _run("pdftoppm", "-r", "30", "-gray", str(path), str(tmp_path / name))
    images = sorted(tmp_path.glob(f"{name}-*.pgm"))
    assert images, "pdftoppm rendered no page"
    for image in images:
        ink = _ink(image)
        # text drawn: some ink; not a page of solid boxes either
        assert 0.002 < ink < 0.4, (image.name, ink)
    pages = [re.sub(r"\s+", "", page) for page in text.split("\f")[: len(images)]]
    return Paper(re.sub(r"\s+", "", text), pages, _run("pdfinfo", str(path)))


def pdf_text(body: bytes) -> str:
    """The text a reader extracts from `body` (pdftotext), whitespace removed."""
    import tempfile

    require_poppler()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "paper.pdf"
        path.write_bytes(body)
        return re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", str(path), "-"))
