"""Where a dataset's records come from: this node's own table, or another system behind an
adapter. `services.data_fetch_many` and `selectors.holdings_of` ask here for every dataset whose
`DatasetSource.kind` is not ``local``; the policy, consent, access record and ledger entry stay
theirs, exactly as for local data.

An adapter answers one question about one subject: the record's fields (`fetch`), or only
whether a record exists (`probe`). Every answer is an `Answer` with a `status`:

- ``found``: the values (only the fields asked for, under the dataset's own field names);
- ``absent``: the source holds no record about the subject;
- ``refused``: the source itself refused (its own rules), `reason` ``source_refused``;
- ``unavailable``: the source could not answer now (`reason`: ``source_unreachable``,
  ``source_timeout``, ``source_error`` (5xx, 429 or an unexpected status), ``source_auth``
  (our credentials were not accepted), ``source_malformed`` (not the JSON the contract says),
  ``source_too_large`` (a body over `SHARING_SOURCE_MAX_BYTES`, default 1 MiB: read no further),
  ``source_not_configured``). A body is read in chunks, and the whole answer must arrive
  within `SHARING_SOURCE_TOTAL_SECONDS` (default 20; the read timeout bounds one read only,
  a source that drips a byte at a time would hold the request for ever), else
  ``source_timeout``. Never a 500 and never "no record": the applicant uploads the
  material instead, or the application waits.

Kinds: ``http_json`` (the documented department adapter below; docs/sharing.md "Department
systems") and ``peer`` (a peer node asked with a signed ``data.fetch`` message,
`sharing.federated`, registered from `SharingConfig.ready()`).

After an ``unavailable`` answer a source is left alone for `SHARING_SOURCE_RETRY_SECONDS`
(default 30, per process): the calls in that window answer ``unavailable`` at once instead of
waiting for the timeouts again (pages that ask whether materials are held stay fast during an
outage). A probe's ``found``/``absent`` is kept for `SHARING_SOURCE_PROBE_SECONDS` (default
300, per process); a fetch always asks the source.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import requests
import urllib3
from django.conf import settings

from onestop.core import memo
from onestop.core.secrets import read_env

logger = logging.getLogger(__name__)

Status = Literal["found", "absent", "refused", "unavailable"]

USER_AGENT = "OneStop-sharing/1"


@dataclass(frozen=True)
class Answer:
    status: Status
    values: dict[str, Any] | None = None
    reason: str = ""
    source: str = ""  # "<kind>:<host[:port]>", recorded on the access record
    # a peer node's answer (kind ``peer``): its region and the id of its own access record
    peer_region: str = ""
    peer_record: str = ""


@dataclass(frozen=True)
class Request:
    """What the adapter may send: the subject key and the fields, the purpose, the case
    reference and the id of the access record (the department's log can name it)."""

    dataset: str
    subject_key: str
    fields: Sequence[str] = ()
    purpose: str = ""
    case_ref: str = ""
    request_id: str = ""
    # what a peer node is told so that it can apply its own rules (kind ``peer``): the basis
    # decided here (``self``, ``law: ...`` or ``consent``), the requesting department and
    # officer, the identity assurance of a citizen fetching about themself, and the consent
    basis: str = ""
    department: str = ""
    officer: str = ""
    assurance: str = ""
    consent: dict[str, Any] | None = None


@dataclass(frozen=True)
class Adapter:
    fetch: Callable[[Any, Request], Answer]
    probe: Callable[[Any, Request], Answer]
    label: Callable[[Any], str] = field(default=lambda source: str(source.kind))


_adapters: dict[str, Adapter] = {}


def register(kind: str, adapter: Adapter) -> None:
    """Serve the datasets whose source is `kind` (called from an `AppConfig.ready()`)."""
    _adapters[kind] = adapter


def adapter_for(kind: str) -> Adapter | None:
    return _adapters.get(kind)


def _max_bytes() -> int:
    return int(getattr(settings, "SHARING_SOURCE_MAX_BYTES", 1024 * 1024))


def _total_seconds() -> float:
    return float(getattr(settings, "SHARING_SOURCE_TOTAL_SECONDS", 20))


def _retry_seconds() -> float:
    return float(getattr(settings, "SHARING_SOURCE_RETRY_SECONDS", 30))


def _probe_seconds() -> float:
    return float(getattr(settings, "SHARING_SOURCE_PROBE_SECONDS", 300))


# source label → the unavailable answer that put it to rest
_resting: memo.TTLCache[str, Answer] = memo.TTLCache("sharing.sources.resting", _retry_seconds)
# (dataset, subject key digest) → a probe's found / absent
_probed: memo.TTLCache[tuple[str, str], Answer] = memo.TTLCache(
    "sharing.sources.probed", _probe_seconds, limit=10000
)


def label(source: Any) -> str:
    adapter = adapter_for(str(source.kind))
    return adapter.label(source) if adapter is not None else str(source.kind)


def _call(source: Any, request: Request, *, probe: bool) -> Answer:
    name = label(source)
    adapter = adapter_for(str(source.kind))
    if adapter is None:
        return Answer("unavailable", reason="source_not_configured", source=name)
    resting = _resting.get(name)
    if resting is not None:
        return resting
    answer = (adapter.probe if probe else adapter.fetch)(source, request)
    if answer.status == "unavailable":
        _resting.put(name, answer)
        logger.warning(
            "dataset source %s unavailable: %s (dataset %s)", name, answer.reason, request.dataset
        )
    else:
        _resting.pop(name)
    return answer


def fetch(source: Any, request: Request) -> Answer:
    """The record's `request.fields` from `source` (never raises)."""
    return _call(source, request, probe=False)


def probe(source: Any, request: Request, *, cache_key: str) -> Answer:
    """Whether `source` holds a record about the subject (never raises). `cache_key` (the
    subject's blind index) keys the kept answer: never the subject key itself."""
    key = (request.dataset, cache_key)
    kept = _probed.get(key)
    if kept is not None:
        return kept
    answer = _call(source, request, probe=True)
    if answer.status in ("found", "absent"):
        _probed.put(key, answer)
    return answer


CHECK_SUBJECT = "ONESTOP-CHECK"


def check(source: Any, dataset: str) -> Answer:
    """An operator's check that `source` answers (address, credentials, timeouts): a probe
    about the subject key ``ONESTOP-CHECK``, which is nobody's, so no personal data is asked
    for; ``absent`` (or ``found``) means it answers. Not kept, not resting."""
    adapter = adapter_for(str(source.kind))
    if adapter is None:
        return Answer("unavailable", reason="source_not_configured", source=label(source))
    return adapter.probe(
        source, Request(dataset=dataset, subject_key=CHECK_SUBJECT, purpose="verification")
    )


def forget() -> None:
    """Forget the kept answers of this process (after a source is reconfigured)."""
    _resting.clear()
    _probed.clear()


# --- the HTTP JSON department adapter ---------------------------------------------------------


def _http_label(source: Any) -> str:
    parts = urlsplit(str(source.base_url or ""))
    return f"http_json:{parts.netloc or '?'}"


def secret_of(source: Any) -> str:
    """The source's token or password: from `secret_env` (environment or ``<NAME>_FILE``)
    when named, else the stored (encrypted) `secret`."""
    if source.secret_env:
        return read_env(str(source.secret_env)) or ""
    return str(source.secret or "")


def _mapping(source: Any) -> dict[str, Any]:
    """{dataset field: the department's name} (fields named alike are left out)."""
    return source.field_map if isinstance(source.field_map, dict) else {}


def _url(source: Any, request: Request) -> str:
    path = str(source.path_template).format(
        dataset=quote(request.dataset, safe=""), subject=quote(request.subject_key, safe="")
    )
    return str(source.base_url).rstrip("/") + "/" + path.lstrip("/")


def _headers(source: Any, request: Request) -> tuple[dict[str, str], Any]:
    headers = {
        "Accept": "application/json",
        # plain bytes only: the size bound counts what is read (no compressed bomb)
        "Accept-Encoding": "identity",
        "User-Agent": USER_AGENT,
        "X-OneStop-Node": str(getattr(settings, "NODE_REGION", "")),
        "X-OneStop-Purpose": request.purpose,
    }
    if request.case_ref:
        headers["X-OneStop-Case"] = request.case_ref
    if request.request_id:
        headers["X-OneStop-Request-Id"] = request.request_id
    auth = None
    if source.auth == "bearer":
        headers["Authorization"] = f"Bearer {secret_of(source)}"
    elif source.auth == "basic":
        auth = (str(source.username), secret_of(source))
    return headers, auth


def _send(source: Any, request: Request, method: str) -> requests.Response | Answer:
    name = _http_label(source)
    if not source.base_url:
        return Answer("unavailable", reason="source_not_configured", source=name)
    headers, auth = _headers(source, request)
    mapping = _mapping(source)
    names = [str(mapping.get(f, f)) for f in request.fields]
    params = {"fields": ",".join(names)} if names else None
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment gets the token
        try:
            return session.request(
                method,
                _url(source, request),
                params=params,
                headers=headers,
                auth=auth,
                timeout=(float(source.connect_timeout), float(source.read_timeout)),
                allow_redirects=False,  # the credentials go to the configured host only
                stream=True,  # the body is read by `_body`, bounded in size and time
            )
        except requests.Timeout:
            return Answer("unavailable", reason="source_timeout", source=name)
        except requests.RequestException:
            return Answer("unavailable", reason="source_unreachable", source=name)


def _status_answer(response: requests.Response, name: str) -> Answer | None:
    """The answer a status gives on its own (None: 200, read the body)."""
    code = response.status_code
    if code == 200:
        return None
    if code == 404:
        return Answer("absent", source=name)
    if code == 401:
        return Answer("unavailable", reason="source_auth", source=name)
    if code == 403:
        return Answer("refused", reason="source_refused", source=name)
    return Answer("unavailable", reason="source_error", source=name)


def _body(response: requests.Response, name: str) -> bytes | Answer:
    """The body, at most `SHARING_SOURCE_MAX_BYTES`, arrived within
    `SHARING_SOURCE_TOTAL_SECONDS` of the request (else the ``unavailable`` answer)."""
    most = _max_bytes()
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > most:
        return Answer("unavailable", reason="source_too_large", source=name)
    due = time.monotonic() + _total_seconds()
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            # one read of the socket each (read1): a source that drips is noticed at once
            chunk = response.raw.read1(16384)
            if not chunk:
                break
            size += len(chunk)
            if size > most:
                return Answer("unavailable", reason="source_too_large", source=name)
            if time.monotonic() > due:
                return Answer("unavailable", reason="source_timeout", source=name)
            chunks.append(chunk)
    except (requests.Timeout, urllib3.exceptions.TimeoutError):
        return Answer("unavailable", reason="source_timeout", source=name)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        return Answer("unavailable", reason="source_unreachable", source=name)
    return b"".join(chunks)


def _http_fetch(source: Any, request: Request) -> Answer:
    name = _http_label(source)
    response = _send(source, request, "GET")
    if isinstance(response, Answer):
        return response
    with response:
        early = _status_answer(response, name)
        if early is not None:
            return early
        raw = _body(response, name)
        if isinstance(raw, Answer):
            return raw
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
    record = body.get("record") if isinstance(body, dict) else None
    if not isinstance(record, dict):
        return Answer("unavailable", reason="source_malformed", source=name)
    mapping = _mapping(source)
    values = {f: record.get(str(mapping.get(f, f))) for f in request.fields}
    if any(isinstance(v, (dict, list)) for v in values.values()):
        return Answer("unavailable", reason="source_malformed", source=name)
    return Answer("found", values=values, source=name)


def _http_probe(source: Any, request: Request) -> Answer:
    name = _http_label(source)
    response = _send(source, request, "HEAD")
    if isinstance(response, Answer):
        return response
    with response:
        return _status_answer(response, name) or Answer("found", source=name)


register("http_json", Adapter(fetch=_http_fetch, probe=_http_probe, label=_http_label))
