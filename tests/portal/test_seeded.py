"""Every portal page renders over the real demo catalogue (data/seed), in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onestop.catalog import selectors as catalog_selectors
from onestop.core import seeding
from onestop.org import selectors as org_selectors

STEPS = {"org", "datasets", "licence_types", "catalog"}


@pytest.fixture
def seeded(db: None, settings: Any) -> None:
    settings.NODE_REGION = "371121"
    ran = {step.name for step in seeding.steps() if step.name in STEPS and step.run() is not None}
    assert ran == STEPS


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_renders_over_the_demo_catalogue(
    seeded: None, client: Client, language: str
) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    urls = ["/", "/items/", "/scenarios/", "/departments/", "/centres/"]
    urls += [f"/items/{item.code}/" for item in catalog_selectors.item_list(region="371121")]
    urls += [f"/scenarios/{s.slug}/" for s in catalog_selectors.scenario_list(region="371121")]
    urls += [f"/departments/{d.code}/" for d in org_selectors.department_list(region="371121")]
    failed = {url: status for url in urls if (status := client.get(url).status_code) != 200}
    assert failed == {}
    assert len(urls) > 150
