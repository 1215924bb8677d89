"""Writes of `sharing`: the dataset registry, authoritative records, agreements, consent, and
`data_fetch` — every release of data for a purpose, recorded and logged to the ledger.

Public contract: `data_fetch` (and `data_fetch_many`), `prefill` (and `prefill_detailed`),
`consent_grant`, `consent_withdraw`, `source_configure` (see docs/sharing.md).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.accounts.selectors import assurance_level
from onestop.core import crypto
from onestop.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    Unavailable,
    ValidationFailed,
)
from onestop.core.upsert import row_sync
from onestop.federation import selectors as federation_selectors
from onestop.ledger.canonical import canonical_json
from onestop.ledger.services import entries_append_batch
from onestop.sharing import hooks, policies, sources
from onestop.sharing.models import (
    AccessRecord,
    Consent,
    Dataset,
    DatasetRecord,
    DatasetSource,
    Purpose,
    SharingAgreement,
)
from onestop.sharing.selectors import (
    dataset_get,
    find_record,
    find_records,
    holdings_of,
    normalise_key,
    remote_sources,
    remote_sources_forget,
    subject_index_of,
    subject_key_of,
)


def dataset_upsert(*, actor: Any, row: dict[str, Any]) -> tuple[Dataset, bool]:
    """Create or update a dataset from its registry row; writes only when a value differs.

    `SYSTEM` (the seed) or a superuser (`node:dataset:manage`; the registry is national
    metadata, not a regional setting). Returns the dataset and whether anything was written.
    """
    if not policies.can(actor, policies.Action.DATASET_MANAGE):
        raise PermissionDenied(_("You may not change the dataset registry."))
    values = {
        "name_zh": row["name_zh"],
        "name_en": row.get("name_en", ""),
        "provider_kind_id": row["provider_kind"],
        "sensitivity": row["sensitivity"],
        "subject": row["subject"],
        "basis": row["basis"],
        "fields": row["fields"],
    }
    with transaction.atomic():
        dataset, outcome = row_sync(Dataset, {"key": row["key"]}, values)
    return dataset, outcome != "unchanged"


# --- authoritative records (loaded by the demo seed; in production, by each provider's feed) ---


def record_upsert(
    *,
    actor: Any,
    dataset: str,
    subject: str,
    subject_kind: str,
    data: dict[str, Any],
    parties: Iterable[str] = (),
) -> tuple[DatasetRecord, bool]:
    """Create or replace the record of `subject` in `dataset` (system or superuser only).

    `subject` and `parties` are subject keys in clear (resident IDs, credit codes, property
    numbers); only their blind indexes are stored, and `data` is encrypted at rest. Writes only
    when the decrypted data or the parties differ. Returns the record and whether it changed.
    """
    if not policies.can(actor, policies.Action.DATASET_MANAGE):
        raise PermissionDenied(_("You may not change authoritative records."))
    registry = dataset_get(key=dataset)
    known = {str(f["key"]) for f in registry.fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationFailed(
            _("These fields are not in the dataset %(dataset)s: %(fields)s.")
            % {"dataset": dataset, "fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    index = crypto.blind_index(normalise_key(subject))
    party_indexes = " ".join(sorted(crypto.blind_index(normalise_key(p)) for p in parties))
    with transaction.atomic():
        record = (
            DatasetRecord.objects.select_for_update()
            .filter(dataset_id=dataset, subject_index=index)
            .first()
        )
        if record is not None:
            same = (
                json.loads(crypto.decrypt_pii(record.data_enc)) == data
                and record.party_indexes == party_indexes
                and record.subject_kind == subject_kind
            )
            if same:
                return record, False
        else:
            record = DatasetRecord(dataset_id=dataset, subject_index=index)
        record.subject_kind = subject_kind
        record.party_indexes = party_indexes
        record.data_enc = crypto.encrypt_pii(json.dumps(data, ensure_ascii=False, sort_keys=True))
        record.updated_at = timezone.now()
        record.full_clean()
        record.save()
        keys = [normalise_key(subject), *(normalise_key(p) for p in parties)]
        transaction.on_commit(partial(hooks.record_changed, dataset, keys))
        return record, True


def agreement_upsert(*, actor: Any, row: dict[str, Any]) -> tuple[SharingAgreement, bool]:
    """Create or update the agreement of a dataset with a consumer kind (system or superuser)."""
    if not policies.can(actor, policies.Action.DATASET_MANAGE):
        raise PermissionDenied(_("You may not change sharing agreements."))
    purposes = list(row["purposes"])
    bad = sorted(set(purposes) - set(Purpose.values))
    if bad or not purposes:
        raise ValidationFailed(
            _("An agreement needs one or more known purposes."), details={"purposes": bad}
        )
    values = {
        "purposes": purposes,
        "legal_basis_zh": row["legal_basis_zh"],
        "legal_basis_en": row.get("legal_basis_en", ""),
    }
    lookup = {"dataset_id": row["dataset"], "consumer_kind_id": row["consumer_kind"]}
    with transaction.atomic():
        agreement, outcome = row_sync(SharingAgreement, lookup, values)
    return agreement, outcome != "unchanged"


# --- where a dataset is read from ----------------------------------------------------------------


SOURCE_FIELDS = (
    "base_url",
    "path_template",
    "auth",
    "username",
    "secret_env",
    "field_map",
    "connect_timeout",
    "read_timeout",
    "peers",
)


FETCH_TYPE = "data.fetch"  # the message type of a data request between nodes


def source_configure(
    *,
    actor: Any,
    dataset: str,
    kind: str,
    region: str | None = None,
    secret: str | None = None,
    **values: Any,
) -> DatasetSource:
    """Create or change where `dataset` is read from (`kind` ``local``, ``http_json`` or
    ``peer``, whose `peers` lists the regions of the peer nodes asked after this node; the
    other settings are `DatasetSource`'s fields, `SOURCE_FIELDS`). `secret` (a token or
    password) is stored encrypted; None keeps the stored one, "" clears it. `region` (default
    the node's) is the region whose department runs the system: its administrators, the
    node and superusers may configure it (``region:dataset_source:manage``).

    Checked: an ``http_json`` source needs an http(s) base URL, a path template with
    ``{subject}``, timeouts between 0.1 and 120 seconds, and the credential its authentication
    names (a stored secret or an environment variable). The change applies at once in this
    process, within `SHARING_SOURCE_CONFIG_SECONDS` in the others."""
    registry = dataset_get(key=dataset)
    unknown = sorted(set(values) - set(SOURCE_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Unknown settings of a dataset source: %(names)s.") % {"names": ", ".join(unknown)}
        )
    with transaction.atomic():
        source = DatasetSource.objects.select_for_update().filter(dataset=registry).first()
        if source is None:
            source = DatasetSource(dataset=registry, region_id=region or str(settings.NODE_REGION))
        elif region:
            source.region_id = region
        if not policies.can(actor, policies.Action.SOURCE_MANAGE, source.region_id):
            raise PermissionDenied(
                _("Only an administrator of the region may configure where data comes from.")
            )
        source.kind = kind
        for name, value in values.items():
            setattr(source, name, value)
        if secret is not None:
            source.secret = secret
        _source_check(source)
        source.full_clean()
        source.save()
    remote_sources_forget()
    return source


def _source_check(source: DatasetSource) -> None:
    if source.kind not in DatasetSource.Kind.values and sources.adapter_for(source.kind) is None:
        raise ValidationFailed(_("Unknown kind of dataset source."), code="bad_source")
    if source.kind == DatasetSource.Kind.PEER:
        _peer_source_check(source)
        return
    if source.kind != DatasetSource.Kind.HTTP_JSON:
        return
    problems = []
    if not str(source.base_url).startswith(("http://", "https://")):
        problems.append(_("The base URL must start with http:// or https://."))
    if "{subject}" not in source.path_template:
        problems.append(_("The path template must contain {subject}."))
    for timeout in (source.connect_timeout, source.read_timeout):
        if not 0.1 <= float(timeout) <= 120:
            problems.append(_("Timeouts are between 0.1 and 120 seconds."))
            break
    if source.auth != DatasetSource.Auth.NONE and not (source.secret or source.secret_env):
        problems.append(_("Give the token or password, or the environment variable holding it."))
    if source.auth == DatasetSource.Auth.BASIC and not source.username:
        problems.append(_("HTTP basic authentication needs a user name."))
    if problems:
        raise ValidationFailed(" ".join(str(p) for p in problems), code="bad_source")


def _peer_source_check(source: DatasetSource) -> None:
    """A ``peer`` source names one or more active peers (`onestop peer add`), each allowed
    to be sent ``data.fetch`` requests for this dataset (`onestop peer allow`)."""
    regions = source.peers if isinstance(source.peers, list) else []
    regions = [str(r).strip() for r in regions if str(r).strip()]
    if not regions:
        raise ValidationFailed(
            _("Name the region of at least one peer node holding the data."), code="bad_source"
        )
    problems = []
    for region in regions:
        peer = federation_selectors.peer_get(region)
        if peer is None:
            problems.append(_("%(region)s is not a peer of this node.") % {"region": region})
        elif (
            FETCH_TYPE not in peer.allowed_out_types
            or source.dataset_id not in peer.allowed_out_datasets
        ):
            problems.append(
                _("Allow %(type)s messages and the dataset %(dataset)s to %(region)s first.")
                % {"type": FETCH_TYPE, "dataset": source.dataset_id, "region": region}
            )
    if problems:
        raise ValidationFailed(" ".join(str(p) for p in problems), code="bad_source")
    source.peers = list(dict.fromkeys(regions))
    source.base_url = ""


# --- consent -------------------------------------------------------------------------------------


def _consent_dataset(dataset: str) -> Dataset:
    registry = dataset_get(key=dataset)
    if registry.basis != Dataset.Basis.CONSENT:
        raise ValidationFailed(
            _("The dataset %(dataset)s is shared on a legal basis, not with consent.")
            % {"dataset": registry.name},
            code="not_consent_based",
        )
    return registry


def consent_grant(*, actor: Any, dataset: str, purpose: str) -> Consent:
    """The signed-in citizen or business consents to `dataset` being fetched for `purpose`."""
    index = subject_index_of(actor)
    if not policies.can(actor, policies.Action.CONSENT_MANAGE, None) or index is None:
        raise PermissionDenied(_("Only the data subject may grant consent."))
    registry = _consent_dataset(dataset)
    if purpose not in Purpose.values:
        raise ValidationFailed(_("Choose one of the registered purposes."), code="bad_purpose")
    with transaction.atomic():
        if Consent.objects.filter(
            user=actor, dataset=registry, purpose=purpose, withdrawn_at__isnull=True
        ).exists():
            raise Conflict(_("You have already given this consent."))
        consent = Consent(
            user=actor,
            subject_index=index,
            dataset=registry,
            purpose=purpose,
            granted_at=timezone.now(),
        )
        consent.full_clean()
        consent.save()
        return consent


def consent_withdraw(*, actor: Any, consent_id: int) -> Consent:
    """Withdraw one of the actor's own active consents; later fetches relying on it are refused."""
    if not policies.can(actor, policies.Action.CONSENT_MANAGE, None):
        raise PermissionDenied(_("Only the data subject may withdraw consent."))
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(pk=consent_id, user_id=actor.pk, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            raise NotFound(_("You have no such active consent."))
        consent.withdrawn_at = timezone.now()
        consent.full_clean()
        consent.save(update_fields=["withdrawn_at"])
        return consent


# --- fetching data for a purpose ------------------------------------------------------------------


# Refusal reasons: the record keeps the code (language-neutral, committed to the ledger).
REFUSALS = {
    "no_purpose": gettext_lazy("A purpose is required."),
    "unknown_purpose": gettext_lazy("The purpose is not a registered purpose."),
    "unknown_dataset": gettext_lazy("There is no such dataset."),
    "no_fields": gettext_lazy("Name the fields you need."),
    "unknown_field": gettext_lazy("Some fields are not in the dataset."),
    "unknown_subject": gettext_lazy("The data subject is not identified."),
    "not_signed_in": gettext_lazy("Sign in to fetch data."),
    "no_agreement": gettext_lazy(
        "No sharing agreement lets your department fetch this dataset for this purpose."
    ),
    "no_consent": gettext_lazy(
        "The data subject has not consented to this use (or withdrew consent)."
    ),
    "not_authorised": gettext_lazy(
        "Only the data subject or an authorised department may fetch this data."
    ),
    "no_record": gettext_lazy("The dataset holds no record for this subject."),
    "source_refused": gettext_lazy("The department holding this data refused the request."),
    "source_unreachable": gettext_lazy(
        "The department system holding this data cannot be reached now. Nothing is lost: "
        "upload the document instead, or try again later."
    ),
    "source_timeout": gettext_lazy(
        "The department system holding this data did not answer in time. Nothing is lost: "
        "upload the document instead, or try again later."
    ),
    "source_error": gettext_lazy(
        "The department system holding this data reported an error. Nothing is lost: upload "
        "the document instead, or try again later."
    ),
    "source_auth": gettext_lazy(
        "This node's credentials were not accepted by the department system holding this "
        "data. Nothing is lost: upload the document instead, or try again later."
    ),
    "source_malformed": gettext_lazy(
        "The department system holding this data gave an answer this node cannot read. "
        "Nothing is lost: upload the document instead, or try again later."
    ),
    "source_too_large": gettext_lazy(
        "The department system holding this data sent an answer larger than this node accepts. "
        "Nothing is lost: upload the document instead, or try again later."
    ),
    "source_not_configured": gettext_lazy(
        "The source of this data is not configured completely. Nothing is lost: upload the "
        "document instead, or try again later."
    ),
    "peer_unavailable": gettext_lazy(
        "The node of the region holding this data cannot be reached now. Nothing is lost: "
        "upload the document instead, or try again later."
    ),
    "peer_refused": gettext_lazy("The node of the region holding this data refused the request."),
    "peer_no_agreement": gettext_lazy(
        "The region holding this data has no sharing agreement that lets your department "
        "fetch it for this purpose."
    ),
    "peer_no_consent": gettext_lazy(
        "The region holding this data found no consent of the data subject for this use."
    ),
    "peer_not_verified": gettext_lazy(
        "The region holding this data releases it only to a person whose identity is verified."
    ),
    "not_verified": gettext_lazy(
        "Your identity is not verified yet, so no government record about you is used. Sign "
        "in with the identity provider, or have your ID card checked at any service window."
    ),
}


@dataclass
class _Decision:
    basis: str = ""
    department: str | None = None
    reason: str = ""
    error: type[DomainError] = PermissionDenied
    record: DatasetRecord | None = None
    # the source answering instead of this node's records (`sources`), when there is one
    source: DatasetSource | None = None
    values: dict[str, Any] | None = None
    unavailable: bool = False
    # the subject's consent the basis rests on (told to a peer node holding the data)
    consent: Consent | None = None


def _staff_decision(  # noqa: PLR0917 - private helper of _decide
    actor: Any,
    registry: Dataset,
    purpose: str,
    subject_index: str,
    decision: _Decision,
    agreements_of_dataset: list[SharingAgreement] | None = None,
) -> None:
    departments = policies.fetching_departments(actor)
    decision.department = departments[0] if departments else None
    if agreements_of_dataset is None:
        agreements_of_dataset = list(SharingAgreement.objects.filter(dataset=registry))
    agreements = {a.consumer_kind_id: a for a in agreements_of_dataset if purpose in a.purposes}
    for code in departments:
        agreement = agreements.get(code.split("-", 1)[1])
        if agreement is not None:
            decision.department = code
            decision.basis = f"law: {agreement.legal_basis_zh}"
            break
    else:
        decision.reason = "no_agreement"
        return
    if registry.basis == Dataset.Basis.CONSENT:
        record = find_record(dataset=registry.key, subject_index=subject_index)
        holders = {subject_index, *(record.party_indexes.split() if record else [])}
        consented = (
            Consent.objects.filter(
                dataset=registry,
                purpose=purpose,
                subject_index__in=holders,
                withdrawn_at__isnull=True,
            )
            .order_by("-granted_at")
            .first()
        )
        if consented is None:
            decision.reason = "no_consent"
            return
        decision.basis = "consent"
        decision.consent = consented


def _decide(
    actor: Any,
    subject_index: str | None,
    registry: Dataset | None,
    fields: list[str],
    purpose: str,
    *,
    records: dict[str, DatasetRecord | None] | None = None,
    agreements: list[SharingAgreement] | None = None,
    source: DatasetSource | None = None,
) -> _Decision:
    """Whether `actor` may have `fields` of `registry` about `subject_index` for `purpose`.
    `records` (dataset key → the subject's record) and `agreements` (of this dataset), when
    given, were read for a whole batch (`data_fetch_many`) and are not read again. With a
    `source` (the dataset is held elsewhere) the decision stops before the record: the
    caller asks the source (`_ask_sources`)."""
    decision = _Decision(source=source)
    if not purpose:
        decision.reason = "no_purpose"
    elif purpose not in Purpose.values:
        decision.reason = "unknown_purpose"
    elif registry is None:
        decision.reason = "unknown_dataset"
    elif not fields:
        decision.reason = "no_fields"
    elif set(fields) - {str(f["key"]) for f in registry.fields}:
        decision.reason = "unknown_field"
    elif subject_index is None:
        decision.reason = "unknown_subject"
    elif not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        decision.reason = "not_signed_in"
    elif subject_index_of(actor) == subject_index:
        # A registration proves only that someone typed a valid ID number: data about the
        # holder is released once their identity is verified (L2 or more).
        verified = policies.can(actor, policies.Action.FETCH_SELF, None)
        decision.basis, decision.reason = ("self", "") if verified else ("", "not_verified")
    elif policies.can(actor, policies.Action.FETCH_DEPARTMENT, None):
        _staff_decision(actor, registry, purpose, subject_index, decision, agreements)
    else:
        decision.reason = "not_authorised"
    if decision.reason or registry is None or subject_index is None or source is not None:
        return decision
    decision.record = (
        records[registry.key]
        if records is not None
        else find_record(dataset=registry.key, subject_index=subject_index)
    )
    if decision.record is None:
        decision.reason = "no_record"
        decision.error = NotFound
    return decision


@dataclass(frozen=True)
class FetchRequest:
    """One dataset's fields wanted by `data_fetch_many`."""

    dataset: str
    fields: Sequence[str]


@dataclass
class FetchResult:
    """What `data_fetch_many` answers for one request: the released values, or the refusal
    (the error `data_fetch` would raise). `access` is the request's access record."""

    access: AccessRecord
    values: dict[str, Any] | None = None
    error: DomainError | None = None


def data_fetch(
    *,
    actor: Any,
    subject: Any,
    dataset: str,
    fields: Sequence[str],
    purpose: str,
    case: Any = None,
) -> dict[str, Any]:
    """Release `fields` of `subject`'s record in `dataset` to `actor` for `purpose`.

    Allowed when the actor is the subject themself (basis ``self``), or a staff member of a
    department whose kind has an agreement for this dataset and purpose (basis ``law: ...``) and,
    for consent-based datasets, the subject has an active consent for the purpose (basis
    ``consent``). Every call writes an `AccessRecord` and a ``sharing.access`` ledger entry.

    Transactions: the record is written in its own atomic block, which has ended (committed,
    when the caller holds no transaction) before a refusal is raised as `PermissionDenied`
    (`NotFound` when no record exists), so the refusal survives. A caller that wraps this call
    in its own transaction and lets the error roll that transaction back rolls the refusal back
    as well: call it outside, or catch the error inside your transaction.

    Several datasets at once: `data_fetch_many`.
    """
    (result,) = data_fetch_many(
        actor=actor,
        subject=subject,
        requests=[FetchRequest(dataset=dataset, fields=fields)],
        purpose=purpose,
        case=case,
    )
    if result.error is not None:
        raise result.error
    assert result.values is not None  # noqa: S101 - no error implies values
    return result.values


def data_fetch_many(
    *,
    actor: Any,
    subject: Any,
    requests: Sequence[FetchRequest],
    purpose: str,
    case: Any = None,
) -> list[FetchResult]:
    """`data_fetch` for several datasets of one subject, in request order, raising nothing.

    Decided as `data_fetch` decides each request, reading the datasets, the subject's records
    and (for staff) the agreements once for the whole batch. Every request still gets its own
    `AccessRecord` (released or refused) with its own ``sharing.access`` ledger entry; the
    records are inserted together and their entries appended in one batch, in one atomic block
    (an access commits with its ledger entry). A refusal is the `FetchResult`'s `error`, the
    error `data_fetch` would raise; the records of refusals commit like the others (when the
    caller holds no transaction).
    """
    if not requests:
        return []
    subject_index = subject_index_of(subject)
    purpose = str(purpose or "")
    keys = {str(r.dataset) for r in requests}
    registries = {d.key: d for d in Dataset.objects.filter(key__in=keys)}
    remote = {k: s for k, s in remote_sources().items() if k in registries}
    records: dict[str, DatasetRecord | None] | None = None
    if subject_index is not None and registries:
        # a dataset held by peer nodes is read here first: the peers hold what this node
        # does not (the records of their regions)
        records = find_records(
            datasets=[k for k in registries if k not in remote or remote[k].kind == "peer"],
            subject_index=subject_index,
        )
        remote = {k: s for k, s in remote.items() if records.get(k) is None}
    agreements: dict[str, list[SharingAgreement]] = {}
    # Agreements are for staff fetching about somebody else: one's own data (an applicant's
    # facts) needs neither them nor a look at the actor's staff roles.
    if (
        registries
        and subject_index != subject_index_of(actor)
        and policies.can(actor, policies.Action.FETCH_DEPARTMENT, None)
    ):
        for agreement in SharingAgreement.objects.filter(dataset_id__in=list(registries)):
            agreements.setdefault(agreement.dataset_id, []).append(agreement)
    case_ref = _case_ref(case)
    pending: list[tuple[AccessRecord, _Decision, list[str]]] = []
    for request in requests:
        registry = registries.get(str(request.dataset))
        wanted = [str(f) for f in request.fields]
        decision = _decide(
            actor,
            subject_index,
            registry,
            wanted,
            purpose,
            records=records,
            agreements=agreements.get(registry.key, []) if registry is not None else None,
            source=remote.get(registry.key) if registry is not None else None,
        )
        access = _access_build(
            actor=actor,
            department=decision.department,
            subject_index=subject_index or "",
            dataset=str(request.dataset),
            fields=wanted,
            purpose=purpose,
            basis=decision.basis,
            case_ref=case_ref,
            reason=decision.reason,
        )
        pending.append((access, decision, wanted))
    _ask_sources(pending, subject=subject, purpose=purpose, case_ref=case_ref)
    kept = _accesses_write([access for access, _d, _w in pending])
    results = []
    for access, (_new, decision, wanted) in zip(kept, pending, strict=True):
        if decision.reason:
            error = decision.error(
                REFUSALS[decision.reason],
                code="source_unavailable" if decision.unavailable else "sharing_refused",
                details={"record": str(access.id), "reason": decision.reason},
            )
            results.append(FetchResult(access=access, error=error))
            continue
        if decision.values is not None:
            results.append(FetchResult(access=access, values=dict(decision.values)))
            continue
        assert decision.record is not None  # noqa: S101 - allowed implies a record was found
        data = json.loads(crypto.decrypt_pii(decision.record.data_enc))
        results.append(FetchResult(access=access, values={name: data.get(name) for name in wanted}))
    return results


def _ask_sources(
    pending: list[tuple[AccessRecord, _Decision, list[str]]],
    *,
    subject: Any,
    purpose: str,
    case_ref: str,
) -> None:
    """Ask the source of each allowed request for a dataset held elsewhere (before anything
    is written: no transaction is held while a department system answers), and complete its
    decision and (unsaved) access record with the answer: the values; ``no_record``; the
    source's own refusal; or unavailable (result ``unavailable``, `Unavailable` error)."""
    subject_key = None
    for access, decision, wanted in pending:
        if decision.reason or decision.source is None:
            continue
        if subject_key is None:
            subject_key = subject_key_of(subject) or ""
        answer = sources.fetch(
            decision.source,
            sources.Request(
                dataset=access.dataset,
                subject_key=subject_key,
                fields=wanted,
                purpose=purpose,
                case_ref=case_ref,
                request_id=str(access.id),
                basis=access.basis,
                department=access.actor_department_id or "",
                officer=_officer(access.actor),
                assurance=str(assurance_level(access.actor)) if access.basis == "self" else "",
                consent=_consent_proof(decision.consent),
            ),
        )
        access.source = answer.source[:120]
        access.peer_region = answer.peer_region[:12]
        access.peer_record = answer.peer_record[:36]
        if answer.status == "found":
            decision.values = answer.values or {}
        elif answer.status == "absent":
            decision.reason, decision.error = "no_record", NotFound
        elif answer.status == "refused":
            decision.reason, decision.error = answer.reason or "source_refused", PermissionDenied
        else:
            decision.reason = answer.reason if answer.reason in REFUSALS else "source_error"
            decision.error, decision.unavailable = Unavailable, True
        if decision.reason:
            access.result = (
                AccessRecord.Result.UNAVAILABLE
                if decision.unavailable
                else AccessRecord.Result.REFUSED
            )
            access.reason = decision.reason
        access.commitment = access_commitment(access)


def _officer(actor: Any) -> str:
    """How a peer node's access record names the requesting officer: the account's name and
    user name (no identity number)."""
    if actor is None or getattr(actor, "pk", None) is None:
        return ""
    name = str(getattr(actor, "real_name", "") or "")
    return f"{name} ({actor.get_username()})" if name else str(actor.get_username())


def _consent_proof(consent: Consent | None) -> dict[str, Any] | None:
    """The consent a fetch rests on, as told to the peer holding the data: the peer checks
    that it names its dataset and purpose (the signature of this node vouches for it)."""
    if consent is None:
        return None
    return {
        "id": str(consent.pk),
        "dataset": consent.dataset_id,
        "purpose": consent.purpose,
        "granted_at": consent.granted_at.astimezone(UTC).isoformat(timespec="seconds"),
    }


def _access_build(
    *,
    actor: Any,
    department: str | None,
    subject_index: str,
    dataset: str,
    fields: list[str],
    purpose: str,
    basis: str,
    case_ref: str = "",
    reason: str = "",
) -> AccessRecord:
    """One validated, unsaved access record with its commitment (no query)."""
    access = AccessRecord(
        actor=actor if getattr(actor, "pk", None) else None,
        # a helper acting for the person (帮办代办): recorded beside the person
        agent=getattr(actor, "acting_agent", None),
        actor_department_id=department,
        subject_index=subject_index,
        dataset=dataset[:60],
        fields=fields,
        purpose=purpose[:30],
        basis=basis[:500],
        case_ref=case_ref,
        at=timezone.now(),
        result=AccessRecord.Result.REFUSED if reason else AccessRecord.Result.ALLOWED,
        reason=reason,
        salt=secrets.token_hex(16),
    )
    access.commitment = access_commitment(access)
    # The actor and the department come from the signed-in user's own rows, and the id is a
    # fresh UUID: their existence and uniqueness checks would only cost queries.
    access.full_clean(
        exclude=["actor", "agent", "actor_department"],
        validate_unique=False,
        validate_constraints=False,
    )
    return access


def _twin_key(access: AccessRecord) -> tuple[Any, ...]:
    return (
        access.actor_id,
        access.agent_id,
        access.actor_department_id,
        access.subject_index,
        access.dataset,
        tuple(sorted(access.fields)),
        access.purpose,
        access.basis,
        access.case_ref,
        access.result,
        access.reason,
        access.source,
        access.peer_region,
        access.peer_department,
        access.peer_actor,
    )


def _recent_twins(accesses: list[AccessRecord]) -> dict[tuple[Any, ...], AccessRecord]:
    """The latest access record of each dataset of the last `SHARING_DEDUPE_SECONDS` by the
    same actor about the same subject for the same purpose and case, by `_twin_key`: an
    access whose key is found says exactly what that record says (same department, fields,
    basis, result). One query."""
    window = int(getattr(settings, "SHARING_DEDUPE_SECONDS", 300))
    if window <= 0 or not accesses:
        return {}
    first = accesses[0]
    same = {(a.actor_id, a.subject_index, a.purpose, a.case_ref) for a in accesses}
    if len(same) != 1:  # one batch is about one actor, subject, purpose and case
        return {}
    recent = AccessRecord.objects.filter(
        actor_id=first.actor_id,
        subject_index=first.subject_index,
        purpose=first.purpose,
        case_ref=first.case_ref,
        dataset__in=sorted({a.dataset for a in accesses}),
        at__gte=timezone.now() - timedelta(seconds=window),
    ).order_by("at", "log_index")
    # Only the latest access of each dataset counts: a refusal after an allowed fetch (consent
    # withdrawn in between) is a new event, even if an identical refusal came before.
    latest = {r.dataset: r for r in recent}
    return {_twin_key(r): r for r in latest.values()}


def _accesses_write(accesses: list[AccessRecord]) -> list[AccessRecord]:
    """Append the accesses' ledger entries (one batch) and insert the records (one INSERT),
    in one atomic block: each record is saved with the index of its entry.

    A repeated access (a retry, a double click, a reload) is one access, not several: an
    access that says exactly what one of the last few minutes says (`_recent_twins`) is not
    written again, and that earlier record stands for it. Returns, in order, the record that
    stands for each access (the new one, or its earlier twin)."""
    with transaction.atomic():
        twins = _recent_twins(accesses)
        kept: list[AccessRecord] = []
        fresh: list[AccessRecord] = []
        for access in accesses:
            twin = twins.get(_twin_key(access))
            if twin is None:
                fresh.append(access)
                twins[_twin_key(access)] = access  # twice in one batch: written once
                kept.append(access)
            else:
                kept.append(twin)
        if fresh:
            entries = entries_append_batch(
                items=[
                    ("sharing.access", {"record": str(a.id), "commitment": a.commitment})
                    for a in fresh
                ]
            )
            for access, entry in zip(fresh, entries, strict=True):
                access.log_index = entry.index
            AccessRecord.objects.bulk_create(fresh)
    return kept


def _access_write(
    *,
    actor: Any,
    department: str | None,
    subject_index: str,
    dataset: str,
    fields: list[str],
    purpose: str,
    basis: str,
    case_ref: str = "",
    reason: str = "",
) -> AccessRecord:
    """Write one access record and its ledger commitment, in their own atomic block."""
    access = _access_build(
        actor=actor,
        department=department,
        subject_index=subject_index,
        dataset=dataset,
        fields=fields,
        purpose=purpose,
        basis=basis,
        case_ref=case_ref,
        reason=reason,
    )
    (kept,) = _accesses_write([access])
    return kept


def access_write_for_peer(
    *,
    peer_region: str,
    department: str,
    officer: str,
    peer_record: str,
    subject_index: str,
    dataset: str,
    fields: list[str],
    purpose: str,
    basis: str,
    case_ref: str,
    reason: str,
) -> AccessRecord:
    """The provider's record of a peer node's data request (`federated.received`): no local
    actor; the requesting region, department and officer as that node asserted them, and the
    id of its own access record. Written with its ledger entry in the caller's (the inbox's)
    transaction."""
    access = _access_build(
        actor=None,
        department=None,
        subject_index=subject_index,
        dataset=dataset,
        fields=fields,
        purpose=purpose,
        basis=basis,
        case_ref=case_ref[:60],
        reason=reason,
    )
    access.peer_region = peer_region[:12]
    access.peer_department = department[:80]
    access.peer_actor = officer[:200]
    access.peer_record = peer_record[:36]
    access.commitment = access_commitment(access)
    (kept,) = _accesses_write([access])
    return kept


def record_values(record: DatasetRecord, fields: Sequence[str]) -> dict[str, Any]:
    """The named fields of a record, decrypted (after the decision to release them)."""
    data = json.loads(crypto.decrypt_pii(record.data_enc))
    return {name: data.get(name) for name in fields}


def access_record(
    *,
    actor: Any,
    subject_index: str,
    dataset: str,
    fields: Sequence[str],
    purpose: str,
    basis: str,
    case_ref: str = "",
) -> AccessRecord:
    """Record an access to a person's data that did not go through `data_fetch` (for example
    a window clerk finding a citizen's account by resident ID), about the case `case_ref`
    when there is one. Registered as the `core.access_log` recorder."""
    departments = policies.fetching_departments(actor)
    return _access_write(
        actor=actor,
        department=departments[0] if departments else None,
        subject_index=subject_index,
        dataset=dataset,
        fields=[str(f) for f in fields],
        purpose=purpose,
        basis=basis,
        case_ref=case_ref[:60],
    )


def _case_ref(case: Any) -> str:
    if case is None:
        return ""
    for attr in ("number", "reference", "code"):
        value = getattr(case, attr, None)
        if value:
            return str(value)[:60]
    return str(case)[:60]


def access_body(access: AccessRecord) -> dict[str, Any]:
    """The committed fields of an access record, as canonical-JSON-ready values."""
    return {
        "id": str(access.id),
        "actor": str(access.actor_id) if access.actor_id else "",
        "department": access.actor_department_id or "",
        "subject": access.subject_index,
        "dataset": access.dataset,
        "fields": list(access.fields),
        "purpose": access.purpose,
        "basis": access.basis,
        "case": access.case_ref,
        "at": access.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "result": access.result,
        "reason": access.reason,
        # only when another system answered: the records of this node's own data keep the
        # body (and so the commitment) they always had
        **({"source": access.source} if access.source else {}),
        # only for a data request between nodes (federation)
        **(
            {
                "peer": {
                    "region": access.peer_region,
                    "department": access.peer_department,
                    "actor": access.peer_actor,
                    "record": access.peer_record,
                }
            }
            if access.peer_region
            else {}
        ),
    }


def access_commitment(access: AccessRecord) -> str:
    """SHA-256(salt || canonical JSON of `access_body`), hex: the value the ledger holds."""
    return hashlib.sha256(
        bytes.fromhex(access.salt) + canonical_json(access_body(access))
    ).hexdigest()


# --- pre-fill (Myinfo style) ----------------------------------------------------------------------


def prefill(*, actor: Any, fields: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Values of form fields whose ``prefill`` (or ``x-prefill``) is ``<dataset>.<field>``
    (`prefill_detailed`'s values)."""
    return prefill_detailed(actor=actor, fields=fields).values


@dataclass
class Prefill:
    """`prefill_detailed`'s answer: ``{field key: {"value", "source"}}``, and the datasets
    whose source could not answer now (a department system down), with their labels."""

    values: dict[str, dict[str, Any]]
    unavailable: dict[str, str]


def prefill_detailed(*, actor: Any, fields: Iterable[dict[str, Any]]) -> Prefill:
    """Values of form fields whose ``prefill`` (or ``x-prefill``) is ``<dataset>.<field>``.

    Fetched from the actor's own records through `data_fetch_many` (purpose ``prefill``,
    basis ``self``: every fetch is recorded), one fetch per dataset that holds a record about
    the actor, all in one batch. `values` is ``{field key: {"value", "source"}}``; fields
    without data are left out. A dataset held by a department system is asked whether it holds
    a record (`selectors.holdings_of`), then fetched like the others; one that does not answer
    now is in `unavailable` (its fields are typed in by the applicant, or filled later).

    Needs a verified identity (assurance L2 or more): for anyone else each dataset the fields
    name is refused and recorded, and `PermissionDenied` (code ``assurance_required``) is
    raised; `selectors.prefill_plan` says what would be filled in, without reading anything.
    """
    index = subject_index_of(actor)
    empty = Prefill(values={}, unavailable={})
    if index is None:
        return empty
    wanted: dict[str, list[tuple[str, str]]] = {}
    for field in fields:
        source = str(field.get("prefill") or field.get("x-prefill") or "")
        if "." not in source:
            continue
        dataset, name = source.split(".", 1)
        wanted.setdefault(dataset, []).append((str(field["key"]), name))
    if not wanted:
        return empty
    if not policies.can(actor, policies.Action.FETCH_SELF, None):
        # Not verified: nothing is read, not even which datasets hold a record; each dataset
        # the form would use is refused, and recorded as such.
        data_fetch_many(
            actor=actor,
            subject=actor,
            requests=[
                FetchRequest(dataset=d, fields=sorted({name for _key, name in wanted[d]}))
                for d in sorted(wanted)
            ],
            purpose=Purpose.PREFILL,
        )
        raise PermissionDenied(REFUSALS["not_verified"], code="assurance_required")
    holdings = holdings_of(subject=actor, keys=wanted)
    # the sources that do not answer now are still asked by the fetch: the attempt is recorded
    datasets = sorted(holdings.held | holdings.unknown)
    registries = {
        d.key: d for d in Dataset.objects.filter(key__in=datasets).select_related("provider_kind")
    }
    fetched = data_fetch_many(
        actor=actor,
        subject=actor,
        requests=[
            FetchRequest(dataset=d, fields=sorted({name for _key, name in wanted[d]}))
            for d in datasets
        ],
        purpose=Purpose.PREFILL,
    )
    result = Prefill(values={}, unavailable={})
    for dataset, fetch in zip(datasets, fetched, strict=True):
        registry = registries[dataset]
        source = _("%(dataset)s (%(provider)s)") % {
            "dataset": registry.name,
            "provider": registry.provider_kind.name,
        }
        if isinstance(fetch.error, Unavailable):
            result.unavailable[dataset] = source
        if fetch.values is None:
            continue
        for key, name in wanted[dataset]:
            if fetch.values.get(name) not in (None, ""):
                result.values[key] = {"value": fetch.values[name], "source": source}
    return result
