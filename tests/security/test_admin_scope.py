"""The Django admin scoped like the consoles (accounts.admin_scope), beyond the change pages of
the authorisation matrix: what each administrator's lists hold, the access records the pages of
personal data write, what the process-instance page leaves out, and the superuser-only records.

The world is the matrix's (tests/security/world.py): administrators of 371121 (`admin`) and of
320707 (`admin_other`), each granted the view and change permissions of every model here."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.hotline.models import WorkOrder
from onestop.notify.models import Notification
from onestop.sharing.models import AccessRecord
from tests import factories

W = dict[str, Any]


def _page(w: W, role: str, url: str) -> Any:
    return factories.login(w["users"][role]).get(url)


@pytest.mark.parametrize(
    ("label", "url", "marker"),
    [
        ("queue tickets", "/admin/org/queueticket/", "ticket"),
        ("process instances", "/admin/workflow/processinstance/", "process"),
        ("staff roles", "/admin/accounts/staffrole/", "staff_role"),
    ],
)
def test_each_administrator_lists_only_their_regions_rows(
    the_world: W, label: str, url: str, marker: str
) -> None:
    link = f"{url}{the_world[marker]}/change/"

    here = _page(the_world, "admin", url)
    there = _page(the_world, "admin_other", url)

    assert here.status_code == 200
    assert link in here.content.decode(), label
    assert there.status_code == 200
    assert link not in there.content.decode(), label


def test_a_superuser_lists_every_regions_rows(the_world: W) -> None:
    root = factories.login(User.objects.get(username="admin"))
    for url, marker in [
        ("/admin/org/queueticket/", "ticket"),
        ("/admin/workflow/processinstance/", "process"),
    ]:
        assert f"{url}{the_world[marker]}/change/" in root.get(url).content.decode()


def _subject(w: W, model: str) -> str:
    if model == "workorder":
        return str(WorkOrder.objects.get(pk=w["order_pk"]).contact_index)
    if model == "case":
        return str(Case.objects.get(pk=w["case_pk"]).applicant_index)
    if model == "notification":
        return str(Notification.objects.get(pk=w["notification"]).recipient.resident_id_index)
    return str(User.objects.get(pk=w["owner_pk"]).resident_id_index)


@pytest.mark.parametrize(
    ("path", "key", "dataset"),
    [
        ("accounts/user", "owner_pk", "accounts.profile"),
        ("cases/case", "case_pk", "cases"),
        ("hotline/workorder", "order_pk", "hotline.contact"),
        ("notify/notification", "notification", "notify.notification"),
    ],
)
def test_opening_a_page_of_personal_data_is_a_recorded_access_and_another_regions_is_not_there(
    the_world: W, path: str, key: str, dataset: str
) -> None:
    url = f"/admin/{path}/{the_world[key]}/change/"
    before = set(AccessRecord.objects.values_list("pk", flat=True))

    refused = _page(the_world, "admin_other", url)

    assert refused.status_code == 302  # the admin's "does not exist"
    assert set(AccessRecord.objects.values_list("pk", flat=True)) == before

    assert _page(the_world, "admin", url).status_code == 200
    [record] = AccessRecord.objects.exclude(pk__in=before)
    assert record.dataset == dataset
    assert record.subject_index == _subject(the_world, path.split("/")[1])
    assert record.purpose == "administration"


def test_the_process_instance_page_shows_the_steps_not_the_facts_about_the_applicant(
    the_world: W,
) -> None:
    """A process decided by rules starts with facts read from shared data about the applicant
    (insured or not): the admin lists the steps without their data."""
    from onestop.workflow.models import WorkflowEvent

    started = WorkflowEvent.objects.get(instance_id=the_world["auto_process"], kind="started")
    assert "parent_insured" in started.data["data"]
    root = factories.login(User.objects.get(username="admin"))  # sees the events inline too

    page = root.get(f"/admin/workflow/processinstance/{the_world['auto_process']}/change/")

    assert page.status_code == 200
    body = " ".join(page.content.decode().split())
    assert "started" in body  # the steps are listed
    assert "parent_insured" not in body


@pytest.mark.parametrize(
    "url",
    [
        "/admin/axes/accessattempt/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessfailurelog/",
        "/admin/otp_totp/totpdevice/",
        "/admin/django_tasks_database/dbtaskresult/",
    ],
)
def test_sign_in_records_devices_and_tasks_are_for_superusers_only(the_world: W, url: str) -> None:
    root = factories.login(User.objects.get(username="admin"))

    assert _page(the_world, "admin", url).status_code == 403
    assert root.get(url).status_code == 200
    index = _page(the_world, "admin", "/admin/").content.decode()
    assert url not in index  # not even listed
    assert url in root.get("/admin/").content.decode()
