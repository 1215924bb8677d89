from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.actors import SYSTEM
from onestop.core.errors import DomainError
from onestop.federation import selectors, services


class Command(BaseCommand):
    help = (
        "The outbox of messages to peers: `outbox list`, `outbox retry ID`, `outbox discard ID`, "
        "`outbox deliver` (try every queued message now, in this process)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Queued messages and dead letters.")
        for name, text in (
            ("retry", "Queue a dead letter again."),
            ("discard", "Never send a dead or queued message."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("id")
        deliver = sub.add_parser("deliver", help="Try every queued message once now.")
        deliver.add_argument("--region", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "retry":
                message = services.outbox_retry(actor=SYSTEM, message_id=options["id"])
                self.stdout.write(f"{message.pk} queued")
            elif action == "discard":
                message = services.outbox_discard(actor=SYSTEM, message_id=options["id"])
                self.stdout.write(f"{message.pk} discarded")
            elif action == "deliver":
                for pk in selectors.outbox_queued_ids(region=options["region"]):
                    self.stdout.write(f"{pk} {services.outbox_deliver(message_id=pk)}")
            else:
                for message in selectors.dead_letters():
                    self.stdout.write(
                        f"{message.pk}\tdead\t{message.peer.region}\t{message.type}\t"
                        f"{message.attempts}\t{message.last_error}"
                    )
                for pk in selectors.outbox_queued_ids():
                    queued = selectors.outbox_get(pk)
                    if queued is not None:
                        self.stdout.write(
                            f"{queued.pk}\tqueued\t{queued.peer.region}\t{queued.type}\t"
                            f"{queued.attempts}\t{queued.last_error}"
                        )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
