"""The demo cases seed step: a newborn bundle, a window case and one waiting for supplements,
made through the services; running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from onestop.cases.models import Case, Supplement
from onestop.cases.seed import KEYS, seed_cases


def test_seed_makes_the_demo_cases_once(cases_world: dict[str, Any], client: Any) -> None:
    summary = seed_cases()
    assert "newborn" in summary
    bundle = Case.objects.get(idempotency_key=KEYS["newborn"])
    assert bundle.kind == Case.Kind.BUNDLE
    assert bundle.applicant == cases_world["citizen"]
    assert bundle.children.count() == 7
    assert bundle.children.filter(auto_decided=True).count() == 1
    window = Case.objects.get(idempotency_key=KEYS["id-renewal"])
    assert window.channel == Case.Channel.WINDOW
    assert window.status == Case.Status.ACCEPTED
    assert window.task_name == "review"
    waiting = Case.objects.get(idempotency_key=KEYS["residence-permit"])
    assert waiting.status == Case.Status.SUPPLEMENT
    assert Supplement.objects.filter(case=waiting, answered_at__isnull=True).count() == 1
    count = Case.objects.count()
    assert seed_cases() == "unchanged"
    assert Case.objects.count() == count
    # The public-security officer's queue shows them.
    client.force_login(cases_world["officer-ps"])
    response = client.get(reverse("cases:office"))
    numbers = {row.case.number for row in response.context["q"].rows}
    hukou = bundle.children.get(department_id="371121-public-security")
    assert {hukou.number, window.number, waiting.number} <= numbers
