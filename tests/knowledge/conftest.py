"""A small bilingual catalogue for the search tests.

The catalogue app imports whole files (catalog_import); these tests need a handful of rows with
exact texts, so the rows are written directly: they are the input of the knowledge app, whose
own data (the index) is always built through its services.
"""

from __future__ import annotations

from typing import Any

import pytest

from onestop.catalog.models import Item, Material, Scenario, ScenarioItem
from onestop.knowledge import selectors
from onestop.org.models import Department, DepartmentKind, Region

REGION = "371121"
OTHER_REGION = "320707"


@pytest.fixture(autouse=True)
def _fresh_matrix_cache():
    selectors.clear_cache()
    yield
    selectors.clear_cache()


class Catalogue:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.departments: dict[tuple[str, str], Department] = {}

    def region(self, code: str) -> Region:
        if code not in self.regions:
            self.regions[code] = Region.objects.create(
                code=code, name_zh=f"区{code}", name_en=f"Region {code}", level="county"
            )
        return self.regions[code]

    def department(self, region: str, kind: str, name_zh: str, name_en: str) -> Department:
        key = (region, kind)
        if key not in self.departments:
            kind_obj, _ = DepartmentKind.objects.get_or_create(
                key=kind, defaults={"name_zh": name_zh, "name_en": name_en}
            )
            self.departments[key] = Department.objects.create(
                code=f"{region}-{kind}",
                region=self.region(region),
                kind=kind_obj,
                name_zh=name_zh,
                name_en=name_en,
            )
        return self.departments[key]

    def item(
        self,
        code: str,
        name_zh: str,
        name_en: str,
        *,
        region: str = REGION,
        kind: tuple[str, str, str] = ("public-security", "公安局", "Public Security Bureau"),
        conditions_zh: list[str] | None = None,
        materials: list[tuple[str, str]] | None = None,
    ) -> Item:
        department = self.department(region, *kind)
        item = Item.objects.create(
            code=code,
            template_key=code[8:],
            region=self.region(region),
            type="public-service",
            audience="person",
            competent_department=department,
            implementing_department=department,
            name_zh=name_zh,
            name_en=name_en,
            conditions_zh=conditions_zh or [],
            statutory_days=1,
            promised_days=0,
            fee_zh="不收费",
            visits=0,
            online_depth=4,
        )
        for position, (m_zh, m_en) in enumerate(materials or []):
            Material.objects.create(
                item=item,
                key=f"m{position}",
                position=position,
                name_zh=m_zh,
                name_en=m_en,
                form="electronic",
                source_type="applicant",
            )
        return item

    def scenario(
        self,
        slug: str,
        name_zh: str,
        name_en: str,
        items: list[Item],
        *,
        summary_zh: str = "",
        summary_en: str = "",
        region: str = REGION,
        **extra: Any,
    ) -> Scenario:
        scenario = Scenario.objects.create(
            slug=slug,
            region=self.region(region),
            audience="person",
            lead_department=items[0].competent_department,
            name_zh=name_zh,
            name_en=name_en,
            summary_zh=summary_zh,
            summary_en=summary_en,
            **extra,
        )
        for position, item in enumerate(items):
            ScenarioItem.objects.create(scenario=scenario, item=item, position=position)
        return scenario


@pytest.fixture
def catalogue(db) -> Catalogue:
    return Catalogue()


@pytest.fixture
def small_catalogue(catalogue: Catalogue) -> Catalogue:
    """Newborn and restaurant bundles, marriage on its own, and one item in another region."""
    health = ("health", "卫生健康局", "Health Commission")
    birth_cert = catalogue.item(
        "37112100WJ-GG-0002", "出生医学证明办理", "Birth medical certificate", kind=health
    )
    birth_reg = catalogue.item(
        "37112100GA-QR-0001",
        "出生登记（户口登记）",
        "Birth registration (hukou registration)",
        materials=[("出生医学证明", "Birth medical certificate")],
    )
    food = catalogue.item(
        "37112100SP-XK-0006",
        "食品经营许可",
        "Food business licence",
        kind=("administrative-approval-services", "行政审批服务局", "Approval Services Bureau"),
        conditions_zh=["有与经营的食品品种相适应的经营场所"],
    )
    licence = catalogue.item(
        "37112100SP-XK-0005",
        "营业执照办理",
        "Business licence (company or sole trader registration)",
        kind=("administrative-approval-services", "行政审批服务局", "Approval Services Bureau"),
    )
    catalogue.item(
        "37112100MZ-QR-0001",
        "结婚登记",
        "Marriage registration",
        kind=("civil-affairs", "民政局", "Civil Affairs Bureau"),
    )
    catalogue.scenario(
        "newborn",
        "新生儿出生一件事",
        "Newborn birth",
        [birth_cert, birth_reg],
        summary_zh="新生儿父母一次申请，同步办理出生医学证明和户口登记。",
        summary_en="Parents apply once for the birth medical certificate and hukou registration.",
    )
    catalogue.scenario(
        "restaurant-opening",
        "开办餐饮店一件事",
        "Opening a restaurant",
        [licence, food],
        summary_zh="开办餐饮店时，营业执照和食品经营许可集成办理。",
        summary_en="For a new restaurant, the business licence and food business licence together.",
    )
    catalogue.item(
        "32070700GA-QR-0001",
        "出生登记（户口登记）",
        "Birth registration (hukou registration)",
        region=OTHER_REGION,
    )
    return catalogue
