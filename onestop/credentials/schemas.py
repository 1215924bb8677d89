from __future__ import annotations

from ninja import Schema


class JwkOut(Schema):
    kty: str
    crv: str
    x: str
    kid: str
    use: str
    alg: str


class JwksOut(Schema):
    keys: list[JwkOut]


class VerifyIn(Schema):
    token: str


class CredentialSummaryOut(Schema):
    id: str = ""
    licence_type: str = ""
    licence_name_zh: str = ""
    licence_name_en: str = ""
    number: str = ""
    holder_name: str = ""
    issuer_id: str = ""
    issuer_name: str = ""
    issuer_department: str = ""
    trust_level: str = ""
    valid_from: str = ""
    valid_until: str = ""
    status: str = ""


class VerifyOut(Schema):
    valid: bool
    errors: list[str]
    codes: list[str]
    credential: CredentialSummaryOut | None
