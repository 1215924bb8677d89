"""Uploading a material: the content decides the type (PDF, PNG, JPEG), the size is limited,
the SHA-256 is kept, a new file replaces the old one, and bad input stores nothing."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from onestop.cases import uploads
from onestop.core.errors import ValidationFailed
from tests.cases.factories_portal import JPEG, PDF, PNG, upload


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_the_content_decides_the_type_not_the_name(data, content_type):
    checked = uploads.file_check(upload(data, name="whatever.txt", content_type="text/plain"))
    assert checked.content_type == content_type
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.original_name == "whatever.txt"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"MZ\x90\x00 this is an executable", "file_type"),
        (b"<html><script>alert(1)</script></html>", "file_type"),
        (b"GIF89a\x01\x00", "file_type"),
    ],
)
def test_wrong_content_is_refused_with_a_clear_message(data, code):
    with pytest.raises(ValidationFailed) as error:
        uploads.file_check(upload(data, name="scan.pdf"))
    assert error.value.code == code
    if code == "file_type":
        assert str(error.value.message) == (
            "Only PDF, PNG and JPEG files are accepted; this file is none of them."
        )


def test_the_size_limit_comes_from_the_setting(settings):
    settings.CASE_UPLOAD_MAX_BYTES = 1024
    assert uploads.file_check(upload(PDF + b"0" * (1024 - len(PDF)))).content_type
    with pytest.raises(ValidationFailed) as error:
        uploads.file_check(upload(PDF + b"0" * 1024))
    assert error.value.code == "file_too_large"
    # a stream without a declared size is read only up to the limit
    with pytest.raises(ValidationFailed):
        uploads.file_check(io.BytesIO(PDF + b"0" * 4096))


def test_the_default_limit_is_ten_mebibytes():
    assert settings.CASE_UPLOAD_MAX_BYTES == 10 * 1024 * 1024
