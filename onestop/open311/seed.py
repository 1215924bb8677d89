"""Demo-seed step of the Open311 gateway (order 80): one API client for the node's region.

DEVELOPMENT ONLY: the key `DEMO_KEY` is published here; it stops working as soon as the client
is deactivated, and a production node must never run the demo seed.
"""

from __future__ import annotations

from onestop.accounts.models import User
from onestop.core import seeding
from onestop.open311 import services
from onestop.open311.models import ApiClient

DEMO_NAME = "Demo Open311 client"
DEMO_KEY = "demo-open311-key"  # development-only, published


@seeding.register(order=80, name="open311")
def seed_open311(region: str | None = None) -> str:
    if ApiClient.objects.filter(name=DEMO_NAME).exists():
        return f"0 changed (demo api_key {DEMO_KEY}, development only)"
    admin = User.objects.filter(username="admin", is_active=True).first()
    if admin is None:
        return "skipped (needs the demo administrator)"
    services.client_create(
        actor=admin,
        name=DEMO_NAME,
        contact="open311-demo@example.org",
        region=region or seeding.node_region(),
        key=DEMO_KEY,
        public_reads=True,
    )
    return f"1 client created (demo api_key {DEMO_KEY}, development only)"
