"""`onestop witness`: the node as a witness of other logs and as a log witnessed by others
(c2sp.org/tlog-witness; docs/ledger.md, "Witnesses").

    onestop witness log add VKEY [--origin ORIGIN]   # cosign this log's checkpoints
    onestop witness log list | log remove ORIGIN
    onestop witness add NAME URL VKEY                # submit our checkpoints to this witness
    onestop witness list | remove NAME
    onestop witness run                              # submit now; returns when all answered
    onestop witness alarms                           # split views seen, newest first
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.errors import ValidationFailed
from onestop.ledger import note, selectors, services


class Command(BaseCommand):
    help = "Witness other logs, and have this node's log witnessed (c2sp.org/tlog-witness)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        log = sub.add_parser("log", help="The logs this node witnesses.")
        logs = log.add_subparsers(dest="log_action", required=True)
        add_log = logs.add_parser("add", help="Cosign checkpoints signed by this note key.")
        add_log.add_argument("vkey", help="the log's Ed25519 note verifier key")
        add_log.add_argument("--origin", help="the log's origin (default: the key's name)")
        logs.add_parser("list", help="Every witnessed log and its latest cosigned size.")
        remove_log = logs.add_parser("remove", help="Stop witnessing a log.")
        remove_log.add_argument("origin")
        add = sub.add_parser("add", help="Submit this node's checkpoints to a witness.")
        add.add_argument("name", help="your name for the witness (e.g. the peer's region)")
        add.add_argument(
            "url", help="its submission prefix, e.g. https://host/federation/v1/witness"
        )
        add.add_argument("vkey", help="its cosignature/v1 verifier key (witness_vkey)")
        sub.add_parser("list", help="The witnesses this node submits to.")
        remove = sub.add_parser("remove", help="Stop submitting to a witness.")
        remove.add_argument("name")
        sub.add_parser("run", help="Submit the current checkpoint to every witness now.")
        sub.add_parser("alarms", help="Split views this node has seen.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "log":
                self._log(options)
            elif action == "add":
                row = services.witness_add(
                    name=options["name"], url=options["url"], vkey=options["vkey"]
                )
                self.stdout.write(f"witness {row.name} at {row.url}")
            elif action == "list":
                self._witnesses()
            elif action == "remove":
                if not services.witness_remove(name=options["name"]):
                    raise CommandError(f"there is no witness {options['name']}")
                self.stdout.write(f"removed witness {options['name']}")
            elif action == "run":
                self._run()
            else:
                self._alarms()
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from exc

    def _log(self, options: dict[str, Any]) -> None:
        if options["log_action"] == "add":
            log = services.witnessed_log_add(vkey=options["vkey"], origin=options["origin"])
            self.stdout.write(f"witnessing {log.origin} (cosigned up to size {log.size})")
        elif options["log_action"] == "remove":
            if not services.witnessed_log_remove(origin=options["origin"]):
                raise CommandError(f"this node does not witness {options['origin']}")
            self.stdout.write(f"no longer witnessing {options['origin']}")
        else:
            for log in selectors.witnessed_log_list():
                root = note.b64(bytes(log.root_hash)) if log.root_hash else "-"
                self.stdout.write(f"{log.origin}\tsize {log.size}\troot {root}")
                for vkey in log.vkeys.split("\n"):
                    self.stdout.write(f"  key {vkey}")

    def _witnesses(self) -> None:
        quorum = selectors.witnessing(checkpoint=services.checkpoint_publish()).quorum
        self.stdout.write(f"this node's witness key: {selectors.witness_verifier().vkey}")
        self.stdout.write(f"quorum: {quorum}")
        for row in selectors.witness_list():
            seen = row.last_ok_at.isoformat() if row.last_ok_at else "never"
            error = f"\tlast error: {row.last_error}" if row.last_error else ""
            self.stdout.write(
                f"{row.name}\t{row.url}\tcosigned size {row.size}\tlast {seen}{error}"
            )
            self.stdout.write(f"  key {row.vkey}")

    def _run(self) -> None:
        results = services.witnesses_submit()
        if not results:
            self.stdout.write("nothing to submit (no witness, or an empty log)")
        for result in results:
            detail = f": {result.detail}" if result.detail else ""
            self.stdout.write(f"{result.witness}\t{result.outcome}\tsize {result.size}{detail}")
        checkpoint = services.checkpoint_publish()
        found = selectors.witnessing(checkpoint=checkpoint)
        state = "witnessed" if found.witnessed else "not witnessed"
        self.stdout.write(
            f"checkpoint {found.size}: {state}, cosigned by {len(found.cosigners)} of "
            f"{found.witnesses} (quorum {found.quorum})"
        )
        if any(r.outcome == "split view" for r in results):
            raise CommandError("a witness holds a view of this log that is not ours")

    def _alarms(self) -> None:
        for alarm in selectors.split_view_alarms():
            self.stdout.write(
                f"{alarm.created_at.isoformat()}\t{alarm.side}\t{alarm.origin}\t"
                f"{alarm.counterpart}\tcosigned {alarm.known_size}\toffered {alarm.offered_size} "
                f"{note.b64(bytes(alarm.offered_root))}"
            )
