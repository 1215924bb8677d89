"""Fixtures of the benefits tests, on the cases world (tests/cases/conftest.py): org, demo
accounts, the sharing agreements and demo records (the demo citizen 张伟's newborn 张小雨, born
2026-11-10), the workflow processes (with the benefit_* eligibility tables).

- `senior`   → callable senior(born="1960-05-01", username=...) → a registered citizen whose
               resident-id record (written through `sharing.services.record_upsert`) says
               that date of birth.
- `new_firm` → callable new_firm(founded=..., status="存续") → a business account with an
               enterprise-registry record.
- `TODAY`    → the day the tests check on (the demo newborn is 27 days old).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts import services as account_services
from onestop.accounts.models import User
from onestop.core.actors import SYSTEM
from onestop.sharing.services import record_upsert
from tests.cases import conftest as cases

cases_world = cases.cases_world
users = cases.users
citizen = cases.citizen
business = cases.business
officers = cases.officers
media = cases.media

TODAY = datetime.date(2026, 12, 7)


def _rid(born: str, seq: str) -> str:
    from stdnum.cn import ric

    body = f"110101{born.replace('-', '')}{seq}"  # born in Beijing: Wulian is newer
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def senior(cases_world: dict[str, User]) -> Callable[..., User]:
    def make(born: str = "1960-05-01", username: str = "laowang", seq: str = "031") -> User:
        rid = _rid(born, seq)
        user = account_services.citizen_register(
            username=username,
            password="a-long-enough-password-2026",
            real_name="王老汉",
            resident_id=rid,
        )
        record_upsert(
            actor=SYSTEM,
            dataset="resident-id",
            subject=rid,
            subject_kind="person",
            data={"id_number": rid, "name": "王老汉", "birth_date": born},
        )
        return user

    return make


@pytest.fixture
def new_firm(cases_world: dict[str, User]) -> Callable[..., User]:
    def make(founded: str = "2026-11-20", status: str = "存续") -> User:
        from stdnum.cn import uscc

        body = "91371121MA3C5D7E9"
        code = body + uscc.calc_check_digit(body)
        user = account_services.business_register(
            username="newfirm",
            password="a-long-enough-password-2026",
            real_name="赵新",
            uscc=code,
            organisation_name="五莲县新开示例商贸有限公司（演示）",
        )
        record_upsert(
            actor=SYSTEM,
            dataset="enterprise-registry",
            subject=code,
            subject_kind="enterprise",
            data={
                "uscc": code,
                "name": "五莲县新开示例商贸有限公司（演示）",
                "establishment_date": founded,
                "status": status,
            },
        )
        return user

    return make


def offers_of(user: User) -> list[Any]:
    from onestop.benefits.models import Offer

    return list(Offer.objects.filter(holder=user).order_by("rule"))
