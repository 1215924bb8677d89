"""The node's tlog-witness service (c2sp.org/tlog-witness), mounted at
``/federation/v1/witness/``: that is the submission and the monitoring prefix."""

from django.urls import path, re_path

from onestop.ledger import views

app_name = "witness"

urlpatterns = [
    path("add-checkpoint", views.add_checkpoint, name="add_checkpoint"),
    re_path(
        r"^(?P<origin_hash>[0-9a-f]{64})/checkpoint$",
        views.witnessed_checkpoint,
        name="checkpoint",
    ),
]
