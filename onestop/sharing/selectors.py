"""Reads of `sharing`. The dataset registry and agreements are public metadata; records,
consents and access records are scoped to the actor (the data subject, or the staff of the
department that made the access).

Public contract: `dataset_list`, `dataset_get`, `dataset_field_keys`, `held_datasets`,
`holdings_of`, `remote_sources`, `dataset_source_list`, `schema_prefill_fields`,
`access_record_list_for_subject`, `access_record_list_for_departments`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.accounts.policies import staff_departments, staff_regions
from onestop.core import crypto, memo
from onestop.core.errors import NotFound, PermissionDenied
from onestop.sharing import policies, sources
from onestop.sharing.models import AccessRecord, Consent, Dataset, DatasetRecord, DatasetSource


def dataset_list() -> QuerySet[Dataset]:
    """Every dataset of the registry, ordered by key, with its provider kind."""
    return Dataset.objects.select_related("provider_kind").order_by("key")


def dataset_get(*, key: str) -> Dataset:
    try:
        return Dataset.objects.select_related("provider_kind").get(key=key)
    except Dataset.DoesNotExist:
        raise NotFound(
            _("There is no dataset with the key %(key)s.") % {"key": key}, code="dataset_not_found"
        ) from None


def dataset_field_keys() -> dict[str, set[str]]:
    """{dataset key: {field key, ...}} for validating pre-fill sources (one query)."""
    return {
        key: {str(f["key"]) for f in fields}
        for key, fields in Dataset.objects.values_list("key", "fields")
    }


# --- subjects and records ---------------------------------------------------------------------


def normalise_key(key: str) -> str:
    """Subject keys are matched exactly: no spaces, upper case (resident IDs end in X)."""
    return "".join(str(key).split()).upper()


def subject_index_of(subject: Any) -> str | None:
    """Blind index of a citizen's resident ID, a business's credit code, or a subject key."""
    if isinstance(subject, str):
        key = normalise_key(subject)
        return crypto.blind_index(key) if key else None
    if subject is None or getattr(subject, "pk", None) is None:
        return None
    if getattr(subject, "resident_id_index", None):
        return str(subject.resident_id_index)
    if getattr(subject, "uscc", ""):
        return crypto.blind_index(normalise_key(subject.uscc))
    return None


def find_record(*, dataset: str, subject_index: str) -> DatasetRecord | None:
    """The record about `subject_index`: as its subject first, else as another party."""
    qs = DatasetRecord.objects.filter(dataset_id=dataset)
    own = qs.filter(subject_index=subject_index).first()
    if own is not None:
        return own
    return qs.filter(party_indexes__contains=subject_index).order_by("-updated_at").first()


def find_records(*, datasets: Iterable[str], subject_index: str) -> dict[str, DatasetRecord | None]:
    """`find_record` for several datasets in one query: dataset key → the record about
    `subject_index` (as its subject first, else the newest where it is another party)."""
    keys = sorted({d for d in datasets if d})
    found: dict[str, DatasetRecord | None] = dict.fromkeys(keys)
    if not keys:
        return found
    rows = (
        DatasetRecord.objects.filter(dataset_id__in=keys)
        .filter(Q(subject_index=subject_index) | Q(party_indexes__contains=subject_index))
        .order_by("-updated_at")
    )
    own: dict[str, DatasetRecord] = {}
    for row in rows:
        if row.subject_index == subject_index:
            if row.dataset_id not in own or row.pk < own[row.dataset_id].pk:
                own[row.dataset_id] = row
        elif found[row.dataset_id] is None:
            found[row.dataset_id] = row
    found.update(own)
    return found


def subject_key_of(subject: Any) -> str | None:
    """The subject key in clear, for a department system (`sources`): a key string as given
    (normalised), a citizen's resident ID, a business's credit code; None otherwise."""
    if isinstance(subject, str):
        return normalise_key(subject) or None
    if subject is None or getattr(subject, "pk", None) is None:
        return None
    if getattr(subject, "resident_id_enc", ""):
        return normalise_key(crypto.decrypt_pii(subject.resident_id_enc))
    if getattr(subject, "uscc", ""):
        return normalise_key(subject.uscc)
    return None


def _config_seconds() -> float:
    return float(getattr(settings, "SHARING_SOURCE_CONFIG_SECONDS", 30))


_remote: memo.TTLCache[str, dict[str, DatasetSource]] = memo.TTLCache(
    "sharing.remote_sources", _config_seconds
)


def remote_sources() -> dict[str, DatasetSource]:
    """{dataset key: its source} for the datasets this node does not hold itself (kind other
    than ``local``). Kept per process for `SHARING_SOURCE_CONFIG_SECONDS` (default 30): a
    source configured elsewhere reaches every worker within that time (at once in the
    process that configured it)."""
    found = _remote.get("all")
    if found is None:
        found = _remote.put(
            "all",
            {s.dataset_id: s for s in DatasetSource.objects.exclude(kind=DatasetSource.Kind.LOCAL)},
        )
    return found


def remote_sources_forget() -> None:
    _remote.clear()
    sources.forget()


def dataset_source_list(*, actor: Any) -> QuerySet[DatasetSource]:
    """The configured sources the actor may manage (every one for superusers and the node;
    those of the regions they administer for region administrators)."""
    rows = DatasetSource.objects.select_related("dataset", "region").order_by("dataset_id")
    if policies.can(actor, policies.Action.DATASET_MANAGE):
        return rows
    regions = [
        code
        for code in staff_regions(actor)
        if policies.can(actor, policies.Action.SOURCE_MANAGE, code)
    ]
    return rows.filter(region_id__in=regions)


@dataclasses.dataclass
class Holdings:
    """`holdings_of`'s answer: the datasets holding a record about the subject, and those
    whose source could not say now (a department system down: "not known now")."""

    held: set[str] = dataclasses.field(default_factory=set)
    unknown: set[str] = dataclasses.field(default_factory=set)


def holdings_of(*, subject: Any, keys: Iterable[str]) -> Holdings:
    """Which of the datasets `keys` hold a record about `subject` (as its subject or another
    party), for a signed-in citizen or business whose identity is verified (L2 or more: that a
    record exists says something about the person too); nothing for anyone else.

    Datasets held here: one query. A dataset behind another source (`remote_sources`) is asked
    through its adapter (`sources.probe`: whether a record exists, no field, its answer kept a
    few minutes); when the source does not answer, the dataset is in `unknown`, never in
    `held`. Checking that a record exists releases no data and is not recorded; fetching it is
    (`services.data_fetch`). The materials a person need not hand in are composed one floor up
    (`cases.holdings`), from this and the e-licence wallet.
    """
    keys = {k for k in keys if k}
    verified = policies.can(subject, policies.Action.FETCH_SELF, None)
    index = subject_index_of(subject) if verified else None
    if index is None or not keys:
        return Holdings()
    remote = {k: s for k, s in remote_sources().items() if k in keys}
    found = Holdings()
    # a dataset held by peer nodes is looked for here first (they hold the other regions')
    local = keys - {k for k, s in remote.items() if s.kind != DatasetSource.Kind.PEER}
    if local:
        found.held = set(
            DatasetRecord.objects.filter(dataset_id__in=local)
            .filter(Q(subject_index=index) | Q(party_indexes__contains=index))
            .values_list("dataset_id", flat=True)
        )
    remote = {k: s for k, s in remote.items() if k not in found.held}
    subject_key = subject_key_of(subject) if remote else None
    for key, source in sorted(remote.items()):
        if subject_key is None:
            continue
        answer = sources.probe(
            source,
            sources.Request(dataset=key, subject_key=subject_key, purpose="verification"),
            cache_key=index,
        )
        if answer.status == "found":
            found.held.add(key)
        elif answer.status == "unavailable":
            found.unknown.add(key)
    return found


def held_datasets(*, subject: Any, keys: Iterable[str]) -> set[str]:
    """The datasets of `keys` known now to hold a record about `subject`
    (`holdings_of(...).held`)."""
    return holdings_of(subject=subject, keys=keys).held


def schema_prefill_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The pre-fillable fields of a merged form (JSON Schema with ``x-prefill``), in order."""
    fields = []
    for key, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("x-prefill"):
            titles = prop.get("x-title") or {}
            fields.append(
                {
                    "key": key,
                    "prefill": prop["x-prefill"],
                    "title_zh": titles.get("zh") or prop.get("title", key),
                    "title_en": titles.get("en") or prop.get("title", key),
                }
            )
    return fields


def prefill_plan(fields: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What pre-fill would fill in, read from the registry only (no record is looked at):
    each field of `fields` (`schema_prefill_fields` rows) whose source is a known dataset, with
    ``dataset`` (its key) and ``source`` ("dataset (provider)"). Shown to someone whose
    identity is not verified yet, and before anything is fetched."""
    rows = []
    wanted = []
    for field in fields:
        source = str(field.get("prefill") or field.get("x-prefill") or "")
        if "." in source:
            wanted.append((field, source.split(".", 1)[0]))
    registry = {
        d.key: d for d in dataset_list().filter(key__in=sorted({dataset for _f, dataset in wanted}))
    }
    for field, dataset in wanted:
        found = registry.get(dataset)
        if found is None:
            continue
        rows.append(
            {
                **field,
                "dataset": dataset,
                "source": _("%(dataset)s (%(provider)s)")
                % {"dataset": found.name, "provider": found.provider_kind.name},
            }
        )
    return rows


# --- consent -----------------------------------------------------------------------------------


def consent_datasets() -> QuerySet[Dataset]:
    """Datasets shared only with the subject's consent."""
    return dataset_list().filter(basis=Dataset.Basis.CONSENT)


def consent_list(*, actor: Any) -> QuerySet[Consent]:
    """The actor's own consents, newest first (withdrawn ones included)."""
    if not policies.can(actor, policies.Action.CONSENT_MANAGE, None):
        raise PermissionDenied(_("Only the data subject may see their consents."))
    return (
        Consent.objects.filter(user_id=actor.pk).select_related("dataset").order_by("-granted_at")
    )


# --- access records -----------------------------------------------------------------------------


def access_record_list_for_subject(*, actor: Any) -> QuerySet[AccessRecord]:
    """Every access record about the signed-in citizen or business (the data tracker)."""
    index = subject_index_of(actor)
    if not policies.can(actor, policies.Action.TRACKER_VIEW, None) or index is None:
        raise PermissionDenied(_("Only the data subject may see who accessed their data."))
    return (
        AccessRecord.objects.filter(subject_index=index)
        .select_related("actor_department", "agent")
        .order_by("-at")
    )


def access_record_list_for_departments(*, actor: Any) -> QuerySet[AccessRecord]:
    """Access records made by the actor's own departments (none for anyone else)."""
    departments = [
        code
        for code in staff_departments(actor)
        if policies.can(actor, policies.Action.ACCESS_RECORDS_VIEW, code)
    ]
    return (
        AccessRecord.objects.filter(actor_department_id__in=departments)
        .select_related("actor_department", "actor", "agent")
        .order_by("-at")
    )


def access_record_get(*, actor: Any, record_id: Any) -> AccessRecord:
    """One access record about the actor (fetched and authorised in one step)."""
    record = access_record_list_for_subject(actor=actor).filter(pk=record_id).first()
    if record is None:
        raise NotFound(_("There is no such access record about you."))
    return record


def dataset_names() -> dict[str, Dataset]:
    """{key: dataset} with provider kinds, for labelling lists of access records (one query)."""
    return {d.key: d for d in dataset_list()}


def access_records_about(*, subject_index: str) -> QuerySet[AccessRecord]:
    """System read (seed, audits): the access records about one subject index, unscoped."""
    return AccessRecord.objects.filter(subject_index=subject_index)
