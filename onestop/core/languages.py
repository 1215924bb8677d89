"""Language tags as callers send them (BCP 47, any case: ``zh``, ``zh-CN``, ``zh-Hans``,
``zh_hans``, ``en-GB``) mapped to the node's languages (``zh-hans``, ``en``)."""

from __future__ import annotations

import re

from django.conf import settings

# What the API's `lang` parameters accept (in the OpenAPI document too): a primary subtag the
# node speaks, then any subtags.
TAG_PATTERN = r"^([zZ][hH]|[eE][nN])([-_][A-Za-z0-9]{1,8}){0,3}$"
_TAG = re.compile(TAG_PATTERN)


def from_tag(tag: object) -> str | None:
    """The node's language for a BCP 47 tag, or None when the node does not speak it: every
    Chinese tag is the node's Chinese (zh-hans), every English one its English."""
    if not isinstance(tag, str) or not _TAG.match(tag.strip()):
        return None
    primary = tag.strip()[:2].lower()
    for code, _name in settings.LANGUAGES:
        if code.split("-")[0] == primary:
            return code
    return None
