"""The world of the authorisation matrix (tests/security/test_authorisation_matrix.py).

One region's demo organisation, catalogue, processes and accounts (the cases world), plus the
other demo region and the hotline catalogue, and one object of every kind that a page or an API
operation exposes, all belonging to one citizen — the *owner* (the demo citizen 张伟, L2) — or to
one department — human resources and social security of 371121 (*this department*):

- the owner's newborn application, submitted online (a bundle; its social-security-card item
  case in review), with a supplement requested by that department's officer and a photo uploaded
  for it, and a second item draft not yet submitted;
- the owner's social security card e-licence (issued by that department), their
  notifications, a record in their data tracker and a consent;
- a 12345 work order (wage arrears) dispatched to that department, with an attachment;
- a queue ticket taken at the county centre's kiosk.

The roles (`ROLES`) are one user each. `build()` runs once per test process (a template world,
tests/factories/worlds.py); `value()` gives each test fresh users and the objects' ids.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

REGION = "371121"
OTHER = "320707"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
AUTO_ITEM = "37112100YB-GG-0004"  # the newborn's medical insurance enrolment, decided by rules
CARD_ITEM = "37112100RS-GG-0005"  # the newborn's social security card: human resources

# role → username in the world
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "citizen_l1": "matrix-l1",  # a citizen with a bare registration (L1)
    "owner": "citizen",  # the demo citizen (L2): owns every personal object here
    "other_citizen": "matrix-other",  # another L2 citizen
    "clerk": "clerk",  # window clerk of 371121
    "officer": "officer-hr",  # officer of this department (371121 human resources)
    "officer_other": "officer-xf",  # officer of another department (371121 fire and rescue)
    "agent": "agent",  # hotline agent of 371121
    "supervisor": "supervisor",  # supervisor of 371121
    "admin": "matrix-admin",  # administrator of this region (not a superuser)
    "admin_other": "matrix-admin-gy",  # administrator of another region (320707)
}

# Django admin permissions the two administrators hold: the widest an operator would grant.
ADMIN_MODELS = [
    ("accounts", "user"),
    ("accounts", "staffrole"),
    ("cases", "case"),
    ("hotline", "workorder"),
    ("notify", "notification"),
    ("org", "queueticket"),
    ("workflow", "processinstance"),
    ("sharing", "accessrecord"),
    ("credentials", "credential"),
    ("axes", "accessattempt"),
    ("axes", "accessfailurelog"),
    ("axes", "accesslog"),
    ("django_tasks_database", "dbtaskresult"),
    ("otp_totp", "totpdevice"),
]

_ids: dict[str, Any] = {}


def build() -> dict[str, Any]:
    from onestop.accounts.models import StaffRole
    from onestop.cases.tracking import token_for
    from onestop.credentials import qr
    from onestop.hotline.seed import seed_catalogue
    from onestop.notify.models import Notification
    from onestop.org.models import ServiceCentre
    from onestop.org.selectors import ticket_token
    from onestop.sharing import services as sharing
    from onestop.sharing.models import AccessRecord
    from onestop.workflow.models import ProcessInstance
    from tests import factories
    from tests.cases.conftest import build_world as build_cases_world

    users = build_cases_world()
    seed_catalogue()
    _people()
    owner, officer = users["citizen"], users["officer-hr"]
    application = _application(owner, officer)
    order = _order(users["agent"])
    consent = sharing.consent_grant(
        actor=owner, dataset="medical-insurance", purpose="application-processing"
    )
    centre = ServiceCentre.objects.filter(region_id=REGION).order_by("slug").first()
    ticket = factories.QueueTicketFactory(centre=centre)
    devices = {}
    for role, username in ROLES.items():
        person = _user(username) if username is not None else None
        if person is not None and person.kind == person.Kind.STAFF:
            devices[role] = factories.mfa_device(person)  # staff sign in verified

    review = _review(owner, application["item_case"])
    hotspot = _hotspot(order)
    portal_order, delegation, offer, callback = _portal_and_after(owner, order)
    top = application["top"]
    _ids.clear()
    _ids.update(
        top=top.number,
        top_pk=str(top.pk),
        case_pk=str(top.pk),
        item_case=application["item_case"].number,
        supplement=application["supplement"].pk,
        draft=str(application["draft"].pk),
        credential=str(application["card"].pk),
        verify_ref=qr.reference(application["card"].pk),
        order=order.number,
        order_pk=order.pk,
        notification=str(Notification.objects.filter(recipient=owner).order_by("pk")[0].pk),
        access=str(
            AccessRecord.objects.filter(subject_index=owner.resident_id_index).order_by("pk")[0].pk
        ),
        consent=consent.pk,
        ticket=ticket.pk,
        ticket_token=ticket_token(ticket),
        track_token=token_for(top.number),
        process=ProcessInstance.objects.get(business_key=application["item_case"].number).pk,
        # the enrolment decided by rules: its process started with facts from shared data
        auto_process=ProcessInstance.objects.get(
            business_key=top.children.get(item__code=AUTO_ITEM).number
        ).pk,
        owner_pk=owner.pk,
        device=devices["officer"].pk,
        staff_role=StaffRole.objects.filter(user=officer).get().pk,
        invitation=str(review.invitation_id),
        rectification=review.rectification.pk,
        hotspot=hotspot.pk,
        portal_order=portal_order.number,
        delegation=str(delegation.pk),
        offer=offer.pk,
        callback=str(callback.pk),
    )
    return value()


def _portal_and_after(owner: Any, order: Any) -> tuple[Any, Any, Any, Any]:
    """The owner's 12345 request filed on the portal, their delegation to the other citizen
    (apply and follow applications), a benefit offer of theirs (the senior allowance, as the
    rule runner makes it) and the call-back invitation of the dispatched work order."""
    import datetime

    from django.utils import timezone

    from onestop.accounts import services as accounts
    from onestop.benefits.models import Offer
    from onestop.core import crypto
    from onestop.hotline import services as hotline
    from onestop.reviews.models import Invitation

    portal_order = hotline.ticket_file(
        actor=owner,
        request_type="consultation",
        category="labor.wage-arrears",
        description="How do I ask for wages my employer owes me?",
        contact_phone="13800138001",
        idempotency_key="matrix-portal",
    )
    other = _user(ROLES["other_citizen"] or "")
    delegation = accounts.delegation_grant(
        actor=owner,
        helper_resident_id=crypto.decrypt_pii(other.resident_id_enc),
        helper_name=other.real_name or "",
        scopes=["cases"],
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    offer = Offer.objects.create(
        rule="senior",
        holder=owner,
        subject_index=owner.resident_id_index,
        region_id=REGION,
        department_id=f"{REGION}-civil-affairs",
        status=Offer.Status.OFFERED,
        process_key="benefit_senior",
    )
    now = timezone.now()
    callback = Invitation.objects.create(
        event_kind="order",
        event_ref=order.number,
        channel="callback",
        region_id=REGION,
        department_id=order.lead_department_id,
        event_at=now,
        expires_at=now + datetime.timedelta(days=30),
    )
    return portal_order, delegation, offer, callback


def _hotspot(order: Any) -> Any:
    """A hotspot card of the work order's category in Hongning, owned by human resources (the
    matrix officer's department), as the worker's scan raises it."""
    import datetime

    from onestop.insights.models import Hotspot

    return Hotspot.objects.create(
        region=REGION,
        category=order.category_id,
        place="洪凝街道",
        week=datetime.date(2026, 3, 16),
        department_id=f"{REGION}-human-resources-social-security",
        count=9,
        baseline=1.0,
        p_value=0.0001,
        orders=[order.number],
    )


def _people() -> None:
    """The citizens and administrators the demo seed does not have; the administrators hold
    the Django admin permissions of `ADMIN_MODELS`."""
    from django.contrib.auth.models import Permission

    from tests import factories

    factories.CitizenFactory(username="matrix-l1", level=1)
    factories.CitizenFactory(username="matrix-other", level=2)
    admin = factories.AdministratorFactory(username="matrix-admin", region_code=REGION)
    admin_gy = factories.AdministratorFactory(username="matrix-admin-gy", region_code=OTHER)
    wanted = Permission.objects.none()
    for app, model in ADMIN_MODELS:
        wanted |= Permission.objects.filter(
            content_type__app_label=app, codename__in=[f"view_{model}", f"change_{model}"]
        )
    for person in (admin, admin_gy):
        person.user_permissions.add(*wanted)


def _application(owner: Any, officer: Any) -> dict[str, Any]:
    """The owner's newborn application (its social-security-card item in review, a photo
    asked for and uploaded), an item draft, and the card as an e-licence."""
    from datetime import timedelta

    from django.utils import timezone

    from onestop.cases import selectors, services
    from onestop.cases.uploads import material_upload
    from onestop.catalog.models import Item, Scenario
    from onestop.credentials.services import credential_issue
    from tests.cases.conftest import newborn_draft_for

    newborn = Scenario.objects.get(region_id=REGION, slug="newborn")
    top = services.case_submit(
        actor=owner, case=newborn_draft_for(owner, newborn), idempotency_key="matrix-1"
    )
    item_case = top.children.get(item__code=CARD_ITEM)
    view = selectors.case_task_view(case=item_case)
    supplement = services.supplement_request(
        actor=officer,
        case=item_case,
        reason="A photo is needed.",
        materials=["photo"],
        expected_version=view["version"],
    )
    material_upload(
        actor=owner,
        case=item_case,
        key="photo",
        file=SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    )
    draft = services.draft_start(
        actor=owner, item=Item.objects.get(region_id=REGION, code=CARD_ITEM)
    )
    card = credential_issue(
        actor=officer,
        licence_type="social-security-card",
        holder=owner,
        subject={"name": owner.real_name},
        valid_from=timezone.now() - timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=365),
    )
    return {
        "top": top,
        "item_case": item_case,
        "supplement": supplement,
        "draft": draft,
        "card": card,
    }


def _review(owner: Any, item_case: Any) -> Any:
    """The owner's bad rating of the card item (its department is the officer's): invited
    through the reviews service, rated through it, so a rectification is open."""
    from onestop.reviews import services as reviews

    (invitation,) = reviews.case_invite(item_case)
    return reviews.review_submit(
        actor=owner,
        invitation=invitation,
        level=1,  # very dissatisfied
        indicators=["attitude"],
        text="Nobody answered the phone.",
        idempotency_key="matrix-review",
    )


def _order(agent: Any) -> Any:
    """A 12345 work order (wage arrears) dispatched to this department, with an attachment."""
    from onestop.hotline import services as hotline

    order = hotline.ticket_create(
        actor=agent,
        channel="phone",
        request_type="complaint",
        category="labor.wage-arrears",
        description="The construction company has not paid our wages for three months.",
        contact_name="Li",
        contact_phone="13800138000",
        address="Hongning Street",
        region=REGION,
    )
    order = hotline.ticket_dispatch(
        actor=agent, order=order, department=f"{REGION}-human-resources-social-security"
    )
    hotline.attachment_add(actor=agent, order=order, name="photo.png", data=PNG)
    return order


def _user(username: str) -> Any:
    from onestop.accounts.models import User

    return User.objects.get(username=username)


def value() -> dict[str, Any]:
    from onestop.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=[*ROLES.values()])}
    return {
        "users": {role: users.get(name) if name else None for role, name in ROLES.items()},
        **_ids,
    }
