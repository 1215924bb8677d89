"""What an uploaded file is, read from its first bytes (never from its name or the browser's
content type). One list for every app that accepts files (hotline attachments, case materials).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    content_type: str
    # Extensions a file of this kind may carry; the first is the one a stored copy gets.
    extensions: tuple[str, ...]


# (magic bytes, kind): PDF, PNG and JPEG, the formats scans and photos of documents come in.
KINDS: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", FileKind("application/pdf", (".pdf",))),
    (b"\x89PNG\r\n\x1a\n", FileKind("image/png", (".png",))),
    (b"\xff\xd8\xff", FileKind("image/jpeg", (".jpg", ".jpeg"))),
)


def sniff(data: bytes) -> FileKind | None:
    """The kind of a PDF, PNG or JPEG by its first bytes; None for anything else."""
    for magic, kind in KINDS:
        if data.startswith(magic):
            return kind
    return None
