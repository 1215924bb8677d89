"""`onestop open311_key create --name NAME --region CODE` issues an Open311 API key (printed
once, never stored in clear); `onestop open311_key revoke --name NAME` revokes it;
`onestop open311_key list` shows the clients."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.errors import DomainError
from onestop.open311 import selectors, services


class Command(BaseCommand):
    help = "Issue, revoke or list Open311 API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="issue a key (printed once)")
        create.add_argument("--name", required=True)
        create.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 371121")
        create.add_argument("--contact", default="")
        create.add_argument(
            "--public-reads", action="store_true", help="serve GET requests sent without a key"
        )
        create.add_argument(
            "--actor", default=None, help="administrator user name (default: a superuser)"
        )
        revoke = sub.add_parser("revoke", help="deactivate a client's key")
        revoke.add_argument("--name", required=True)
        revoke.add_argument("--actor", default=None)
        sub.add_parser("list", help="list the clients")

    def _actor(self, username: str | None) -> Any:
        users = get_user_model()._default_manager.filter(is_active=True)
        actor = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if actor is None:
            raise CommandError("No such active administrator: pass --actor USERNAME.")
        return actor

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        try:
            if verb == "create":
                client, key = services.client_create(
                    actor=self._actor(options["actor"]),
                    name=options["name"],
                    region=options["region"],
                    contact=options["contact"],
                    public_reads=options["public_reads"],
                )
                self.stdout.write(f"client: {client.name} ({client.region})")
                self.stdout.write(f"account: {client.account.get_username()}")
                self.stdout.write(f"api_key: {key}")
                self.stdout.write("Store the key now: it is not shown again.")
            elif verb == "revoke":
                found = selectors.client_list().filter(name=options["name"]).first()
                if found is None:
                    raise CommandError(f"No Open311 client named {options['name']!r}.")
                services.client_deactivate(actor=self._actor(options["actor"]), client=found)
                self.stdout.write(f"revoked: {found.name}")
            else:
                for client in selectors.client_list():
                    state = "active" if client.active else "revoked"
                    self.stdout.write(
                        f"{client.name}\t{client.region}\t{client.key_prefix}…\t{state}"
                    )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
