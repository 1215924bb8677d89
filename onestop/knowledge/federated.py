"""Federated catalogue search (docs/federation.md, "Cross-province cases"): the portal and
`GET /api/v1/search?region=` of any node find the items of its peers.

A search for another region's catalogue is one signed `catalog.search` message to the peer
that serves that region (`federation.services.message_request`); the peer answers from its own
index (`search` with its own region) with item hits only — what can be applied for across
provinces. This node then links each hit to its own "apply for a peer's item" page, so the
citizen stays on their home node. A peer that does not answer is said so, translated.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from onestop.core import urls
from onestop.core.errors import DomainError, NotFound, ValidationFailed
from onestop.federation import handlers
from onestop.federation import selectors as federation_selectors
from onestop.federation import services as federation_services
from onestop.knowledge import selectors
from onestop.knowledge.models import SearchDocument

SEARCH = "catalog.search"
REMOTE_KINDS = (SearchDocument.Kind.ITEM.value,)
REMOTE_TIMEOUT = 10.0


class RegionUnreachable(DomainError):
    """The node that serves the region did not answer (502)."""

    status = 502
    code = "region_unreachable"


def search_handler(envelope: dict[str, Any], peer: Any) -> dict[str, Any]:
    """`catalog.search` from a peer: {"q", "lang", "limit"} → this node's item hits. A bad
    query is refused with the one error shape (400), nothing recorded but the message."""
    body = envelope["body"]
    hits = selectors.search(
        q=body.get("q"),
        lang=body.get("lang") or "zh-hans",
        limit=body.get("limit") or 10,
        kinds=REMOTE_KINDS,
    )
    return {
        "region": settings.NODE_REGION,
        "hits": [{"kind": h.kind, "code": h.ref, "title": h.title} for h in hits],
    }


def register() -> None:
    handlers.register(SEARCH, search_handler)


def regions() -> list[tuple[str, str]]:
    """The regions a search can ask: this node's first, then its active peers'
    ([(code, name)])."""
    found = [(settings.NODE_REGION, "")]
    found += [(p.region, p.name) for p in federation_selectors.peer_list() if p.active]
    return found


def hit_url(kind: str, ref: str, region: str) -> str:
    """Where this node's portal opens a hit: a peer's item → apply for it here."""
    if region != settings.NODE_REGION:
        return urls.absolute(reverse("cases:apply_remote", kwargs={"region": region, "code": ref}))
    if kind == "scenario":
        return urls.absolute(reverse("catalog:scenario_detail", kwargs={"slug": ref}))
    if kind == "article":
        return urls.absolute(reverse("knowledge:article_detail", kwargs={"slug": ref}))
    return urls.absolute(reverse("catalog:item_detail", kwargs={"code": ref}))


def search(
    *, q: Any, lang: Any = "zh-hans", limit: Any = 10, region: str | None = None, kinds: Any = None
) -> list[dict[str, Any]]:
    """Hits of this node (`region` empty or this node's) or of the peer serving `region`, each
    {"kind", "slug"|"code", "title", "score"?, "region", "url"}. Raises ValidationFailed (a bad
    query, a region no peer serves) or RegionUnreachable."""
    region = (region or "").strip() or settings.NODE_REGION
    if region == settings.NODE_REGION:
        hits: list[selectors.Hit] = selectors.search(q=q, lang=lang, limit=limit, kinds=kinds)
        return [
            {**h.as_dict(), "region": region, "url": hit_url(h.kind, h.ref, region)} for h in hits
        ]
    # checked here, so the peer is asked only for a well-formed query
    text = selectors._clean_query(q)
    lang = selectors.clean_lang(lang)
    count = selectors._clean_limit(limit)
    try:
        reply = federation_services.message_request(
            to_region=region,
            type=SEARCH,
            body={"q": text, "lang": lang, "limit": count},
            purpose="catalogue",
            timeout=REMOTE_TIMEOUT,
        )
    except NotFound as exc:
        # as the classifier's unknown region: nothing is there to ask (a 404, not a bad request)
        raise NotFound(
            _("No node of this network serves the region %(region)s.") % {"region": region},
            code="unknown_region",
        ) from exc
    except federation_services.PeerUnavailable as exc:
        raise RegionUnreachable(
            _("The node of region %(region)s is not reachable; try again later.")
            % {"region": region}
        ) from exc
    except DomainError as exc:
        if exc.status == 400:
            raise ValidationFailed(str(exc.message), code=exc.code) from exc
        raise RegionUnreachable(
            _("The node of region %(region)s refused the search.") % {"region": region}
        ) from exc
    answered = reply.get("hits")
    remote_hits: list[Any] = answered if isinstance(answered, list) else []
    out = []
    for hit in remote_hits[:count]:
        if not isinstance(hit, dict) or hit.get("kind") not in REMOTE_KINDS:
            continue
        code = str(hit.get("code") or "")[:40]
        if not code or "/" in code:
            continue
        out.append(
            {
                "kind": "item",
                "code": code,
                "title": str(hit.get("title") or "")[:300],
                "region": region,
                "url": hit_url("item", code, region),
            }
        )
    return out
