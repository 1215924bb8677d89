"""The window's scan of a government service code (政务服务码): who stands at the window,
without typing their resident ID.

The code is read by `accounts.services.service_code_scan` (which checks the signature and
age and records the access to the person's identity). What the clerk then sees of the
person's e-licences is a second recorded access; their cases are those the clerk may see
(`cases_of_walkin`, the clerk's regions).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from onestop.accounts import services as accounts_services
from onestop.cases.models import Case
from onestop.cases.selectors.window import Walkin, cases_of_walkin, require_clerk
from onestop.core import access_log
from onestop.credentials import selectors as credentials_selectors

FINAL = (Case.Status.COMPLETED, Case.Status.REJECTED, Case.Status.WITHDRAWN)
LIMIT = 50


@dataclass
class Scanned:
    """What the window shows after a scan: the verified identity, e-licences, open cases."""

    walkin: Walkin
    level: int
    level_label: str
    licences: list[tuple[Any, str]] = field(default_factory=list)  # (credential, state)
    open_cases: list[Case] = field(default_factory=list)


def walkin_scan(*, actor: Any, code: str, now: datetime.datetime | None = None) -> Scanned:
    """The person whose service code `code` is, for the window clerk `actor`.

    Errors of the code (forged, expired) are `accounts.services.service_code_scan`'s and record
    nothing; a valid scan records the identity access and the e-licence access."""
    require_clerk(actor)
    person = accounts_services.service_code_scan(actor=actor, code=code, now=now)
    index = person.resident_id_index or ""
    walkin = Walkin(
        kind="person",
        index=index,
        masked=person.resident_id_masked,
        account=person,
        name=person.real_name,
    )
    walkin.cases = list(cases_of_walkin(actor=actor, index=index)[:LIMIT])
    licences = list(credentials_selectors.wallet_list(holder=person)[:LIMIT])
    access_log.record(
        actor=actor,
        subject_index=index,
        dataset="credentials.wallet",
        fields=["licence_type", "number", "valid_until", "status"] if licences else [],
        purpose="verification",
        basis="window scan of the government service code",
    )
    return Scanned(
        walkin=walkin,
        level=person.real_name_level,
        level_label=str(person.get_real_name_level_display()),
        licences=[(c, credentials_selectors.credential_state(c, now)) for c in licences],
        open_cases=[c for c in walkin.cases if c.status not in FINAL],
    )
