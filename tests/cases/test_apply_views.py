"""The online application in the browser's terms (portal views): start or resume a draft,
the situation questions, one merged form pre-filled with its sources (and without pre-fill),
materials by content, save and return, idempotent submission, the submitted page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from onestop.cases import selectors
from onestop.cases.models import Case, CaseMaterial
from onestop.cases.seed import SYNTHETIC_IDS
from onestop.cases.services.forms import identifier_kind
from onestop.sharing.models import AccessRecord
from tests.cases.factories_portal import JPEG, PDF, build_portal, client_for, files_in, upload

FOOD_HANDLER = "37112100WJ-GG-0001"  # person; photo to upload (required); form pre-fillable
NEWBORN_ANSWERS = {"hukou_here": "yes", "ss_card": "yes", "maternity": "no"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def portal(db: Any, media: Path) -> dict[str, Any]:
    return build_portal()


def start(client: Client, **target: str) -> Case:
    if "scenario" in target:
        url = reverse("cases:apply_scenario", kwargs={"slug": target["scenario"]})
    else:
        url = reverse("cases:apply_item", kwargs={"code": target["item"]})
    response = client.post(url)
    assert response.status_code == 302, response.content[:500]
    match = re.search(r"/apply/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return Case.objects.get(pk=match.group(1))


def page(case: Case, step: str = "", **query: str) -> str:
    url = reverse("cases:apply", kwargs={"case_id": case.pk})
    params = ({"step": step} if step else {}) | query
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def complete_form(case: Case) -> dict[str, str]:
    """Every field of the merged form: the stored value, or a plausible one."""
    case.refresh_from_db()
    data: dict[str, str] = {}
    for key, prop in selectors.case_form_schema(case=case)["properties"].items():
        if key in case.form_data:
            value = case.form_data[key]
            data[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        elif "enum" in prop:
            data[key] = str(prop["enum"][0])
        elif prop.get("type") == "number":
            data[key] = "12"
        elif prop.get("type") == "boolean":
            data[key] = "true"
        elif prop.get("format") == "date":
            data[key] = "2026-11-20"
        elif "phone" in key:
            data[key] = "13800138000"
        elif identifier_kind(key, prop):
            data[key] = SYNTHETIC_IDS[identifier_kind(key, prop)]
        else:
            data[key] = "测试"
    return data


def fill_from_records(client: Client, case: Case) -> str:
    """Press "Fill from my records" (a POST) and return the form step shown afterwards."""
    response = client.post(
        page(case, "form"), {"step": "form", "action": "prefill", "prefill": "1"}
    )
    assert response.status_code == 302
    return client.get(page(case, "form")).content.decode()


def post_step(client: Client, case: Case, step: str, data: dict[str, Any], **extra: Any) -> Any:
    case.refresh_from_db()
    body = {"step": step, "version": case.version, "action": "next", **data}
    return client.post(page(case, step), body, **extra)


# --- buttons and start ---------------------------------------------------------------------------


def test_catalogue_pages_offer_to_apply_online(portal):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    item = client.get(reverse("catalog:item_detail", kwargs={"code": FOOD_HANDLER}))
    scenario = client.get(reverse("catalog:scenario_detail", kwargs={"slug": "newborn"}))
    assert f'action="/apply/item/{FOOD_HANDLER}/"' in item.content.decode()
    assert 'action="/apply/scenario/newborn/"' in scenario.content.decode()
    assert "Apply online" in item.content.decode()


def test_a_get_goes_straight_to_the_draft_and_resumes_it(portal):
    """Signing in leads back with a GET: no page with one more button, the draft starts at
    once, and a reload resumes it (no second draft)."""
    client = client_for(portal["citizen"])
    url = reverse("cases:apply_scenario", kwargs={"slug": "newborn"})
    first = client.get(url)
    assert first.status_code == 302
    case = Case.objects.get()
    assert first["Location"] == reverse("cases:apply", kwargs={"case_id": case.pk})
    resumed = client.get(url)
    assert resumed.status_code == 302
    assert str(case.pk) in resumed["Location"]
    assert Case.objects.count() == 1


def test_starting_needs_a_sign_in(portal):
    response = Client().get(reverse("cases:apply_scenario", kwargs={"slug": "newborn"}))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Case.objects.count() == 0


def test_start_makes_one_draft_and_the_same_url_resumes_it(portal):
    client = client_for(portal["citizen"])
    first = start(client, scenario="newborn")
    again = start(client, scenario="newborn")
    assert first.pk == again.pk
    assert first.status == Case.Status.DRAFT
    assert first.kind == Case.Kind.BUNDLE
    assert Case.objects.filter(applicant=portal["citizen"]).count() == 1


def test_unknown_scenario_or_item_is_404(portal):
    client = client_for(portal["citizen"])
    assert client.get("/apply/scenario/no-such-thing/").status_code == 404
    assert client.get("/apply/item/37112100XX-XX-9999/").status_code == 404


def test_a_business_service_refuses_a_citizen_with_a_clear_message(portal):
    client = client_for(portal["citizen"])
    response = client.post(
        reverse("cases:apply_scenario", kwargs={"slug": "enterprise-deregistration"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This service is not for your kind of account." in html
    assert 'href="/scenarios/enterprise-deregistration/"' in html
    staff = client_for(portal["clerk"]).post(
        reverse("cases:apply_item", kwargs={"code": FOOD_HANDLER})
    )
    assert staff.status_code == 403
    assert "Sign in as a citizen or a business to apply online." in staff.content.decode()
    assert Case.objects.count() == 0


def test_a_forged_or_foreign_draft_is_404(portal):
    mine = start(client_for(portal["citizen"]), scenario="newborn")
    other = client_for(portal["business"])
    assert other.get(page(mine)).status_code == 404
    assert other.post(page(mine, "situation"), {"step": "situation"}).status_code == 404
    assert (
        other.get(reverse("cases:apply_submitted", kwargs={"case_id": mine.pk})).status_code == 404
    )
    forged = "/apply/00000000-0000-4000-8000-000000000000/"
    assert client_for(portal["citizen"]).get(forged).status_code == 404
    clerk = client_for(portal["clerk"])
    assert clerk.get(page(mine)).status_code == 404


# --- step 1: situation ---------------------------------------------------------------------------


def test_situation_answers_select_the_items(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    shown = client.get(page(case))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Will the newborn be registered in Wulian" in html
    assert "8 services" in html

    response = post_step(client, case, "situation", NEWBORN_ANSWERS)
    assert response.status_code == 302
    assert response["Location"].endswith("?step=form")
    case.refresh_from_db()
    assert case.variant_answers == NEWBORN_ANSWERS
    assert len(selectors.selected_items(case=case)) == 7
    again = client.get(page(case, "situation")).content.decode()
    assert "7 services" in again
    assert "Maternity medical expense" not in again


def test_situation_needs_every_answer_and_stores_nothing_otherwise(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    version = case.version
    response = post_step(client, case, "situation", {"hukou_here": "yes"})
    assert response.status_code == 400
    assert "Answer this question." in response.content.decode()
    case.refresh_from_db()
    assert case.variant_answers == {}
    assert case.version == version


# --- step 2: the merged form -------------------------------------------------------------------


def test_form_is_prefilled_with_each_source_shown_and_fetched_once(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    before = AccessRecord.objects.count()
    shown = client.get(page(case, "form")).content.decode()
    assert 'value="张小雨"' not in shown  # a GET fetches nothing
    assert "Fill from my records" in shown
    assert AccessRecord.objects.count() == before
    html = fill_from_records(client, case)
    assert 'value="张小雨"' in html
    assert "Pre-filled. Source: Birth medical certificate records (Health Bureau)" in html
    assert "Source: Household registration (hukou) and residence permit records" in html
    # each field is asked once
    assert html.count('name="child_name"') == 1
    case.refresh_from_db()
    assert case.form_data["child_name"] == "张小雨"
    assert case.prefilled["child_name"] == "birth-medical-certificate.child_name"
    fetched = AccessRecord.objects.count()
    assert fetched > before  # every fetch is recorded
    client.get(page(case, "form"))
    assert AccessRecord.objects.count() == fetched  # shown again: not fetched again


def test_the_form_can_be_filled_without_prefill(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    before = AccessRecord.objects.count()
    html = client.get(page(case, "form", prefill="0")).content.decode()
    assert "You chose to fill in the form yourself" in html
    assert "张小雨" not in html
    assert "Pre-filled. Source" not in html
    assert AccessRecord.objects.count() == before
    data = complete_form(case)
    data["child_name"] = "张小明"
    response = post_step(client, case, "form", data | {"prefill": "0"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.form_data["child_name"] == "张小明"
    assert case.prefilled == {}


def test_the_choice_to_fill_in_yourself_holds_until_the_details_are_asked_for(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    before = AccessRecord.objects.count()
    client.get(page(case, "form", prefill="0"))
    again = client.get(page(case, "form")).content.decode()  # e.g. "Back" from materials
    assert "You chose to fill in the form yourself" in again
    assert AccessRecord.objects.count() == before
    asked = fill_from_records(client, case)
    assert 'value="张小雨"' in asked
    assert AccessRecord.objects.count() > before


def test_a_changed_prefilled_value_is_kept_and_loses_its_source(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    fill_from_records(client, case)
    data = complete_form(case) | {"child_name": "张小雪"}
    assert post_step(client, case, "form", data).status_code == 302
    html = client.get(page(case, "form")).content.decode()
    assert 'value="张小雪"' in html
    assert "Pre-filled. Source: Birth medical certificate records (Health Bureau)" in html  # others
    case.refresh_from_db()
    assert case.form_data["child_name"] == "张小雪"


def test_an_unverified_applicant_sees_what_would_be_filled_in_and_gets_nothing(portal):
    from tests.factories import CitizenFactory

    # Registered with the mother's ID number, who has records in the demo's shared data.
    squatter = CitizenFactory(resident_id="371121199408221249", level=1)
    client = client_for(squatter)
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)

    shown = client.get(page(case, "form")).content.decode()

    assert 'id="prefill-verify"' in shown
    assert "Sign in with the identity provider" in shown
    assert 'id="prefill-plan"' in shown
    assert "Source: Birth medical certificate records (Health Bureau)" in shown
    assert "Fill from my records" not in shown
    assert not AccessRecord.objects.filter(actor=squatter).exists()

    # Pressing the button anyway (an old page): refused, recorded, nothing filled in.
    response = client.post(
        page(case, "form"), {"step": "form", "action": "prefill", "prefill": "1"}
    )
    assert response.status_code == 302
    html = client.get(page(case, "form")).content.decode()
    assert "张小雨" not in html
    assert "Your identity is not verified yet" in html
    case.refresh_from_db()
    assert case.prefilled == {}
    refused = AccessRecord.objects.filter(actor=squatter)
    assert refused.exists()
    assert set(refused.values_list("result", "reason")) == {("refused", "not_verified")}


def test_a_bad_value_is_refused_and_nothing_is_saved(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    fill_from_records(client, case)
    case.refresh_from_db()
    stored, version = dict(case.form_data), case.version
    response = post_step(client, case, "form", complete_form(case) | {"birth_date": "2026-02-30"})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()
    case.refresh_from_db()
    assert case.form_data == stored
    assert case.version == version


def test_a_stale_page_gets_a_conflict_and_changes_nothing(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    case.refresh_from_db()
    stale = case.version - 1
    body = {"step": "situation", "version": stale, "action": "next"} | NEWBORN_ANSWERS
    body["maternity"] = "yes"
    response = client.post(page(case, "situation"), body, follow=True)
    assert "changed elsewhere in the meantime" in response.content.decode()
    case.refresh_from_db()
    assert case.variant_answers["maternity"] == "no"


def test_save_and_return_later_then_resume_from_the_start_url(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    fill_from_records(client, case)
    data = complete_form(case) | {"phone": "13900001111"}
    response = post_step(client, case, "form", data | {"action": "save"})
    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert "saved as a draft" in followed.content.decode()
    # later: the same start URL resumes the same draft, with its answers
    resumed = start(client_for(portal["citizen"]), item=FOOD_HANDLER)
    assert resumed.pk == case.pk
    html = client.get(page(resumed, "form")).content.decode()
    assert 'value="13900001111"' in html


# --- step 3: materials ---------------------------------------------------------------------------


def test_materials_show_held_licence_and_upload(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    html = client.get(page(case, "materials")).content.decode()
    assert "Held by the government: no need to submit" in html or "E-licence: verified" in html
    assert 'type="file" name="photo"' in html
    assert 'name="resident-id"' not in html  # nothing to upload for what the government holds


def test_upload_of_a_good_file_is_stored_with_its_hash(
    portal, media, django_capture_on_commit_callbacks
):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    response = post_step(client, case, "materials", {"photo": upload(JPEG, "me.jpg", "image/jpeg")})
    assert response.status_code == 302
    assert response["Location"].endswith("?step=review")
    photo = CaseMaterial.objects.get(case=case, key="photo")
    assert photo.mode == CaseMaterial.Mode.UPLOAD
    assert photo.content_type == "image/jpeg"
    assert photo.original_name == "me.jpg"
    assert photo.size == len(JPEG)
    assert photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert Path(photo.file.path).read_bytes() == JPEG
    # a new file replaces the old one (deleted once the change is committed)
    with django_capture_on_commit_callbacks(execute=True):
        post_step(client, case, "materials", {"photo": upload(PDF, "me.pdf")})
    photo.refresh_from_db()
    assert photo.content_type == "application/pdf"
    assert [p.read_bytes() for p in files_in(media)] == [PDF]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text, not a picture", "Only PDF, PNG and JPEG files are accepted"),
        (b"GIF89a\x01\x00\x01\x00", "Only PDF, PNG and JPEG files are accepted"),
        (b"", "The submitted file is empty."),
    ],
)
def test_upload_of_wrong_content_is_refused_and_nothing_stored(portal, media, data, message):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    response = post_step(client, case, "materials", {"photo": upload(data, "photo.jpg")})
    assert response.status_code == 400
    assert message in response.content.decode()
    photo = CaseMaterial.objects.get(case=case, key="photo")
    assert photo.mode == CaseMaterial.Mode.MISSING
    assert photo.sha256 == ""
    assert files_in(media) == []


def test_one_bad_file_among_several_stores_none_of_them(portal, media):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS | {"maternity": "yes"})
    response = post_step(
        client,
        case,
        "materials",
        {
            "photo": upload(JPEG, "me.jpg", "image/jpeg"),
            "maternity-bills": upload(b"PK\x03\x04 a zip", "bills.pdf"),
        },
    )
    assert response.status_code == 400
    assert "Nothing was uploaded" in response.content.decode()
    modes = dict(CaseMaterial.objects.filter(case=case).values_list("key", "mode"))
    assert modes["photo"] == modes["maternity-bills"] == CaseMaterial.Mode.MISSING
    assert files_in(media) == []


def test_upload_over_the_size_limit_is_refused_and_nothing_stored(portal, media, settings):
    settings.CASE_UPLOAD_MAX_BYTES = 1024 * 1024
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    big = PDF + b"0" * (1024 * 1024)
    response = post_step(client, case, "materials", {"photo": upload(big, "big.pdf")})
    assert response.status_code == 400
    assert "The file is too big: at most 1 MB is accepted." in response.content.decode()
    assert CaseMaterial.objects.get(case=case, key="photo").mode == CaseMaterial.Mode.MISSING
    assert files_in(media) == []


# --- step 4: review and submit -------------------------------------------------------------------


def review_key(client: Client, case: Case) -> str:
    html = client.get(page(case, "review")).content.decode()
    match = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def test_submit_with_missing_materials_lists_them_and_changes_nothing(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    fill_from_records(client, case)
    post_step(client, case, "form", complete_form(case))
    key = review_key(client, case)
    response = client.post(
        page(case, "review"),
        {"step": "review", "idempotency_key": key, "action": "submit", "declaration": "yes"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = error_summary(html)
    photo = CaseMaterial.objects.get(case=case, key="photo")
    # Each problem links to the place that fixes it.
    assert summary == [("?step=materials#id_photo", f"Upload “{photo.name_en or photo.name_zh}”.")]
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert case.number is None
    assert case.idempotency_key is None


def test_submit_with_empty_fields_lists_them(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    post_step(client, case, "materials", {"photo": upload(JPEG, "me.jpg", "image/jpeg")})
    response = client.post(
        page(case, "review"),
        {
            "step": "review",
            "idempotency_key": review_key(client, case),
            "action": "submit",
            "declaration": "yes",
        },
    )
    assert response.status_code == 400
    summary = error_summary(response.content.decode())
    required = selectors.case_form_schema(case=case)["required"]
    assert [href for href, _text in summary] == [f"?step=form&check=1#id_{key}" for key in required]
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    # The summary's link shows the form with every empty required field marked.
    form = client.get(page(case, "form", check="1")).content.decode()
    assert [href for href, _text in error_summary(form)] == [f"#id_{k}" for k in required]
    assert f'id="id_{required[0]}-error"' in form


def error_summary(html: str) -> list[tuple[str, str]]:
    """The GOV.UK error summary of a page: (link, text) of each problem; the page's title
    says there is an error."""
    assert "<title>Error: " in html
    block = html.split("data-error-summary", 1)[1].split("</ul>", 1)[0]
    assert 'role="alert"' in html.split("data-error-summary", 1)[0].rsplit("<div", 1)[1]
    assert "There is a problem" in block
    return [
        (unescape(href), unescape(text))
        for href, text in re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', block)
    ]


def test_continuing_past_the_form_needs_every_required_answer(portal):
    """ "Save and continue" with an empty required field saves and shows the form again with
    the error summary; "Save, continue later" does not insist."""
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", {**NEWBORN_ANSWERS, "maternity": "yes"})
    data = complete_form(case)
    data["employer_name"] = ""
    data["phone"] = "13800138000"
    response = post_step(client, case, "form", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error_summary(html) == [("#id_employer_name", "Enter “Insured parent's employer”.")]
    # Labelled for what it is, explained where it appears, and why it is asked.
    assert "as named on the social insurance record" in html
    assert "Asked because you answered “Yes” to “Is either parent covered by employee" in html
    # Options read in English; the value sent stays the catalogue's.
    assert '<option value="邮政寄递">By post</option>' in html
    case.refresh_from_db()
    assert case.form_data["phone"] == "13800138000"  # saved all the same
    later = post_step(client, case, "form", {**data, "action": "save"})
    assert later.status_code == 302
    data["employer_name"] = "五莲县示例农业科技有限公司"
    assert post_step(client, case, "form", data).status_code == 302


def test_submit_is_idempotent_and_shows_the_case_number(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    fill_from_records(client, case)
    post_step(client, case, "form", complete_form(case))
    post_step(client, case, "materials", {"photo": upload(JPEG, "me.jpg", "image/jpeg")})
    key = review_key(client, case)
    body = {"step": "review", "idempotency_key": key, "action": "submit", "declaration": "yes"}
    first = client.post(page(case, "review"), body)
    again = client.post(page(case, "review"), body)  # double click / retry after a timeout
    submitted = reverse("cases:apply_submitted", kwargs={"case_id": case.pk})
    assert first.status_code == 302
    assert first["Location"] == submitted
    assert again.status_code == 302
    assert again["Location"] == submitted
    case.refresh_from_db()
    assert case.status != Case.Status.DRAFT
    assert re.fullmatch(r"371121-\d{8}-\d{5}", case.number)
    assert case.idempotency_key == key
    assert Case.objects.exclude(status=Case.Status.DRAFT).count() == 1
    html = client.get(submitted).content.decode()
    assert case.number in html
    assert f'href="/me/cases/{case.number}/"' in html
    # What happens next: the due day, how the applicant is told and how results come back.
    assert f"By {case.due_date:%Y-%m-%d} at the latest." in html
    assert "A message in “My messages” each time a service is decided" in html
    assert "The results: " in html
    # ...in the reader's language, whatever the account's notification language
    told = re.search(r'<p id="next-told">(.*?)</p>', html, re.S).group(1)
    assert not re.search(r"[\u4e00-\u9fff]", told), told
    declared = case.events.get(kind="submitted").data["declaration"]
    assert declared.startswith("I promise that the information I have filled in")
    # the draft page now leads to the submitted page
    assert client.get(page(case)).status_code == 302


def test_newborn_bundle_fans_out_and_shows_what_was_decided_at_once(portal):
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    post_step(client, case, "situation", NEWBORN_ANSWERS)
    fill_from_records(client, case)
    assert post_step(client, case, "form", complete_form(case)).status_code == 302
    materials = client.get(page(case, "materials")).content.decode()
    assert "Held by the government: no need to submit" in materials
    assert post_step(client, case, "materials", {}).status_code == 302
    review = client.get(page(case, "review")).content.decode()
    assert "Source: Birth medical certificate records (Health Bureau)" in review
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', review).group(1)
    response = client.post(
        page(case, "review"),
        {"step": "review", "idempotency_key": key, "action": "submit", "declaration": "yes"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    children = list(case.children.all())
    assert len(children) == 7
    assert all(c.number and c.number != case.number for c in children)
    decided = [c for c in children if c.auto_decided]
    assert [c.item.code for c in decided] == ["37112100YB-GG-0004"]
    html = client.get(response["Location"]).content.decode()
    assert case.number in html
    assert all(c.number in html for c in children)
    assert "1 service was decided at once by rules on verified data." in html
    assert "Decided at once" in html


def test_submit_without_the_declaration_changes_nothing(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    fill_from_records(client, case)
    post_step(client, case, "form", complete_form(case))
    post_step(client, case, "materials", {"photo": upload(JPEG, "me.jpg", "image/jpeg")})
    review = client.get(page(case, "review")).content.decode()
    assert 'name="declaration" value="yes" required' in review
    body = {"step": "review", "idempotency_key": review_key(client, case), "action": "submit"}
    response = client.post(page(case, "review"), body)
    assert response.status_code == 400
    assert error_summary(response.content.decode()) == [
        ("#id_declaration", "Tick the declaration to submit the application.")
    ]
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert case.number is None


def test_the_situation_preview_follows_the_answers_without_saving_them(portal):
    """As each answer is picked, the page asks (htmx) what it leads to: the services and the
    questions the form will ask only because of an answer, each explained. Nothing is saved;
    without JavaScript the page shows the same for the saved answers."""
    client = client_for(portal["citizen"])
    case = start(client, scenario="newborn")
    version = Case.objects.get(pk=case.pk).version
    live = client.get(
        page(case, "situation", preview="1", **{**NEWBORN_ANSWERS, "maternity": "yes"}),
        HTTP_HX_REQUEST="true",
    )
    html = live.content.decode()
    assert live.status_code == 200
    assert "<html" not in html  # the fragment only
    assert "Insured parent&#x27;s employer" in html
    assert "Asked because you answered “Yes” to “Is either parent covered by employee" in html
    assert "8 services" in html
    case.refresh_from_db()
    assert case.variant_answers in ({}, None)
    assert case.version == version
    without = client.get(
        page(case, "situation", preview="1", **NEWBORN_ANSWERS), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "employer" not in without
    assert "7 services" in without
    # Saved answers: the full page shows the same, for browsers without JavaScript.
    post_step(client, case, "situation", {**NEWBORN_ANSWERS, "maternity": "yes"})
    full = client.get(page(case, "situation")).content.decode()
    assert 'id="situation-preview"' in full
    assert "Insured parent&#x27;s employer" in full


def test_a_resident_id_with_a_wrong_check_digit_is_refused_at_its_field(portal):
    client = client_for(portal["citizen"])
    case = start(client, item=FOOD_HANDLER)
    data = complete_form(case) | {"applicant_id_number": "371121199303151230"}
    response = post_step(client, case, "form", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error_summary(html)[0][0] == "#id_applicant_id_number"
    assert 'id="id_applicant_id_number-error"' in html
    assert "does not match" in html
    case.refresh_from_db()
    assert (case.form_data or {}).get("applicant_id_number") in (None, "")
