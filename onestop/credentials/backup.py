"""The check `onestop restore` runs for credentials (core.backup): every e-licence this node
issued still verifies with the restored keys, and its revocation bit says what the database
says."""

from __future__ import annotations

from onestop.core import backup
from onestop.credentials import selectors
from onestop.credentials.models import Credential

# Codes that are the licence's life, not a fault of the restore.
_LIFE = {"expired", "not_yet_valid"}


@backup.verifier("credentials")
def licences_verify() -> str:
    count = 0
    for credential in Credential.objects.order_by("created_at").iterator():
        result = selectors.credential_verify(token=credential.token)
        codes = set(result.codes) - _LIFE
        expected = {"revoked"} if credential.revoked_at else set()
        if codes != expected:
            raise AssertionError(
                f"licence {credential.number} does not verify: {sorted(result.codes)}"
            )
        count += 1
    return f"{count} licence(s) verify"
