"""/api/v1/scenarios/{slug}/burden: burden figures of a scenario from real cases."""

from ninja import Router

router = Router(tags=["cases"])
