"""E-licence claims as people read them: every claim a licence type of the data carries has a
translated label, every option value of those fields a label in both languages, and neither
the wallet page nor the printed licence shows a machine key (birthDate, caseNumber, ...)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation

from onestop.accounts.models import User
from onestop.credentials import claims
from tests.factories.papers import read_pdf

SEED = Path(settings.BASE_DIR) / "data" / "seed"
MACHINE_KEY = re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b|\b[a-z]+_[a-z_]+\b")


def _json(name: str) -> Any:
    return json.loads((SEED / name).read_text(encoding="utf-8"))


def _demo_claims() -> set[str]:
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for licence in node.get("licences", []) if "licences" in node else []:
                keys.update(licence["subject"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_json("demo_people.json"))
    return keys


def _form_options() -> dict[str, list[tuple[str, str]]]:
    """Per catalogue form field key: its (option, English option) pairs."""
    found: dict[str, list[tuple[str, str]]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("key"), str) and node.get("options"):
                english = node.get("options_en") or [""] * len(node["options"])
                found.setdefault(node["key"], []).extend(zip(node["options"], english, strict=True))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_json("catalog.json"))
    return found


def test_every_claim_of_every_licence_type_has_a_label() -> None:
    carried = {key for row in _json("licence_types.json") for key in row["subject_fields"]}
    unlabelled = sorted(k for k in carried | _demo_claims() if k not in claims.CLAIM_LABELS)
    assert unlabelled == []


def test_every_option_a_licence_carries_is_named_in_both_languages() -> None:
    carried = {key for row in _json("licence_types.json") for key in row["subject_fields"]}
    options = _form_options()
    checked = 0
    for key in sorted(carried & options.keys()):
        for option, english in options[key]:
            with translation.override("en"):
                assert claims.claim_value(option) == (english or option), (key, option)
            with translation.override("zh-hans"):
                assert claims.claim_value(option) in (option, english), (key, option)
            checked += 1
    assert checked >= 10


def test_wallet_and_pdf_show_labels_not_keys(
    client: Any, issue: Any, world: dict[str, User], tmp_path: Path
) -> None:
    credential = issue(
        subject={
            "name": "张伟",
            "gender": "男",
            "birthDate": "1993-03-15",
            "issueDate": "2016-05-20",
        }
    )
    client.force_login(world["citizen"])
    for language in ("en", "zh-hans"):
        with translation.override(language):
            sex = translation.gettext("Male")  # "男" in Chinese
            page = client.get(f"/wallet/{credential.id}/", HTTP_ACCEPT_LANGUAGE=language)
            html = page.content.decode()
            for key in ("birthDate", "issueDate", "gender"):
                assert f">{key}<" not in html
            assert sex in html
            body = client.get(f"/wallet/{credential.id}/pdf", HTTP_ACCEPT_LANGUAGE=language)
            paper = read_pdf(body.content, tmp_path, f"licence-{language}")
            assert MACHINE_KEY.search(paper.text.replace("did:", "")) is None, paper.text
            assert sex in paper.text
            assert "张伟" in paper.text
            assert "Author:" in paper.info
            assert "anonymous" not in paper.info
