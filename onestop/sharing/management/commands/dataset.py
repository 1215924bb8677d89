"""`onestop dataset sources` and `onestop dataset source DATASET ...`: where this node reads a
dataset from — its own records, a department's system behind the HTTP JSON adapter
(docs/sharing.md "Department systems", docs/operations.md), or peer nodes (`--peer REGION`,
docs/sharing.md "Data held by peer nodes")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.actors import SYSTEM
from onestop.core.errors import DomainError
from onestop.sharing import selectors, services, sources
from onestop.sharing.models import DatasetSource


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CommandError(f"{path} cannot be read: {exc}") from exc


class Command(BaseCommand):
    help = (
        "Where a dataset is read from: `dataset sources` lists them; `dataset source DATASET "
        "--http URL --token-file PATH --timeout S` connects a department system, `--peer "
        "REGION` reads what this node does not hold from a peer node, `--local` "
        "goes back to this node's records, `--check` asks the source whether it answers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sources", help="List the datasets read from another system.")
        one = sub.add_parser("source", help="Show, configure or check one dataset's source.")
        one.add_argument("dataset")
        mode = one.add_mutually_exclusive_group()
        mode.add_argument("--http", metavar="URL", help="the department system's base URL")
        mode.add_argument("--local", action="store_true", help="this node's own records")
        mode.add_argument(
            "--peer",
            action="append",
            metavar="REGION",
            help="a peer node holding the records this node does not (repeat: asked in order)",
        )
        one.add_argument("--path", help="path template (default /records/{dataset}/{subject})")
        one.add_argument("--token-file", help="a file holding the bearer token (stored encrypted)")
        one.add_argument("--token-env", help="read the bearer token from this environment variable")
        one.add_argument("--basic-user", help="HTTP basic: the user name")
        one.add_argument("--password-file", help="HTTP basic: a file holding the password")
        one.add_argument("--timeout", type=float, help="connect and read timeout, in seconds")
        one.add_argument("--connect-timeout", type=float)
        one.add_argument("--read-timeout", type=float)
        one.add_argument(
            "--field-map", help='JSON {"dataset field": "department field"} for renamed fields'
        )
        one.add_argument("--region", help="the region whose department runs the system")
        one.add_argument("--check", action="store_true", help="ask the source whether it answers")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sources":
            for row in selectors.dataset_source_list(actor=SYSTEM):
                self.stdout.write(self._line(row))
            return
        dataset = options["dataset"]
        try:
            if options["peer"]:
                services.source_configure(
                    actor=SYSTEM,
                    dataset=dataset,
                    kind=DatasetSource.Kind.PEER,
                    peers=options["peer"],
                    **self._timeouts(options),
                )
            elif options["http"] or options["local"]:
                self._configure(dataset, options)
            source = selectors.dataset_source_list(actor=SYSTEM).filter(dataset_id=dataset).first()
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if source is None:
            self.stdout.write(f"{dataset}: local (this node's records)")
            return
        self.stdout.write(self._line(source))
        if options["check"]:
            answer = sources.check(source, dataset)
            if answer.status == "unavailable":
                raise CommandError(f"{dataset}: {answer.source} does not answer: {answer.reason}")
            self.stdout.write(f"{dataset}: {answer.source} answers ({answer.status})")

    def _configure(self, dataset: str, options: dict[str, Any]) -> None:
        if options["local"]:
            services.source_configure(actor=SYSTEM, dataset=dataset, kind="local")
            return
        values: dict[str, Any] = {"base_url": options["http"]}
        secret: str | None = None
        if options["basic_user"]:
            values.update(auth=DatasetSource.Auth.BASIC, username=options["basic_user"])
            if options["password_file"]:
                secret, values["secret_env"] = _read(options["password_file"]), ""
        elif options["token_file"] or options["token_env"]:
            values["auth"] = DatasetSource.Auth.BEARER
        if options["token_file"]:
            secret, values["secret_env"] = _read(options["token_file"]), ""
        if options["token_env"]:
            secret, values["secret_env"] = "", options["token_env"]
        if options["path"]:
            values["path_template"] = options["path"]
        values.update(self._timeouts(options))
        if options["field_map"]:
            try:
                values["field_map"] = json.loads(options["field_map"])
            except ValueError as exc:
                raise CommandError(f"--field-map is not JSON: {exc}") from exc
        services.source_configure(
            actor=SYSTEM,
            dataset=dataset,
            kind=DatasetSource.Kind.HTTP_JSON,
            region=options["region"],
            secret=secret,
            **values,
        )

    @staticmethod
    def _timeouts(options: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ("connect_timeout", "read_timeout"):
            value = options[name] if options[name] is not None else options["timeout"]
            if value is not None:
                values[name] = float(value)
        return values

    @staticmethod
    def _line(source: DatasetSource) -> str:
        if source.kind == DatasetSource.Kind.LOCAL:
            return f"{source.dataset_id}: local (this node's records)"
        if source.kind == DatasetSource.Kind.PEER:
            return (
                f"{source.dataset_id}: peer {' '.join(source.peers)} (after this node's "
                f"records) timeout={source.read_timeout:g}s region={source.region_id}"
            )
        credential = (
            f"secret from ${source.secret_env}"
            if source.secret_env
            else ("secret stored encrypted" if source.secret else "no secret")
        )
        return (
            f"{source.dataset_id}: {source.kind} {source.base_url}{source.path_template} "
            f"auth={source.auth} ({credential}) timeouts={source.connect_timeout:g}s/"
            f"{source.read_timeout:g}s region={source.region_id}"
        )
