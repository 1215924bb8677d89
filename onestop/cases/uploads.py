"""Uploading a material of an application: checked by its content, stored with its hash.

`material_upload` is the one way a file gets onto a `CaseMaterial`. The type is read from the
first bytes (PDF, PNG or JPEG only: the file name and the browser's content type are not
trusted), the size is limited by ``settings.CASE_UPLOAD_MAX_BYTES`` (10 MiB by default), and
the SHA-256 of the bytes is kept with the file. Bad input raises `ValidationFailed` with a
translated message and stores nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from onestop.cases import policies
from onestop.cases.models import Case, CaseMaterial, Supplement
from onestop.core import files
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Modes whose material the applicant does not hand in: nothing to upload.
NOT_UPLOADED = (CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, ready to be stored."""

    data: bytes
    content_type: str
    extension: str
    original_name: str
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}" if size % (1024 * 1024) == 0 else f"{size / 1048576:.1f}"


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension of the stored copy) of a PDF, PNG or JPEG by its first bytes;
    None otherwise."""
    kind = files.sniff(data)
    return (kind.content_type, kind.extensions[0]) if kind else None


def material_name(material: CaseMaterial) -> str:
    """The material's name in the active language (Chinese when there is no English one)."""
    if (get_language() or "").startswith("en") and material.name_en:
        return material.name_en
    return material.name_zh


def _original_name(file: Any) -> str:
    name = os.path.basename(str(getattr(file, "name", "") or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-200:] if len(name) > 200 else name


def file_check(file: Any) -> CheckedFile:
    """Read and check an uploaded file (a Django `UploadedFile` or any object with ``read``
    and ``name``): not empty, at most the size limit, a PDF, PNG or JPEG by content."""
    limit = max_bytes()
    too_big = ValidationFailed(
        _("The file is too big: at most %(size)s MB is accepted.") % {"size": _megabytes(limit)},
        code="file_too_large",
        details={"max_bytes": limit},
    )
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_big
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):  # unseekable streams: read as they are
            file.seek(0)
    data = file.read(limit + 1)
    if isinstance(data, str):
        raise ValidationFailed(_("The upload is not a file."), code="file_type")
    if len(data) > limit:
        raise too_big
    if not data:
        raise ValidationFailed(_("The file is empty."), code="file_empty")
    sniffed = sniff(data)
    if sniffed is None:
        raise ValidationFailed(
            _("Only PDF, PNG and JPEG files are accepted; this file is none of them."),
            code="file_type",
        )
    return CheckedFile(
        data=data,
        content_type=sniffed[0],
        extension=sniffed[1],
        original_name=_original_name(file) or f"upload{sniffed[1]}",
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _open_supplement_keys(top: Case) -> set[str]:
    """Material keys asked for by the open supplement requests on the top case or its items."""
    open_requests = Supplement.objects.filter(
        Q(case=top) | Q(case__parent=top), answered_at__isnull=True
    ).values_list("materials", flat=True)
    return {str(k) for materials in open_requests for k in materials or []}


def _check_may_upload(actor: Any, top: Case, key: str) -> None:
    """The owner of an online draft; the window clerk handling a window draft (or one that got
    a one-time notice); the applicant or a clerk while a supplement request asks for this
    material, or while this material is still pledged (accepted with a promise to supply it).
    Others who may see the case: forbidden; anybody else: not found."""
    if top.status == Case.Status.DRAFT and policies.can_edit_draft(actor, top):
        return
    if top.status == Case.Status.NOTICE and policies.is_clerk(actor, top.region_id):
        return
    if (
        top.status in (Case.Status.ACCEPTED, Case.Status.SUPPLEMENT)
        and policies.can_act(actor, top, policies.LANE_APPLICANT)
        and (
            key in _open_supplement_keys(top)
            or CaseMaterial.objects.filter(
                case=top, key=key, mode=CaseMaterial.Mode.PLEDGED
            ).exists()
        )
    ):
        return
    if not policies.can_view(actor, top):
        raise NotFound(_("There is no such application."), code="case_not_found")
    raise PermissionDenied(
        _(
            "The materials of this application cannot be changed now: only while it is a "
            "draft, or when a department asks for them again."
        ),
        code="case_not_editable",
    )


def material_upload(*, actor: Any, case: Case, key: str, file: Any) -> CaseMaterial:
    """Store `file` as the material `key` of the application (its top case): mode UPLOAD, with
    SHA-256, size, content type and original name. The previous file of that material is
    replaced (and deleted once the change is committed). Nothing is stored when a check fails.
    """
    top = case.top
    _check_may_upload(actor, top, key)
    material = CaseMaterial.objects.filter(case=top, key=key).first()
    if material is None:
        raise NotFound(
            _("This application needs no material %(key)s.") % {"key": key},
            code="material_not_found",
        )
    if material.mode in NOT_UPLOADED:
        raise ValidationFailed(
            _(
                "%(material)s is held by the government or verified as an e-licence: there is "
                "nothing to upload."
            )
            % {"material": material_name(material)},
            code="material_not_uploaded",
        )
    checked = file_check(file)
    stored_name = f"{uuid.uuid4().hex}{checked.extension}"
    with transaction.atomic():
        # Lock the application and check again: a submission or acceptance that committed
        # since the first check must not have its file replaced afterwards.
        top = Case.objects.select_for_update().get(pk=top.pk)
        _check_may_upload(actor, top, key)
        locked = CaseMaterial.objects.select_for_update().get(pk=material.pk)
        if locked.mode in NOT_UPLOADED:
            raise ValidationFailed(
                _(
                    "%(material)s is held by the government or verified as an e-licence: "
                    "there is nothing to upload."
                )
                % {"material": material_name(locked)},
                code="material_not_uploaded",
            )
        old_name = locked.file.name if locked.file else ""
        locked.file.save(stored_name, ContentFile(checked.data), save=False)
        new_name = locked.file.name
        storage = locked.file.storage
        try:
            locked.mode = CaseMaterial.Mode.UPLOAD
            locked.sha256 = checked.sha256
            locked.size = len(checked.data)
            locked.content_type = checked.content_type
            locked.original_name = checked.original_name
            locked.checked_by = None
            locked.full_clean()
            locked.save()
        except Exception:
            storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            transaction.on_commit(lambda: storage.delete(old_name))
    return locked
