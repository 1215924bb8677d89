"""tlog-tiles routes, mounted at ``/ledger/`` (the log's prefix; its origin line is
``<host>/ledger``). `<L>` and `<W>` without leading zeroes, `<N>` as ``x001/x234/067``."""

from django.urls import path, re_path

from onestop.ledger import views

app_name = "ledger"

_N = r"(?P<path>(?:x[0-9]{3}/)*[0-9]{3})"
_P = r"(?:\.p/(?P<partial>[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    re_path(rf"^tile/entries/{_N}{_P}$", views.entry_bundle, name="entries"),
    re_path(rf"^tile/(?P<level>0|[1-9][0-9]?)/{_N}{_P}$", views.hash_tile, name="tile"),
]
