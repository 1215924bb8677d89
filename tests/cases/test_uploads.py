"""Uploading a material: the content decides the type (PDF, PNG, JPEG), the size is limited,
the SHA-256 is kept, a new file replaces the old one, and bad input stores nothing."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from onestop.cases import selectors, services, uploads
from onestop.cases.models import Case, CaseMaterial
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.cases.factories_portal import JPEG, PDF, PNG, build_portal, upload


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


# --- material_upload: who may upload, when, and what is stored -----------------------------------

FOOD_HANDLER = "37112100WJ-GG-0001"  # person; photo to upload (required)


@pytest.fixture
def portal(db: Any, media: Path) -> dict[str, Any]:
    return build_portal()


def item_draft(user: Any) -> Case:
    from onestop.catalog.selectors import item_get

    return services.draft_start(actor=user, item=item_get(code=FOOD_HANDLER))


def submitted(user: Any) -> Case:
    case = item_draft(user)
    case = services.prefill_apply(actor=user, case=case)
    schema = selectors.case_form_schema(case=case)
    values = {k: case.form_data.get(k) or "测试" for k in schema["properties"]}
    case = services.draft_save(actor=user, case=case, form_data=values)
    uploads.material_upload(actor=user, case=case, key="photo", file=upload(JPEG, "me.jpg"))
    return services.case_submit(actor=user, case=case, idempotency_key=f"k-{case.pk}")


def test_the_owner_uploads_to_the_draft_and_a_new_file_replaces_the_old(
    portal, media, django_capture_on_commit_callbacks
):
    case = item_draft(portal["citizen"])
    first = uploads.material_upload(
        actor=portal["citizen"], case=case, key="photo", file=upload(PNG, "a.png")
    )
    assert first.mode == CaseMaterial.Mode.UPLOAD
    assert first.sha256 == hashlib.sha256(PNG).hexdigest()
    assert first.file.name.endswith(".png")
    assert first.file.name.rsplit("/", 1)[-1] != "a.png"  # stored under a random name
    with django_capture_on_commit_callbacks(execute=True):
        second = uploads.material_upload(
            actor=portal["citizen"], case=case, key="photo", file=upload(PDF, "b.pdf")
        )
    assert second.pk == first.pk
    assert second.original_name == "b.pdf"
    assert [p.read_bytes() for p in media_files()] == [PDF]


def test_somebody_else_gets_not_found_and_nothing_is_stored(portal, media):
    case = item_draft(portal["citizen"])
    for actor in (portal["business"], portal["officer-gy"], AnonymousUser()):
        with pytest.raises(NotFound):
            uploads.material_upload(actor=actor, case=case, key="photo", file=upload())
    # a clerk may see the applicant's online draft but does not fill it in
    with pytest.raises((PermissionDenied, NotFound)):
        uploads.material_upload(actor=portal["clerk"], case=case, key="photo", file=upload())
    assert CaseMaterial.objects.get(case=case, key="photo").mode == CaseMaterial.Mode.MISSING
    assert media_files() == []


def test_unknown_and_held_materials_take_no_upload(portal, media):
    case = item_draft(portal["citizen"])
    with pytest.raises(NotFound):
        uploads.material_upload(actor=portal["citizen"], case=case, key="no-such", file=upload())
    with pytest.raises(ValidationFailed) as error:
        uploads.material_upload(
            actor=portal["citizen"], case=case, key="resident-id", file=upload()
        )
    assert error.value.code == "material_not_uploaded"
    assert media_files() == []


def test_bad_content_stores_nothing(portal, media):
    case = item_draft(portal["citizen"])
    with pytest.raises(ValidationFailed):
        uploads.material_upload(
            actor=portal["citizen"], case=case, key="photo", file=upload(b"hello", "x.pdf")
        )
    photo = CaseMaterial.objects.get(case=case, key="photo")
    assert (photo.mode, photo.sha256, photo.size, photo.file.name) == ("missing", "", 0, "")
    assert media_files() == []


def test_after_submission_only_a_supplement_request_reopens_a_material(portal, media):
    case = submitted(portal["citizen"])
    with pytest.raises(PermissionDenied) as error:
        uploads.material_upload(actor=portal["citizen"], case=case, key="photo", file=upload(PDF))
    assert error.value.code == "case_not_editable"

    item_case = case if case.kind == Case.Kind.ITEM else case.children.get()
    officer = portal["officer-wj"]
    view = selectors.case_task_view(case=item_case)
    services.supplement_request(
        actor=officer,
        case=item_case,
        reason="The photo is blurred.",
        materials=["photo"],
        expected_version=view["version"],
    )
    again = uploads.material_upload(
        actor=portal["citizen"], case=case, key="photo", file=upload(PDF, "sharp.pdf")
    )
    assert again.original_name == "sharp.pdf"
    assert again.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_pledged_material_can_be_supplied_after_acceptance(portal, media):
    case = submitted(portal["citizen"])
    CaseMaterial.objects.filter(case=case.top, key="photo").update(mode=CaseMaterial.Mode.PLEDGED)
    supplied = uploads.material_upload(
        actor=portal["citizen"], case=case, key="photo", file=upload(PDF, "late.pdf")
    )
    assert supplied.mode == CaseMaterial.Mode.UPLOAD
    assert supplied.original_name == "late.pdf"
    # once supplied it is closed again for the applicant
    with pytest.raises(PermissionDenied):
        uploads.material_upload(actor=portal["citizen"], case=case, key="photo", file=upload(PNG))
    # the clerk may hand in a pledged material too
    CaseMaterial.objects.filter(case=case.top, key="photo").update(mode=CaseMaterial.Mode.PLEDGED)
    by_clerk = uploads.material_upload(
        actor=portal["clerk"], case=case, key="photo", file=upload(PNG, "window.png")
    )
    assert by_clerk.original_name == "window.png"
    # others still get not found
    CaseMaterial.objects.filter(case=case.top, key="photo").update(mode=CaseMaterial.Mode.PLEDGED)
    with pytest.raises(NotFound):
        uploads.material_upload(actor=portal["business"], case=case, key="photo", file=upload())


def test_a_clerk_uploads_a_material_asked_for_by_a_supplement(portal, media):
    case = submitted(portal["citizen"])
    item_case = case if case.kind == Case.Kind.ITEM else case.children.get()
    view = selectors.case_task_view(case=item_case)
    services.supplement_request(
        actor=portal["officer-wj"],
        case=item_case,
        reason="The photo is blurred.",
        materials=["photo"],
        expected_version=view["version"],
    )
    again = uploads.material_upload(
        actor=portal["clerk"], case=case, key="photo", file=upload(PDF, "counter.pdf")
    )
    assert again.original_name == "counter.pdf"


def test_uploads_are_owner_only_files_in_owner_only_dirs(portal, media):
    import os
    import stat

    old = os.umask(0o022)  # a usual umask: without the settings files would be 0644
    try:
        case = item_draft(portal["citizen"])
        uploads.material_upload(
            actor=portal["citizen"], case=case, key="photo", file=upload(PNG, "a.png")
        )
    finally:
        os.umask(old)
    [stored] = media_files()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    folder = stored.parent
    while folder != Path(media).parent:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent
