from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulationConfig(AppConfig):
    """The demo simulator (`onestop simulate`): no tables, no pages; it drives the other apps
    through their services (docs/operations.md, "A living demo region")."""

    name = "onestop.simulation"
    label = "simulation"
    verbose_name = _("Demo simulation")
