"""Uploads capped while the body is parsed (core.uploads): a declared length over the cap is
refused before anything is read, a file or a request's files past their caps stop the parse,
and too many files are refused; `read_capped` reads nothing over its limit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from onestop.core import uploads
from onestop.core.errors import ValidationFailed

KB = 1024


def _multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "BoUnDaRy"
    parts = []
    for i, (name, data) in enumerate(files.items()):
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"; '
                f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _request(files: dict[str, bytes], declared: int | None = None) -> Any:
    body, content_type = _multipart(files)
    request = RequestFactory().generic("POST", "/upload", data=body, content_type=content_type)
    if declared is not None:
        request.META["CONTENT_LENGTH"] = str(declared)

        class Spy(io.BytesIO):
            consumed = 0

            def read(self, size: int | None = -1) -> bytes:
                data = super().read(size)
                Spy.consumed += len(data)
                return data

        spy = Spy(body)
        request._stream = spy  # what Django reads the body from
        request.spy = Spy
    return request


@pytest.fixture
def caps(settings: Any) -> Any:
    settings.UPLOAD_MAX_FILE_BYTES = 100 * KB
    settings.UPLOAD_MAX_REQUEST_BYTES = 250 * KB
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    return settings


def test_files_within_the_caps_arrive_whole(caps: Any) -> None:
    request = _request({"a.pdf": b"%PDF-" + b"a" * 90 * KB, "b.pdf": b"%PDF-" + b"b" * 90 * KB})

    files = request.FILES

    assert sorted(f.size for f in files.values()) == [90 * KB + 5, 90 * KB + 5]


def test_one_file_over_its_cap_stops_the_parse(caps: Any) -> None:
    request = _request({"big.pdf": b"x" * 150 * KB})

    with pytest.raises(RequestDataTooBig, match="UPLOAD_MAX_FILE_BYTES"):
        _ = request.FILES


def test_the_files_of_one_request_are_capped_together(caps: Any) -> None:
    request = _request({f"{i}.pdf": b"x" * 90 * KB for i in range(3)})

    with pytest.raises(RequestDataTooBig, match="UPLOAD_MAX_REQUEST_BYTES"):
        _ = request.FILES


def test_a_declared_length_over_the_cap_is_refused_before_reading(caps: Any) -> None:
    request = _request({"a.pdf": b"x" * 10 * KB}, declared=10 * 1024 * KB)

    with pytest.raises(RequestDataTooBig):
        _ = request.FILES

    assert request.spy.consumed == 0


def test_too_many_files(caps: Any) -> None:
    request = _request({f"{i}.pdf": b"%PDF-1" for i in range(4)})

    with pytest.raises(TooManyFilesSent):
        _ = request.FILES


def test_read_capped_reads_nothing_over_the_limit() -> None:
    upload = SimpleUploadedFile("a.pdf", b"x" * 2000)

    with pytest.raises(ValidationFailed) as raised:
        uploads.read_capped(upload, 1000, "too big")

    assert raised.value.code == "file_too_large"
    assert upload.file.tell() == 0  # the declared size was enough
    assert uploads.read_capped(SimpleUploadedFile("b.pdf", b"%PDF-1"), 1000, "x") == b"%PDF-1"


def test_read_capped_does_not_trust_a_wrong_size() -> None:
    upload = SimpleUploadedFile("a.pdf", b"x" * 2000)
    upload.size = 10  # a handler that mis-reported

    with pytest.raises(ValidationFailed):
        uploads.read_capped(upload, 1000, "too big")
