"""Writes of benefits without applying (免申即享).

`subject_check` is the heart: for each rule about a person it fetches the facts from shared
data (as the granting department's rule runner, through `sharing.services.data_fetch_many`:
each fetch an access record in the person's data tracker and a ledger entry), runs the rule's
DMN table through the `workflow` engine (`workflow.services.instance_start`; one instance per
person and set of facts, so the same facts are never decided twice) and, when the table
answers `eligible`, makes the offer (or the grant, for a rule that needs no confirmation) and
tells the holder. The worker runs it when data change (`listeners`) and on a schedule
(`tasks.tick` → `checks_due`).

Every match, offer, grant, confirmation, opt-out and opt-in is an `OfferEvent` and a ledger
entry `benefits.event` (ids and the rule, never personal data), in the transaction of the
change. Idempotent: one offer per rule, holder and occasion (`benefits_offer_once`); confirming
twice or opting out twice changes nothing more.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts import services as accounts_services
from onestop.accounts.models import StaffRole, User
from onestop.benefits import policies
from onestop.benefits.models import Check, Offer, OfferEvent, OptOut
from onestop.benefits.rules import RULES, Rule, rule_get, rules_for
from onestop.core import crypto
from onestop.core.actors import SYSTEM
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.ledger.services import entry_append
from onestop.notify import services as notify_services
from onestop.notify.templates import Bilingual
from onestop.org import selectors as org_selectors
from onestop.org.models import Department
from onestop.sharing.models import Purpose
from onestop.sharing.selectors import subject_index_of
from onestop.sharing.services import FetchRequest, data_fetch_many
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow import services as workflow_services

logger = logging.getLogger(__name__)

Status = Offer.Status
Kind = OfferEvent.Kind
RUNNER_PREFIX = policies.RUNNER_PREFIX


def recheck_days() -> int:
    return int(getattr(settings, "BENEFITS_RECHECK_DAYS", 30))


# --- the rule runners ------------------------------------------------------------------------


def runner_for(department: Department) -> User:
    """The service account through which `department` checks eligibility (a department officer
    with an unusable password: nobody signs in as it). Its fetches are recorded as the
    department's, under the department's sharing agreements. Made on first use."""
    username = f"{RUNNER_PREFIX}{department.code}"[:150]
    found = accounts_selectors.users_by_username([username])
    if username in found:
        return found[username]
    try:
        with transaction.atomic():
            node: Any = SYSTEM  # the node may create staff accounts (accounts.policies)
            account = accounts_services.staff_create(
                actor=node,
                username=username,
                password=secrets.token_urlsafe(48),
                real_name=f"{department.name_zh}（免申即享）"[:60],
                roles=[(StaffRole.Role.DEPARTMENT_OFFICER, department.region_id, department.code)],
            )
            account.set_unusable_password()
            account.save(update_fields=["password"])
    except Conflict:  # another worker made it first
        return accounts_selectors.users_by_username([username])[username]
    return account


def _department(rule: Rule, holder: User) -> Department | None:
    """The granting department: of the holder's region when it has one, else of the node's."""
    for region in dict.fromkeys([holder.region_id or "", str(settings.NODE_REGION)]):
        if not region:
            continue
        try:
            return org_selectors.department_get(code=f"{region}-{rule.department_kind}")
        except NotFound:
            continue
    return None


# --- records of what happened ----------------------------------------------------------------


def _event(
    *,
    holder: User,
    rule: str,
    kind: str,
    offer: Offer | None = None,
    actor_id: str = "system",
    data: dict[str, Any] | None = None,
) -> OfferEvent:
    """An `OfferEvent` and its ledger entry (call inside the change's transaction)."""
    now = timezone.now()
    payload = {
        "event": str(kind),
        "rule": rule,
        "offer": offer.pk if offer is not None else None,
        "department": offer.department_id if offer is not None else "",
        "holder": holder.pk,
        "actor": actor_id,
        "at": now.isoformat(),
    }
    entry = entry_append(kind="benefits.event", payload=payload)
    event = OfferEvent(
        offer=offer,
        holder=holder,
        rule=rule,
        kind=kind,
        actor_id=actor_id,
        at=now,
        data=data or {},
        ledger_index=getattr(entry, "index", None),
    )
    event.save()
    return event


def _notify(offer: Offer, template: str) -> None:
    rule = RULES[offer.rule]
    notify_services.notification_send(
        template=template,
        context={
            "benefit": Bilingual(zh=rule.name_zh, en=rule.name_en),
            "action": Bilingual(zh=rule.action_zh, en=rule.action_en),
            "link": "/me/benefits/",
        },
        recipient_user=offer.holder,
        channels=("in_app",),
        dedupe_key=f"benefits:{offer.pk}:{template}",
    )


# --- checking eligibility --------------------------------------------------------------------


def _facts_key(rule: Rule, holder: User, variables: dict[str, Any], occasion: str) -> str:
    digest = hashlib.sha256(
        json.dumps([variables, occasion], sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"benefit:{rule.key}:{holder.pk}:{digest}"


def _decide(rule: Rule, business_key: str, variables: dict[str, Any]) -> bool:
    """Run the rule's DMN table through the workflow engine (once per set of facts)."""
    try:
        instance = workflow_selectors.instance_get(business_key=business_key)
    except NotFound:
        try:
            instance = workflow_services.instance_start(
                key=rule.process_key, business_key=business_key, data=variables, actor=SYSTEM
            )
        except Conflict:  # the same facts decided at the same moment elsewhere
            instance = workflow_selectors.instance_get(business_key=business_key)
    return workflow_selectors.instance_variables(instance=instance).get("eligible") is True


def _fetch(rule: Rule, runner: User, holder: User) -> dict[str, dict[str, Any] | None]:
    """The rule's datasets about `holder`, fetched by the department's runner (outside any
    transaction: a refusal stays recorded). A refused or missing record is None."""
    results = data_fetch_many(
        actor=runner,
        subject=holder,
        requests=[FetchRequest(dataset=ds, fields=list(fields)) for ds, fields in rule.needs],
        purpose=Purpose.ELIGIBILITY_CHECK,
        case=f"benefit-{rule.key}",
    )
    return {
        ds: (result.values if result.error is None else None)
        for (ds, _fields), result in zip(rule.needs, results, strict=True)
    }


def _offer_make(
    *,
    rule: Rule,
    holder: User,
    department: Department,
    occasion: str,
    facts: list[dict[str, Any]],
    business_key: str,
) -> tuple[Offer, bool]:
    existing = Offer.objects.filter(rule=rule.key, holder=holder, occasion=occasion).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    offer = Offer(
        rule=rule.key,
        holder=holder,
        subject_index=subject_index_of(holder) or "",
        occasion=occasion,
        region_id=department.region_id,
        department=department,
        status=Status.OFFERED if rule.confirm else Status.GRANTED,
        facts=facts,
        process_key=business_key,
        eligible_at=now,
        granted_at=None if rule.confirm else now,
    )
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError:  # made by a concurrent check
        return Offer.objects.get(rule=rule.key, holder=holder, occasion=occasion), False
    _event(
        holder=holder, rule=rule.key, kind=Kind.MATCHED, offer=offer, data={"process": business_key}
    )
    if rule.confirm:
        _event(holder=holder, rule=rule.key, kind=Kind.OFFERED, offer=offer)
        _notify(offer, "benefits.offered")
    else:
        _event(holder=holder, rule=rule.key, kind=Kind.GRANTED, offer=offer)
        _notify(offer, "benefits.granted")
    return offer, True


def rule_check(*, rule: Rule, holder: User, today: datetime.date | None = None) -> Offer | None:
    """Check one rule for one person; returns the offer made (or found) when eligible."""
    if OptOut.objects.filter(holder=holder, rule=rule.key).exists():
        return None  # honoured: nothing is fetched for a rule the person opted out of
    once = Offer.objects.filter(rule=rule.key, holder=holder, occasion="").first()
    if once is not None:
        return once  # offered once for good: nothing to fetch again
    department = _department(rule, holder)
    if department is None:
        return None
    try:
        workflow_selectors.definition_latest(key=rule.process_key)
    except NotFound:
        return None  # the rule's decision is not loaded on this node: nothing to decide by
    runner = runner_for(department)
    values = _fetch(rule, runner, holder)
    today = today or timezone.localdate()
    variables, facts, occasion_raw = rule.facts(values, today)
    occasion = crypto.blind_index(occasion_raw) if occasion_raw else ""
    business_key = _facts_key(rule, holder, variables, occasion)
    eligible = _decide(rule, business_key, variables)
    with transaction.atomic():
        Check.objects.update_or_create(
            holder=holder,
            rule=rule.key,
            defaults={
                "checked_at": timezone.now(),
                "eligible": eligible,
                "business_key": business_key,
            },
        )
        if not eligible:
            return None
        offer, _created = _offer_make(
            rule=rule,
            holder=holder,
            department=department,
            occasion=occasion,
            facts=facts,
            business_key=business_key,
        )
    return offer


def subject_check(
    *, holder: User, rules: Iterable[str] | None = None, today: datetime.date | None = None
) -> list[Offer]:
    """Check every rule about `holder` (or the rules named); returns the offers they hold for
    those rules. One rule failing (an engine error) is logged; the others still run."""
    wanted = set(rules) if rules is not None else None
    offers: list[Offer] = []
    if not holder.is_active:
        return offers
    for rule in rules_for(holder.kind):
        if wanted is not None and rule.key not in wanted:
            continue
        try:
            offer = rule_check(rule=rule, holder=holder, today=today)
        except (ValidationFailed, PermissionDenied) as exc:
            logger.warning("benefit rule %s could not be checked: %s", rule.key, exc.code)
            continue
        if offer is not None:
            offers.append(offer)
    return offers


# The schedule walks the people a page at a time (never every account at once).
CHECKS_PAGE = 500


def checks_due(*, limit: int = 50, now: datetime.datetime | None = None) -> int:
    """The schedule: check the people whose last check of some rule about them is older than
    `BENEFITS_RECHECK_DAYS` (or who were never checked), at most `limit` people a run, oldest
    accounts first. Returns how many people were checked.

    The people are read `CHECKS_PAGE` at a time (by id), and each page's recent checks in one
    query for that page only: a run reads as many pages as it takes to find `limit` people
    due, not the whole population."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=recheck_days())
    count = 0
    after: int | None = None
    while count < limit:
        page = accounts_selectors.data_subjects(after=after, limit=CHECKS_PAGE)
        if not page:
            break
        after = page[-1].pk
        fresh: dict[int, set[str]] = {}
        for holder_id, rule in Check.objects.filter(
            holder_id__in=[holder.pk for holder in page], checked_at__gte=cutoff
        ).values_list("holder_id", "rule"):
            fresh.setdefault(holder_id, set()).add(rule)
        for holder in page:
            if count >= limit:
                break
            seen = fresh.get(holder.pk, set())
            due = [r.key for r in rules_for(holder.kind) if r.key not in seen]
            if not due:
                continue
            subject_check(holder=holder, rules=due)
            count += 1
    return count


# --- the holder's answers --------------------------------------------------------------------


def offer_confirm(*, actor: Any, offer_id: Any) -> Offer:
    """The holder confirms an offer with one click. Confirming again changes nothing."""
    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update().select_related("holder").filter(pk=offer_id).first()
            if str(offer_id).isdigit()
            else None
        )
        if offer is None:
            raise NotFound(_("There is no such benefit offer."))
        if not policies.can(actor, policies.CONFIRM, offer):
            raise PermissionDenied(_("Only the person the offer is made to may confirm it."))
        if offer.status in (Status.CONFIRMED, Status.GRANTED, Status.PAID):
            return offer
        if offer.status == Status.DECLINED:
            raise Conflict(
                _(
                    "You declined this offer. Opt out and in again under “Benefits we check "
                    "for you” to have it offered anew."
                ),
                code="offer_declined",
            )
        offer.status = Status.CONFIRMED
        offer.confirmed_at = timezone.now()
        offer.save(update_fields=["status", "confirmed_at"])
        _event(
            holder=offer.holder,
            rule=offer.rule,
            kind=Kind.CONFIRMED,
            offer=offer,
            actor_id=str(actor.pk),
        )
        _notify(offer, "benefits.confirmed")
    return offer


def _rule_or_error(rule_key: str) -> Rule:
    rule = rule_get(str(rule_key or ""))
    if rule is None:
        raise ValidationFailed(_("There is no such benefit."), code="unknown_benefit")
    return rule


def offer_decline(*, actor: Any, offer_id: int) -> Offer:
    """The holder declines an offer waiting for confirmation: ``offered`` → ``declined``, event
    ``declined``. Declining again changes nothing; a confirmed or granted offer is a
    `Conflict`. Only the holder (`PermissionDenied` for anyone else; `NotFound` for no such
    offer)."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
        if offer is None:
            raise NotFound(_("There is no such benefit offer."))
        if not policies.can(actor, policies.CONFIRM, offer):
            raise PermissionDenied(_("Only the person the offer is made to may decline it."))
        if offer.status == Status.DECLINED:
            return offer
        if offer.status != Status.OFFERED:
            raise Conflict(
                _("This benefit is already yours; there is nothing to decline."),
                code="offer_not_waiting",
            )
        offer.status = Status.DECLINED
        offer.declined_at = timezone.now()
        offer.save(update_fields=["status", "declined_at"])
        _event(
            holder=offer.holder,
            rule=offer.rule,
            kind=Kind.DECLINED,
            offer=offer,
            actor_id=str(actor.pk),
        )
    return offer


def opt_out(*, actor: Any, rule_key: str) -> OptOut:
    """The person does not want `rule_key` offered any more: no data is fetched for it and
    nothing new is offered from now on. An offer already waiting for confirmation stays as it
    is, to be confirmed or declined (`offer_decline`): opting out is for the future only.
    Idempotent."""
    rule = _rule_or_error(rule_key)
    if not policies.can(actor, policies.OPT_OUT, rule) or actor.kind not in rule.subject_kinds:
        raise PermissionDenied(_("Only the person concerned may opt out of a benefit."))
    with transaction.atomic():
        existing = OptOut.objects.filter(holder=actor, rule=rule.key).first()
        if existing is not None:
            return existing
        choice = OptOut(holder=actor, rule=rule.key)
        choice.save()
        _event(holder=actor, rule=rule.key, kind=Kind.OPTED_OUT, offer=None, actor_id=str(actor.pk))
    return choice


def opt_in(*, actor: Any, rule_key: str) -> bool:
    """Undo an opt-out: the rule is checked again from the next check on, and an offer the
    person declined waits for confirmation again (opting in is asking for the benefit anew).
    Returns whether there was an opt-out to undo."""
    rule = _rule_or_error(rule_key)
    if not policies.can(actor, policies.OPT_OUT, rule) or actor.kind not in rule.subject_kinds:
        raise PermissionDenied(_("Only the person concerned may opt out of a benefit."))
    with transaction.atomic():
        deleted, _rows = OptOut.objects.filter(holder=actor, rule=rule.key).delete()
        if not deleted:
            return False
        reopened = list(
            Offer.objects.select_for_update().filter(
                holder=actor, rule=rule.key, status=Status.DECLINED
            )
        )
        for offer in reopened:
            offer.status = Status.OFFERED
            offer.declined_at = None
            offer.save(update_fields=["status", "declined_at"])
        Check.objects.filter(holder=actor, rule=rule.key).delete()
        _event(
            holder=actor,
            rule=rule.key,
            kind=Kind.OPTED_IN,
            offer=reopened[0] if reopened else None,
            actor_id=str(actor.pk),
        )
    return True


# --- the paying department -------------------------------------------------------------------

PAYABLE = (Status.CONFIRMED, Status.GRANTED)
MAX_REFERENCE = 60


def offer_pay(*, actor: Any, offer_id: Any, reference: str) -> Offer:
    """The paying (granting) department records that the benefit of a confirmed offer, or of
    one granted without confirmation, was paid (or delivered): `paid`, `paid_at`, `paid_by`,
    the department's own `reference`; event `paid` (and its ledger entry); the holder is told.
    This ends "eligibility → payment" (`selectors.benefit_figures`).

    Only an officer of the offer's department (`policies.PAY`); an offer still waiting for the
    holder's click, or declined, answers `Conflict`; recording the same payment again (same
    reference) returns the offer unchanged, another reference for a paid offer is a
    `Conflict`. Bad input: `ValidationFailed`, nothing changed."""
    ref = " ".join(str(reference or "").split())
    if not ref or len(ref) > MAX_REFERENCE:
        raise ValidationFailed(
            _("Enter the payment's reference (at most 60 characters)."),
            code="invalid_reference",
        )
    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update().select_related("holder").filter(pk=offer_id).first()
            if str(offer_id).isdigit()
            else None
        )
        if offer is None or not policies.can(actor, policies.VIEW, offer):
            raise NotFound(_("There is no such benefit offer."))
        if not policies.can(actor, policies.PAY, offer):
            raise PermissionDenied(
                _("Only an officer of the paying department may record the payment."),
                code="forbidden",
            )
        if offer.status == Status.PAID:
            if offer.payment_reference == ref:
                return offer
            raise Conflict(
                _("The payment of this benefit is already recorded (reference %(ref)s).")
                % {"ref": offer.payment_reference},
                code="already_paid",
            )
        if offer.status not in PAYABLE:
            raise Conflict(
                _("This benefit cannot be paid yet: the person has not confirmed it."),
                code="not_confirmed",
            )
        offer.status = Status.PAID
        offer.paid_at = timezone.now()
        offer.paid_by = actor
        offer.payment_reference = ref
        offer.save(update_fields=["status", "paid_at", "paid_by", "payment_reference"])
        _event(
            holder=offer.holder,
            rule=offer.rule,
            kind=Kind.PAID,
            offer=offer,
            actor_id=str(actor.pk),
            data={"reference": ref},
        )
        _notify(offer, "benefits.paid")
    return offer
