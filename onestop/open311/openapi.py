"""The GeoReport v2 operations under ``/open311/v2/`` in OpenAPI 3.1, for the node's one
committed document (`onestop.api.OneStopAPI.get_openapi_schema` merges them in; `make openapi`
writes docs/api/openapi.json).

Each operation is listed twice, as the spec has it: ``….json`` (JSON, the Spark convention) and
``….xml`` (``text/xml``, the element names in each schema's ``xml``). Parameters carry the
patterns the views check (`onestop.open311.params`); errors are GeoReport's ``errors``: a JSON
array of ``{code, description}`` (XML ``<errors><error>``), 400, 403 or 404 as the spec asks,
413 for a body over the limit and 429 with ``Retry-After`` for a client over its rate.
The key travels in the ``X-Api-Key`` header (security scheme ``Open311Key``) or as ``api_key``
in the POST body, never in the URL.
"""

from __future__ import annotations

import copy
from typing import Any

from onestop.core import languages
from onestop.hotline import services as hotline_services
from onestop.hotline.models import WorkOrder
from onestop.open311 import catalogue, params, services

PREFIX = "/open311/v2"
TAG = "open311"
FORMATS = ("json", "xml")
CONTENT = {"json": "application/json", "xml": "text/xml"}
W3C = (
    "A W3C date-time in China Standard Time, e.g. 2026-11-26T10:00:00+08:00 (null when not known)."
)


def _nullable(kind: str, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if description:
        schema["description"] = description
    return schema


def _array(item: str, container: str, child: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"$ref": f"#/components/schemas/{item}", "xml": {"name": child}},
        "xml": {"name": container, "wrapped": True},
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "Open311Error": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status (or a finer code)."},
            "description": {"type": "string", "description": "What went wrong, translated."},
        },
        "xml": {"name": "error"},
    },
    "Open311Errors": {
        **_array("Open311Error", "errors", "error"),
        "minItems": 1,
        "description": "GeoReport v2 errors: one or more {code, description}.",
    },
    "Open311Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": _nullable("string", "When the services last changed (W3C)."),
            "contact": {"type": "string"},
            "key_service": {"type": "string", "description": "How to get an API key."},
            "endpoints": {
                "type": "array",
                "xml": {"name": "endpoints", "wrapped": True},
                "items": {
                    "type": "object",
                    "xml": {"name": "endpoint"},
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string", "const": catalogue.SPECIFICATION},
                        "url": {"type": "string"},
                        "changeset": _nullable("string"),
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {
                            "type": "array",
                            "xml": {"name": "formats", "wrapped": True},
                            "items": {"type": "string", "xml": {"name": "format"}},
                        },
                    },
                },
            },
        },
        "xml": {"name": "discovery"},
    },
    "Open311Service": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string"},
            "service_name": {"type": "string"},
            "description": _nullable("string"),
            "metadata": {
                "type": "boolean",
                "description": "true: GET services/{service_code} lists its attributes.",
            },
            "type": {
                "type": "string",
                "enum": ["realtime", "batch", "blackbox"],
                "description": "Always realtime here: a POST returns the request's id at once.",
            },
            "keywords": _nullable("string", "Comma-separated."),
            "group": _nullable("string", "The level-1 category the service belongs to."),
        },
        "xml": {"name": "service"},
    },
    "Open311Services": _array("Open311Service", "services", "service"),
    "Open311Attribute": {
        "type": "object",
        "required": ["variable", "code", "datatype", "required", "order", "description"],
        "properties": {
            "variable": {"type": "boolean"},
            "code": {"type": "string"},
            "datatype": {
                "type": "string",
                "enum": [
                    "string",
                    "number",
                    "datetime",
                    "text",
                    "singlevaluelist",
                    "multivaluelist",
                ],
            },
            "required": {"type": "boolean"},
            "datatype_description": {"type": "string"},
            "order": {"type": "integer", "minimum": 1},
            "description": {"type": "string"},
            "values": {
                "type": "array",
                "xml": {"name": "values", "wrapped": True},
                "items": {
                    "type": "object",
                    "xml": {"name": "value"},
                    "required": ["key", "name"],
                    "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
        "xml": {"name": "attribute"},
    },
    "Open311ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": _array("Open311Attribute", "attributes", "attribute"),
        },
        "xml": {"name": "service_definition"},
    },
    "Open311Request": {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "description": (
            "A reader without a key gets lat and long rounded to 3 decimals and, unless the "
            "service is published, no description and no address. The caller's name and phone "
            "are never part of it."
        ),
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _nullable("string"),
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": _nullable("string"),
            "agency_responsible": _nullable("string"),
            "service_notice": _nullable("string"),
            "requested_datetime": {"type": "string", "description": W3C},
            "updated_datetime": _nullable("string", W3C),
            "expected_datetime": _nullable("string", W3C),
            "address": _nullable("string"),
            "address_id": _nullable("string"),
            "zipcode": _nullable("string"),
            "lat": _nullable("number"),
            "long": _nullable("number"),
            "media_url": _nullable("string"),
        },
        "xml": {"name": "request"},
    },
    "Open311Requests": _array("Open311Request", "service_requests", "request"),
    "Open311Created": {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "xml": {"name": "service_requests", "wrapped": True},
        "items": {
            "type": "object",
            "xml": {"name": "request"},
            "required": ["service_request_id"],
            "properties": {
                "service_request_id": {"type": "string"},
                "service_notice": {"type": "string"},
                "account_id": {"type": "string"},
            },
        },
    },
    "Open311Token": {
        "type": "array",
        "xml": {"name": "service_requests", "wrapped": True},
        "items": {
            "type": "object",
            "xml": {"name": "request"},
            "required": ["service_request_id", "token"],
            "properties": {
                "service_request_id": _nullable("string"),
                "token": {"type": "string"},
            },
        },
    },
}

ERRORS = {
    400: "Not valid (a parameter, the body or the date window; description says which).",
    403: "No valid api_key (or a key in the URL's query string, refused as 400).",
    404: "No such service, request, token or address.",
    409: "The request conflicts with one being filed at the same time; send it again.",
    413: "The request body is too large.",
    422: "This Idempotency-Key was used before with another body.",
    429: "Too many requests of this client: wait the seconds of Retry-After.",
}


def _content(fmt: str, ref: str) -> dict[str, Any]:
    return {CONTENT[fmt]: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _responses(fmt: str, ok: str, description: str, codes: list[int]) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": description, "content": _content(fmt, ok)}}
    for code in codes:
        body: dict[str, Any] = {
            "description": ERRORS[code],
            "content": _content(fmt, "Open311Errors"),
        }
        if code == 429:
            body["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        responses[str(code)] = body
    return responses


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _path(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1, **schema},
    }


COMMON = [
    _query(
        "jurisdiction_id",
        "Ignored: this endpoint serves one jurisdiction (its node's region), as the spec allows.",
    ),
    _query(
        "lang",
        "Language of names and messages: a BCP 47 tag (zh, zh-CN, zh-Hans, en, en-GB, any "
        "case; `locale` is read too). Absent: the negotiated language; a language the node "
        "does not speak answers 400; empty is absent, as for every GeoReport field.",
        pattern=f"^$|{languages.TAG_PATTERN}",
    ),
]
READ_SECURITY: list[dict[str, list[str]]] = [{}, {"Open311Key": []}]
WRITE_SECURITY: list[dict[str, list[str]]] = [{"Open311Key": []}]

REQUEST_BODY = {
    "type": "object",
    "required": ["service_code", "description", "phone"],
    "description": (
        "GeoReport v2 fields (unknown ones are ignored, an empty one is an absent one). A "
        "location is required: lat and long together (inside the client's region), or "
        "address_string. first_name and last_name together have at most 60 characters. The "
        "media upload extension (files as media[] in multipart/form-data, at most "
        f"{hotline_services.MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each) is accepted too."
    ),
    "properties": {
        "api_key": {
            "type": "string",
            "description": "The client's key, when not sent in the X-Api-Key header.",
        },
        "jurisdiction_id": {"type": "string", "description": "Ignored."},
        "service_code": {"type": "string", "minLength": 1, "maxLength": 120},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 300},
        "address_id": {"type": "string", "description": "Ignored."},
        "description": {
            "type": "string",
            "maxLength": services.MAX_DESCRIPTION,
            "pattern": "\\S",
            "description": "What happened; not blank.",
        },
        "phone": {
            "type": "string",
            "pattern": "^\\s*[ -]*([0-9][ -]*){7,15}\\s*$",
            "description": "The citizen's phone (7 to 15 digits): the hotline calls back.",
        },
        "first_name": {"type": "string", "maxLength": 60},
        "last_name": {"type": "string", "maxLength": 60},
        "email": {"type": "string", "description": "A valid address, or nothing."},
        "device_id": {"type": "string", "description": "Ignored."},
        "account_id": {"type": "string", "description": "Ignored."},
        "media_url": {"type": "string", "description": "Ignored (send media[] instead)."},
        "attribute[request_type]": {
            "type": "string",
            "enum": ["", *WorkOrder.RequestType.values],
            "description": "What kind of request (empty: a request for help).",
        },
        "attribute[township]": {"type": "string", "maxLength": 100},
    },
}


# A request of a service every node has (data/seed/hotline.json), located by address.
REQUEST_EXAMPLE = {
    "service_code": "urban-management.street-vending",
    "description": "Stalls block the pavement outside the school gate every morning.",
    "phone": "13800138000",
    "address_string": "Jiefang Road 88, Hongning",
    "attribute[request_type]": "complaint",
}


def _operations(fmt: str) -> dict[str, dict[str, Any]]:
    def op(name: str, summary: str, **rest: Any) -> dict[str, Any]:
        return {
            "operationId": f"open311_{name}_{fmt}",
            "summary": f"{summary} ({fmt.upper()})",
            "tags": [TAG],
            **rest,
        }

    service_code = _path("service_code", "A service code from services.", maxLength=120)
    return {
        f"{PREFIX}/discovery.{fmt}": {
            "get": op(
                "discovery",
                "Service discovery",
                description="Where the endpoint is, its formats and how to get a key.",
                parameters=list(COMMON),
                security=[{}],
                responses=_responses(fmt, "Open311Discovery", "The discovery document.", [400]),
            )
        },
        f"{PREFIX}/services.{fmt}": {
            "get": op(
                "services",
                "GET Service List",
                description="The hotline's level-2 categories, each a service.",
                parameters=list(COMMON),
                security=[{}],
                responses=_responses(fmt, "Open311Services", "Every service.", [400]),
            )
        },
        f"{PREFIX}/services/{{service_code}}.{fmt}": {
            "get": op(
                "service_definition",
                "GET Service Definition",
                description="The attributes a request of the service may carry.",
                parameters=[service_code, *COMMON],
                security=[{}],
                responses=_responses(
                    fmt, "Open311ServiceDefinition", "The service's attributes.", [400, 404]
                ),
            )
        },
        f"{PREFIX}/requests.{fmt}": {
            "get": op(
                "requests",
                "GET Service Requests",
                description=(
                    "Requests the client's service account may see (without a key: those of "
                    "the client serving public reads, texts withheld unless published), newest "
                    f"first, at most {catalogue.MAX_RESULTS}. service_request_id overrides every "
                    "other parameter. start_date and end_date span at most "
                    f"{params.WINDOW_DAYS} days, end_date not before start_date (default: the "
                    f"last {params.WINDOW_DAYS} days); an unknown service_code is a 400."
                ),
                parameters=[
                    _query(
                        "service_request_id",
                        f"Comma-separated request ids (at most {params.MAX_IDS}).",
                        pattern=params.ID_LIST_PATTERN,
                    ),
                    _query(
                        "service_code",
                        f"Comma-separated service codes (at most {params.MAX_CODES}).",
                        pattern=params.CODE_LIST_PATTERN,
                    ),
                    _query("status", "open, closed, or both.", pattern=params.STATUS_PATTERN),
                    _query(
                        "start_date",
                        "Requested at or after (W3C date-time, years 2000-2099; no offset: "
                        "China Standard Time).",
                        pattern=params.DATE_PATTERN,
                    ),
                    _query(
                        "end_date",
                        "Requested at or before (as start_date).",
                        pattern=params.DATE_PATTERN,
                    ),
                    *COMMON,
                ],
                security=READ_SECURITY,
                responses=_responses(fmt, "Open311Requests", "The requests found.", [400, 403]),
            ),
            "post": op(
                "request_create",
                "POST Service Request",
                description=(
                    "Files a request with the 12345 hotline as a work order of the client's "
                    "region. An Idempotency-Key (or, without one, the same body within "
                    f"{services.DEDUPE_SECONDS} s) makes a retry return the first request; the "
                    "same key with another body is a 422."
                ),
                parameters=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Makes retries of this request safe.",
                        "schema": {
                            "type": "string",
                            "maxLength": services.MAX_IDEMPOTENCY_KEY,
                        },
                    },
                    *COMMON[1:],
                ],
                security=WRITE_SECURITY,
                requestBody={
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"$ref": "#/components/schemas/Open311RequestIn"},
                            "examples": {"street_vending": {"value": REQUEST_EXAMPLE}},
                        }
                    },
                },
                responses=_responses(
                    fmt,
                    "Open311Created",
                    "The request's id (every service is realtime).",
                    [400, 403, 404, 409, 413, 422, 429],
                ),
            ),
        },
        f"{PREFIX}/requests/{{service_request_id}}.{fmt}": {
            "get": op(
                "request",
                "GET Service Request",
                description="One request, as in the list (still a list of one).",
                parameters=[_path("service_request_id", "The request's id."), *COMMON],
                security=READ_SECURITY,
                responses=_responses(fmt, "Open311Requests", "The request.", [400, 403, 404]),
            )
        },
        f"{PREFIX}/tokens/{{token}}.{fmt}": {
            "get": op(
                "token",
                "GET request id from a token",
                description=(
                    "Every service is realtime: no request is ever answered with a token, so "
                    "every token is unknown (404)."
                ),
                parameters=[_path("token", "A token from a POST of a batch service."), *COMMON],
                security=[{}],
                responses=_responses(fmt, "Open311Token", "The request of the token.", [400, 404]),
            )
        },
    }


def paths() -> dict[str, Any]:
    """Every GeoReport v2 operation, in JSON and in XML."""
    out: dict[str, Any] = {}
    for fmt in FORMATS:
        out.update(_operations(fmt))
    return copy.deepcopy(out)


def schemas() -> dict[str, Any]:
    return copy.deepcopy({**SCHEMAS, "Open311RequestIn": REQUEST_BODY})
