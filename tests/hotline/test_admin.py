"""Admin pages of the hotline load, and work orders are read-only there; `hotline_tick`."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command
from django.test import Client

from onestop.hotline import services
from onestop.hotline.models import WorkOrder

PS = "371121-public-security"


def test_admin_lists_and_shows_orders_read_only(world, make):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    client = Client()
    client.force_login(world["admin"])
    listing = client.get("/admin/hotline/workorder/")
    assert listing.status_code == 200
    assert order.number in listing.content.decode()
    page = client.get(f"/admin/hotline/workorder/{order.pk}/change/")
    assert page.status_code == 200
    assert "13800138000" not in page.content.decode()
    assert client.get("/admin/hotline/workorder/add/").status_code == 403
    assert client.get("/admin/hotline/category/").status_code == 200


def test_hotline_tick_escalates_overdue_orders(world, make, clock, monkeypatch):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    clock.set(order.resolve_by + datetime.timedelta(seconds=1))
    out = StringIO()
    call_command("hotline_tick", stdout=out)
    assert out.getvalue() == f"{order.number}\n1 work order(s) escalated\n"
    assert WorkOrder.objects.get(pk=order.pk).escalated_at == clock.now
