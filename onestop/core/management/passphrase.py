"""The operator's backup passphrase, for `onestop backup` and `onestop restore`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import CommandError

from onestop.core import secrets


def read_passphrase(path: str | None, *, confirm: bool) -> str:
    """From `path`, else ONESTOP_BACKUP_PASSPHRASE (or its _FILE), else the terminal (asked
    twice when `confirm`), else one line of standard input."""
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CommandError(f"{path} cannot be read: {exc}") from exc
    if value := secrets.read_env("ONESTOP_BACKUP_PASSPHRASE"):
        return value
    if sys.stdin.isatty():
        first = getpass.getpass("Backup passphrase: ")
        if confirm and getpass.getpass("The same passphrase again: ") != first:
            raise CommandError("The two passphrases differ.")
        return first
    return sys.stdin.readline().strip()
