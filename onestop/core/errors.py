"""Domain errors. Services raise these; the API and views map them to one error shape.

Every message is a translated, whole sentence; `code` is a stable machine-readable key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unavailable(DomainError):
    """A system this node depends on (a department's register, a peer) does not answer now:
    nothing was refused and nothing is lost; try again later or go another way."""

    status = 503
    code = "unavailable"


def full_clean(
    obj: Any,
    *,
    exclude: Iterable[str] = (),
    message: Any = None,
    code: str | None = None,
    in_database: bool = False,
) -> None:
    """Run the model's validation (`obj.full_clean`) and raise `ValidationFailed` instead of
    Django's `ValidationError`: the message is Django's messages joined (or `message`), the
    details Django's ``{field: [messages]}``. Services call it before saving. `in_database`:
    leave the unique fields and the constraints to the database (each would be one query; the
    caller handles `IntegrityError`)."""
    try:
        obj.full_clean(
            exclude=list(exclude),
            validate_unique=not in_database,
            validate_constraints=not in_database,
        )
    except ValidationError as exc:
        details = getattr(exc, "message_dict", None)
        if details is not None:
            details = {field: [str(m) for m in messages] for field, messages in details.items()}
        raise ValidationFailed(
            message if message is not None else " ".join(exc.messages), code=code, details=details
        ) from exc
