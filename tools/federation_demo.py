"""`make federation-demo`: three demo nodes on loopback, already peered, for trying the network.

Each node is a region of data/seed (Wulian 371121, Ganyu 320707, Xihu 330106) with its own data
dir under `FEDERATION_DEMO_DIR` (default var/federation), its own SQLite database, keys and port
(8001, 8002, 8003; `FEDERATION_DEMO_PORT` moves the first). Each serves with one web worker
(`FEDERATION_DEMO_WORKERS` for more): a worker warms its search and routing models before it
answers (about 20 s of CPU each), and three nodes of three workers each on a small machine
would take minutes to answer at all. The script prepares every node as
`make run` does (migrate, collectstatic, seed_demo: only the first start of a data dir takes
long), starts `onestop serve` for each, then peers every pair the way two operators would: each
reads out its fingerprint (`onestop peer fingerprint`) and the other pins it (`onestop peer add
URL --fingerprint HEX`), which also makes them witnesses of each other's ledgers. It prints the
URLs and the demo accounts and stops the three nodes on Ctrl-C.

Written here rather than as a shell one-liner because it has to wait for each node to answer and
must stop all three servers whatever fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONESTOP = ROOT / ".venv" / "bin" / "onestop"
REGIONS = (("371121", "五莲县 Wulian"), ("320707", "赣榆区 Ganyu"), ("330106", "西湖区 Xihu"))


# The message types of cross-province cases and federated search, allowed both ways.
CASE_TYPES = "ping catalog.search case.item case.forward case.status case.supplement case.withdraw"
# One cross-province case per national mode: (node that receives it, what it makes, label).
DEMO_CASES = (
    (
        "371121",
        "demo_fully_online(region='320707', code='32070700GA-GG-0003')",
        "Fully online (全程网办): the citizen of Wulian applies for Ganyu's item",
    ),
    (
        "320707",
        "demo_received_elsewhere(region='371121', code='37112100GA-GG-0003')",
        "Received elsewhere (异地代收代办): Ganyu's clerk receives for Wulian's item",
    ),
    (
        "320707",
        "demo_joint(slug='household-move-371121-320707')",
        "Joint handling (多地联办): the household move, Ganyu and Wulian",
    ),
)
DEMO_SHELL = (
    "from onestop.cases.seed_federation import *; case = {call}; "
    "kids = ', '.join(str(c.number) + ' (' + (c.handling_region or 'here') + ')' "
    "for c in case.children.order_by('number')); "
    "print(case.number, case.status, case.handling_region or '-', kids or '-', sep='|')"
)


def _env(region: str, port: int, base: Path, name: str = "") -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "ONESTOP_ENV", "ONESTOP_KEYS_DIR"}
    }
    env.update(
        NODE_REGION=region,
        DATA_DIR=str(base / region),
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        ONESTOP_ENV="development",
    )
    if name:
        env["NODE_NAME"] = f"OneStop {name}"
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(ONESTOP), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"onestop {' '.join(args)} failed ({env['NODE_REGION']}):\n{done.stderr}")
    return done.stdout.strip()


def _wait(url: str, seconds: float = 900.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/.well-known/onestop-node.json", timeout=5):
                return
        except OSError:
            time.sleep(1)
    sys.exit(f"{url} did not answer within {seconds:.0f} s")


def _allow_cases(nodes: list[tuple[str, str, int]], base: Path) -> None:
    """Cross-province cases (all three modes) both ways between every pair
    (docs/federation.md)."""
    for region, _name, port in nodes:
        for other, _other_name, _other_port in nodes:
            if other != region:
                _run(
                    ["peer", "allow", other, "--in-types", CASE_TYPES, "--out-types", CASE_TYPES],
                    _env(region, port, base),
                )


def _demo_cases(nodes: list[tuple[str, str, int]], base: Path) -> list[str]:
    """One cross-province case in each mode, made on the running nodes (idempotent); the
    lines that describe them. The nodes' workers deliver the messages."""
    ports = {region: port for region, _name, port in nodes}
    lines = []
    for region, call, label in DEMO_CASES:
        out = _run(["shell", "-c", DEMO_SHELL.format(call=call)], _env(region, ports[region], base))
        number, status, handling, children = out.splitlines()[-1].split("|")
        where = (
            f"/window/cases/{number}/ (clerk)"
            if "received" in call
            else f"/me/cases/{number}/ (citizen)"
        )
        lines.append(f"  {label}\n    case {number} on {region} ({status}), at {where}")
        if handling != "-":
            lines[-1] += f"; handled by {handling}"
        if children != "-":
            lines[-1] += f"\n    items: {children}"
    return lines


def main() -> None:
    base = Path(os.environ.get("FEDERATION_DEMO_DIR", ROOT / "var" / "federation"))
    first = int(os.environ.get("FEDERATION_DEMO_PORT", "8001"))
    workers = os.environ.get("FEDERATION_DEMO_WORKERS", "1")
    nodes = [(region, name, first + i) for i, (region, name) in enumerate(REGIONS)]
    servers: list[subprocess.Popen[bytes]] = []

    def stop(*_args: object) -> None:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()

    signal.signal(signal.SIGTERM, lambda *_a: (stop(), sys.exit(0)))
    try:
        for region, name, port in nodes:
            env = _env(region, port, base)
            print(f"preparing {name} ({region}) in {env['DATA_DIR']} …", flush=True)
            _run(["migrate", "--no-input", "-v", "0"], env)
            _run(["collectstatic", "--no-input", "-v", "0"], env)
            _run(["seed_demo"], env)
        for region, name, port in nodes:
            env = _env(region, port, base, name)
            log = open(Path(env["DATA_DIR"]) / "serve.log", "ab")  # noqa: SIM115 - kept open
            servers.append(
                subprocess.Popen(
                    [
                        *(str(ONESTOP), "serve", "--host", "127.0.0.1", "--port", str(port)),
                        *("--workers", workers),
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        print("starting the three nodes (each warms up its models first) …", flush=True)
        for _region, _name, port in nodes:
            _wait(f"http://127.0.0.1:{port}")
        prints = {
            region: _run(["peer", "fingerprint"], _env(region, port, base)).split()[-1]
            for region, _name, port in nodes
        }
        for region, _name, port in nodes:
            known = _run(["peer", "list"], _env(region, port, base))
            for other, _other_name, other_port in nodes:
                if other != region and other not in known:
                    _run(
                        [
                            "peer",
                            "add",
                            f"http://127.0.0.1:{other_port}",
                            "--fingerprint",
                            prints[other],
                        ],
                        _env(region, port, base),
                    )
        _allow_cases(nodes, base)
        cases = _demo_cases(nodes, base)
        print("\nThree OneStop nodes, each peered with the other two:\n")
        for region, name, port in nodes:
            print(f"  {name:<16} {region}  http://127.0.0.1:{port}/")
        print("\nOne cross-province case in each mode:\n")
        print("\n".join(cases))
        print(
            "\nAccounts on every node (password onestop-demo-2026): citizen, business, clerk,"
            " officer-ps, agent, supervisor, admin (the network screen: /federation/network/)."
            "\nStaff sign in with the demo authenticator code the second-factor page shows."
            "\nCtrl-C stops all three.\n",
            flush=True,
        )
        while all(server.poll() is None for server in servers):
            time.sleep(1)
        sys.exit("a node stopped; see serve.log in its data dir")
    except KeyboardInterrupt:
        pass
    finally:
        stop()


if __name__ == "__main__":
    main()
