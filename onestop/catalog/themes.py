"""The small fixed theme vocabulary of the catalogue (life events and business stages).

An item's themes are derived when it is imported: from the "one thing" scenarios it belongs to,
from its competent department kind, and from a few words in its Chinese name. The vocabulary is
data of the platform, labelled in both languages (not gettext: it is catalogue content).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class Theme:
    key: str
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        lang = get_language() or "zh-hans"
        return self.name_en if lang.startswith("en") else self.name_zh


THEMES: tuple[Theme, ...] = (
    Theme("birth-childcare", "生育收养", "Birth and childcare"),
    Theme("household-id", "户籍身份", "Household registration and ID"),
    Theme("education", "教育入学", "Education"),
    Theme("employment", "就业创业", "Employment"),
    Theme("social-insurance", "社会保险", "Social insurance"),
    Theme("medical-insurance", "医疗保障", "Medical insurance"),
    Theme("housing", "住房不动产", "Housing and property"),
    Theme("utilities", "水电气网", "Water, power, gas and internet"),
    Theme("marriage", "婚姻登记", "Marriage"),
    Theme("retirement-elderly", "退休养老", "Retirement and elderly care"),
    Theme("disability", "残疾人服务", "Disability"),
    Theme("social-assistance", "社会救助", "Social assistance"),
    Theme("vehicles-transport", "交通出行", "Vehicles and transport"),
    Theme("business-startup", "企业开办", "Business start-up"),
    Theme("business-operation", "经营管理", "Business operation"),
    Theme("construction-land", "工程建设与用地", "Construction and land"),
    Theme("health-food", "卫生健康与食品", "Health and food"),
    Theme("culture-tourism", "文化旅游", "Culture and tourism"),
    Theme("agriculture", "农业农村", "Agriculture"),
    Theme("tax", "税务", "Tax"),
    Theme("public-safety", "公共安全与司法", "Public safety and legal aid"),
)
THEME_KEYS: frozenset[str] = frozenset(t.key for t in THEMES)

SCENARIO_THEMES: dict[str, tuple[str, ...]] = {
    "enterprise-info-change": ("business-operation",),
    "transport-business-opening": ("business-startup", "vehicles-transport"),
    "restaurant-opening": ("business-startup", "health-food"),
    "utility-joint-connection": ("utilities", "construction-land"),
    "credit-repair": ("business-operation",),
    "bankruptcy-info-verification": ("business-operation",),
    "enterprise-deregistration": ("business-operation",),
    "newborn": ("birth-childcare",),
    "school-enrollment": ("education",),
    "social-security-card": ("social-insurance",),
    "disability-services": ("disability",),
    "retirement": ("retirement-elderly",),
    "second-hand-housing-transfer": ("housing",),
}

KIND_THEMES: dict[str, tuple[str, ...]] = {
    "public-security": ("household-id",),
    "civil-affairs": ("social-assistance",),
    "human-resources-social-security": ("social-insurance",),
    "natural-resources-planning": ("construction-land",),
    "housing-urban-rural-development": ("construction-land",),
    "transport": ("vehicles-transport",),
    "agriculture-rural-affairs": ("agriculture",),
    "health": ("health-food",),
    "market-regulation": ("business-operation",),
    "medical-security": ("medical-insurance",),
    "education-sports": ("education",),
    "comprehensive-law-enforcement": ("construction-land",),
    "ecology-environment": ("construction-land",),
    "water-resources": ("construction-land",),
    "emergency-management": ("business-operation",),
    "tax": ("tax",),
    "veterans-affairs": ("social-assistance",),
    "culture-tourism": ("culture-tourism",),
    "disabled-persons-federation": ("disability",),
    "housing-provident-fund": ("housing",),
    "power-supply": ("utilities",),
    "water-supply": ("utilities",),
    "gas-supply": ("utilities",),
    "telecom": ("utilities",),
    "development-reform": ("business-operation",),
    "justice": ("public-safety",),
    "fire-rescue": ("public-safety",),
}

# Words in the Chinese item name that add a theme the department kind does not imply.
NAME_THEMES: tuple[tuple[str, str], ...] = (
    ("出生", "birth-childcare"),
    ("育儿", "birth-childcare"),
    ("生育", "birth-childcare"),
    ("结婚", "marriage"),
    ("离婚", "marriage"),
    ("退休", "retirement-elderly"),
    ("养老", "retirement-elderly"),
    ("高龄", "retirement-elderly"),
    ("残疾", "disability"),
    ("失业", "employment"),
    ("技能", "employment"),
    ("就业", "employment"),
    ("从业", "employment"),
    ("执业", "employment"),
    ("教师", "education"),
    ("驾驶", "vehicles-transport"),
    ("机动车", "vehicles-transport"),
    ("设立登记", "business-startup"),
    ("食品", "health-food"),
    ("药品", "health-food"),
    ("卫生", "health-food"),
    ("住房", "housing"),
    ("不动产", "housing"),
    ("宅基地", "housing"),
    ("救助", "social-assistance"),
    ("最低生活", "social-assistance"),
    ("医保", "medical-insurance"),
    ("医疗保险", "medical-insurance"),
    ("税", "tax"),
    ("户口", "household-id"),
    ("身份证", "household-id"),
    ("护照", "household-id"),
)


def derive_themes(*, name_zh: str, competent_kind: str, scenarios: Iterable[str]) -> list[str]:
    """Themes of an item in vocabulary order: scenario themes, kind themes, name words."""
    found: set[str] = set()
    for slug in scenarios:
        found.update(SCENARIO_THEMES.get(slug, ()))
    found.update(KIND_THEMES.get(competent_kind, ()))
    for word, key in NAME_THEMES:
        if word in name_zh:
            found.add(key)
    return [t.key for t in THEMES if t.key in found]
