"""The rules of benefits without applying (免申即享): what each benefit is, who grants it, the
shared data its eligibility rests on, and how those data become the facts its DMN table reads.

A rule is data plus one small function (`facts`); the decision itself is the DMN table of the
process `Rule.process_key` in `onestop/workflow/processes/`, run by the `workflow` engine
(`services.subject_check`). The facts come only from shared datasets, fetched through
`sharing.services.data_fetch_many` by the granting department's rule runner (a service account
of that department, under the department's sharing agreement, purpose `eligibility-check`):
every fetch is an access record in the person's data tracker and a ledger entry.

Adding a rule: a `<key>.bpmn` + `<key>.dmn` in `workflow/processes/` (start → business-rule
task `check` → end; output `eligible`, a catch-all last rule answering False), an entry in
`RULES`, the sharing agreement that lets its department fetch the datasets for
`eligibility-check` (data/seed/sharing_agreements.json), and its texts here (bilingual data).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A fact as the offer shows it: name, value as read, and the dataset and field it came from.
Fact = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    key: str
    process_key: str
    department_kind: str  # the department that grants it (`<region>-<kind>`)
    subject_kinds: frozenset[str]  # account kinds it is about: citizen, business
    needs: tuple[tuple[str, tuple[str, ...]], ...]  # (dataset, fields) fetched
    # (fetched values by dataset, today) -> (engine variables, facts shown, occasion)
    facts: Callable[[dict[str, dict[str, Any] | None], datetime.date], tuple[dict, list, str]]
    confirm: bool  # True: the holder confirms with one click; False: granted on the match
    name_zh: str
    name_en: str
    what_zh: str
    what_en: str
    action_zh: str = ""
    action_en: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _years(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _fact(name_zh: str, name_en: str, value: Any, dataset: str, fld: str) -> Fact:
    return {
        "name_zh": name_zh,
        "name_en": name_en,
        "value": value,
        "dataset": dataset,
        "field": fld,
    }


def senior_facts(
    values: dict[str, dict[str, Any] | None], today: datetime.date
) -> tuple[dict[str, Any], list[Fact], str]:
    record = values.get("resident-id") or {}
    born = _date(record.get("birth_date"))
    age = _years(born, today) if born else -1
    shown = [
        _fact(
            "出生日期", "Date of birth", record.get("birth_date", ""), "resident-id", "birth_date"
        ),
        _fact("年龄（周岁）", "Age (full years)", age, "resident-id", "birth_date"),
    ]
    return {"age": age}, shown, ""


def newborn_facts(
    values: dict[str, dict[str, Any] | None], today: datetime.date
) -> tuple[dict[str, Any], list[Fact], str]:
    record = values.get("birth-medical-certificate") or {}
    born = _date(record.get("birth_date"))
    registered = bool(record.get("certificate_number"))
    days = (today - born).days if born else -1
    shown = [
        _fact(
            "出生医学证明编号",
            "Birth medical certificate number",
            record.get("certificate_number", ""),
            "birth-medical-certificate",
            "certificate_number",
        ),
        _fact(
            "新生儿姓名",
            "Child's name",
            record.get("child_name", ""),
            "birth-medical-certificate",
            "child_name",
        ),
        _fact(
            "出生日期",
            "Date of birth",
            record.get("birth_date", ""),
            "birth-medical-certificate",
            "birth_date",
        ),
    ]
    # one offer per child: the certificate number tells two births apart
    return (
        {"birth_registered": registered, "child_age_days": days},
        shown,
        str(record.get("certificate_number", "")),
    )


IN_BUSINESS = frozenset({"存续", "在业", "开业"})


def enterprise_facts(
    values: dict[str, dict[str, Any] | None], today: datetime.date
) -> tuple[dict[str, Any], list[Fact], str]:
    record = values.get("enterprise-registry") or {}
    founded = _date(record.get("establishment_date"))
    days = (today - founded).days if founded else -1
    status = str(record.get("status", ""))
    shown = [
        _fact(
            "成立日期",
            "Date of establishment",
            record.get("establishment_date", ""),
            "enterprise-registry",
            "establishment_date",
        ),
        _fact("登记状态", "Registration status", status, "enterprise-registry", "status"),
    ]
    return {"in_business": status in IN_BUSINESS, "days_since_establishment": days}, shown, ""


CITIZEN = frozenset({"citizen"})
BUSINESS = frozenset({"business"})

RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            key="senior",
            process_key="benefit_senior",
            department_kind="civil-affairs",
            subject_kinds=CITIZEN,
            needs=(("resident-id", ("birth_date",)),),
            facts=senior_facts,
            confirm=True,
            name_zh="老年人津贴和老年优待证",
            name_en="Senior citizen's allowance and senior card",
            what_zh="年满60周岁的居民按月领取老年人津贴，并获发老年优待证（乘车、景区等优待）。",
            what_en=(
                "Residents aged 60 or more receive the monthly senior citizen's allowance and "
                "the senior card (free or reduced fares, entry to parks and sights)."
            ),
            action_zh="确认后，津贴按月发放至您的社会保障卡，优待证寄往户籍地址。",
            action_en=(
                "Once you confirm, the allowance is paid monthly to your social security card "
                "and the senior card is posted to your registered address."
            ),
        ),
        Rule(
            key="newborn-insurance",
            process_key="benefit_newborn_insurance",
            department_kind="medical-security",
            subject_kinds=CITIZEN,
            needs=(
                (
                    "birth-medical-certificate",
                    ("certificate_number", "child_name", "birth_date"),
                ),
            ),
            facts=newborn_facts,
            confirm=True,
            name_zh="新生儿城乡居民医保参保",
            name_en="Resident medical insurance for your newborn",
            what_zh="新生儿自出生之日起参加城乡居民基本医疗保险，出生当年的个人缴费由财政补助。",
            what_en=(
                "Your newborn is insured under the urban-rural resident basic medical "
                "insurance from the day of birth; the first year's premium is subsidised."
            ),
            action_zh="确认后，医保部门为孩子办理参保登记，无需提交材料。",
            action_en=(
                "Once you confirm, the medical-security bureau enrols your child; you hand in "
                "nothing."
            ),
        ),
        Rule(
            key="newborn-vaccination",
            process_key="benefit_newborn_vaccination",
            department_kind="health",
            subject_kinds=CITIZEN,
            needs=(
                (
                    "birth-medical-certificate",
                    ("certificate_number", "child_name", "birth_date"),
                ),
            ),
            facts=newborn_facts,
            confirm=False,
            name_zh="预防接种提醒",
            name_en="Vaccination reminders for your child",
            what_zh="按国家免疫规划，在每剂疫苗到期前提醒您带孩子接种。",
            what_en=(
                "A reminder before each dose of the national immunisation programme falls due."
            ),
            action_zh="无需办理：提醒已开通。",
            action_en="Nothing to do: the reminders are on.",
        ),
        Rule(
            key="enterprise-setup",
            process_key="benefit_enterprise_setup",
            department_kind="tax",
            subject_kinds=BUSINESS,
            needs=(("enterprise-registry", ("establishment_date", "status")),),
            facts=enterprise_facts,
            confirm=True,
            name_zh="新办企业税务和社保登记",
            name_en="Tax and social-insurance set-up for a new enterprise",
            what_zh="新办企业的税务信息确认、发票领用和单位社会保险登记一并办理。",
            what_en=(
                "A new enterprise's tax registration, first invoices and employer "
                "social-insurance registration, done together."
            ),
            action_zh="确认后，税务和人社部门依据登记信息办理，结果发送到您的空间。",
            action_en=(
                "Once you confirm, the tax and human-resources bureaus set it up from your "
                "registration; the result comes to your space."
            ),
        ),
    )
}


def rules_for(kind: str) -> list[Rule]:
    """The rules about an account of `kind` (citizen, business)."""
    return [rule for rule in RULES.values() if kind in rule.subject_kinds]


def rule_get(key: str) -> Rule | None:
    return RULES.get(key)
