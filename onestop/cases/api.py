"""/api/v1/cases: applications over the API (drafts, materials, idempotent submission)."""

from ninja import Router

router = Router(tags=["cases"])
