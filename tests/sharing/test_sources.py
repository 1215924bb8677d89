"""A dataset whose source is a department's own system (the HTTP JSON adapter,
`sharing.sources`), against a small department service on loopback (tests/sharing/department.py):
the fetch goes through it with the same policy, consent, access record and ledger entry as local
data; its outages (wrong token, timeout, port closed, 5xx, malformed answer) give a clear
"unavailable" result, recorded, distinct from "no record" and from "not allowed"; recovery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from onestop.accounts.models import User
from onestop.core.actors import SYSTEM
from onestop.core.errors import NotFound, PermissionDenied, Unavailable, ValidationFailed
from onestop.ledger import selectors as ledger_selectors
from onestop.sharing import selectors, services
from onestop.sharing.models import AccessRecord, DatasetSource, Purpose
from tests.factories import AdministratorFactory, CitizenFactory
from tests.sharing.department import DepartmentService

pytestmark = pytest.mark.django_db

CITIZEN_ID = "37112119930315123X"
TOKEN = "dept-token-0123456789"
ADDRESS = "山东省日照市五莲县洪凝街道解放路88号（户籍科系统）"
REGISTER = {
    "household": {
        CITIZEN_ID: {
            "household_number": "371121007215",
            "name": "张伟",
            "registered_address": ADDRESS,
            "hukou_type": "家庭户",  # the department's name for household_type
            "internal_note": "never asked for",
        }
    }
}


@pytest.fixture
def department(settings: Any) -> Iterator[DepartmentService]:
    settings.SHARING_SOURCE_RETRY_SECONDS = 0  # no resting between the tests' calls
    service = DepartmentService(REGISTER, token=TOKEN).start()
    yield service
    service.stop()


@pytest.fixture
def household_remote(demo: dict[str, User], department: DepartmentService) -> DatasetSource:
    return department.configure(field_map={"household_type": "hukou_type"})


def _fetch(actor: Any, fields: list[str], **extra: Any) -> dict[str, Any]:
    return services.data_fetch(
        actor=actor,
        subject=extra.pop("subject", actor),
        dataset="household",
        fields=fields,
        purpose=extra.pop("purpose", Purpose.APPLICATION_PROCESSING),
        **extra,
    )


def _last() -> AccessRecord:
    return AccessRecord.objects.order_by("-log_index").first()  # type: ignore[return-value]


def test_a_fetch_goes_to_the_department_and_is_recorded_like_local_data(
    demo: dict[str, User], department: DepartmentService, household_remote: DatasetSource
) -> None:
    size = ledger_selectors.tree_size()

    data = _fetch(
        demo["citizen"],
        ["registered_address", "household_type"],
        case="371121-20261207-0001",
    )

    # the department's values (not the node's copy), mapped to the dataset's field names
    assert data == {"registered_address": ADDRESS, "household_type": "家庭户"}
    record = _last()
    assert (record.result, record.basis, record.dataset) == ("allowed", "self", "household")
    assert record.source == f"http_json:127.0.0.1:{department.port}"
    assert record.log_index is not None
    assert ledger_selectors.tree_size() == size + 1
    assert services.access_body(record)["source"] == record.source
    # the department received the subject key, the fields, the purpose, the case, the token
    (seen,) = department.seen
    assert seen["method"] == "GET"
    assert seen["path"] == f"/records/household/{CITIZEN_ID}"
    # the fields asked for, under the department's names, and nothing else
    assert seen["query"] == {"fields": ["registered_address,hukou_type"]}
    headers = seen["headers"]
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["x-onestop-purpose"] == "application-processing"
    assert headers["x-onestop-case"] == "371121-20261207-0001"
    assert headers["x-onestop-request-id"] == str(record.id)
    assert "cookie" not in headers


def test_staff_are_checked_before_the_department_is_asked(
    demo: dict[str, User], department: DepartmentService, household_remote: DatasetSource
) -> None:
    # health has an agreement for household: asked, on the law basis
    data = _fetch(demo["officer-wj"], ["name"], subject=CITIZEN_ID)
    assert data == {"name": "张伟"}
    assert _last().basis.startswith("law: ")
    # tax has none: refused here, and the department never hears of the request
    asked = len(department.seen)
    with pytest.raises(PermissionDenied) as refused:
        _fetch(demo["officer-sw"], ["name"], subject=CITIZEN_ID)
    assert refused.value.details["reason"] == "no_agreement"
    assert (_last().result, _last().source) == ("refused", "")
    # an unverified account: refused, not asked either
    squatter = CitizenFactory(resident_id="371121199408221249", level=1)
    with pytest.raises(PermissionDenied):
        _fetch(squatter, ["name"])
    assert len(department.seen) == asked


def test_no_record_at_the_department_is_not_found(
    demo: dict[str, User], department: DepartmentService, household_remote: DatasetSource
) -> None:
    with pytest.raises(NotFound) as caught:
        _fetch(demo["officer-wj"], ["name"], subject="371121199203040321")
    assert caught.value.details["reason"] == "no_record"
    assert _last().result == "refused"


@pytest.mark.parametrize(
    ("outage", "reason"),
    [
        ("token", "source_auth"),
        ("timeout", "source_timeout"),
        ("down", "source_unreachable"),
        ("5xx", "source_error"),
        ("malformed", "source_malformed"),
    ],
)
def test_an_outage_is_unavailable_recorded_and_not_a_refusal(
    demo: dict[str, User],
    department: DepartmentService,
    household_remote: DatasetSource,
    outage: str,
    reason: str,
) -> None:
    if outage == "token":
        department.token = "rotated-at-the-department"
    elif outage == "timeout":
        department.delay = 1.5  # past the read timeout (1 s)
    elif outage == "down":
        department.stop()
    elif outage == "5xx":
        department.status = 503
    else:
        department.malformed = True
    size = ledger_selectors.tree_size()

    with pytest.raises(Unavailable) as caught:
        _fetch(demo["citizen"], ["registered_address"])

    error = caught.value
    record = _last()
    assert (error.status, error.code) == (503, "source_unavailable")
    assert error.details == {"record": str(record.id), "reason": reason}
    assert "Nothing is lost" in str(error.message) or reason == "source_auth"
    assert (record.result, record.reason) == ("unavailable", reason)
    assert record.source == f"http_json:127.0.0.1:{department.port}"
    assert ledger_selectors.tree_size() == size + 1
    # distinct from "not allowed" and "no record"
    assert not isinstance(error, (PermissionDenied, NotFound))


def test_recovery_after_the_department_comes_back(
    demo: dict[str, User], department: DepartmentService, household_remote: DatasetSource
) -> None:
    citizen = demo["citizen"]
    department.stop()
    with pytest.raises(Unavailable):
        _fetch(citizen, ["name"])
    assert selectors.holdings_of(subject=citizen, keys=["household", "resident-id"]) == (
        selectors.Holdings(held={"resident-id"}, unknown={"household"})
    )

    department.start()

    assert _fetch(citizen, ["name"]) == {"name": "张伟"}
    assert selectors.held_datasets(subject=citizen, keys=["household"]) == {"household"}
    assert [r.result for r in AccessRecord.objects.filter(actor=citizen).order_by("at")][-2:] == [
        "unavailable",
        "allowed",
    ]


def test_an_unavailable_source_rests_before_it_is_asked_again(
    demo: dict[str, User],
    department: DepartmentService,
    household_remote: DatasetSource,
    settings: Any,
) -> None:
    settings.SHARING_SOURCE_RETRY_SECONDS = 60
    department.status = 500
    with pytest.raises(Unavailable):
        _fetch(demo["citizen"], ["name"])
    asked = len(department.seen)
    department.status = None
    with pytest.raises(Unavailable):  # resting: answered at once, without waiting
        _fetch(demo["citizen"], ["name"])
    assert len(department.seen) == asked
    services.source_configure(actor=SYSTEM, dataset="household", kind="http_json")
    assert _fetch(demo["citizen"], ["name"]) == {"name": "张伟"}  # reconfigured: asked again


def test_held_is_a_probe_without_fields_kept_a_few_minutes(
    demo: dict[str, User], department: DepartmentService, household_remote: DatasetSource
) -> None:
    citizen = demo["citizen"]
    assert selectors.held_datasets(subject=citizen, keys=["household"]) == {"household"}
    assert selectors.held_datasets(subject=citizen, keys=["household"]) == {"household"}
    (probe,) = department.seen
    assert (probe["method"], probe["query"]) == ("HEAD", {})
    assert probe["headers"]["x-onestop-purpose"] == "verification"
    other = CitizenFactory(resident_id="371121199203040321")
    assert selectors.held_datasets(subject=other, keys=["household"]) == set()
    assert AccessRecord.objects.filter(actor=citizen).count() == 0  # a probe reads no data


def test_prefill_uses_the_department_and_says_when_it_is_down(
    demo: dict[str, User], department: DepartmentService, household_remote: DatasetSource
) -> None:
    fields = [
        {"key": "address", "prefill": "household.registered_address"},
        {"key": "name", "prefill": "resident-id.name"},
    ]
    result = services.prefill_detailed(actor=demo["citizen"], fields=fields)
    assert result.values["address"]["value"] == ADDRESS
    assert result.unavailable == {}

    department.stop()
    services.source_configure(actor=SYSTEM, dataset="household", kind="http_json")  # forget
    result = services.prefill_detailed(actor=demo["citizen"], fields=fields)
    assert set(result.values) == {"name"}  # the node's own data still fills in
    assert list(result.unavailable) == ["household"]
    assert _last().result == "unavailable"


def test_the_secret_is_encrypted_at_rest_or_read_from_the_environment(
    demo: dict[str, User],
    department: DepartmentService,
    household_remote: DatasetSource,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM sharing_datasetsource WHERE dataset_id = 'household'")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored
    assert stored
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    monkeypatch.setenv("HOUSEHOLD_TOKEN_FILE", str(token_file))
    services.source_configure(
        actor=SYSTEM, dataset="household", kind="http_json", secret="", secret_env="HOUSEHOLD_TOKEN"
    )
    assert _fetch(demo["citizen"], ["name"]) == {"name": "张伟"}


def test_only_region_administrators_configure_and_settings_are_checked(
    demo: dict[str, User], department: DepartmentService
) -> None:
    other_region = AdministratorFactory(region_code="320707")
    with pytest.raises(PermissionDenied):
        services.source_configure(
            actor=other_region, dataset="household", kind="http_json", base_url=department.url
        )
    here = AdministratorFactory(region_code="371121")
    with pytest.raises(ValidationFailed) as bad:
        services.source_configure(
            actor=here, dataset="household", kind="http_json", base_url="ftp://x", auth="bearer"
        )
    assert bad.value.code == "bad_source"
    source = services.source_configure(
        actor=here,
        dataset="household",
        kind="http_json",
        base_url=department.url,
        secret=TOKEN,
        auth="bearer",
    )
    assert source.region_id == "371121"
    assert list(selectors.dataset_source_list(actor=here)) == [source]
    assert list(selectors.dataset_source_list(actor=other_region)) == []
    # back to the node's own records
    services.source_configure(actor=here, dataset="household", kind="local")
    assert selectors.remote_sources() == {}


def test_the_command_configures_and_shows_a_source(
    demo: dict[str, User], department: DepartmentService, tmp_path: Any, capsys: Any
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    call_command(
        "dataset",
        "source",
        "household",
        "--http",
        department.url,
        "--token-file",
        str(token_file),
        "--timeout",
        "2",
    )
    out = capsys.readouterr().out
    assert "household" in out
    assert department.url in out
    assert TOKEN not in out
    source = DatasetSource.objects.get(dataset_id="household")
    assert (source.kind, source.auth, source.connect_timeout, source.read_timeout) == (
        "http_json",
        "bearer",
        2.0,
        2.0,
    )
    assert _fetch(demo["citizen"], ["name"]) == {"name": "张伟"}
    call_command("dataset", "source", "household", "--check")
    assert "answers" in capsys.readouterr().out
    assert department.seen[-1]["path"] == "/records/household/ONESTOP-CHECK"  # nobody's data
    department.stop()
    with pytest.raises(CommandError, match="source_unreachable"):
        call_command("dataset", "source", "household", "--check")
    call_command("dataset", "sources")
    assert "http_json" in capsys.readouterr().out
    call_command("dataset", "source", "household", "--local")
    assert DatasetSource.objects.get(dataset_id="household").kind == "local"


def test_the_admin_configures_a_source_with_a_write_only_secret(
    demo: dict[str, User], department: DepartmentService
) -> None:
    from tests.factories import login

    admin = login(demo["admin"])
    form = {
        "dataset": "household",
        "region": "371121",
        "kind": "http_json",
        "base_url": department.url,
        "path_template": "/records/{dataset}/{subject}",
        "auth": "bearer",
        "username": "",
        "secret_env": "",
        "field_map": "{}",
        "connect_timeout": "1",
        "read_timeout": "1",
        "new_secret": TOKEN,
    }
    assert admin.get("/admin/sharing/datasetsource/add/").status_code == 200
    response = admin.post("/admin/sharing/datasetsource/add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _fetch(demo["citizen"], ["name"]) == {"name": "张伟"}
    page = admin.get("/admin/sharing/datasetsource/household/change/").content.decode()
    assert TOKEN not in page
    # a refusal of the service is a form error; nothing changes
    bad = admin.post(
        "/admin/sharing/datasetsource/household/change/",
        {**form, "base_url": "ftp://example.org", "new_secret": ""},
    )
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors
    assert DatasetSource.objects.get(dataset_id="household").base_url == department.url
    # an administrator of another region sees no source of this one
    other = login(AdministratorFactory(region_code="320707"))
    assert other.get("/admin/sharing/datasetsource/household/change/").status_code in (302, 403)
    listing = other.get("/admin/sharing/datasetsource/")
    assert listing.status_code == 200
    assert department.url not in listing.content.decode()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_an_answer_over_the_size_limit_is_unavailable_and_read_no_further(
    demo: dict[str, User],
    department: DepartmentService,
    household_remote: DatasetSource,
    settings: Any,
    declared: bool,
) -> None:
    settings.SHARING_SOURCE_MAX_BYTES = 4096
    department.oversize = 50_000  # a record with 50 kB of padding
    department.declare_length = declared

    with pytest.raises(Unavailable) as caught:
        _fetch(demo["citizen"], ["registered_address"])

    error = caught.value
    assert error.details == {"record": str(_last().id), "reason": "source_too_large"}
    assert "larger than this node accepts" in str(error.message)
    assert (_last().result, _last().reason) == ("unavailable", "source_too_large")

    # the same record without the padding is read as before
    department.oversize = 0
    assert _fetch(demo["citizen"], ["registered_address"]) == {"registered_address": ADDRESS}


def test_a_source_that_drips_its_answer_is_cut_off_at_the_total_time(
    demo: dict[str, User],
    department: DepartmentService,
    household_remote: DatasetSource,
    settings: Any,
) -> None:
    import time

    settings.SHARING_SOURCE_TOTAL_SECONDS = 0.5
    department.drip = 0.05  # each byte well within the read timeout (1 s); the whole: ~10 s
    started = time.monotonic()

    with pytest.raises(Unavailable) as caught:
        _fetch(demo["citizen"], ["registered_address"])

    assert caught.value.details["reason"] == "source_timeout"
    assert time.monotonic() - started < 3
