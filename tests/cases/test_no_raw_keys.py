"""No machine key on a person's screen (#12 §6): the citizen's and the staff's pages of a seeded
newborn application, one item decided with an e-licence in the wallet, walked in Chinese and in
English. The visible text (no markup, scripts, attributes or links' addresses) must not hold a
key of the data (licence types, datasets, materials, form fields, purposes: anything with a
"-", "_" or "." inside), a "licence:…"/"dataset:…" source, a camelCase claim name, a
"draft <uuid>" reference or a bare UUID."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases import tracking
from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from tests.cases.conftest import NEWBORN_ANSWERS, fill_values
from tests.factories import login

BIRTH = "37112100WJ-GG-0002"  # the birth medical certificate: an e-licence
CARD = "37112100RS-GG-0005"
WALLET = "电子证照（免费）"

GENERIC = [
    re.compile(r"\b(?:licence|dataset|prefill|law|case|item):[a-z0-9][\w-]*"),
    re.compile(r"\b[a-z]+[A-Z][A-Za-z]+\b"),  # camelCase claim names
    re.compile(r"\b[a-z]+_[a-z0-9_]+\b"),  # snake_case field keys
    re.compile(r"\bdraft [0-9a-f]{8}-"),
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
    re.compile(r"→"),  # "create → new": a transition, not a sentence
]


class _Text(HTMLParser):
    """The text a person reads: no script/style, no attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "pre", "code"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "pre", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    text = re.sub(r"https?://\S+", " ", text)  # a printed link is an address, not a label
    return re.sub(r"[\w.~+/=-]{40,}", " ", text)  # a credential's token, shown to copy


def _machine_keys() -> set[str]:
    """Every key of the data with a separator inside (a plain word may be a word too)."""
    from onestop.catalog.models import Material
    from onestop.credentials.models import LicenceType
    from onestop.sharing.models import Dataset, Purpose

    keys = set(LicenceType.objects.values_list("key", flat=True))
    keys |= set(Dataset.objects.values_list("key", flat=True))
    keys |= set(Material.objects.values_list("key", flat=True))
    keys |= {str(p) for p in Purpose.values} | {"case-handling"}
    return {k for k in keys if re.search(r"[-_.]", k)}


def raw_keys(text: str, keys: set[str]) -> list[str]:
    found = [m.group(0) for pattern in GENERIC for m in pattern.finditer(text)]
    found.extend(key for key in keys if re.search(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", text))
    return sorted(set(found))


def _submit(citizen: User, newborn: Scenario) -> Case:
    from onestop.cases import services

    case = services.draft_start(actor=citizen, scenario=newborn)
    case = services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)
    case = services.prefill_apply(actor=citizen, case=case)
    case = services.draft_save(
        actor=citizen, case=case, form_data={**fill_values(case), "delivery_method": WALLET}
    )
    return services.case_submit(actor=citizen, case=case, idempotency_key="raw-keys-1")


def test_the_checker_finds_what_the_issue_saw() -> None:
    keys = {"birth-medical-certificate", "resident-id", "case-handling"}
    for seen in (
        "预填自birth-medical-certificate.child_name",
        "来源：licence:resident-id",
        "dataset:marriage",
        "出生日期 birthDate",
        "caseNumber",
        "draft 3fe10395-0000-4000-8000-000000000000",
        "create → new",
        "用途 case-handling",
        "child_name",
    ):
        assert raw_keys(seen, keys), seen
    assert raw_keys("新生儿出生一件事 e-licence one-time notice 2026-12-07", keys) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_of_the_journey_shows_a_machine_key(
    users: dict[str, User],
    officers: dict[str, User],
    newborn: Scenario,
    decide: Any,
    language: str,
) -> None:
    citizen, supervisor, clerk = (users[k] for k in ("citizen", "supervisor", "clerk"))
    top = _submit(citizen, newborn)
    birth = decide(top.children.get(item__code=BIRTH), officers["health"])
    assert birth.credential is not None
    card = top.children.get(item__code=CARD)
    number = top.number or ""
    pages = {
        citizen: [
            "/me/cases/",
            f"/me/cases/{number}/",
            "/wallet/",
            f"/wallet/{birth.credential.id}/",
            "/me/data/",
            "/me/notifications/",
            f"/track/{number}/?t={tracking.token_for(number)}",
        ],
        officers["health"]: ["/office/", f"/office/cases/{birth.number}/", "/sharing/access/"],
        officers["human-resources-social-security"]: [f"/office/cases/{card.number}/"],
        supervisor: ["/office/supervisor/"],
        clerk: [f"/window/cases/{number}/"],
    }
    keys = _machine_keys()
    problems = []
    for user, urls in pages.items():
        client = login(user, language=language)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            found = raw_keys(visible(response.content.decode()), keys)
            if found:
                problems.append(f"{user.username} {url}: {found}")
    assert not problems, "\n".join(problems)
