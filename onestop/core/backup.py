"""Backup and restore of a node: database, uploads and keys (`onestop backup`, `onestop
restore`; docs/operations.md, "Backup and restore").

An archive is one gzipped tar:

- ``manifest.json``: the format, when and where it was made (node region, database engine,
  the applied migrations), and the SHA-256 of every other member;
- ``database/onestop.sqlite3`` (SQLite: a consistent copy made with SQLite's online backup API
  while the node runs) or ``database/onestop.pgdump`` (PostgreSQL: ``pg_dump --format=custom``,
  one consistent snapshot; restored with ``pg_restore``): the engine's own tools, not Django's
  ``dumpdata`` (which is not one snapshot and loses nothing only at a great cost in memory);
- ``media/…``: the uploads (case materials, hotline attachments);
- ``keys.enc``: the keys folder and the secret key file as a tar, encrypted with Fernet under a
  key derived from the operator's passphrase with scrypt (n=2**15, r=8, p=1; the salt is in the
  manifest). Without the passphrase the archive holds the personal data only as ciphertext
  and no signing key at all.

Restore goes onto a fresh data dir only (no database rows, no keys, no uploads there): it
checks every member's digest and the passphrase before writing anything, then writes keys,
database and uploads, and runs the verifiers the apps register (`verifier`): the ledger's
leaves and checkpoints, every licence's signature and status, every case's encrypted data and
uploaded files. A restore that does not verify exits non-zero.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from onestop.core import keys

FORMAT = "onestop-backup/1"
DB_SQLITE = "database/onestop.sqlite3"
DB_PGDUMP = "database/onestop.pgdump"
KEYS = "keys.enc"
MANIFEST = "manifest.json"
SCRYPT_N = 2**15
MIN_PASSPHRASE = 12


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (nothing was written)."""


# --- verifiers registered by the apps -------------------------------------------------------------

Verifier = Callable[[], str]
_verifiers: dict[str, Verifier] = {}


def verifier(name: str) -> Callable[[Verifier], Verifier]:
    """Register a check run after a restore: returns a one-line summary, raises on a fault."""

    def register(fn: Verifier) -> Verifier:
        _verifiers[name] = fn
        return fn

    return register


@dataclass(frozen=True)
class Verification:
    name: str
    ok: bool
    summary: str


def verify_all() -> list[Verification]:
    """Run every registered verifier; a raising one is a failure with its message."""
    results = []
    for name, check in sorted(_verifiers.items()):
        try:
            results.append(Verification(name, True, check()))
        except Exception as exc:
            results.append(Verification(name, False, f"{type(exc).__name__}: {exc}"))
    return results


# --- the passphrase -----------------------------------------------------------------------------


def _fernet(passphrase: str, salt: bytes) -> Fernet:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"The passphrase must be at least {MIN_PASSPHRASE} characters long.")
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8"))))


# --- what is backed up --------------------------------------------------------------------------


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _secret_key_file() -> Path:
    return Path(getattr(settings, "SECRET_KEY_FILE", _data_dir() / "secret_key"))


def _keys_tar() -> bytes:
    """The keys folder (without its lock file) and the secret key file, as a tar."""
    buffer = io.BytesIO()
    folder = keys.keys_dir()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.name != ".lock" and not path.name.endswith(".tmp"):
                    tar.add(path, arcname=f"keys/{path.relative_to(folder)}", recursive=False)
        secret = _secret_key_file()
        if secret.is_file():
            tar.add(secret, arcname="secret_key", recursive=False)
    return buffer.getvalue()


def _engine() -> str:
    return str(connections[DEFAULT_DB_ALIAS].vendor)


def _dump_sqlite(target: Path) -> None:
    """SQLite's online backup API over a connection of its own (Django's may be inside a
    transaction): one consistent copy of what is committed, while writers go on."""
    name = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    with (
        closing(sqlite3.connect(name, uri=name.startswith("file:"), timeout=60)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _dump_postgresql(target: Path) -> None:
    args, env = _pg_env()
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools are needed).")
    return found


def _migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(output: Path, passphrase: str) -> dict[str, Any]:
    """Write an archive of this node to `output` (created exclusively, mode 0600); returns the
    manifest."""
    salt = os.urandom(16)
    fernet = _fernet(passphrase, salt)
    engine = _engine()
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of a {engine} database are not supported.")
    output = output.resolve()
    with tempfile.TemporaryDirectory(prefix="onestop-backup-") as tmp:
        staging = Path(tmp)
        members: dict[str, Path] = {}
        (staging / "database").mkdir()
        if engine == "sqlite":
            members[DB_SQLITE] = staging / DB_SQLITE
            _dump_sqlite(members[DB_SQLITE])
        else:
            members[DB_PGDUMP] = staging / DB_PGDUMP
            _dump_postgresql(members[DB_PGDUMP])
        members[KEYS] = staging / KEYS
        members[KEYS].write_bytes(fernet.encrypt(_keys_tar()))
        media = _media_root()
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    members[f"media/{path.relative_to(media).as_posix()}"] = path
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "node_region": str(settings.NODE_REGION),
            "engine": engine,
            "migrations": _migrations(),
            "scrypt": {"salt": base64.b64encode(salt).decode(), "n": SCRYPT_N, "r": 8, "p": 1},
            "files": {name: _sha256(path) for name, path in members.items()},
        }
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
    return manifest


# --- restore ------------------------------------------------------------------------------------


@contextmanager
def _opened(archive: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """The manifest and a folder with every member, each checked against its digest."""
    with tempfile.TemporaryDirectory(prefix="onestop-restore-") as tmp:
        staging = Path(tmp)
        try:
            with tarfile.open(archive, mode="r:gz") as tar:
                tar.extractall(staging, filter="data")  # no absolute paths, links or devices
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupError(f"{archive} is not a readable OneStop backup: {exc}") from exc
        try:
            manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(f"{archive} has no readable manifest.") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{archive} is not a {FORMAT} archive.")
        files = manifest.get("files", {})
        present = {
            p.relative_to(staging).as_posix()
            for p in staging.rglob("*")
            if p.is_file() and p.name != MANIFEST
        }
        if present != set(files):
            raise BackupError("The archive's files do not match its manifest.")
        for name, digest in files.items():
            if _sha256(staging / name) != digest:
                raise BackupError(f"{name} in the archive is damaged (its digest differs).")
        yield manifest, staging


def _fresh() -> list[str]:
    """What the target already holds (a restore goes onto a fresh data dir only)."""
    found = []
    folder = keys.keys_dir()
    if folder.is_dir() and any(p.is_file() and p.name not in (".lock",) for p in folder.rglob("*")):
        found.append(f"keys in {folder}")
    if _secret_key_file().is_file() and not _generated_secret():
        found.append(str(_secret_key_file()))
    media = _media_root()
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        found.append(f"uploads in {media}")
    if _has_tables():
        found.append("a database with tables")
    return found


def _generated_secret() -> bool:
    """Whether the data dir's secret key was made by the development mode on first use (as
    loading the settings does): a restore replaces it."""
    from onestop.core import secrets

    return (_secret_key_file().parent / secrets.DEVELOPMENT_MARKER).exists()


def _has_tables() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    return bool(connection.introspection.table_names())


def _write_keys(tar_bytes: bytes) -> None:
    folder = keys.keys_dir()
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            if member.name == "secret_key":
                target = _secret_key_file()
            elif member.name.startswith("keys/"):
                target = folder / member.name.removeprefix("keys/")
            else:
                continue
            if ".." in Path(member.name).parts:
                raise BackupError("The keys in the archive name a path outside the keys folder.")
            source = tar.extractfile(member)
            if source is None:
                continue
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            data = source.read()
            if member.name == "secret_key" and target.exists():  # a development one (_fresh)
                partial = target.with_name(f".{target.name}.restore")
                partial.write_bytes(data)
                partial.chmod(0o600)
                os.replace(partial, target)
                continue
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)


def _restore_sqlite(dump: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.close()
    target = Path(str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]))
    with closing(sqlite3.connect(dump)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    connection.close()


def _restore_postgresql(dump: Path) -> None:
    args, env = _pg_env()
    connections[DEFAULT_DB_ALIAS].close()
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            _tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _copy_media(staging: Path) -> int:
    source = staging / "media"
    target = _media_root()
    count = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        dest.chmod(0o600)
        count += 1
    return count


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    uploads: int
    verifications: list[Verification]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verifications)


def restore(archive: Path, passphrase: str) -> Restored:
    """Restore `archive` onto this (fresh) node and verify it. Raises `BackupError`, having
    written nothing, for a damaged archive, a wrong passphrase, another engine or a data dir
    that is not fresh."""
    with _opened(archive) as (manifest, staging):
        engine = _engine()
        if manifest.get("engine") != engine:
            raise BackupError(
                f"The archive holds a {manifest.get('engine')} database; this node uses {engine}."
            )
        scrypt = manifest.get("scrypt", {})
        try:
            salt = base64.b64decode(scrypt["salt"])
            keys_tar = _fernet(passphrase, salt).decrypt((staging / KEYS).read_bytes())
        except (KeyError, ValueError) as exc:
            raise BackupError("The archive's key section is damaged.") from exc
        except InvalidToken:
            raise BackupError("Wrong passphrase: the keys cannot be decrypted.") from None
        if found := _fresh():
            raise BackupError(
                "A restore needs a fresh data dir; this one already holds: " + "; ".join(found)
            )
        _write_keys(keys_tar)
        if engine == "sqlite":
            _restore_sqlite(staging / DB_SQLITE)
        else:
            _restore_postgresql(staging / DB_PGDUMP)
        uploads = _copy_media(staging)
    from onestop.core import crypto

    crypto.reset_key_cache()
    return Restored(manifest=manifest, uploads=uploads, verifications=verify_all())
