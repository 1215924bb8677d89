"""`onestop backup` / `onestop restore` (core.backup): a node with cases, an uploaded
material, e-licences and a signed ledger checkpoint is backed up while it runs, restored by
`onestop restore` onto a fresh data dir in another process, and everything verifies there:
every licence's signature and status, every case's encrypted data and uploaded file, every
ledger leaf and checkpoint. A wrong passphrase, a damaged archive or a data dir that is not
fresh is refused with nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from onestop.core import backup

PASSPHRASE = "a long operator passphrase 7"
ONESTOP = [sys.executable, "-m", "onestop"]

pytestmark = pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="the restore target here is a SQLite data dir (PostgreSQL: docs/operations.md)",
)


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ONESTOP_", "DATABASE_URL", "SECRET_KEY", "DJANGO_", "PROMETHEUS"))
    }
    env.update({"DATA_DIR": str(data_dir), "LOG_FORMAT": "text"})
    return env


def _restore(archive: Path, data_dir: Path, passphrase: str = PASSPHRASE) -> Any:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    secret = data_dir.parent / f"{data_dir.name}.passphrase"
    secret.write_text(passphrase + "\n")
    return subprocess.run(
        [*ONESTOP, "restore", str(archive), "--passphrase-file", str(secret)],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _tampered(archive: Path, tmp_path: Path) -> Path:
    """A copy of `archive` whose database copy has its last bytes changed."""
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    db = unpacked / "database" / "onestop.sqlite3"
    db.write_bytes(db.read_bytes()[:-10] + b"x" * 10)
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as tar:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(unpacked).as_posix())
    return tampered


@pytest.fixture
def node(transactional_db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """A node with an application (uploaded photo), the demo e-licences, ledger entries and
    a published checkpoint, committed (a backup copies what is committed)."""
    from onestop.cases.models import Case, CaseMaterial
    from onestop.credentials.models import Credential
    from onestop.credentials.seed import seed_credentials
    from onestop.ledger import services as ledger_services
    from tests.cases.factories_portal import JPEG, build_portal, client_for, upload
    from tests.cases.test_api import BASE, FOOD_HANDLER, draft, filled, send

    settings.MEDIA_ROOT = tmp_path / "media"
    users = build_portal()
    seed_credentials()
    client = client_for(users["citizen"])
    body = filled(client, draft(client, item=FOOD_HANDLER, prefill=True))
    answer = client.post(
        BASE + f"/drafts/{body['id']}/materials/photo",
        {"file": upload(JPEG, "me.jpg", "image/jpeg")},
    )
    assert answer.status_code == 201, answer.content
    submitted = send(
        client,
        "post",
        f"/drafts/{body['id']}/submit",
        {"declaration": True},
        **{"Idempotency-Key": "b1"},
    )
    assert submitted.status_code in (200, 201), submitted.content
    ledger_services.checkpoint_publish()
    return {
        "cases": Case.objects.count(),
        "uploads": CaseMaterial.objects.exclude(file="").count(),
        "licences": Credential.objects.count(),
    }


def test_a_backup_restores_onto_a_fresh_data_dir_and_verifies(
    node: dict[str, Any], tmp_path: Path
) -> None:
    """One node (built once: it is the slow part), every scenario on its archives."""
    from onestop.cases.models import CaseMaterial
    from onestop.ledger.models import Checkpoint, Entry

    archive = tmp_path / "node.tar.gz"
    manifest = backup.backup(archive, PASSPHRASE)

    assert archive.stat().st_mode & 0o777 == 0o600
    assert node["uploads"] >= 1
    assert node["licences"] >= 1
    assert sum(1 for name in manifest["files"] if name.startswith("media/")) == node["uploads"]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        keys_blob = tar.extractfile("keys.enc").read()  # type: ignore[union-attr]
    assert "database/onestop.sqlite3" in names
    assert not any(name.startswith("keys/") for name in names)  # keys only encrypted
    assert b"PRIVATE KEY" not in keys_blob

    # a wrong passphrase writes nothing
    fresh = tmp_path / "fresh" / "data"
    wrong = _restore(archive, fresh, passphrase="not the passphrase at all")
    assert wrong.returncode == 1
    assert "Wrong passphrase" in wrong.stderr
    assert not (fresh / "keys").exists()
    assert not (fresh / "media").exists()

    # the round trip: restored in another process, and everything verifies there
    done = _restore(archive, fresh)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"ok credentials: {node['licences']} licence(s) verify" in out
    assert f"ok cases: {node['cases']} case(s) decrypt, {node['uploads']} uploaded" in out
    entries, checkpoints = Entry.objects.count(), Checkpoint.objects.count()
    assert checkpoints >= 1
    assert f"ok ledger: {entries} entries, {checkpoints} checkpoint(s) verify" in out
    assert (fresh / "keys").is_dir()

    # a data dir that is not fresh is refused, and left as it was
    before = (fresh / "onestop.sqlite3").stat().st_mtime_ns
    again = _restore(archive, fresh)
    assert again.returncode == 1
    assert "A restore needs a fresh data dir" in again.stderr
    assert (fresh / "onestop.sqlite3").stat().st_mtime_ns == before

    # a tampered archive is refused
    refused = _restore(_tampered(archive, tmp_path), tmp_path / "fresh2" / "data")
    assert refused.returncode == 1
    assert "database/onestop.sqlite3 in the archive is damaged" in refused.stderr

    # an upload damaged on the node fails the verification of the restored copy
    material = CaseMaterial.objects.exclude(file="").first()
    assert material is not None
    Path(material.file.path).write_bytes(b"\xff\xd8\xff\xe0 not the uploaded photo")
    damaged = tmp_path / "damaged.tar.gz"
    backup.backup(damaged, PASSPHRASE)
    failed = _restore(damaged, tmp_path / "fresh3" / "data")
    assert failed.returncode == 1
    assert f"FAILED cases: AssertionError: material {material.pk}" in failed.stdout


def test_a_short_passphrase_is_refused(tmp_path: Path, db: None) -> None:
    with pytest.raises(backup.BackupError, match="at least 12 characters"):
        backup.backup(tmp_path / "x.tar.gz", "short")
    assert not (tmp_path / "x.tar.gz").exists()


def test_the_manifest_names_the_engine_and_migrations(
    transactional_db: None, tmp_path: Path
) -> None:
    archive = tmp_path / "empty.tar.gz"
    backup.backup(archive, PASSPHRASE)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["format"] == "onestop-backup/1"
    assert manifest["engine"] == "sqlite"
    assert "notify.0001_initial" in manifest["migrations"]
