"""Data held by peer nodes (issue 11 §5): both ends of a ``data.fetch`` message.

- The requesting end is the ``peer`` kind of dataset source (`sources.register`): a dataset
  whose `DatasetSource.kind` is ``peer`` is read from this node's own records first, then from
  the peers its `peers` names, in order, with a signed ``data.fetch`` request sent at once
  (`federation.services.message_request`). The policy, the access record and the ledger entry
  stay `services.data_fetch_many`'s, exactly as for a department system; a peer that does not
  answer is "unavailable" (the applicant uploads instead), never a 500.
- The providing end is the ``data.fetch`` handler (`received`), run by the inbox once per
  message, inside its transaction: this node applies its OWN agreements and consent rules to
  the request, answers or refuses, and writes its own access record (with the requesting
  region, department, officer and case) and ``sharing.access`` ledger entry, in the same
  transaction as the inbox row. The citizen's data tracker on this node shows it.

The protocol is in docs/federation.md ("Data requests") and docs/sharing.md ("Data held by
peer nodes").
"""

from __future__ import annotations

import logging
from typing import Any

from onestop.core import crypto
from onestop.core.errors import DomainError, NotFound, PermissionDenied
from onestop.federation import handlers
from onestop.federation import services as federation_services
from onestop.sharing import services, sources
from onestop.sharing.models import Consent, Dataset, DatasetSource, Purpose, SharingAgreement
from onestop.sharing.selectors import find_record, normalise_key

logger = logging.getLogger(__name__)

FETCH_TYPE = "data.fetch"

# the provider's refusal codes the requesting node names with a message of its own
PEER_REASONS = {
    "no_agreement": "peer_no_agreement",
    "no_consent": "peer_no_consent",
    "not_verified": "peer_not_verified",
}
SCALARS = (str, int, float, bool, type(None))


# --- the requesting end: the ``peer`` source kind --------------------------------------------


def _label(source: Any) -> str:
    return "peer:" + ",".join(str(r) for r in (source.peers or []))


def _body(request: sources.Request, *, probe: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dataset": request.dataset,
        "subject_key": request.subject_key,
        "fields": [] if probe else list(request.fields),
        "probe": probe,
        "basis": request.basis.split(":", 1)[0] if request.basis else "",
        "case": request.case_ref,
        "request_id": request.request_id,
        "department": request.department,
        "officer": request.officer,
    }
    if request.assurance:
        body["assurance"] = request.assurance
    if request.consent:
        body["consent"] = dict(request.consent)
    return body


def _ask(source: Any, region: str, request: sources.Request, *, probe: bool) -> sources.Answer:
    name = f"peer:{region}"
    failed: dict[str, Any] = {"source": name, "peer_region": region}
    try:
        reply = federation_services.message_request(
            to_region=region,
            type=FETCH_TYPE,
            body=_body(request, probe=probe),
            purpose=request.purpose or Purpose.VERIFICATION,
            timeout=float(source.read_timeout),
            private=True,  # the subject key and the values are not kept in the outbox
        )
    except federation_services.PeerUnavailable:
        return sources.Answer("unavailable", reason="peer_unavailable", **failed)
    except NotFound:  # no such peer (removed since the source was configured)
        return sources.Answer("unavailable", reason="source_not_configured", **failed)
    except PermissionDenied as exc:
        if exc.code in ("type_not_allowed", "dataset_not_allowed"):  # not allowed outwards
            return sources.Answer("unavailable", reason="source_not_configured", **failed)
        return sources.Answer("refused", reason="peer_refused", **failed)
    except DomainError as exc:  # the peer refused the message itself (403, 400...)
        logger.warning("peer %s refused a data request: %s %s", region, exc.code, exc.message)
        return sources.Answer("refused", reason="peer_refused", **failed)
    return _read_reply(reply, request, name=name, region=region)


def _read_reply(
    reply: dict[str, Any], request: sources.Request, *, name: str, region: str
) -> sources.Answer:
    result = reply.get("result")
    record = str(reply.get("record") or "")[:36]
    done: dict[str, Any] = {"source": name, "peer_region": region, "peer_record": record}
    if result == "absent":
        return sources.Answer("absent", **done)
    if result == "refused":
        code = str(reply.get("reason") or "")
        return sources.Answer("refused", reason=PEER_REASONS.get(code, "peer_refused"), **done)
    if result == "found" and "values" not in reply:  # the answer to a probe
        return sources.Answer("found", **done)
    values = reply.get("values")
    if result != "found" or not isinstance(values, dict):
        return sources.Answer("unavailable", reason="source_malformed", **done)
    released = {f: values.get(f) for f in request.fields}
    if not all(isinstance(v, SCALARS) for v in released.values()):
        return sources.Answer("unavailable", reason="source_malformed", **done)
    return sources.Answer("found", values=released, **done)


def _combined(source: Any, request: sources.Request, *, probe: bool) -> sources.Answer:
    """Ask each peer in order: the first that holds a record answers; else a refusal, else
    "unavailable" (one could not say), else "absent"."""
    regions = [str(r) for r in (source.peers or [])]
    answers = []
    for region in regions:
        answer = _ask(source, region, request, probe=probe)
        if answer.status == "found":
            return answer
        answers.append(answer)
    for status in ("refused", "unavailable", "absent"):
        for answer in answers:
            if answer.status == status:
                return answer
    return sources.Answer("unavailable", reason="source_not_configured", source=_label(source))


def _fetch(source: Any, request: sources.Request) -> sources.Answer:
    return _combined(source, request, probe=False)


def _probe(source: Any, request: sources.Request) -> sources.Answer:
    # only a verified citizen's own materials are probed (`selectors.holdings_of`)
    probe = sources.Request(
        dataset=request.dataset,
        subject_key=request.subject_key,
        purpose=request.purpose,
        basis="self",
        assurance="2",
    )
    return _combined(source, probe, probe=True)


sources.register(DatasetSource.Kind.PEER, sources.Adapter(fetch=_fetch, probe=_probe, label=_label))


# --- the providing end: the ``data.fetch`` handler -------------------------------------------


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    return str(value)[:limit] if isinstance(value, (str, int)) else ""


def _decide(  # noqa: PLR0911, PLR0912 - one return per rule, in the order they apply
    peer: Any, body: dict[str, Any], purpose: str, registry: Dataset | None, index: str | None
) -> tuple[str, str]:
    """(basis, refusal reason) under this node's own rules: the purpose and fields, then the
    basis the requesting node asserts — ``self`` (the data subject, whose identity that node
    verified at L2 or more), or a department of the peer's region whose kind has an agreement
    on this node for the dataset and purpose, with, for a consent dataset, the subject's
    consent (held here, or the proof the requesting node sent) for that dataset and purpose."""
    fields = body.get("fields")
    probe = body.get("probe") is True
    if not purpose:
        return "", "no_purpose"
    if purpose not in Purpose.values:
        return "", "unknown_purpose"
    if registry is None:
        return "", "unknown_dataset"
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        return "", "unknown_field"
    if not fields and not probe:
        return "", "no_fields"
    if set(fields) - {str(f["key"]) for f in registry.fields}:
        return "", "unknown_field"
    if index is None:
        return "", "unknown_subject"
    basis = body.get("basis")
    if basis == "self":
        try:
            level = int(str(body.get("assurance") or "0"))
        except ValueError:
            level = 0
        return ("self", "") if level >= 2 else ("", "not_verified")  # L2 or more
    if probe:
        return "", "not_authorised"  # only the subject asks whether a record exists
    department = _text(body, "department", 80)
    region, _, kind = department.partition("-")
    if not kind or not region.startswith(peer.region.rstrip("0")):
        return "", "not_authorised"
    agreement = next(
        (
            a
            for a in SharingAgreement.objects.filter(dataset=registry, consumer_kind_id=kind)
            if purpose in a.purposes
        ),
        None,
    )
    if agreement is None:
        return "", "no_agreement"
    if registry.basis != Dataset.Basis.CONSENT:
        return f"law: {agreement.legal_basis_zh}", ""
    if _consented(body, registry, purpose, index):
        return "consent", ""
    return "", "no_consent"


def _consented(body: dict[str, Any], registry: Dataset, purpose: str, index: str) -> bool:
    """A consent held on this node, or the proof the requesting node sent (its consent row:
    this dataset, this purpose), vouched for by its signature."""
    record = find_record(dataset=registry.key, subject_index=index)
    holders = {index, *(record.party_indexes.split() if record else [])}
    if Consent.objects.filter(
        dataset=registry, purpose=purpose, subject_index__in=holders, withdrawn_at__isnull=True
    ).exists():
        return True
    proof = body.get("consent")
    return (
        isinstance(proof, dict)
        and proof.get("dataset") == registry.key
        and proof.get("purpose") == purpose
        and bool(proof.get("granted_at"))
    )


def received(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    """Answer a peer's ``data.fetch`` (inside the inbox transaction; runs once per message).

    Reply body: ``{"result": "found", "values": {...}, "record": id, "basis"}``,
    ``{"result": "absent", "record": id}`` or ``{"result": "refused", "reason": code,
    "record": id}``. A probe (``"probe": true``, the subject asking whether a record exists)
    answers ``found`` / ``absent`` with no values and, like a local check, is not recorded.
    Every fetch, answered or refused, is an access record with its ledger entry."""
    body = envelope["body"]
    purpose = str(envelope.get("purpose") or "")
    dataset = _text(body, "dataset", 60)
    registry = Dataset.objects.filter(key=dataset).first()
    key = normalise_key(_text(body, "subject_key", 60))
    index = crypto.blind_index(key) if key else None
    basis, reason = _decide(peer, body, purpose, registry, index)
    record = None
    if not reason and registry is not None and index is not None:
        # this node's own records only: a request is never passed on to a further node
        record = find_record(dataset=registry.key, subject_index=index)
    probe = body.get("probe") is True
    if probe:
        if reason:
            return {"result": "refused", "reason": reason}
        return {"result": "found" if record is not None else "absent"}
    fields = [str(f) for f in body.get("fields") or [] if isinstance(f, str)]
    if not reason and record is None:
        reason = "no_record"
    access = services.access_write_for_peer(
        peer_region=peer.region,
        department=_text(body, "department", 80),
        officer=_text(body, "officer", 200),
        peer_record=_text(body, "request_id", 36),
        subject_index=index or "",
        dataset=dataset,
        fields=fields,
        purpose=purpose,
        basis=basis,
        case_ref=_text(body, "case", 60),
        reason=reason,
    )
    if reason == "no_record":
        return {"result": "absent", "record": str(access.id)}
    if reason:
        return {"result": "refused", "reason": reason, "record": str(access.id)}
    assert record is not None  # noqa: S101 - no refusal implies a record
    values = services.record_values(record, fields)
    return {"result": "found", "values": values, "record": str(access.id), "basis": basis}


def register() -> None:
    """Answer ``data.fetch`` and offer the national registry's datasets to peers (each peer
    still needs the type and the dataset allowed: `onestop peer allow`)."""
    handlers.register(FETCH_TYPE, received, private=True)  # no values kept in the inbox
    from onestop.sharing.seed import load_datasets

    for row in load_datasets():
        handlers.register_dataset(str(row["key"]))
