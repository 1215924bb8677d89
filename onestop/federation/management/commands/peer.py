from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.actors import SYSTEM
from onestop.core.errors import DomainError
from onestop.federation import node, selectors, services


class Command(BaseCommand):
    help = (
        "This node's peers: `peer add URL --fingerprint HEX`, `peer list`, `peer remove REGION`, "
        "`peer fingerprint`, `peer allow REGION …`, `peer refresh REGION`, `peer ping REGION`, "
        "`peer rotate-key`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Fetch a peer's node document and pin its keys.")
        add.add_argument("url")
        add.add_argument("--fingerprint", required=True, help="SHA-256 hex of its federation key")
        sub.add_parser("list", help="List the peers.")
        remove = sub.add_parser("remove", help="Stop trusting a peer.")
        remove.add_argument("region")
        sub.add_parser("fingerprint", help="Print this node's fingerprint.")
        allow = sub.add_parser("allow", help="Set what a peer may exchange with this node.")
        allow.add_argument("region")
        for name in ("in-types", "out-types", "in-datasets", "out-datasets"):
            allow.add_argument(f"--{name}", default=None, help="names, comma or space separated")
        refresh = sub.add_parser("refresh", help="Read a peer's node document again.")
        refresh.add_argument("region")
        ping = sub.add_parser("ping", help="Send a signed ping and print the pong.")
        ping.add_argument("region")
        sub.add_parser(
            "rotate-key", help="New federation key, endorsed by the old one for the peers."
        )

    def _peer(self, region: str) -> Any:
        peer = selectors.peer_get(region)
        if peer is None:
            raise CommandError(f"There is no peer for region {region}.")
        return peer

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            self._handle(action, options)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

    def _handle(self, action: str, options: dict[str, Any]) -> None:
        if action == "fingerprint":
            self.stdout.write(node.fingerprint())
        elif action == "add":
            peer = services.peer_add(
                actor=SYSTEM, url=options["url"], fingerprint=options["fingerprint"]
            )
            self.stdout.write(f"peer {peer.region} {peer.name} {peer.url} pinned")
        elif action == "list":
            depths = selectors.outbox_depths()
            for peer in selectors.peer_list():
                seen = peer.last_seen.isoformat() if peer.last_seen else "never"
                self.stdout.write(
                    f"{peer.region}\t{peer.url}\t{peer.name}\tlast seen {seen}\t"
                    f"queued {depths.get(peer.region, 0)}\t"
                    f"in {','.join(peer.allowed_in_types)}\tout {','.join(peer.allowed_out_types)}"
                    + (f"\terror {peer.last_error}" if peer.last_error else "")
                )
        elif action == "remove":
            services.peer_remove(actor=SYSTEM, region=options["region"])
            self.stdout.write(f"peer {options['region']} removed")
        elif action == "allow":
            peer = services.peer_allow(
                actor=SYSTEM,
                peer=self._peer(options["region"]),
                in_types=options["in_types"],
                out_types=options["out_types"],
                in_datasets=options["in_datasets"],
                out_datasets=options["out_datasets"],
            )
            self.stdout.write(
                json.dumps(
                    {
                        "in_types": peer.allowed_in_types,
                        "out_types": peer.allowed_out_types,
                        "in_datasets": peer.allowed_in_datasets,
                        "out_datasets": peer.allowed_out_datasets,
                    }
                )
            )
        elif action == "refresh":
            peer = services.peer_refresh(actor=SYSTEM, peer=self._peer(options["region"]))
            self.stdout.write(f"peer {peer.region} refreshed, fingerprint {peer.fingerprint}")
        elif action == "ping":
            result = services.peer_ping(actor=SYSTEM, peer=self._peer(options["region"]))
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            if not result["ok"]:
                raise CommandError(f"no answer from {options['region']}")
        elif action == "rotate-key":
            kid = services.federation_key_rotate(actor=SYSTEM)
            self.stdout.write(f"new federation key {kid}, fingerprint {node.fingerprint()}")
