"""Where the node's secrets come from, and how a secret file is written.

A node runs in one of two modes, chosen by the environment variable ``ONESTOP_ENV``:

* ``development`` (the default, `make run` and the tests): a missing key is generated on first
  use, so two commands start a demo node;
* ``production``: nothing is ever generated behind the operator's back. `onestop init` makes the
  keys once; afterwards a missing key is an error that names `onestop init` or the backup to
  restore (a regenerated key would leave encrypted personal data unreadable, blind indexes
  drifting and issued licences unverifiable).

A secret may come from an environment variable, from a file the operator mounts (the variable's
name with ``_FILE``, for a secrets manager), or from the node's data dir (`read_env`).

This module reads nothing from Django's settings at import time: `onestop.settings` uses it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT = "development"
PRODUCTION = "production"
MODES = (DEVELOPMENT, PRODUCTION)

# Written next to keys that the development mode generated on first use: a production node
# refuses to serve with them (`onestop serve`), as they were never made by `onestop init`.
DEVELOPMENT_MARKER = "GENERATED-IN-DEVELOPMENT"


class KeyMissing(ImproperlyConfigured):
    """A key this node needs is not there, and this mode does not make one up."""


def production() -> bool:
    """Whether this node runs in production mode (``ONESTOP_ENV=production``)."""
    from django.conf import settings

    return getattr(settings, "ONESTOP_ENV", DEVELOPMENT) == PRODUCTION


def missing_message(what: str, where: str) -> str:
    """The one message every missing key gives in production mode."""
    return (
        f"{what} is missing ({where}). This node is in production mode and never generates "
        "keys on its own: restore the keys folder and secret key from your backup, or run "
        "`onestop init --admin NAME` to set up a new node."
    )


def read_env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The secret in the environment variable `name`, else in the file named by ``<name>_FILE``
    (surrounding whitespace stripped), else None."""
    environ = os.environ if environ is None else environ
    if value := environ.get(name, "").strip():
        return value
    if path := environ.get(f"{name}_FILE", "").strip():
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {exc}") from exc
    return None


def create_exclusive(path: Path, content: str | bytes) -> bool:
    """Create `path` (mode 0600) holding `content`, unless it exists; whether this call made it.

    Exclusive and atomic: the content goes to a private temporary file first, which is then
    hard-linked to `path` (the link fails if `path` exists). Two processes starting at once
    agree on one file, and no reader ever sees it half written.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_or_create(path: Path, generate: Callable[[], str], *, what: str, create: bool) -> str:
    """The stripped text of `path`; when it is missing, create it from `generate()` (if
    `create`, exclusively: a concurrent creator's file wins) or raise `KeyMissing`."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if not create:
            raise KeyMissing(missing_message(what, str(path))) from None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if create_exclusive(path, generate()):
        mark_development(path.parent)
    return path.read_text(encoding="utf-8").strip()


def mark_development(folder: Path) -> None:
    """Note in `folder` that the development mode made a key there."""
    create_exclusive(
        folder / DEVELOPMENT_MARKER,
        "Keys in this folder were generated on first use in development mode.\n"
        "A production node refuses them: set it up with `onestop init`.\n",
    )


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)
