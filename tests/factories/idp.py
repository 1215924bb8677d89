"""A real OpenID Connect provider on loopback for tests: `oidc-provider-mock` (PyPI), run as its
own process (`python -m oidc_provider_mock`), as a node's identity provider would be.

- `IdentityProvider.start()` → the process on a free loopback port, once its discovery document
  answers; `.url` is its issuer; `.stop()` ends it.
- `.person(sub, **claims)` → the claims the provider puts in the ID token of `sub` (custom claims
  such as `resident_id` and `acr` always, `name` with the `profile` scope).
- `.approve(authorize_url, sub)` → what the person's browser does on the provider's page: sign
  in as `sub` and come back; returns the callback URL (with `code` and `state`).

The provider accepts any client id, secret and redirect URI, signs ID tokens with RS256 with a
key it makes at start, and puts the `nonce` of the authorization request in the ID token. It
does not check PKCE (`code_verifier`); the tests check that the node sends the S256 challenge.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Any

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class IdentityProvider:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> IdentityProvider:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--require-nonce",
                "true",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.discovery, timeout=1).ok:
                    return self
            except requests.ConnectionError:
                # not listening yet: wait on the process itself (an exit ends the wait at once)
                try:
                    self.process.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError("the OpenID Connect provider exited at start") from None
        self.stop()
        raise RuntimeError(f"the OpenID Connect provider did not answer in {timeout} s")

    @property
    def discovery(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def person(self, sub: str, **claims: Any) -> str:
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()
        return sub

    @staticmethod
    def approve(authorize_url: str, sub: str) -> str:
        response = requests.post(
            authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])
