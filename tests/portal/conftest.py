"""Portal fixtures: a small region with departments, a service centre, items and a bundle.

The rows are written directly because the catalogue has no write services (it is loaded by its
importer from data/seed/catalog.json); the shape follows that file.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from onestop.catalog.models import Item, Material, Scenario, ScenarioItem
from onestop.credentials.models import LicenceType
from onestop.org.models import (
    Department,
    DepartmentKind,
    OpeningHours,
    Region,
    ServiceCentre,
    Window,
)
from onestop.sharing.models import Dataset

REGION = "371121"


@dataclass
class Portal:
    region: Region
    approval: Department
    market: Department
    police: Department
    centre: ServiceCentre
    licence_item: Item
    seal_item: Item
    spot_item: Item
    scenario: Scenario


def _item(**values: Any) -> Item:
    defaults: dict[str, Any] = {
        "region_id": REGION,
        "type": "licensing",
        "audience": "enterprise",
        "legal_basis": ["《中华人民共和国市场主体登记管理条例》第二十四条"],
        "applicant_scope_zh": "在五莲县登记的企业",
        "applicant_scope_en": "Enterprises registered in Wulian County",
        "conditions_zh": ["变更事项已依法作出决定"],
        "conditions_en": ["The change has been lawfully decided"],
        "steps": ["网上申报或窗口申请", "受理", "审查"],
        "special_steps": [],
        "statutory_days": 3,
        "promised_days": 1,
        "fee_zh": "不收费",
        "result": {"name_zh": "营业执照", "type": "licence", "e_licence": "business-licence"},
        "visits": 0,
        "online_depth": 4,
        "cross_province": False,
        "themes": ["business-operation"],
        "form_fields": [
            {"key": "phone", "label_zh": "联系电话", "label_en": "Phone", "type": "string"}
        ],
    }
    defaults.update(values)
    return Item.objects.create(**defaults)


@pytest.fixture
def portal(db: None, settings: Any) -> Portal:
    settings.NODE_REGION = REGION
    province = Region.objects.create(
        code="370000", name_zh="山东省", name_en="Shandong Province", level="province"
    )
    Region.objects.create(
        code="371100", name_zh="日照市", name_en="Rizhao City", level="city", parent=province
    )
    region = Region.objects.create(
        code=REGION, name_zh="五莲县", name_en="Wulian County", level="county", parent_id="371100"
    )
    kinds = {
        key: DepartmentKind.objects.create(
            key=key, name_zh=zh, name_en=en, duties_zh=dz, duties_en=de
        )
        for key, zh, en, dz, de in [
            (
                "administrative-approval-services",
                "行政审批服务局",
                "Administrative Approval Services Bureau",
                "集中行使行政许可权。",
                "Exercises licensing powers centrally.",
            ),
            (
                "market-regulation",
                "市场监督管理局",
                "Market Regulation Bureau",
                "负责市场主体登记。",
                "Registers market entities.",
            ),
            (
                "public-security",
                "公安局",
                "Public Security Bureau",
                "负责户口登记和印章刻制备案。",
                "Handles household registration and seal records.",
            ),
        ]
    }
    departments = {
        key: Department.objects.create(
            code=f"{REGION}-{key}",
            region=region,
            kind=kind,
            name_zh=f"五莲县{kind.name_zh}",
            name_en=f"Wulian County {kind.name_en}",
        )
        for key, kind in kinds.items()
    }
    Dataset.objects.create(
        key="enterprise-registry",
        name_zh="企业登记信息",
        name_en="Enterprise registry",
        provider_kind=kinds["market-regulation"],
        sensitivity="internal",
        subject="enterprise",
        basis="law",
    )
    LicenceType.objects.create(
        key="business-licence",
        name_zh="营业执照",
        name_en="Business licence",
        issuer_kind=kinds["market-regulation"],
    )
    centre = ServiceCentre.objects.create(
        slug="wulian-centre",
        region=region,
        name_zh="五莲县政务服务中心",
        name_en="Wulian County Government Service Centre",
        address_zh="五莲县解放路1号",
        address_en="1 Jiefang Road, Wulian",
        phone="0633-12345",
    )
    comprehensive = Window.objects.create(
        centre=centre,
        number="01",
        name_zh="综合受理窗口",
        name_en="Comprehensive window",
        comprehensive=True,
    )
    police_window = Window.objects.create(
        centre=centre, number="12", name_zh="公安窗口", name_en="Police window"
    )
    police_window.departments.add(departments["public-security"])
    assert comprehensive.pk
    for weekday in range(5):
        OpeningHours.objects.create(
            centre=centre, weekday=weekday, opens=datetime.time(9), closes=datetime.time(12)
        )
        OpeningHours.objects.create(
            centre=centre,
            weekday=weekday,
            opens=datetime.time(13, 30),
            closes=datetime.time(17, 30),
        )
    OpeningHours.objects.create(
        centre=centre,
        weekday=5,
        opens=datetime.time(9),
        closes=datetime.time(12),
        comprehensive_only=True,
    )

    licence_item = _item(
        code="37112100SP-XK-0001",
        template_key="SP-XK-0001",
        name_zh="营业执照变更登记",
        name_en="Change of business registration",
        competent_department=departments["market-regulation"],
        implementing_department=departments["administrative-approval-services"],
        special_steps=[{"name_zh": "现场核查", "max_days": 5, "counted_in_limit": True}],
        popularity=50,
    )
    for position, (key, zh, en, form, source, dataset, licence, required) in enumerate(
        [
            (
                "application-form",
                "变更登记申请书",
                "Application form",
                "electronic",
                "generated",
                "",
                "",
                True,
            ),
            (
                "business-licence",
                "原营业执照",
                "Business licence",
                "electronic",
                "licence",
                "",
                "business-licence",
                True,
            ),
            (
                "registry-extract",
                "企业登记信息",
                "Registry extract",
                "electronic",
                "dataset",
                "enterprise-registry",
                "",
                True,
            ),
            (
                "power-of-attorney",
                "授权委托书",
                "Power of attorney",
                "original",
                "applicant",
                "",
                "",
                False,
            ),
        ]
    ):
        Material.objects.create(
            item=licence_item,
            key=key,
            position=position,
            name_zh=zh,
            name_en=en,
            form=form,
            source_type=source,
            source_dataset=dataset,
            source_licence=licence,
            required=required,
        )
    seal_item = _item(
        code="37112100GA-BA-0001",
        template_key="GA-BA-0001",
        type="filing",
        name_zh="印章刻制备案",
        name_en="Seal-engraving record",
        competent_department=departments["public-security"],
        implementing_department=departments["public-security"],
        statutory_days=None,
        promised_days=2,
        fee_zh="按规定收费",
        fee_en="Charged as regulated",
        result={"name_zh": "备案回执", "type": "record", "e_licence": None},
        visits=1,
        online_depth=3,
        cross_province=True,
        themes=["business-operation", "public-safety"],
        popularity=10,
    )
    Material.objects.create(
        item=seal_item,
        key="power-of-attorney",
        position=0,
        name_zh="授权委托书",
        name_en="Power of attorney",
        form="original",
        source_type="applicant",
        required=True,
    )
    spot_item = _item(
        code="37112100GA-QR-0001",
        template_key="GA-QR-0001",
        type="confirmation",
        audience="person",
        name_zh="户籍证明开具",
        name_en="Household registration certificate",
        competent_department=departments["public-security"],
        implementing_department=departments["public-security"],
        promised_days=0,
        statutory_days=1,
        themes=["household-id"],
        popularity=90,
        result={"name_zh": "户籍证明", "type": "other", "e_licence": None},
    )
    scenario = Scenario.objects.create(
        slug="enterprise-info-change",
        region=region,
        audience="enterprise",
        lead_department=departments["market-regulation"],
        name_zh="企业信息变更一件事",
        name_en="Enterprise information change",
        summary_zh="一次申请同步更新关联信息。",
        summary_en="One application updates every related record.",
        variants=[
            {
                "key": "seal_change",
                "question_zh": "本次变更是否涉及企业名称或法定代表人",
                "question_en": "Does the change concern the name or the legal representative?",
                "options": [
                    {
                        "value": "yes",
                        "label_zh": "是",
                        "label_en": "Yes",
                        "include_items": ["37112100GA-BA-0001"],
                        "exclude_items": [],
                    },
                    {
                        "value": "no",
                        "label_zh": "否",
                        "label_en": "No",
                        "include_items": [],
                        "exclude_items": ["37112100GA-BA-0001"],
                    },
                ],
            }
        ],
    )
    ScenarioItem.objects.create(scenario=scenario, item=licence_item, position=0)
    ScenarioItem.objects.create(scenario=scenario, item=seal_item, position=1)
    return Portal(
        region=region,
        approval=departments["administrative-approval-services"],
        market=departments["market-regulation"],
        police=departments["public-security"],
        centre=centre,
        licence_item=licence_item,
        seal_item=seal_item,
        spot_item=spot_item,
        scenario=scenario,
    )


@pytest.fixture
def zh(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
