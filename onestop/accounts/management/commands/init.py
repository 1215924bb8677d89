"""`onestop init --admin NAME`: set up a new node (the production path, docs/operations.md).

Once, on an empty data dir, it:

1. makes the data dir private (0700);
2. creates the secret key, the signing key and the personal-data keys (Fernet and blind index),
   each exclusively (a second `init` refuses and changes nothing); keys the operator supplies
   in the environment (`ONESTOP_SECRET_KEY`, `ONESTOP_PII_KEYS`, ...) are used, not written;
3. migrates the database and loads the administrative divisions;
4. creates the first administrator (superuser of `NODE_REGION`) with a password read twice
   from the terminal, or from standard input when that is not a terminal (first line; a
   second line, if given, must repeat it).

Everything that can be refused (a node already set up, a weak or mistyped password) is
refused before anything is written.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from onestop.accounts import services
from onestop.accounts.models import User
from onestop.core import crypto, keys, secrets
from onestop.core.errors import DomainError
from onestop.org import seed as org_seed


def _secret_key_from_env() -> bool:
    return bool(secrets.read_env("ONESTOP_SECRET_KEY") or os.environ.get("SECRET_KEY"))


class Command(BaseCommand):
    help = "Set up a new node: private data dir, keys (exclusively), database, first administrator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--admin", required=True, metavar="NAME", help="administrator login")
        parser.add_argument(
            "--real-name", default="", help="the administrator's real name (default: NAME)"
        )

    def existing(self) -> list[Path]:
        """The secrets of a node already set up here."""
        found = []
        if not _secret_key_from_env() and Path(settings.SECRET_KEY_FILE).exists():
            found.append(Path(settings.SECRET_KEY_FILE))
        folder = keys.keys_dir()
        if folder.exists():
            found += sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        return found

    def read_password(self, username: str) -> str:
        if sys.stdin.isatty():
            first = getpass.getpass(f"Password for {username}: ")
            second = getpass.getpass("The same password again: ")
        else:
            lines = sys.stdin.read().splitlines()
            first = lines[0] if lines else ""
            second = lines[1] if len(lines) > 1 else first
        if not first:
            raise CommandError("No password given (type it, or pipe it on standard input).")
        if first != second:
            raise CommandError("The two passwords differ. Nothing was changed.")
        try:
            validate_password(first, User(username=username, kind=User.Kind.STAFF))
        except ValidationError as exc:
            raise CommandError(
                "The password is refused: " + " ".join(exc.messages) + " Nothing was changed."
            ) from exc
        return first

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["admin"].strip()
        if found := self.existing():
            raise CommandError(
                "This node is already set up: "
                + ", ".join(str(p) for p in found)
                + " exist. Nothing was changed. (To move a node, restore its backup instead; "
                "to start over, use a new, empty DATA_DIR.)"
            )
        password = self.read_password(username)

        os.umask(0o077)  # the database, static folder and key files it makes: owner only
        data_dir = Path(settings.DATA_DIR)
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        written: list[str] = []
        if not _secret_key_from_env():
            if not secrets.create_exclusive(
                Path(settings.SECRET_KEY_FILE), secrets.new_secret_key()
            ):
                raise CommandError(f"{settings.SECRET_KEY_FILE} appeared meanwhile; stopping.")
            written.append(str(settings.SECRET_KEY_FILE))
        try:
            made = keys.initialise()
            written += [f"{keys.keys_dir()}/{use}/{kid}.key" for use, kid in made.items()]
            written += [str(keys.keys_dir() / name) for name in crypto.initialise()]
        except (keys.AlreadyInitialised, FileExistsError) as exc:
            raise CommandError(f"A key appeared meanwhile ({exc}); stopping.") from exc

        verbosity = int(opts.get("verbosity", 1))
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        org_seed.regions_load()
        try:
            services.administrator_bootstrap(
                username=username,
                password=password,
                real_name=opts["real_name"] or username,
                region_code=settings.NODE_REGION,
                superuser=True,
            )
        except DomainError as error:
            raise CommandError(f"The administrator was not created: {error.message}") from error
        self.stdout.write(f"Node set up in {data_dir} (region {settings.NODE_REGION}).")
        self.stdout.write("Keys written (back them up with the database, apart from it):")
        for path in written:
            self.stdout.write(f"  {path}")
        self.stdout.write(f"Administrator: {username}")
