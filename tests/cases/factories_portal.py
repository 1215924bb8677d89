"""Builders of the portal tests (the online application): the demo world loaded by the apps'
own seed steps, signed-in clients, files. Test modules wrap them in their own fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.accounts.models import User
from tests.factories import OTHER_REGION, other_region_staff, worlds
from tests.factories import login as client_for  # noqa: F401  (the one login helper)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
NEWBORN = "newborn"


def upload(data: bytes = PDF, name: str = "scan.pdf", content_type: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _build_portal() -> None:
    """Calendar, org, accounts, registries, sharing demo records, the catalogue, the process
    definitions and which process each item runs — each by its app's seed step."""
    from onestop.accounts.seed import seed_accounts
    from onestop.cases.seed_processes import seed_item_processes
    from onestop.catalog.seed import seed_catalog
    from onestop.core.seed import seed_calendar
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_agreements, seed_demo_records
    from onestop.workflow.seed import seed_workflow
    from tests.catalog.conftest import load_registries

    seed_calendar()
    seed_org()
    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()
    load_registries()
    seed_agreements()
    seed_demo_records()
    seed_catalog()
    seed_catalog(region=OTHER_REGION)
    seed_workflow()
    seed_item_processes()


def build_portal() -> dict[str, User]:
    """The world above, built once per test process (a template: tests/factories/worlds.py)."""
    return worlds.use("cases-portal", _build_portal)


def pdf_named(name: str) -> Any:
    return upload(PDF, name=name)


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
