"""Uploads capped before they are read (docs/operations.md, "Limits").

Django keeps an upload of up to FILE_UPLOAD_MAX_MEMORY_SIZE in memory and streams a larger
one to a temporary file, and DATA_UPLOAD_MAX_MEMORY_SIZE caps the rest of a request body; but
neither caps the files themselves. `CappedUploadHandler`, first in FILE_UPLOAD_HANDLERS,
does, while the body is parsed:

- a request whose declared length is over UPLOAD_MAX_REQUEST_BYTES is refused before a byte
  of it is read;
- a request whose files add up to more than UPLOAD_MAX_REQUEST_BYTES, or with one file of more
  than UPLOAD_MAX_FILE_BYTES, is refused as soon as the bytes received pass the cap (a client
  may lie about the length);
- DATA_UPLOAD_MAX_NUMBER_FILES caps how many files one request carries.

Each raises Django's `RequestDataTooBig` (a 400 for pages; the API maps it to its error
shape). `read_capped` reads one upload into memory only if it is within a limit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from onestop.core.errors import ValidationFailed


def max_request_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_REQUEST_BYTES", 32 * 1024 * 1024))


def max_file_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_FILE_BYTES", 10 * 1024 * 1024))


class CappedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file of a request and stops the parse past the caps; passes
    every chunk on to the next handler (memory or temporary file) untouched."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.total = 0
        self.current = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,  # noqa: N803 - Django's name
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length and content_length > max_request_bytes():
            raise RequestDataTooBig("The request is larger than UPLOAD_MAX_REQUEST_BYTES.")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.current = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.current += len(raw_data)
        self.total += len(raw_data)
        if self.current > max_file_bytes():
            raise RequestDataTooBig("A file is larger than UPLOAD_MAX_FILE_BYTES.")
        if self.total > max_request_bytes():
            raise RequestDataTooBig("The files are larger than UPLOAD_MAX_REQUEST_BYTES.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def read_capped(upload: UploadedFile, limit: int, message: str) -> bytes:
    """The bytes of `upload`, read only if it has at most `limit` bytes (else
    `ValidationFailed(message, code="file_too_large")`, nothing read into memory)."""
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(message, code="file_too_large")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(message, code="file_too_large")
    return data
