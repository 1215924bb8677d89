from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "onestop.workflow"
    label = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from onestop.workflow import seed  # noqa: F401 - registers the seed step
