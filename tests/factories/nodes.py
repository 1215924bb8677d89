"""Live nodes for the multi-node tests: each a real `onestop` process with its own data dir,
SQLite file, keys and port on loopback (tests/federation/test_two_nodes.py,
tests/ledger/test_witness_nodes.py). Commands run the way an operator runs them (`onestop ...`
with the node's environment); `start` waits until gunicorn listens and keeps reading its log.
`make_nodes` makes a set of them (migrated, seeded), `running` starts and stops them, `seed` runs
the demo-seed steps a test needs on its nodes at once; `fingerprint` and `peer`
pin two nodes to each other the way their operators would."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from filelock import FileLock

ONESTOP = [sys.executable, "-m", "onestop"]

# The run's temporary dir that every xdist worker sees (set by tests/conftest.py): the database
# after `onestop migrate` is made there once per run and copied into every live node's data dir.
SHARED: Path | None = None

# When the suite runs on PostgreSQL, so do the live nodes: each its own database, named after
# the suite's database and the node's port, created from a migrated template database.
SUITE_DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = SUITE_DATABASE_URL.startswith(("postgres://", "postgresql://"))


def _postgres_url(name: str) -> str:
    base, _sep, _old = SUITE_DATABASE_URL.partition("?")[0].rpartition("/")
    return f"{base}/{name}"


def _postgres_prefix() -> str:
    return SUITE_DATABASE_URL.partition("?")[0].rpartition("/")[2] + "_node"


def _postgres(*statements: str) -> None:
    import psycopg

    with psycopg.connect(_postgres_url("postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type] - names we made above


def drop_databases() -> None:
    """Drop every live node's database of this run (PostgreSQL; the suite's session end)."""
    if not POSTGRES:
        return
    import psycopg

    with psycopg.connect(_postgres_url("postgres"), autocommit=True) as connection:
        names = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (_postgres_prefix().replace("_", r"\_") + "%",),
        ).fetchall()
        for (name,) in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def wait_until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll `condition` (a live node's process, port or socket: something no event announces)
    every 0.1 s until it holds; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s: {what}")
        time.sleep(0.1)


def worker_ports(*first: int) -> list[int]:
    """Ports for one test process: pytest-xdist may run a module's tests in two processes, each
    setting up its own nodes, so each worker (gw0, gw1, ...) gets its own ports, a thousand up
    (the modules' base ports are ten apart: a stride of ten made gw1 of one module take gw0's
    ports of the next).
    ONESTOP_TEST_PORT_OFFSET shifts them all, so two checkouts can run their suites at once."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    offset = int(os.environ.get("ONESTOP_TEST_PORT_OFFSET", "0"))
    return [port + offset + 1000 * index for port in first]


# What a node must not inherit from the test process's environment.
INHERITED_NOT = ("ONESTOP_", "DATABASE_URL", "PUBLIC_URL", "DJANGO_", "NODE_", "LEDGER_")


RUNNER = Path(__file__).with_name("node_runner.py")
ROOT = Path(__file__).resolve().parents[2]


class Runner:
    """A node's command runner (tests/factories/node_runner.py): started with the node's
    environment, it runs `onestop <args>` in one process, command after command."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        read, write = os.pipe()
        path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, str(RUNNER), str(write)],
            env={**env, "PYTHONPATH": path},  # this checkout's `onestop`, as `-m onestop` in it
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            pass_fds=(write,),
            text=True,
        )
        os.close(write)
        self.replies = os.fdopen(read, encoding="utf-8")

    def run(self, args: list[str]) -> subprocess.CompletedProcess:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(args) + "\n")
        self.process.stdin.flush()
        line = self.replies.readline()
        if not line:
            pytest.fail(f"the node's command runner stopped (exit {self.process.wait()})")
        done = json.loads(line)
        return subprocess.CompletedProcess(
            [*ONESTOP, *args], done["returncode"], done["stdout"], done["stderr"]
        )

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.replies.close()


@dataclass
class LiveNode:
    region: str
    data_dir: Path
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = field(default=None)
    runner: Runner | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_name(self) -> str:
        return f"{_postgres_prefix()}{self.port}"

    @property
    def database_url(self) -> str:
        if POSTGRES:
            return _postgres_url(self.database_name)
        return f"sqlite:///{self.data_dir / 'node.sqlite3'}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_NOT)}
        env.update(
            {
                "DATA_DIR": str(self.data_dir),
                "DATABASE_URL": self.database_url,
                "NODE_REGION": self.region,
                "PUBLIC_URL": self.url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                **self.extra_env,
            }
        )
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`onestop <args>` on this node, run by its command runner (one process for the
        node's commands: tests/factories/node_runner.py)."""
        env = self.env()
        if self.runner is None or self.runner.env != env:
            if self.runner is not None:
                self.runner.close()
            self.runner = Runner(env)
        done = self.runner.run(list(args))
        if check:
            assert done.returncode == 0, done.stderr + done.stdout
        return done

    def shell(self, code: str) -> str:
        """Run `code` in `onestop shell`; its last line of output."""
        return self.run("shell", "-c", code).stdout.strip().splitlines()[-1]

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:  # noqa: S310
            return str(response.read().decode())

    def answers(self) -> bool:
        """Whether the node serves a page (its worker warms its models up first)."""
        try:
            self.get("/accounts/login/")
        except OSError:
            return False
        return True

    def start(self) -> None:
        if not self._port_free():
            pytest.fail(f"port {self.port} is taken")
        self.process = subprocess.Popen(
            [*ONESTOP, "serve", "--port", str(self.port), "--workers", "1", "--no-worker"],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: `kill` reaches gunicorn too
        )
        assert self.process.stdout is not None
        said: list[str] = []
        for raw in self.process.stdout:  # gunicorn says so once its socket is bound
            if b"Listening at" in raw:
                break
            said.append(raw.decode(errors="replace"))
        else:
            pytest.fail(f"node {self.region} did not start:\n{''.join(said[-20:])}")
        # keep reading its log, or a full pipe would stop the server
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        # gunicorn listens before its worker has loaded the app: a command sent now (its
        # runner answers at once) would meet the peer's timeout on a loaded machine
        wait_until(self._serves, seconds=300, what=f"node {self.region} answers")

    def _serves(self) -> bool:
        """Whether the node's app answers HTTP at all (any status: a node without its seed may
        answer a page with an error)."""
        try:
            self.get("/.well-known/onestop-node.json")
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the node's whole process group (serve, gunicorn and its workers) at once,
        as a power cut would: no handler runs, open transactions are simply gone."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            # gunicorn's processes (children of `serve`) die a moment later: wait until the
            # port they listened on is free again, so the node can be restarted on it
            wait_until(self._port_free, seconds=30, what=f"port {self.port} freed after a kill")
        self.process = None

    def _port_free(self) -> bool:
        with socket.socket() as probe:
            # like gunicorn: a port left in TIME_WAIT by the last test's connections is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                return False
            return True

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _shared_dir() -> Path:
    global SHARED  # noqa: PLW0603 - outside the suite's fixture: a fresh dir for this process
    if SHARED is None:
        SHARED = Path(tempfile.mkdtemp(prefix="onestop-nodes-"))
    return SHARED


def migrated_database() -> Path:
    """A SQLite file after `onestop migrate` (no seed, no keys), made once per test run under a
    file lock and shared by every worker; each node starts from a copy of it. Migrating takes
    ~5 s of CPU in a fresh process, and the live-node tests start about a dozen nodes."""
    directory = _shared_dir()
    data = directory / "migrated-node"
    database = data / "node.sqlite3"
    with FileLock(str(directory / "migrated-node.lock")):
        if not (data / "done").exists():
            data.mkdir(parents=True, exist_ok=True)
            database.unlink(missing_ok=True)
            template = LiveNode(
                "371121", data, 0, extra_env={"DATABASE_URL": f"sqlite:///{database}"}
            )
            template.run("migrate", "-v", "0")
            template.stop()  # its command runner
            (data / "done").write_text("migrated\n")
    return database


def copy_database(source: Path, target: Path) -> None:
    """`source` copied to `target` with SQLite's backup API (a consistent copy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as copy:
        src.backup(copy)


def migrate_all(nodes: list[LiveNode]) -> None:
    """Each node's database starts as a copy of the run's migrated database (see
    `migrated_database`; on PostgreSQL, `CREATE DATABASE ... TEMPLATE` of a migrated one).
    Keys are not copied: each node makes its own on first use."""
    if POSTGRES:
        _postgres_migrate_all(nodes)
        return
    template = migrated_database()
    for node in nodes:
        node.data_dir.mkdir(parents=True, exist_ok=True)
        copy_database(template, node.data_dir / "node.sqlite3")


def _postgres_migrate_all(nodes: list[LiveNode]) -> None:
    directory = _shared_dir()
    template = f"{_postgres_prefix()}template"
    # one lock for the template's making and every copy: PostgreSQL refuses to copy a template
    # that another session is connected to, and two workers may copy at once
    with FileLock(str(directory / "migrated-node-postgres.lock")):
        done = directory / "migrated-node-postgres.done"
        if not done.exists():
            _postgres(
                f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)',
                f'CREATE DATABASE "{template}"',
            )
            maker = LiveNode(
                "371121",
                directory / "migrated-node-postgres",
                0,
                extra_env={"DATABASE_URL": _postgres_url(template)},
            )
            maker.data_dir.mkdir(parents=True, exist_ok=True)
            maker.run("migrate", "-v", "0")
            maker.stop()
            done.write_text("migrated\n")
        for node in nodes:
            node.data_dir.mkdir(parents=True, exist_ok=True)
            _postgres(
                f'DROP DATABASE IF EXISTS "{node.database_name}" WITH (FORCE)',
                f'CREATE DATABASE "{node.database_name}" TEMPLATE "{template}"',
            )


# The demo-seed steps, by name, run in `onestop shell` (each in its own transaction).
SEED = (
    "from django.db import transaction; from onestop.core import seeding; "
    "wanted = '{steps}'.split(); "
    "[transaction.atomic()(step.run)() for step in seeding.steps() if step.name in wanted]; "
    "print('seeded')"
)


def seed(nodes: list[LiveNode], steps: str | dict[str, str]) -> None:
    """Run the named demo-seed steps (space-separated; or by region) on the nodes, all at
    once, before they start."""
    if isinstance(steps, str):
        steps = {node.region: steps for node in nodes}
    seeding = [
        subprocess.Popen(
            [*ONESTOP, "shell", "-c", SEED.format(steps=steps[node.region])],
            env=node.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for node in nodes
        if steps.get(node.region)
    ]
    for process in seeding:
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0, out[-3000:]


def fingerprint(node: LiveNode) -> str:
    """What `onestop peer fingerprint` prints: SHA-256 of the raw current federation key
    (read here from the node document, without starting one more process)."""
    doc = json.loads(node.get("/.well-known/onestop-node.json"))
    key = next(k for k in doc["keys"] if k["use"] == "federation" and k["current"])
    return hashlib.sha256(base64.b64decode(key["public_key"])).hexdigest()


def peer(a: LiveNode, b: LiveNode, *, a_to_b: str = "", b_to_a: str = "") -> None:
    """Pin `a` and `b` to each other by fingerprint; allow the message types (space-separated)
    that `a` sends to `b` and `b` sends to `a` (`ping` only when none are given)."""
    a.run("peer", "add", b.url, "--fingerprint", fingerprint(b))
    b.run("peer", "add", a.url, "--fingerprint", fingerprint(a))
    if a_to_b or b_to_a:
        a_to_b, b_to_a = a_to_b or "ping", b_to_a or "ping"
        a.run("peer", "allow", b.region, "--in-types", b_to_a, "--out-types", a_to_b)
        b.run("peer", "allow", a.region, "--in-types", a_to_b, "--out-types", b_to_a)


def make_nodes(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    ports: dict[str, int],
    steps: str | dict[str, str] = "",
    **env: str,
) -> dict[str, LiveNode]:
    """A node per region on its port (data dirs `<name><region>`, `env` added to each), migrated
    and seeded with `steps` (see `seed`), not started yet."""
    made = {
        region: LiveNode(region, tmp_path_factory.mktemp(f"{name}{region}"), port, extra_env=env)
        for region, port in ports.items()
    }
    migrate_all(list(made.values()))
    seed(list(made.values()), steps)
    return made


@contextmanager
def running(made: dict[str, LiveNode]) -> Iterator[dict[str, LiveNode]]:
    """The nodes started (one after the other), and all stopped on the way out."""
    try:
        for node in made.values():
            node.start()
        yield made
    finally:
        for node in made.values():
            node.stop()
