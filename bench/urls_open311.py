"""The node's URLs plus `POST /bench/floor`, for the benchmark's server only (see
`bench.settings_open311`)."""

from django.urls import path

from bench.floor import floor
from onestop.urls import handler404, handler500
from onestop.urls import urlpatterns as node_urlpatterns

urlpatterns = [path("bench/floor", floor), *node_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
