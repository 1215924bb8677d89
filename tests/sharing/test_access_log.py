"""Accesses to a citizen's data outside `data_fetch` are recorded too: a window clerk's look-up
by resident ID writes an access record with a ledger commitment, shown in the citizen's
tracker; the look-up of an unknown ID is recorded as well."""

import pytest

from onestop.accounts import services as accounts
from onestop.accounts.seed import demo_people
from onestop.core.errors import NotFound
from onestop.ledger import selectors as ledger
from onestop.sharing.models import AccessRecord


def test_clerk_lookup_is_recorded_and_shown_to_the_citizen(demo, client):
    clerk, citizen = demo["clerk"], demo["citizen"]
    size_before = ledger.tree_size()

    resident_id = demo_people("371121")["citizen"]["resident_id"]
    found = accounts.user_find_by_resident_id(actor=clerk, resident_id=resident_id)

    assert found == citizen
    record = AccessRecord.objects.get(dataset="accounts.profile")
    assert record.actor == clerk
    assert record.subject_index == citizen.resident_id_index
    assert record.purpose == "verification"
    assert record.result == AccessRecord.Result.ALLOWED
    assert record.fields == ["real_name", "resident_id_masked", "phone"]
    assert record.log_index == size_before
    assert ledger.tree_size() == size_before + 1

    client.force_login(citizen)
    page = client.get("/me/data/").content.decode()
    assert f"/me/data/{record.pk}/proof/" in page


def test_lookup_of_unknown_id_is_recorded_and_not_found(demo):
    with pytest.raises(NotFound):
        accounts.user_find_by_resident_id(actor=demo["clerk"], resident_id="371121199507084569")
    record = AccessRecord.objects.get(dataset="accounts.profile")
    assert record.fields == []
