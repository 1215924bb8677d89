"""The check `onestop restore` runs for the hotline (core.backup): every attachment is there
with its recorded SHA-256, every caller's phone decrypts."""

from __future__ import annotations

import hashlib

from onestop.core import backup, crypto
from onestop.hotline.models import Attachment, WorkOrder


@backup.verifier("hotline")
def hotline_verify() -> str:
    orders = 0
    for phone in (
        WorkOrder.objects.exclude(contact_phone_enc="")
        .values_list("contact_phone_enc", flat=True)
        .iterator()
    ):
        crypto.decrypt_pii(phone)
        orders += 1
    files = 0
    for attachment in Attachment.objects.order_by("pk").iterator():
        digest = hashlib.sha256()
        with attachment.file.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if attachment.sha256 and digest.hexdigest() != attachment.sha256:
            raise AssertionError(f"attachment {attachment.pk} differs")
        files += 1
    return f"{orders} caller phone(s) decrypt, {files} attachment(s) match"
