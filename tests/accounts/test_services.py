from __future__ import annotations

import pytest
from django.utils import translation

from onestop.accounts import services
from onestop.accounts.models import StaffRole, User
from onestop.core import crypto
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .conftest import OTHER_ID, PASSWORD, RESIDENT_ID, USCC

R = StaffRole.Role


def test_citizen_register_stores_the_id_encrypted_indexed_and_masked(citizen: User) -> None:
    citizen.refresh_from_db()
    assert citizen.kind == User.Kind.CITIZEN
    assert citizen.real_name == "张伟"
    assert citizen.resident_id_masked == "3711**********123X"
    assert RESIDENT_ID not in citizen.resident_id_enc
    assert crypto.decrypt_pii(citizen.resident_id_enc) == RESIDENT_ID
    assert citizen.resident_id_index == crypto.blind_index(RESIDENT_ID)
    assert citizen.region_id == "371121"
    assert citizen.real_name_level == User.AssuranceLevel.L1
    assert citizen.phone == "13812345678"
    assert citizen.check_password(PASSWORD)


def test_a_senior_with_the_county_s_old_code_is_of_its_region_today(org: None) -> None:
    """A Wulian resident born in 1950 got the number in the 1980s under Weifang's 370729:
    registering is accepted, and the account is of Wulian (371121) as the county is coded now."""
    from stdnum.cn import ric

    body = "37072919500315012"
    senior = services.citizen_register(
        username="laowang",
        password=PASSWORD,
        real_name="王建国",
        resident_id=body + ric.calc_check_digit(body + "0"),
    )
    assert senior.region_id == "371121"


def test_duplicate_resident_id_is_a_conflict(citizen: User) -> None:
    with pytest.raises(Conflict) as caught:
        services.citizen_register(
            username="someone-else",
            password=PASSWORD,
            real_name="张伟",
            resident_id=RESIDENT_ID.lower(),
        )
    assert caught.value.code == "duplicate_resident_id"
    assert list(User.objects.values_list("username", flat=True)) == ["zhangwei"]


def test_duplicate_username_is_a_conflict(citizen: User) -> None:
    with pytest.raises(Conflict) as caught:
        services.citizen_register(
            username="ZhangWei", password=PASSWORD, real_name="张伟", resident_id=OTHER_ID
        )
    assert caught.value.code == "duplicate_username"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"resident_id": "371121199303151231"}, "invalid_resident_id"),
        ({"resident_id": ""}, "invalid_resident_id"),
        ({"real_name": "  "}, "invalid_real_name"),
        ({"username": "bad name!"}, "invalid_username"),
        ({"phone": "call me"}, "invalid_phone"),
        ({"password": "12345678901"}, "invalid_password"),
        ({"password": "short"}, "invalid_password"),
    ],
)
def test_bad_input_creates_nobody(org: None, changes: dict[str, str], code: str) -> None:
    data = {
        "username": "zhangwei",
        "password": PASSWORD,
        "real_name": "张伟",
        "resident_id": RESIDENT_ID,
        "phone": "",
    } | changes
    with pytest.raises(ValidationFailed) as caught:
        services.citizen_register(**data)
    assert caught.value.code == code
    assert User.objects.count() == 0


def test_password_errors_are_translated(org: None) -> None:
    # Django's own zh_Hans catalogue lacks the 5.2 wording of the too-short message; the
    # numeric-password message is translated.
    data = {
        "username": "zw",
        "password": "40817263549",
        "real_name": "张伟",
        "resident_id": RESIDENT_ID,
    }
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        services.citizen_register(**data)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as chinese:
        services.citizen_register(**data)
    assert str(english.value.message) == "This password is entirely numeric."
    assert str(chinese.value.message) == "密码只包含数字。"


def test_business_register(org: None) -> None:
    user = services.business_register(
        username="biz",
        password=PASSWORD,
        real_name="李娜",
        uscc=USCC.lower(),
        organisation_name="示例公司",
    )
    assert (user.kind, user.uscc, user.region_id) == (User.Kind.BUSINESS, USCC, "371121")
    with pytest.raises(ValidationFailed) as caught:
        services.business_register(
            username="biz2",
            password=PASSWORD,
            real_name="李娜",
            uscc=USCC[:-1] + "A",
            organisation_name="示例公司",
        )
    assert caught.value.code == "invalid_uscc"
    assert User.objects.count() == 1


def test_staff_create_with_scoped_roles(officer_ps: User) -> None:
    roles = list(officer_ps.staff_roles.values_list("role", "region_id", "department_id"))
    assert roles == [(R.DEPARTMENT_OFFICER, "371121", "371121-public-security")]
    assert officer_ps.kind == User.Kind.STAFF
    assert officer_ps.is_staff is False


def test_staff_create_is_refused_to_non_administrators(clerk_wulian: User) -> None:
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=clerk_wulian,
            username="x",
            password=PASSWORD,
            real_name="x",
            roles=[(R.WINDOW_CLERK, "371121", None)],
        )
    assert not User.objects.filter(username="x").exists()


def test_staff_create_is_refused_outside_the_administrators_region(admin_wulian: User) -> None:
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=admin_wulian,
            username="x",
            password=PASSWORD,
            real_name="x",
            roles=[(R.WINDOW_CLERK, "320707", None)],
        )
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize(
    "roles",
    [
        [(R.DEPARTMENT_OFFICER, "371121", None)],
        [(R.DEPARTMENT_OFFICER, "371121", "320707-tax")],
        [("wizard", "371121", None)],
        [],
    ],
)
def test_staff_create_validates_roles(admin_wulian: User, roles: list) -> None:
    with pytest.raises(ValidationFailed):
        services.staff_create(
            actor=admin_wulian, username="x", password=PASSWORD, real_name="x", roles=roles
        )
    assert not User.objects.filter(username="x").exists()
    assert StaffRole.objects.count() == 1  # the administrator's own


def test_staff_create_unknown_region(admin_wulian: User) -> None:
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=admin_wulian,
            username="x",
            password=PASSWORD,
            real_name="x",
            roles=[(R.WINDOW_CLERK, "999999", None)],
        )
    assert not User.objects.filter(username="x").exists()


def test_find_by_resident_id(citizen: User, clerk_wulian: User) -> None:
    found = services.user_find_by_resident_id(actor=clerk_wulian, resident_id=" 37112119930315123x")
    assert found.pk == citizen.pk
    with pytest.raises(NotFound):
        services.user_find_by_resident_id(actor=clerk_wulian, resident_id=OTHER_ID)


def test_citizens_may_not_look_people_up(citizen: User) -> None:
    with pytest.raises(PermissionDenied):
        services.user_find_by_resident_id(actor=citizen, resident_id=RESIDENT_ID)


def test_only_the_holder_sees_the_id_in_clear(citizen: User, admin_wulian: User) -> None:
    assert services.resident_id_reveal(actor=citizen, user=citizen) == RESIDENT_ID
    with pytest.raises(PermissionDenied):
        services.resident_id_reveal(actor=admin_wulian, user=citizen)
    with pytest.raises(NotFound):
        services.resident_id_reveal(actor=admin_wulian, user=admin_wulian)
