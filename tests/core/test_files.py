"""Uploaded files are recognised by their first bytes."""

from onestop.core.files import sniff


def test_pdf_png_and_jpeg_are_recognised_by_content() -> None:
    pdf = sniff(b"%PDF-1.7\n...")
    assert pdf is not None
    assert pdf.content_type == "application/pdf"
    png = sniff(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert png is not None
    assert png.extensions == (".png",)
    jpeg = sniff(b"\xff\xd8\xff\xe0JFIF")
    assert jpeg is not None
    assert jpeg.extensions[0] == ".jpg"


def test_anything_else_is_refused_whatever_it_is_called() -> None:
    assert sniff(b"") is None
    assert sniff(b"MZ\x90\x00 a Windows program named scan.pdf") is None
    assert sniff(b"<html><script>alert(1)</script>") is None
