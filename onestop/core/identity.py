"""Identity numbers: the resident ID (居民身份证号码, GB 11643) and the unified social credit
code (统一社会信用代码, GB 32100), validated with python-stdnum, and masking for display.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from onestop.core.errors import ValidationFailed


def validate_resident_id(s: str) -> str:
    """Return the resident ID in its compact form (18 characters, upper-case X).

    Raises `ValidationFailed` (code ``invalid_resident_id``) with a message that says what is
    wrong: the length, the characters, the check digit, or the birth date or place.
    """
    value = "".join((s or "").split()).upper()
    try:
        if len(value) == 18 and not (
            value.isascii() and value[:17].isdigit() and value[17] in "0123456789X"
        ):
            raise stdnum_errors.InvalidFormat()
        return str(ric.validate(value))
    except stdnum_errors.InvalidLength:
        message = _("A resident ID has 18 characters.")
    except stdnum_errors.InvalidFormat:
        message = _("A resident ID has 17 digits followed by a digit or the letter X.")
    except stdnum_errors.InvalidChecksum:
        message = _("The last character of this resident ID does not match: please check it.")
    except stdnum_errors.ValidationError:
        message = _("The birth date or the region code of this resident ID is not valid.")
    raise ValidationFailed(message, code="invalid_resident_id")


def validate_uscc(s: str) -> str:
    """Return the unified social credit code in its compact form (18 characters)."""
    value = "".join((s or "").split()).upper()
    try:
        return str(uscc.validate(value))
    except stdnum_errors.InvalidLength:
        message = _("A unified social credit code has 18 characters.")
    except stdnum_errors.InvalidChecksum:
        message = _(
            "The last character of this unified social credit code does not match: please check it."
        )
    except stdnum_errors.ValidationError:
        message = _("This is not a valid unified social credit code.")
    raise ValidationFailed(message, code="invalid_uscc")


def mask_resident_id(s: str) -> str:
    """Keep the first 4 and the last 4 characters: ``3711**********123X``."""
    value = (s or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(s: str) -> str:
    """Keep the first and the last character of a name of three or more: ``张*明``,
    ``欧**华``; a name of two keeps its first: ``王*``; one character is ``*``."""
    value = (s or "").strip()
    if len(value) <= 1:
        return "*" * len(value)
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def birth_year(resident_id: str) -> int | None:
    """The year of birth a resident ID holds (characters 7 to 10), None if it holds none."""
    value = (resident_id or "").strip()
    return int(value[6:10]) if len(value) == 18 and value[6:10].isdigit() else None


def mask_phone(s: str) -> str:
    """Keep the first 3 and the last 4 digits of a mobile number: ``138****5678``."""
    value = (s or "").strip()
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1) if value else ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
