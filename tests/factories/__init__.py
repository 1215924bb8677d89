"""Test data through the services (never raw ORM writes), and the one way tests sign in.

Factories (factory_boy): each `create()` calls the service a user of the system would go
through, so a factory-made object passes the same checks and writes the same events.

- `CitizenFactory(username=..., resident_id=..., level=2)` →
  `accounts.services.citizen_register` (a valid resident ID by default, a new one per call),
  then `accounts.services.assurance_raise` to `level` as the identity provider login would
  (L2 by default, so pre-fill and held materials work; `level=1` leaves a bare registration);
- `AdministratorFactory(region_code="371121")` → `accounts.services.administrator_bootstrap`;
- `StaffFactory(actor=admin, roles=[(role, region, department)])` →
  `accounts.services.staff_create`;
- `DraftFactory(actor=citizen, scenario=...)` / `DraftFactory(actor=citizen, item=...)` →
  `cases.services.draft_start`;
- `WorkOrderFactory(actor=agent, ...)` → `hotline.services.ticket_create`;
- `QueueTicketFactory(centre=..., purpose_ref="item:<code>")` → `org.services.ticket_take`
  (a walk-in at the kiosk: `actor` is the anonymous visitor by default).

Signing in:

- `login(user)` → a new test client signed in as `user`, asking for English (`client=` signs in
  an existing client, `language=` asks for another language, `user=None` stays anonymous); staff
  and superusers come with their second factor verified (`verified=False`: password only), and
  so does Django's `Client.force_login` in every test (tests/conftest.py);
- `sign_in(page, base, username)` → the same in the browser, through the login form and, for
  staff, the authenticator's code (`totp_code(mfa_device(user))`);
- `session_cookie(user, url)` → a signed-in session as a browser cookie (for a page that should
  start signed in without going through the form).

Worlds (the data a group of tests starts from, built once per process): `tests.factories.worlds`.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import factory
from django.test import Client

PASSWORD = "onestop-demo-2026"  # the demo seed's development password (accounts.seed)

_resident_serial = itertools.count(1)


def resident_id(region: str = "371121", birth: str = "19930315") -> str:
    """A valid resident ID (GB 11643 check character), a new one per call."""
    from stdnum.cn import ric

    body = f"{region}{birth}{next(_resident_serial) % 1000:03d}"
    # calc_check_digit expects a whole number and ignores its last character.
    return body + ric.calc_check_digit(body + "0")


class _ServiceFactory(factory.Factory):  # type: ignore[misc]
    """A factory whose `create()` calls `service(**fields)`; `build()` is not offered (an
    object that did not go through its service is not what the system would hold)."""

    class Meta:
        abstract = True

    @classmethod
    def _service(cls) -> Any:
        raise TypeError(f"{cls.__name__} names no service: give it a _service()")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return cls._service()(**kwargs)

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} only creates, through the service")


class CitizenFactory(_ServiceFactory):
    class Meta:
        model = "accounts.User"

    username = factory.Sequence(lambda n: f"citizen-{n}")
    password = PASSWORD
    real_name = "张伟"
    resident_id = factory.LazyFunction(resident_id)
    phone = "13812345678"
    level = 2

    @classmethod
    def _service(cls) -> Any:
        from onestop.accounts import services

        return services.citizen_register

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from onestop.accounts import services
        from onestop.accounts.models import AssuranceEvent
        from onestop.core.actors import SYSTEM

        level = kwargs.pop("level")
        user = services.citizen_register(**kwargs)
        if level > 1:
            services.assurance_raise(
                actor=SYSTEM,
                user=user,
                level=level,
                method=AssuranceEvent.Method.IDENTITY_PROVIDER,
                evidence="test identity provider",
            )
        return user


class AdministratorFactory(_ServiceFactory):
    class Meta:
        model = "accounts.User"

    username = factory.Sequence(lambda n: f"admin-{n}")
    password = PASSWORD
    real_name = "周敏"
    region_code = "371121"

    @classmethod
    def _service(cls) -> Any:
        from onestop.accounts import services

        return services.administrator_bootstrap


class StaffFactory(_ServiceFactory):
    """A staff member with `roles`, created by `actor` (an administrator of their regions)."""

    class Meta:
        model = "accounts.User"

    actor = factory.SubFactory(AdministratorFactory)
    username = factory.Sequence(lambda n: f"staff-{n}")
    password = PASSWORD
    real_name = factory.LazyAttribute(lambda o: o.username)
    roles = factory.LazyFunction(lambda: [("window_clerk", "371121", None)])

    @classmethod
    def _service(cls) -> Any:
        from onestop.accounts import services

        return services.staff_create


class DraftFactory(_ServiceFactory):
    """A draft case started by `actor` for a `scenario` (a bundle) or one `item`."""

    class Meta:
        model = "cases.Case"

    actor = factory.SubFactory(CitizenFactory)

    @classmethod
    def _service(cls) -> Any:
        from onestop.cases import services

        return services.draft_start


class WorkOrderFactory(_ServiceFactory):
    """A 12345 work order taken by `actor` (an agent) on the phone."""

    class Meta:
        model = "hotline.WorkOrder"

    channel = "phone"
    request_type = "complaint"
    category = "public-security.public-order"
    description = "The barbecue downstairs is noisy until 2 a.m. every night."
    contact_name = "Li"
    contact_phone = "13800138000"
    address = "Hongning Street"
    region = "371121"

    @classmethod
    def _service(cls) -> Any:
        from onestop.hotline import services

        return services.ticket_create


def _visitor() -> Any:
    """Who stands at a kiosk: an anonymous visitor."""
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


class QueueTicketFactory(_ServiceFactory):
    """A queue number taken at the kiosk of `centre` (what for: `purpose_ref`, default none)."""

    class Meta:
        model = "org.QueueTicket"

    actor = factory.LazyFunction(_visitor)

    @classmethod
    def _service(cls) -> Any:
        from onestop.org import services

        return services.ticket_take


# --- signing in -----------------------------------------------------------------------------


def login(
    user: Any = None,
    *,
    client: Client | None = None,
    language: str = "en",
    verified: bool = True,
    **client_kwargs: Any,
) -> Client:
    """A test client signed in as `user` (anonymous for None), asking for `language`. A user who
    needs a second factor (staff, superusers) is signed in with it verified, as after the
    authenticator's code (`verified=False`: after the password only)."""
    c = client if client is not None else Client(**client_kwargs)
    c.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    if user is not None:
        _force_login(c, user)
        if verified:
            otp_verify(c, user)
    return c


def totp_code(device: Any) -> str:
    """The code an authenticator app would show for `device` now, or the next one when the
    current one was used already (a code is accepted once; one step ahead is tolerated)."""
    from django_otp.oath import TOTP, hotp

    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return f"{hotp(device.bin_key, max(now, device.last_t + 1), digits=device.digits):06d}"


def mfa_device(user: Any) -> Any:
    """`user`'s confirmed authenticator, set up through the services the first time (as the
    enrol page does: a new secret, confirmed with the code it shows)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onestop.accounts import services

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        pending = services.mfa_enrol_start(actor=user)
        device = services.mfa_enrol_confirm(actor=user, token=totp_code(pending))
    return device


def otp_verify(client: Client, user: Any) -> None:
    """Mark `client`'s session as verified by `user`'s authenticator (what `django_otp.login`
    does after a right code); nothing for a user who needs no second factor."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY

    from onestop.accounts import selectors
    from onestop.accounts.middleware import SEEN_KEY

    if not selectors.mfa_required(user):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = mfa_device(user).persistent_id
    session[SEEN_KEY] = int(time.time())
    session.save()


_force_login = Client.force_login  # Django's own, before tests/conftest.py extends it


def session_cookie(user: Any, url: str) -> dict[str, str]:
    """`user`'s signed-in session as a cookie for a browser context (`context.add_cookies`)."""
    return {"name": "sessionid", "value": login(user).cookies["sessionid"].value, "url": url}


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form in the browser (the page's cookies cleared first) and wait
    until the site has left the login page; staff then enter their authenticator's code (the
    demo seed's device, or one set up on the enrol page from the secret it shows)."""
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))
    if "/accounts/mfa/" in page.url:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # the confirmed device on the verify page, the one being set up on the enrol page
        device = TOTPDevice.objects.filter(user__username=username)
        page.locator("input[name=token]").fill(
            totp_code(device.order_by("-confirmed", "pk").first())
        )
        page.locator("main form.usa-form [type=submit]").first.click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/mfa/)"))


class DrawnText:
    """Every string reportlab draws while the `with` block runs (the PDFs write Chinese in a
    CID font, whose text no extractor in the dev dependencies reads back): `.text` joins them."""

    METHODS = ("drawString", "drawCentredString", "drawRightString")

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> DrawnText:
        from reportlab.pdfgen import canvas

        for name in self.METHODS:
            original = getattr(canvas.Canvas, name)
            self._saved[name] = original

            def record(
                pdf: Any, x: Any, y: Any, text: Any, *a: Any, _o: Any = original, **k: Any
            ) -> Any:
                self.strings.append(str(text))
                return _o(pdf, x, y, text, *a, **k)

            setattr(canvas.Canvas, name, record)
        return self

    def __exit__(self, *exc: object) -> None:
        from reportlab.pdfgen import canvas

        for name, original in self._saved.items():
            setattr(canvas.Canvas, name, original)

    @property
    def text(self) -> str:
        return "\n".join(self.strings)


# The other demo region that tests seed beside the node's own (371121) in one database: a node
# seeds only its own region (core.seeding), so tests that need a second region add it.
OTHER_REGION = "320707"


def other_region_staff() -> None:
    """Staff of the other demo region (Ganyu), used by tests as staff of a region that is not
    theirs: clerk-gy (window clerk) and officer-gy (public security). Needs the accounts seed
    (its superuser `admin`) and the org seed of OTHER_REGION."""
    from onestop.accounts import services
    from onestop.accounts.models import StaffRole, User

    admin = User.objects.get(username="admin")
    role = StaffRole.Role
    wanted: list[tuple[str, str, list[tuple[str, str, str | None]]]] = [
        ("clerk-gy", "吴涛", [(role.WINDOW_CLERK, OTHER_REGION, None)]),
        (
            "officer-gy",
            "孙丽",
            [(role.DEPARTMENT_OFFICER, OTHER_REGION, f"{OTHER_REGION}-public-security")],
        ),
    ]
    for username, real_name, roles in wanted:
        if not User.objects.filter(username=username).exists():
            services.staff_create(
                actor=admin, username=username, password=PASSWORD, real_name=real_name, roles=roles
            )
