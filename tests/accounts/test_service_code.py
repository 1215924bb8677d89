"""The government service code (政务服务码): signed, short-lived, only for its holder to show and
a window clerk to scan; forged, altered, expired and foreign codes are refused with a clear
reason and record nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core import signing
from django.utils import timezone

from onestop.accounts import policies, services
from onestop.accounts.models import StaffRole, User
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.sharing.models import AccessRecord
from tests.factories import CitizenFactory, StaffFactory

R = StaffRole.Role
LIFETIME = services.SERVICE_CODE_LIFETIME
OTHER_RID = "110101199003070038"  # valid (the factory's default check character is not)


def _now() -> datetime.datetime:
    return timezone.now().replace(microsecond=0)  # the code carries whole seconds


@pytest.fixture
def clerk(admin_wulian: User) -> User:
    return StaffFactory(actor=admin_wulian, roles=[(R.WINDOW_CLERK, "371121", None)])


def _invalid(clerk: User, code: str, now: datetime.datetime | None = None) -> str:
    with pytest.raises(ValidationFailed) as error:
        services.service_code_scan(actor=clerk, code=code, now=now)
    return str(error.value.code)


def test_a_code_is_signed_and_opens_its_holder_once_recorded(citizen: User, clerk: User) -> None:
    now = _now()
    code = services.service_code_issue(actor=citizen, now=now)
    assert code.expires_at == now + LIFETIME
    # the payload: the account id, the start of the blind index, the time; no personal data
    assert signing.Signer(salt=services.SERVICE_CODE_SALT).unsign_object(code.text) == {
        "u": citizen.pk,
        "i": citizen.resident_id_index[:16],
        "t": int(now.timestamp()),
    }
    assert citizen.real_name not in code.text
    before = AccessRecord.objects.count()
    found = services.service_code_scan(actor=clerk, code=f"  {code.text}\n", now=now)
    assert found == citizen
    assert AccessRecord.objects.count() == before + 1
    record = AccessRecord.objects.latest("at")
    assert (record.actor, record.subject_index, record.dataset) == (
        clerk,
        citizen.resident_id_index,
        "accounts.profile",
    )
    assert record.fields == ["real_name", "resident_id_masked", "real_name_level"]


def test_a_code_is_valid_for_five_minutes_then_expired(citizen: User, clerk: User) -> None:
    now = _now()
    code = services.service_code_issue(actor=citizen, now=now).text
    assert services.service_code_scan(actor=clerk, code=code, now=now + LIFETIME) == citizen
    before = AccessRecord.objects.count()
    later = now + LIFETIME + datetime.timedelta(seconds=1)
    assert _invalid(clerk, code, later) == "service_code_expired"
    with pytest.raises(ValidationFailed) as error:
        services.service_code_scan(actor=clerk, code=code, now=later)
    assert str(error.value.message) == (
        "This government service code has expired. Ask the person to refresh it on their "
        "phone and scan it again."
    )
    assert AccessRecord.objects.count() == before


def test_forged_altered_and_foreign_codes_are_refused(citizen: User, clerk: User) -> None:
    now = _now()
    code = services.service_code_issue(actor=citizen, now=now).text
    before = AccessRecord.objects.count()
    payload, _sep, signature = code.rpartition(":")
    other = CitizenFactory(resident_id=OTHER_RID)
    forged_payload = signing.Signer(salt=services.SERVICE_CODE_SALT).sign_object(
        {"u": other.pk, "i": other.resident_id_index[:16], "t": int(now.timestamp())}
    )
    wrong_key = signing.Signer(key="not the node's key", salt=services.SERVICE_CODE_SALT)
    for bad in (
        "",
        "37112119930315123X",  # a typed ID number is not a code
        payload + ":" + signature[:-2] + "xx",  # signature altered
        forged_payload.rpartition(":")[0] + ":" + signature,  # someone else's id, old signature
        wrong_key.sign_object({"u": citizen.pk, "i": "x", "t": int(now.timestamp())}),
        signing.Signer(salt="other").sign_object({"u": citizen.pk, "t": int(now.timestamp())}),
    ):
        assert _invalid(clerk, bad, now) == "service_code_invalid"
    future = services.service_code_issue(actor=citizen, now=now + datetime.timedelta(hours=1))
    assert _invalid(clerk, future.text, now) == "service_code_invalid"
    assert AccessRecord.objects.count() == before


def test_a_code_stops_when_the_account_does(citizen: User, clerk: User) -> None:
    code = services.service_code_issue(actor=citizen).text
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert _invalid(clerk, code) == "service_code_invalid"


def test_only_the_holder_shows_and_only_a_clerk_scans(
    citizen: User, clerk: User, admin_wulian: User
) -> None:
    assert policies.can(citizen, policies.Action.SERVICE_CODE_SHOW, citizen)
    assert not policies.can(clerk, policies.Action.SERVICE_CODE_SHOW, citizen)
    with pytest.raises(PermissionDenied):
        services.service_code_issue(actor=clerk)  # staff account: no resident ID
    code = services.service_code_issue(actor=citizen).text
    before = AccessRecord.objects.count()
    for stranger in (citizen, CitizenFactory(resident_id=OTHER_RID)):
        with pytest.raises(PermissionDenied):
            services.service_code_scan(actor=stranger, code=code)
    assert AccessRecord.objects.count() == before
    assert policies.can(clerk, policies.Action.SERVICE_CODE_SCAN, None)
    assert not policies.can(admin_wulian, policies.Action.SERVICE_CODE_SCAN, None)  # no clerk
