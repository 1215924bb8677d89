"""A small bilingual catalogue for the search tests.

The catalogue app imports whole files (catalog_import); these tests need a handful of rows with
exact texts, so the rows are written directly: they are the input of the knowledge app, whose
own data (the index) is always built through its services.
"""

from __future__ import annotations

from typing import Any

import pytest

from onestop.catalog.models import Item, Material, Scenario, ScenarioItem
from onestop.core.actors import SYSTEM
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


# --- the knowledge base ----------------------------------------------------------------------


def article_record(slug: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "slug": slug,
        "kind": "faq",
        "region": None,
        "status": "published",
        "title_zh": "标题",
        "title_en": "Title",
        "question_zh": "",
        "question_en": "",
        "body_zh": "正文。",
        "body_en": "Body.",
        "source": "《示范条例》第一条；示范部门",
        "department_kind": None,
        "related_items": [],
        "related_scenarios": [],
        "effective_from": "2020-01-01",
        "effective_until": None,
    }
    record.update(overrides)
    return record


SOCIAL_SECURITY_CARD = article_record(
    "social-security-card-replacement",
    title_zh="社保卡丢了怎么补办",
    title_en="How do I replace a lost social security card?",
    question_zh="社保卡丢了怎么补办？",
    question_en="I lost my social security card. How do I get a new one?",
    body_zh="社会保障卡丢失后，请先挂失：拨打12333或到合作银行网点办理。\n\n"
    "挂失后，本人携带居民身份证到人社服务大厅或合作银行网点申请**补领**。",
    body_en="First report the loss: call 12333 or go to a partner bank.\n\n"
    "Then take your ID card to the social security hall or a partner bank to get a **new card**.",
    source="《社会保障卡管理办法》；五莲县人力资源和社会保障局",
    department_kind="human-resources-social-security",
)
NEWBORN = article_record(
    "newborn-hukou-materials",
    title_zh="新生儿落户需要哪些材料",
    title_en="What documents do I need to register a newborn's hukou?",
    question_zh="新生儿落户需要哪些材料？",
    question_en="What documents are needed to register a newborn's hukou?",
    body_zh="婴儿出生后一个月以内申报出生登记。需要出生医学证明、父母户口簿和身份证。",
    body_en="Register the birth within one month with the birth medical certificate, "
    "the parents' household registers and ID cards.",
    source="《中华人民共和国户口登记条例》第七条；五莲县公安局",
    related_items=["37112100GA-QR-0001", "37112100XX-NONE-0001"],
    related_scenarios=["newborn"],
)
REAL_ESTATE = article_record(
    "real-estate-registration-guide",
    kind="article",
    region="371121",
    title_zh="不动产登记办理指南",
    title_en="Real estate registration: a guide",
    body_zh="不动产登记包括首次登记、变更登记、转移登记和抵押权登记。\n\n"
    "申请人需提交登记申请书、身份证明和不动产权属证书。\n\n"
    "法定办理时限为30个工作日，一般登记压缩至5个工作日内办结。",
    body_en="Real estate registration covers first, change, transfer and mortgage registrations."
    "\n\nSubmit the application form, proof of identity and the property certificate.\n\n"
    "The statutory time limit is 30 working days; ordinary registrations take 5 working days.",
    source="《不动产登记暂行条例》第二十条",
)
DRAFT = article_record(
    "heating-draft",
    status="draft",
    title_zh="暖气不热怎么办",
    title_en="Radiators not warm",
    question_zh="暖气不热找谁？",
    body_zh="向供热企业报修。",
)
EXPIRED = article_record(
    "medical-insurance-2024-payment",
    title_zh="2024年度居民医保缴费期",
    title_en="2024 residents' medical insurance payment period",
    body_zh="缴费期为2023年9月1日至2024年2月29日。",
    effective_from="2023-09-01",
    effective_until="2024-02-29",
)
FUTURE = article_record(
    "passport-fee-2099",
    title_zh="护照收费新标准",
    title_en="New passport fees",
    body_zh="护照工本费调整。",
    effective_from="2099-01-01",
)
ARTICLES = [SOCIAL_SECURITY_CARD, NEWBORN, REAL_ESTATE, DRAFT, EXPIRED, FUTURE]


@pytest.fixture
def knowledge_base(small_catalogue: Catalogue, settings: Any) -> Catalogue:
    """The small catalogue, six articles (three visible) and the index over both."""
    from onestop.knowledge.services import article_import, index_rebuild

    settings.NODE_REGION = REGION
    small_catalogue.department(
        REGION, "human-resources-social-security", "人力资源和社会保障局", "Human Resources Bureau"
    )
    article_import(actor=SYSTEM, records=ARTICLES)
    index_rebuild()
    return small_catalogue


@pytest.fixture
def staff(small_catalogue: Catalogue) -> dict[str, Any]:
    """An administrator, a supervisor and a hotline agent of Wulian, a supervisor of the other
    region, and a citizen."""
    from onestop.accounts import services as accounts

    small_catalogue.region(OTHER_REGION)
    admin = accounts.administrator_bootstrap(
        username="admin-wl", password="onestop-test-2026", real_name="周敏", region_code=REGION
    )
    admin_other = accounts.administrator_bootstrap(
        username="admin-gy",
        password="onestop-test-2026",
        real_name="赵云",
        region_code=OTHER_REGION,
    )

    def staff_member(actor: Any, username: str, role: str, region: str) -> Any:
        return accounts.staff_create(
            actor=actor,
            username=username,
            password="onestop-test-2026",
            real_name="测试",
            roles=[(role, region, None)],
        )

    return {
        "admin": admin,
        "supervisor": staff_member(admin, "supervisor-wl", "supervisor", REGION),
        "agent": staff_member(admin, "agent-wl", "hotline_agent", REGION),
        "supervisor_other": staff_member(admin_other, "supervisor-gy", "supervisor", OTHER_REGION),
        "citizen": accounts.citizen_register(
            username="zhangwei",
            password="onestop-test-2026",
            real_name="张伟",
            resident_id="37112119930315123X",
            phone="13812345678",
        ),
    }
