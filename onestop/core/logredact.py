"""A logging filter that keeps secrets carried in URLs out of the logs.

Access logs (gunicorn's ``gunicorn.access``, Django's ``django.server`` and
``django.request``) write request lines and referers. A query string that carries a token —
an API key, an OAuth/OIDC ``code`` or ``state``, a password-reset or session token — is cut
off: ``/open311/v2/requests.json?api_key=…`` is logged as
``/open311/v2/requests.json?[redacted]``. Query strings without such parameters stay as they
are (they are useful to operators).

Installed on the console handler by ``settings.LOGGING`` and on the gunicorn access logger by
``gunicorn_conf.py``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# Parameter names whose value is a credential or a one-time secret.
SECRET_PARAMETERS = (
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "code",
    "state",
    "nonce",
    "code_verifier",
    "password",
    "secret",
    "client_secret",
    "session",
    "sessionid",
    "signature",
    "sig",
)

_QUERY = re.compile(r"\?([^\s\"'#]*)")
_SECRET = re.compile(
    r"(?:^|[&;])(?:" + "|".join(re.escape(p) for p in SECRET_PARAMETERS) + r")(?:=|&|;|$)",
    re.IGNORECASE,
)
REDACTED = "?[redacted]"


def redact(text: str) -> str:
    """`text` with every query string that carries a secret parameter replaced."""
    if "?" not in text:
        return text
    return _QUERY.sub(lambda m: REDACTED if _SECRET.search(m.group(1)) else m.group(0), text)


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactQueryStrings(logging.Filter):
    """Rewrite the message and its arguments (tuple or mapping, as gunicorn's access log
    passes) so that no secret-carrying query string reaches a handler. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, dict):
            # In place: gunicorn passes a dict subclass with its own look-up rules.
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = redact(value)
        elif isinstance(args, tuple):
            record.args = tuple(_clean(value) for value in args)
        return True


def install_on(logger_name: str) -> None:
    """Add the filter to the logger `logger_name` once (for loggers that do not propagate to
    the console handler, such as gunicorn's)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactQueryStrings) for f in logger.filters):
        logger.addFilter(RedactQueryStrings())
